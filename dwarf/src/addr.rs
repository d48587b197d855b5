//! The address spaces of wasm code, as distinct types where offsets cross
//! from one part of innative to another:
//!
//! * [`ModuleOffset`]: a byte offset in the module file (what wasmparser
//!   reports, what diagnostics and `serialize` print);
//! * [`CodeOffset`]: a byte offset from the start of the code section's
//!   payload — the addresses of wasm DWARF, of source maps' wasm mappings
//!   after translation, and of the [`crate::Provenance`] model.
//!
//! (Native addresses — ELF virtual addresses or section offsets — appear only
//! inside the `innative-sourcemap` crate's line-table reader.)

use std::fmt;

/// A byte offset in the wasm module file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ModuleOffset(pub u64);

/// A byte offset from the start of the code section's payload (a wasm
/// DWARF address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CodeOffset(pub u64);

impl ModuleOffset {
    /// This offset as a code offset, for a code section whose payload starts
    /// at `code_section` (offsets before it are 0).
    pub fn to_code(self, code_section: ModuleOffset) -> CodeOffset {
        CodeOffset(self.0.saturating_sub(code_section.0))
    }
}

impl CodeOffset {
    /// This offset in the module file, for a code section whose payload
    /// starts at `code_section`.
    pub fn to_module(self, code_section: ModuleOffset) -> ModuleOffset {
        ModuleOffset(self.0 + code_section.0)
    }
}

impl fmt::Display for ModuleOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::Display for CodeOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}
