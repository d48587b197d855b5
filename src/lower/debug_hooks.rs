//! The function translator's side of the variable records of
//! [`crate::debuginfo::records`]: while a body is lowered, at each
//! binding's start a `#dbg_value` record of the source's current LLVM value
//! (a local's stack slot at -O0, its SSA value when optimized, a global's
//! cell, an operand-stack value), after every write to a bound wasm local
//! or global a new record, and at its end a poison record.  Which bindings
//! start and end where is decided by the debug layer; this file only reads
//! the translator's values and places the records.

use super::function::FuncTranslator;
use crate::debuginfo::di::{dw, Di, Md};
use crate::debuginfo::records::{
    byte_width, fragmented, LiveBinding, OP_LLVM_ARG, OP_LLVM_FRAGMENT,
};
use crate::debuginfo::values::{push_const, Kind, Source};
use crate::error::Result;
use inkwell::values::{AsValueRef, BasicValueEnum};
use innative_dwarf::CodeOffset;

impl<'ctx> FuncTranslator<'ctx, '_, '_> {
    /// Starts and ends the bindings due before the operator at DWARF
    /// address `address` (None: at the function's entry).
    pub(super) fn update_bindings(&mut self, address: Option<CodeOffset>) -> Result<()> {
        let Some(mut values) = self.values.take() else {
            return Ok(());
        };
        let (started, ended) = values.advance(address);
        let result = (|| {
            for b in &started {
                self.emit_binding(b, None)?;
            }
            for (variable, location, fragment, di) in ended {
                self.emit_poison(variable, location, fragment, di)?;
            }
            Ok(())
        })();
        self.values = Some(values);
        result
    }

    /// After wasm local or global `source` was written with `value`: every
    /// binding on it gets the new value.
    pub(super) fn rebind(&mut self, source: Source, value: BasicValueEnum<'ctx>) -> Result<()> {
        let Some(values) = self.values.take() else {
            return Ok(());
        };
        let mut result = Ok(());
        for b in values.active_on(source) {
            result = self.emit_binding(b, Some(value));
            if result.is_err() {
                break;
            }
        }
        self.values = Some(values);
        result
    }

    /// After `local.set`/`local.tee`.  At -O0 a local's bindings read its
    /// stack slot, which is always current.
    pub(super) fn rebind_local(&mut self, n: u32, value: BasicValueEnum<'ctx>) -> Result<()> {
        if self.opts.opt_level == crate::options::OptLevel::O0 {
            return Ok(());
        }
        self.rebind(Source::Local(n), value)
    }

    /// Whether records can be emitted here (not in unreachable code).
    fn can_emit(&self) -> bool {
        !self.unreachable && self.dead_depth == 0
    }

