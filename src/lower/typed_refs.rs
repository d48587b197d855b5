//! Typed function references: `call_ref`, `ref.as_non_null`, `br_on_null`
//! and `br_on_non_null`.  A `(ref $t)` value is the same `innative_func*`
//! as a funcref; its type is known statically, so `call_ref` needs no
//! signature check, only a null check ("null function reference").

use super::function::FuncTranslator;
use super::runtime::{TrapKind, FUNC_CODE};
use crate::error::Result;
use inkwell::values::PointerValue;
use wasmparser::Operator;

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// Pops a function reference and returns its code, trapping on null.
    pub fn ref_code(&mut self) -> Result<PointerValue<'ctx>> {
        let desc = self.pop()?.into_pointer_value();
        let null = self.b.build_is_null(desc, "is_null")?;
        self.trap_if(null, TrapKind::NullFunctionReference)?;
        let code_ptr = self
            .b
            .build_struct_gep(self.rt.func, desc, FUNC_CODE, "code_ptr")?;
        Ok(self
            .b
            .build_load(self.rt.ptr, code_ptr, "code")?
            .into_pointer_value())
    }

    /// Lowers `op` if it is a typed-reference operator; returns whether it was.
    pub fn typed_ref_op(&mut self, op: &Operator<'a>) -> Result<bool> {
        match *op {
            Operator::CallRef { type_index } => {
                let code = self.ref_code()?;
                let ty = self.env.info.types[type_index as usize].clone();
                let args = self.pop_args(ty.params().len())?;
                let call =
                    self.b
                        .build_indirect_call(self.rt.fn_type(&ty), code, &args, "call_ref")?;
                self.push_call_results(call, ty.results().len())?;
            }
            Operator::RefAsNonNull => {
                let r = self.pop()?.into_pointer_value();
                let null = self.b.build_is_null(r, "is_null")?;
                self.trap_if(null, TrapKind::NullReference)?;
                self.push(r);
            }
            Operator::BrOnNull { relative_depth } => {
                let r = self.pop()?.into_pointer_value();
                let null = self.b.build_is_null(r, "is_null")?;
                let taken = self.rt.context.append_basic_block(self.func, "br_on_null");
                let cont = self.rt.context.append_basic_block(self.func, "non_null");
                self.b.build_conditional_branch(null, taken, cont)?;
                self.enter(taken);
                let saved = self.stack.clone();
                self.branch(relative_depth)?;
                self.stack = saved;
                self.enter(cont);
                self.push(r);
            }
            Operator::BrOnNonNull { relative_depth } => {
                let r = self.pop()?.into_pointer_value();
                let null = self.b.build_is_null(r, "is_null")?;
                let taken = self
                    .rt
                    .context
                    .append_basic_block(self.func, "br_on_non_null");
                let cont = self.rt.context.append_basic_block(self.func, "null");
                self.b.build_conditional_branch(null, cont, taken)?;
                self.enter(taken);
                let saved = self.stack.clone();
                self.push(r);
                self.branch(relative_depth)?;
                self.stack = saved;
                self.enter(cont);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
