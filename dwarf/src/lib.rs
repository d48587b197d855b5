//! DWARF reading for innative (see issue 4). Not implemented yet.