    /// A `#dbg_value` record for `b` at the current position; `fresh` is the
    /// value just written to its source, if any.
    fn emit_binding(&mut self, b: &LiveBinding, fresh: Option<BasicValueEnum<'ctx>>) -> Result<()> {
        if !self.can_emit() {
            return Ok(());
        }
        if b.binding.source == Source::Undefined {
            return self.emit_poison(b.variable, b.location, b.binding.fragment, b.di);
        }
        let optimized = self.opts.opt_level != crate::options::OptLevel::O0;
        // At a function's entry, a declared (not parameter) local is 0: as
        // the address of a variable (a frame base not set up yet) it means
        // nothing, and LLVM would fold it into a constant and read the
        // location as a value.  The first `local.set` binds it.
        if let (Source::Local(n), None, None, true) =
            (b.binding.source, fresh, &b.binding.range, optimized)
        {
            let is_address = matches!(b.binding.kind, Kind::Memory | Kind::PointerInMemory);
            if is_address && n >= self.func.count_params() {
                return self.emit_poison(b.variable, b.location, b.binding.fragment, b.di);
            }
        }
        // The source value W: an LLVM value and the operations that read it
        // (None: a constant, written into the expression).  At -O0 a wasm
        // local is its stack slot, read through `DW_OP_deref_size`;
        // optimized, it is the SSA value LLVM tracks through its passes.
        let mut in_slot = false;
        let value: Option<(BasicValueEnum<'ctx>, Vec<u64>)> = match (b.binding.source, fresh) {
            (Source::Const(_) | Source::Undefined, _) => None,
            (_, Some(v)) => Some((v, vec![])),
            (Source::Local(n), None) => {
                let Some((slot, ty)) = self.local_slot(n) else {
                    return Ok(());
                };
                if optimized {
                    Some((self.b.build_load(ty, slot, "dbg.local")?, vec![]))
                } else {
                    in_slot = true;
                    Some((slot.into(), vec![dw::OP_DEREF_SIZE, byte_width(ty)]))
                }
            }
            (Source::Global(g), None) => {
                let Some(global) = self.env.info.globals.get(g as usize) else {
                    return Ok(());
                };
                let ty = self.rt.val_type(global.ty.content_type);
                let cell = self.env.globals[g as usize].address(self.rt, &self.b)?;
                Some((self.b.build_load(ty, cell, "dbg.global")?, vec![]))
            }
            (Source::Stack(k), None) => match self.stack.get(k as usize) {
                Some(v) => Some((*v, vec![])),
                None => return Ok(()),
            },
        };
        let mut args: Vec<BasicValueEnum<'ctx>> = Vec::new();
        let mut expr: Vec<u64> = Vec::new();
        match b.binding.kind {
            Kind::Value => match &value {
                None => {
                    let Source::Const(c) = b.binding.source else {
                        return Ok(());
                    };
                    // A constant: LLVM writes it as DW_OP_consts/constu.
                    let bytes = b.binding.fragment.map(|(_, s)| s / 8).unwrap_or(b.bytes);
                    let ty = if bytes <= 4 { self.rt.i32 } else { self.rt.i64 };
                    let k = ty.const_int(c as u64, c < 0);
                    return self.emit_record(&[k.into()], &fragmented(vec![], b), b);
                }
                Some((v, _)) if b.binding.ops.is_empty() => {
                    // The value itself, or its stack slot (a memory location).
                    let e = if in_slot { vec![dw::OP_DEREF] } else { vec![] };
                    return self.emit_record(&[*v], &fragmented(e, b), b);
                }
                Some((v, read)) => {
                    // One value: a plain (not variadic) record, which
                    // instruction selection also keeps for function
                    // arguments.
                    let mut e = read.clone();
                    e.extend(&b.binding.ops);
                    e.push(dw::OP_STACK_VALUE);
                    return self.emit_record(&[*v], &fragmented(e, b), b);
                }
            },
            Kind::Pointer | Kind::Memory | Kind::PointerInMemory => {
                let Some((base, base_read)) = self.debug_memory_base()? else {
                    return Ok(());
                };
                expr.extend([OP_LLVM_ARG, 0]);
                expr.extend(&base_read);
                args.push(base);
                // A wasm value LLVM already knows (a local's initial 0):
                // written into the expression — a constant operand would
                // make LLVM read the location as a computed value.
                let known = match &value {
                    Some((v, read)) if read.is_empty() && v.is_int_value() => {
                        v.into_int_value().get_zero_extended_constant()
                    }
                    _ => None,
                };
                match (&value, b.binding.source) {
                    (Some(_), _) if known.is_some() => {
                        push_const(&mut expr, known.unwrap_or_default() as i64)
                    }
                    (Some((v, read)), _) => {
                        expr.extend([OP_LLVM_ARG, 1]);
                        args.push(*v);
                        expr.extend(read);
                    }
                    (None, Source::Const(c)) => push_const(&mut expr, c),
                    (None, _) => return Ok(()),
                }
                expr.extend(&b.binding.ops);
                expr.extend([dw::OP_CONSTU, 0xffff_ffff, dw::OP_AND]);
                if b.binding.kind == Kind::PointerInMemory {
                    // [M A] -> [M M A] -> [M M+A] -> [M W]
                    expr.extend([dw::OP_OVER, dw::OP_PLUS, dw::OP_DEREF_SIZE, 4]);
                }
                if b.binding.kind != Kind::Memory {
                    expr.extend(crate::debuginfo::pointers::TO_NATIVE);
                } else {
                    expr.push(dw::OP_PLUS);
                    if args.len() == 1 {
                        // LLVM reads a one-value record as the variable's
                        // value; a final DW_OP_deref makes it the address.
                        expr.push(dw::OP_DEREF);
                    }
                }
            }
        }
        self.emit_record(&args, &fragmented(expr, b), b)
    }

    fn emit_poison(
        &mut self,
        variable: Md,
        location: Md,
        fragment: Option<(u64, u64)>,
        di: Di,
    ) -> Result<()> {
        if !self.can_emit() {
            return Ok(());
        }
        let poison = self.rt.i32.get_poison();
        let mut expr = vec![];
        if let Some((o, s)) = fragment {
            expr.extend([OP_LLVM_FRAGMENT, o, s]);
        }
        let Some((block, before)) = self.record_position() else {
            return Ok(());
        };
        di.value_record(
            poison.as_value_ref(),
            variable,
            &expr,
            location,
            block,
            before,
        );
        Ok(())
    }

    /// Emits one record at the end of the current block: a plain value
    /// when the expression does not name its operands, a DIArgList
    /// otherwise.
    fn emit_record(
        &mut self,
        args: &[BasicValueEnum<'ctx>],
        expr: &[u64],
        b: &LiveBinding,
    ) -> Result<()> {
        let Some((block, before)) = self.record_position() else {
            return Ok(());
        };
        if !expr.contains(&OP_LLVM_ARG) && args.len() == 1 {
            let value = args[0].as_value_ref();
            b.di.value_record(value, b.variable, expr, b.location, block, before);
        } else {
            let refs: Vec<_> = args.iter().map(|a| a.as_value_ref()).collect();
            b.di.value_list_record(&refs, b.variable, expr, b.location, block, before);
        }
        Ok(())
    }

    /// Where records go: the builder's block, and the instruction it
    /// inserts before (null: the block's end).
    fn record_position(
        &self,
    ) -> Option<(
        llvm_sys::prelude::LLVMBasicBlockRef,
        llvm_sys::prelude::LLVMValueRef,
    )> {
        let block = self.b.get_insert_block()?;
        let before = self
            .records_before
            .map(|i| i.as_value_ref())
            .unwrap_or(std::ptr::null_mut());
        Some((block.as_mut_ptr(), before))
    }
}
