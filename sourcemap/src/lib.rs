//! Source maps for innative (issue 6), both ways:
//!
//! * **in** ([`map_in`]): a source map v3 (or an index map with `sections`)
//!   read with the [`sourcemap`] crate, checked, and turned into the same
//!   [`innative_dwarf::Provenance`] model the DWARF reader produces, so that
//!   the compiler's debug layer emits native line info from it;
//! * **out** ([`lines`] + [`build`]): the line tables of a wasm module's DWARF
//!   (generated position: line 1, column = byte offset of the instruction in
//!   the `.wasm` file — emscripten's convention) or of an ELF object,
//!   executable or shared library (line 1, column = virtual address; for a
//!   relocatable object, the offset inside the code section) written as a
//!   source map v3.  [`wasm`] rewrites a module with a `sourceMappingURL`
//!   section and without its `.debug_*` sections.
//!
//! Nothing here panics on bad input: maps and DWARF that cannot be read are
//! errors (strings) for the caller to report.

#![warn(missing_docs)]
#![allow(clippy::single_range_in_vec_init)]

pub mod build;
pub mod driver;
pub mod lines;
pub mod map_in;
pub mod vlq;
pub mod wasm;

pub use build::{build_map, BuildOptions, BuildStats, Input, InputKind};
pub use lines::{LineTable, Row};
pub use map_in::{parse_map, to_provenance, ModuleLayout, ParsedMap, SourceChoice};

/// The name of the wasm custom section that holds a module's source map URL.
pub const SOURCE_MAPPING_URL: &str = "sourceMappingURL";
