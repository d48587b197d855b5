//! The debug layer: a module's chosen provenance → LLVM debug metadata,
//! which LLVM writes as native DWARF.  Lowering reaches it through a few
//! hooks (a function's entry, an operator's code offset, a local's or
//! global's new value; see `lower/debug_hooks.rs`); the driver runs its
//! post-passes after optimization.
//!
//! * [`module_debug`]: units, files, subprograms, lexical blocks, inlined
//!   chains, a `DILocation` per operator, variables and the -O0 frame slot;
//! * [`types`]: provenance types → `DIType`s; [`pointers`]: wasm pointers
//!   as native pointers (and the gdb/lldb extensions `innative_gdb.py`,
//!   `innative_lldb.py` in this folder);
//! * [`values`]: variables described by values (location lists, constants,
//!   pieces) → bindings; [`records`]: the bindings of one function;
//! * [`di`]: the LLVM-C calls inkwell lacks, and the C++ shims
//!   `di_arglist.cpp`, `global_debug_info.cpp`;
//! * [`inlined_prologue`], [`post_pass`]: after optimization;
//! * [`codeview`]: CodeView (PDB) output for Windows targets
//!   ([`format_of`]; see `CODEVIEW.md`).

pub mod codeview;
pub mod di;
pub mod inlined_prologue;
pub mod module_debug;
pub mod pointers;
pub mod post_pass;
pub mod records;
pub mod types;
pub mod values;

// (`lower::add_debug_module_flags` chooses CodeView for Windows targets.)
#[allow(unused_imports)]
pub use codeview::{format_of, DebugFormat, CODEVIEW};
pub use module_debug::{FrameBase, FunctionDebug, ModuleDebug, VariableStorage, WasmGlobalCell};
