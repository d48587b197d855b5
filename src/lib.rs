//! innative: an ahead-of-time compiler from WebAssembly to native executables,
//! shared libraries and relocatable objects, through LLVM 19.
//!
//! The pipeline, one module per stage:
//! [`load`] → [`validate`] → [`module`] (what the wasm declares) →
//! [`lower`] (LLVM IR) → [`emit`] (optimize + ELF object) → [`link`].
//! [`compile`] drives it; [`wast`] runs spec scripts through it; [`cli`] is the
//! command line; [`serialize`] prints modules as text and
//! [`text_provenance`] makes that text (or the user's `.wat`) the debug info
//! of a module without DWARF.

pub mod build_sourcemap;
pub mod cli;
pub mod compile;
pub mod debug_prefix_map;
pub mod emit;
pub mod error;
pub mod header;
pub mod link;
pub mod load;
pub mod lower;
pub mod module;
pub mod names;
pub mod provenance;
pub mod serialize;
pub mod sourcemap_provenance;
pub mod text_provenance;
pub mod validate;
pub mod wast;

pub use compile::{compile, compile_to_object, OptLevel, Options, OutputKind};
pub use error::Error;
pub use load::Input;
