//! Source maps for innative (see issue 6). Not implemented yet.
