//! Exception handling: `try_table`, `throw`, `throw_ref` (tags and the
//! runtime side are in runtime/exceptions.c).
//!
//! Design: setjmp/longjmp, not LLVM landing pads.  Landing pads need the
//! unwinder to walk every frame between throw and catch through DWARF CFI,
//! including frames of other compiled modules and of the runtime; setjmp
//! needs nothing from them, and wasm frames own nothing to clean up.
//! Entering a `try_table` links a handler (an alloca of the function) into
//! the thread's chain and calls `_setjmp` on it; a second return from
//! `_setjmp` lands in a dispatch block that compares the exception's tag
//! with each catch clause in order, pushes the payload (and the `exnref`
//! for `catch_ref`/`catch_all_ref`) and branches to the clause's label, or
//! rethrows to the next handler.  Every way out of the try_table unlinks the
//! handler: its `end`, a branch or return past it ([`Self::leave_tries_to`]
//! from `branch`), and a tail call.
//!
//! Locals changed between `_setjmp` and the throw must be seen by the catch
//! code, so a function with a try_table keeps its locals in memory (volatile
//! loads and stores); operand-stack values that live across the try_table
//! were computed before `_setjmp` and never change, which setjmp preserves.
//! Such a function makes no `musttail` calls (see `tail_call.rs`).

use super::function::{FrameKind, FuncTranslator};
use super::runtime::TrapKind;
use crate::error::{Error, Result};
use inkwell::values::{BasicValueEnum, InstructionOpcode, PointerValue};
use inkwell::IntPredicate;
use wasmparser::{Catch, FunctionBody, Operator, TryTable, ValType};

/// Bytes generated code reserves per handler, and the jmp_buf's offset in
/// it (`INNATIVE_HANDLER_SIZE` / `INNATIVE_HANDLER_JMPBUF` in innative.h).
const HANDLER_SIZE: u32 = 512;
const HANDLER_JMPBUF: u64 = 16;
/// Offset of the payload in `innative_exception`.
const EXCEPTION_VALUES: u64 = 16;

