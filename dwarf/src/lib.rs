//! innative's DWARF reader: turns the DWARF a wasm module carries (clang's
//! `.debug_*` custom sections, DWARF 4 or 5) into a [`Provenance`] model —
//! compile units with their files, line rows keyed by code offset, and
//! subprograms with their scopes — that knows nothing about LLVM.
//!
//! Addresses are wasm *code offsets*: byte offsets from the start of the code
//! section's payload, as clang and wasm-ld write them.
//!
//! Split DWARF is followed too: skeleton units whose DIEs live in `.dwo`
//! files or a `.dwp` package ([`read_dwarf_split`]), and the
//! `external_debug_info` section naming a separate debug file
//! ([`external_debug_path`], [`check_external`]).
//!
//! Reading never panics on bad input: what cannot be read is skipped and
//! reported in [`Provenance::warnings`]; a module whose DWARF is unusable
//! simply yields an empty model.

#![warn(missing_docs)]

pub mod addr;
mod external;
mod model;
pub mod paths;
mod read;
mod split;
pub mod wasm;

pub use addr::{CodeOffset, ModuleOffset};
pub use external::{check_external, external_debug_path, EXTERNAL_DEBUG_INFO};
pub use model::{
    LineRow, LocOp, Location, Member, Provenance, Scope, ScopeKind, SourceFile, Subprogram, Type,
    TypeId, TypeKind, Unit, Variable, Variant, VariantPart,
};
pub use read::{read_dwarf, read_dwarf_split, DwarfSections};

/// The `gimli` this crate reads with (its `constants` name DWARF codes).
pub use gimli;
