//! innative: an ahead-of-time compiler from WebAssembly to native executables,
//! shared libraries and relocatable objects, through LLVM 19.
//!
//! The pipeline, in the order [`driver`] runs it:
//! [`load`] → [`validate`] → [`module`] (what the wasm declares) →
//! [`provenance`] (DWARF, else source map, else text: chosen up front) →
//! [`lower`] (LLVM IR; reaches [`debuginfo`] through a few hooks) →
//! [`emit`] (optimize; then the debug post-passes; ELF object) → [`link`].
//! [`options`] is what changes a compile (a leaf every stage may import);
//! [`names`] the C symbol names; [`text`] prints modules as text;
//! [`header`] writes C headers; [`wast`] runs spec scripts through the
//! pipeline; [`cli`] and [`build_sourcemap`] are the command line.

#![warn(missing_docs)]

pub(crate) mod build_sourcemap;
pub mod cli;
pub(crate) mod debuginfo;
pub(crate) mod driver;
pub(crate) mod emit;
pub(crate) mod error;
pub(crate) mod header;
pub mod link;
pub(crate) mod load;
pub(crate) mod lower;
pub mod module;
pub(crate) mod names;
pub(crate) mod options;
pub mod provenance;
pub mod target;
pub mod text;
pub mod validate;
pub mod wast;

pub use driver::{compile, compile_to_object, serialize_input};
pub use error::Error;
pub use load::Input;
pub use options::{Linkage, OptLevel, Options, OutputKind};