/// A `try_table` being lowered: its control frame and its handler.
pub struct TryFrame<'ctx> {
    pub control_index: usize,
    pub handler: PointerValue<'ctx>,
}

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// Whether `body` has a try_table (and so calls `_setjmp`).
    pub(super) fn uses_try_table(body: &FunctionBody<'a>) -> bool {
        let Ok(mut reader) = body.get_operators_reader() else {
            return false;
        };
        while !reader.eof() {
            match reader.read() {
                Ok(Operator::TryTable { .. }) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// Lowers `op` if it is an exception operator; returns whether it was.
    pub fn exception_op(&mut self, op: &Operator<'a>) -> Result<bool> {
        match op {
            Operator::TryTable { try_table } => self.try_table(try_table)?,
            Operator::Throw { tag_index } => self.throw(*tag_index)?,
            Operator::ThrowRef => {
                let exn = self.pop()?.into_pointer_value();
                let null = self.b.build_is_null(exn, "is_null")?;
                self.trap_if(null, TrapKind::NullExceptionReference)?;
                self.b.build_call(self.rt.rethrow, &[exn.into()], "")?;
                self.b.build_unreachable()?;
                self.unreachable = true;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn tag_params(&self, tag: u32) -> Vec<ValType> {
        let ty = self.env.info.tags[tag as usize];
        self.env.info.types[ty as usize].params().to_vec()
    }

    fn throw(&mut self, tag: u32) -> Result<()> {
        let params = self.tag_params(tag);
        let values = self.pop_n_values(params.len())?;
        let i64t = self.rt.i64;
        let n = params.len() as u32;
        let array = self
            .entry_builder()?
            .build_alloca(i64t.array_type(n.max(1)), "payload")?;
        for (i, (v, t)) in values.iter().zip(&params).enumerate() {
            let slot = unsafe {
                self.b.build_in_bounds_gep(
                    i64t,
                    array,
                    &[i64t.const_int(i as u64, false)],
                    "slot",
                )?
            };
            let bits = self.to_slot(*v, *t)?;
            self.b.build_store(slot, bits)?;
        }
        let tag_ptr = self.env.tags[tag as usize].address(self.rt, &self.b)?;
        self.b.build_call(
            self.rt.throw,
            &[
                tag_ptr.into(),
                array.into(),
                self.rt.i32.const_int(n as u64, false).into(),
            ],
            "",
        )?;
        self.b.build_unreachable()?;
        self.unreachable = true;
        Ok(())
    }

    fn pop_n_values(&mut self, n: usize) -> Result<Vec<BasicValueEnum<'ctx>>> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.pop()?);
        }
        v.reverse();
        Ok(v)
    }

    /// A value as its 64-bit payload slot.
    fn to_slot(
        &self,
        v: BasicValueEnum<'ctx>,
        t: ValType,
    ) -> Result<inkwell::values::IntValue<'ctx>> {
        let (b, i32t, i64t) = (&self.b, self.rt.i32, self.rt.i64);
        Ok(match t {
            ValType::I32 => b.build_int_z_extend(v.into_int_value(), i64t, "w")?,
            ValType::I64 => v.into_int_value(),
            ValType::F32 => {
                let bits = b.build_bit_cast(v, i32t, "bits")?.into_int_value();
                b.build_int_z_extend(bits, i64t, "w")?
            }
            ValType::F64 => b.build_bit_cast(v, i64t, "bits")?.into_int_value(),
            ValType::Ref(_) => b.build_ptr_to_int(v.into_pointer_value(), i64t, "addr")?,
            ValType::V128 => return Err(Error::new("v128 exception payloads are not supported")),
        })
    }

    /// A payload slot as a value of type `t`.
    fn from_slot(
        &self,
        bits: inkwell::values::IntValue<'ctx>,
        t: ValType,
    ) -> Result<BasicValueEnum<'ctx>> {
        let (b, rt) = (&self.b, self.rt);
        Ok(match t {
            ValType::I32 => b.build_int_truncate(bits, rt.i32, "v")?.into(),
            ValType::I64 => bits.into(),
            ValType::F32 => {
                let w = b.build_int_truncate(bits, rt.i32, "w")?;
                b.build_bit_cast(w, rt.f32, "v")?
            }
            ValType::F64 => b.build_bit_cast(bits, rt.f64, "v")?,
            ValType::Ref(_) => b.build_int_to_ptr(bits, rt.ptr, "v")?.into(),
            ValType::V128 => return Err(Error::new("v128 exception payloads are not supported")),
        })
    }

    fn try_table(&mut self, t: &TryTable) -> Result<()> {
        let rt = self.rt;
        let (params, results) = self.block_signature(t.ty);
        let handler = self
            .entry_builder()?
            .build_alloca(rt.i8.array_type(HANDLER_SIZE), "handler")?;
        if let Some(inst) = handler.as_instruction() {
            inst.set_alignment(16).ok();
        }
        self.b.build_call(rt.try_enter, &[handler.into()], "")?;
        let jmpbuf = unsafe {
            self.b.build_in_bounds_gep(
                rt.i8,
                handler,
                &[rt.i64.const_int(HANDLER_JMPBUF, false)],
                "jmpbuf",
            )?
        };
        let r = self
            .b
            .build_call(rt.setjmp, &[jmpbuf.into()], "setjmp")?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| Error::new("_setjmp returned nothing"))?
            .into_int_value();
        let caught =
            self.b
                .build_int_compare(IntPredicate::NE, r, rt.i32.const_zero(), "caught")?;
        let landing = rt.context.append_basic_block(self.func, "catch");
        let body = rt.context.append_basic_block(self.func, "try");
        self.b.build_conditional_branch(caught, landing, body)?;

        // The dispatch, outside the try_table's frame: catch labels count
        // from the try_table's enclosing block.
        self.enter(landing);
        let saved = self.stack.clone();
        let below = saved.len() - params.len();
        let exn = self
            .b
            .build_call(rt.try_exception, &[handler.into()], "exn")?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| Error::new("innative_try_exception returned nothing"))?
            .into_pointer_value();
        for c in &t.catches {
            self.stack.truncate(below);
            match *c {
                Catch::One { tag, label } | Catch::OneRef { tag, label } => {
                    let tag_ptr = self.env.tags[tag as usize].address(rt, &self.b)?;
                    let exn_tag = self
                        .b
                        .build_load(rt.ptr, exn, "exn_tag")?
                        .into_pointer_value();
                    let a = self.b.build_ptr_to_int(exn_tag, rt.i64, "a")?;
                    let bb = self.b.build_ptr_to_int(tag_ptr, rt.i64, "b")?;
                    let same = self
                        .b
                        .build_int_compare(IntPredicate::EQ, a, bb, "same_tag")?;
                    let yes = rt.context.append_basic_block(self.func, "catch_tag");
                    let no = rt.context.append_basic_block(self.func, "catch_next");
                    self.b.build_conditional_branch(same, yes, no)?;
                    self.enter(yes);
                    let values = unsafe {
                        self.b.build_in_bounds_gep(
                            rt.i8,
                            exn,
                            &[rt.i64.const_int(EXCEPTION_VALUES, false)],
                            "values",
                        )?
                    };
                    for (i, p) in self.tag_params(tag).into_iter().enumerate() {
                        let slot = unsafe {
                            self.b.build_in_bounds_gep(
                                rt.i64,
                                values,
                                &[rt.i64.const_int(i as u64, false)],
                                "slot",
                            )?
                        };
                        let bits = self.b.build_load(rt.i64, slot, "bits")?.into_int_value();
                        let v = self.from_slot(bits, p)?;
                        self.push(v);
                    }
                    if matches!(c, Catch::OneRef { .. }) {
                        self.push(exn);
                    }
                    self.branch(label)?;
                    self.enter(no);
                }
                Catch::All { label } | Catch::AllRef { label } => {
                    if matches!(c, Catch::AllRef { .. }) {
                        self.push(exn);
                    }
                    self.branch(label)?;
                    // Any later clause is dead code.
                    let dead = rt.context.append_basic_block(self.func, "catch_dead");
                    self.enter(dead);
                }
            }
        }
        self.b.build_call(rt.rethrow, &[exn.into()], "")?;
        self.b.build_unreachable()?;
        self.stack = saved;

        self.enter(body);
        let end_block = rt.context.append_basic_block(self.func, "try_end");
        self.push_frame(FrameKind::Block, params, results, end_block);
        self.tries.push(TryFrame {
            control_index: self.control_depth() - 1,
            handler,
        });
        Ok(())
    }

    /// Before a branch to control frame `target` (0 = the function, for
    /// return and tail calls): unlink the handlers of the try_tables it
    /// leaves, by restoring the chain the outermost of them found.
    pub(super) fn leave_tries_to(&mut self, target: usize) -> Result<()> {
        if let Some(t) = self.tries.iter().find(|t| t.control_index >= target) {
            self.b
                .build_call(self.rt.try_leave, &[t.handler.into()], "")?;
        }
        Ok(())
    }

    /// At an `end`: when it closes a try_table, unlink its handler on the
    /// fall-through path.
    pub(super) fn end_try(&mut self) -> Result<()> {
        let top = self.control_depth().checked_sub(1);
        if let Some(t) = self.tries.last() {
            if Some(t.control_index) == top {
                let handler = t.handler;
                self.tries.pop();
                if !self.unreachable {
                    self.b
                        .build_call(self.rt.try_leave, &[handler.into()], "")?;
                }
            }
        }
        Ok(())
    }

    /// In a function with a try_table: every load and store of a local
    /// becomes volatile, so that the catch code sees what the try body wrote.
    pub(super) fn make_locals_volatile(&self) {
        let slots: std::collections::HashSet<PointerValue<'ctx>> =
            self.locals.iter().map(|(p, _)| *p).collect();
        for block in self.func.get_basic_block_iter() {
            let mut next = block.get_first_instruction();
            while let Some(inst) = next {
                next = inst.get_next_instruction();
                let ptr_operand = match inst.get_opcode() {
                    InstructionOpcode::Load => 0,
                    InstructionOpcode::Store => 1,
                    _ => continue,
                };
                let is_local = inst
                    .get_operand(ptr_operand)
                    .and_then(|o| o.value())
                    .filter(|v| v.is_pointer_value())
                    .is_some_and(|v| slots.contains(&v.into_pointer_value()));
                if is_local {
                    inst.set_volatile(true).ok();
                }
            }
        }
    }
}
