//! Where a function's prologue goes when LLVM inlines the function.
//!
//! A function's prologue — its stack guard, the loads it keeps for the
//! whole body, the shadow-stack setup and parameter spills the source
//! compiler put before its `prologue_end` — has no source line (line 0), as
//! a native prologue has none: debuggers then skip it and a breakpoint on the
//! function stops on its first statement.  Inlined, that code keeps line 0
//! but now opens the inlined range, and lldb puts `break FUNC` on the
//! range's first instruction: it stops "in FUNC at line 0" (compiler-
//! generated code) where native stops on FUNC's first statement.  An inlined
//! copy has no prologue of its own natively; its setup is call-site code.
//! So, after optimization, code marked as prologue that sits in an inlined
//! copy takes the location of the call that was inlined.
//!
//! The mark: line 0 with column [`PROLOGUE_COLUMN`].  A line-0 row is
//! written without its column, so the mark never reaches the output; other
//! line-0 code (operators the source's line table does not cover) is column
//! 0 and keeps its place in the inlined scope.

use inkwell::module::Module;
use inkwell::values::AsValueRef;
use llvm_sys::debuginfo::{
    LLVMDILocationGetColumn, LLVMDILocationGetInlinedAt, LLVMDILocationGetLine,
};

/// The column that marks line-0 code as prologue code.
pub const PROLOGUE_COLUMN: u32 = 0xFFFF;

/// Gives prologue code in inlined copies the location of the inlined call.
/// Returns how many instructions moved.
pub fn attribute_to_call_sites(module: &Module) -> usize {
    let mut moved = 0;
    for f in module.get_functions() {
        for block in f.get_basic_blocks() {
            let mut next = block.get_first_instruction();
            while let Some(inst) = next {
                next = inst.get_next_instruction();
                // SAFETY: `inst` is a live instruction of `module`; the
                // metadata read and written are DILocations of its context.
                unsafe {
                    let i = inst.as_value_ref();
                    let loc = llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(i);
                    if loc.is_null()
                        || LLVMDILocationGetLine(loc) != 0
                        || LLVMDILocationGetColumn(loc) != PROLOGUE_COLUMN
                    {
                        continue;
                    }
                    let call_site = LLVMDILocationGetInlinedAt(loc);
                    if !call_site.is_null() {
                        llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(i, call_site);
                        moved += 1;
                    }
                }
            }
        }
    }
    moved
}
