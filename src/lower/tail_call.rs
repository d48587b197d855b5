//! Tail calls: `return_call`, `return_call_indirect`, `return_call_ref`.
//!
//! Design: internal wasm functions keep the C calling convention (exports,
//! imports, the debugger and the trap unwinder all rely on it), so a tail
//! call is an LLVM `musttail` call when the callee's native prototype equals
//! the caller's — guaranteed constant stack at every optimization level,
//! which covers the self- and mutual recursion tail calls are written for.
//! When the prototypes differ, `musttail` is not allowed, and the call is
//! marked `tail`: x86-64 turns it into a jump whenever the callee's
//! arguments fit the caller's incoming argument area (all arguments in
//! registers — up to 6 integer and 8 float parameters), but that is not
//! guaranteed (measured: 10^7 mutual tail calls between `(i64)` and
//! `(i32 i64)` functions run at -O0 and -O2).  Everywhere else tail calls are
//! disabled; a function with a tail call carries [`super::WASM_TAIL_CALLS`]
//! so that `emit::optimize` leaves them enabled there, with its other calls
//! `notail`.  A `tailcc` convention for internal functions would make
//! every case guaranteed at the cost of wrapper thunks at every C boundary;
//! that is left for later.
//!
//! A function with a try_table calls `_setjmp`, which rules `musttail` out:
//! its tail calls are plain `tail` calls.
//!
//! Either way the caller's frame is gone, as with native sibling calls: a
//! trap report or debugger backtrace shows the callee called from the
//! caller's caller.

use super::function::FuncTranslator;
use super::module_env::Callee;
use crate::error::{Error, Result};
use inkwell::values::{CallSiteValue, LLVMTailCallKind};
use wasmparser::{FuncType, Operator};

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// Lowers `op` if it is a tail call; returns whether it was.
    pub fn tail_call_op(&mut self, op: &Operator<'a>) -> Result<bool> {
        if matches!(
            op,
            Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. }
        ) {
            // The caller's try_tables end here (`exceptions.rs`).
            self.leave_tries_to(0)?;
        }
        let (call, ty) = match *op {
            Operator::ReturnCall { function_index } => {
                let ty = self.env.info.func_type(function_index).clone();
                let args = self.pop_args(ty.params().len())?;
                let call = match self.env.callees[function_index as usize] {
                    Callee::Direct(f) => self.b.build_call(f, &args, "tail")?,
                    Callee::Slot(slot) => {
                        let desc = self
                            .b
                            .build_load(self.rt.ptr, slot.as_pointer_value(), "import")?
                            .into_pointer_value();
                        let code = self
                            .b
                            .build_load(self.rt.ptr, desc, "code")?
                            .into_pointer_value();
                        self.b
                            .build_indirect_call(self.rt.fn_type(&ty), code, &args, "tail")?
                    }
                };
                (call, ty)
            }
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let code = self.indirect_code(type_index, table_index)?;
                let ty = self.env.info.types[type_index as usize].clone();
                let args = self.pop_args(ty.params().len())?;
                let call = self
                    .b
                    .build_indirect_call(self.rt.fn_type(&ty), code, &args, "tail")?;
                (call, ty)
            }
            Operator::ReturnCallRef { type_index } => {
                let code = self.ref_code()?;
                let ty = self.env.info.types[type_index as usize].clone();
                let args = self.pop_args(ty.params().len())?;
                let call = self
                    .b
                    .build_indirect_call(self.rt.fn_type(&ty), code, &args, "tail")?;
                (call, ty)
            }
            _ => return Ok(false),
        };
        self.finish_tail_call(call, &ty)?;
        Ok(true)
    }

    /// Marks `call` as a tail call and returns its results.
    fn finish_tail_call(&mut self, call: CallSiteValue<'ctx>, ty: &FuncType) -> Result<()> {
        // A function that calls `_setjmp` (has a try_table) cannot make
        // `musttail` calls.
        let kind = if self.func.get_type() == self.rt.fn_type(ty) && !self.has_try {
            LLVMTailCallKind::LLVMTailCallKindMustTail
        } else {
            LLVMTailCallKind::LLVMTailCallKindTail
        };
        call.set_tail_call_kind(kind);
        // Tail calls stay enabled in this function (see `emit::optimize`).
        self.func.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            self.rt
                .context
                .create_string_attribute(super::WASM_TAIL_CALLS, "true"),
        );
        if ty.results().is_empty() {
            self.b.build_return(None)?;
        } else {
            let v = call
                .try_as_basic_value()
                .basic()
                .ok_or_else(|| Error::new("tail call returned nothing (internal error)"))?;
            self.b.build_return(Some(&v))?;
        }
        self.unreachable = true;
        Ok(())
    }
}
