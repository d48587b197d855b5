//! The function translator's side of the debug layer ([`crate::debuginfo`]):
//! the few hooks [`FuncTranslator`] calls — the function's entry
//! ([`debug_function_entry`](FuncTranslator::debug_function_entry): the -O0
//! frame slot, variable declarations), each operator's position
//! ([`debug_operator`](FuncTranslator::debug_operator)) and a local's or
//! global's new value (`rebind`, `rebind_local`, `track_frame_base`) — and
//! the variable records they place: at each binding's start a `#dbg_value`
//! record of the source's current LLVM value (a local's stack slot at -O0,
//! its SSA value when optimized, a global's cell, an operand-stack value),
//! after every write to a bound wasm local or global a new record, and at
//! its end a poison record.  What to describe, and which bindings start and
//! end where, is the debug layer's; this file only reads the translator's
//! values and places the records.

use super::function::FuncTranslator;
use crate::debuginfo::di::{dw, Di, Md};
use crate::debuginfo::records::{
    byte_width, fragmented, FunctionValues, LiveBinding, OP_LLVM_ARG, OP_LLVM_FRAGMENT,
};
use crate::debuginfo::values::{push_const, Kind, Source};
use crate::debuginfo::{FrameBase, VariableStorage};
use crate::error::{Error, Result};
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{AsValueRef, BasicValueEnum, IntValue, PointerValue};
use innative_dwarf::CodeOffset;

impl<'ctx> FuncTranslator<'ctx, '_, '_> {
    /// Hook: the function's entry, once the body block is open — sets up
    /// the frame slot, declares the variables, and starts the
    /// whole-function bindings in the entry block, where instruction
    /// selection still sees the function's arguments as values.
    pub(super) fn debug_function_entry(&mut self, body_block: BasicBlock<'ctx>) -> Result<()> {
        self.declare_variables()?;
        if let Some(term) = self.entry.get_terminator() {
            self.b.position_before(&term);
            self.records_before = Some(term);
            self.update_bindings(None)?;
            self.records_before = None;
            self.b.position_at_end(body_block);
        }
        Ok(())
    }

    /// Hook: before the operator at `self.offset` — its source location,
    /// and the bindings that start or end there.
    pub(super) fn debug_operator(&mut self) -> Result<()> {
        if let Some((d, f)) = &self.debug {
            self.b
                .set_current_debug_location(d.location(f, self.offset));
            let address = d.dwarf_address(self.offset);
            self.update_bindings(Some(address))?;
        }
        Ok(())
    }

    /// With debug info: sets up the frame slot and declares the function's
    /// variables (all in the entry block, like clang at -O0).
    pub(super) fn declare_variables(&mut self) -> Result<()> {
        let Some((d, f)) = self.debug else {
            return Ok(());
        };
        let frame_base = d.frame_base(&f);
        let mirrors = d.mirrored_locals(&f);
        if (frame_base.is_some() || !mirrors.is_empty()) && !self.env.memories.is_empty() {
            let eb = self.entry_builder()?;
            let mem = self.env.memories[0].address(self.rt, &eb)?;
            let base = self.rt.invariant_load(&eb, mem, "membase")?;
            let fields = 4 + mirrors.len() as u32;
            let slot = eb.build_alloca(self.rt.ptr.array_type(fields), "dbg_frame")?;
            eb.build_store(slot, base)?;
            // slot[2]: table 0 (function pointers); slot[3]: null.
            let table = match self.env.tables.first() {
                Some(t) => t.address(self.rt, &eb)?,
                None => self.rt.ptr.const_null(),
            };
            for (i, v) in [(2, table), (3, self.rt.ptr.const_null())] {
                let field = self.frame_field(&eb, slot, i)?;
                eb.build_store(field, v)?;
            }
            self.debug_frame = Some((slot, frame_base));
            self.mirrors = mirrors;
            for n in self.mirrors.clone() {
                // (DWARF may name a local the function does not have.)
                let Some(&(local, ty)) = self.locals.get(n as usize) else {
                    continue;
                };
                let v = eb.build_load(ty, local, "mirror")?;
                self.store_mirror(&eb, n, v)?;
            }
            let initial = match frame_base {
                Some(FrameBase::Local(n)) if (n as usize) < self.func.count_params() as usize => {
                    Some(
                        eb.build_load(self.rt.i32, self.locals[n as usize].0, "fb")?
                            .into_int_value(),
                    )
                }
                Some(FrameBase::Global(g)) if (g as usize) < self.env.globals.len() => {
                    let cell = self.env.globals[g as usize].address(self.rt, &eb)?;
                    Some(eb.build_load(self.rt.i32, cell, "fb")?.into_int_value())
                }
                _ => None,
            };
            if let Some(v) = initial {
                self.store_frame_base(&eb, v)?;
            }
        }
        let before = self
            .entry
            .get_terminator()
            .ok_or_else(|| Error::new("entry block has no terminator"))?;
        let storage = VariableStorage {
            frame: self.debug_frame.map(|(s, _)| s),
            locals: &self.locals,
            mirrors: &self.mirrors,
            before,
        };
        let bindings = d.declare_variables(self.module, &f, &storage);
        if !bindings.is_empty() {
            self.values = Some(FunctionValues::new(bindings));
        }
        Ok(())
    }

    /// Wasm local `n`'s stack slot and type.
    pub(super) fn local_slot(&self, n: u32) -> Option<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)> {
        self.locals.get(n as usize).copied()
    }

    /// The memory base as variable locations read it: optimized, the SSA
    /// value of memory 0's base; at -O0 the frame slot that holds it (read
    /// with `DW_OP_deref`).  None: no memory (or no slot).
    pub(super) fn debug_memory_base(&mut self) -> Result<Option<(BasicValueEnum<'ctx>, Vec<u64>)>> {
        if self.env.memories.is_empty() {
            return Ok(None);
        }
        if self.opts.opt_level == crate::options::OptLevel::O0 {
            return Ok(self
                .debug_frame
                .map(|(slot, _)| (slot.into(), vec![crate::debuginfo::di::dw::OP_DEREF])));
        }
        let (_, base) = self.memory(0)?;
        Ok(Some((base.into(), vec![])))
    }

    /// Records a new frame-base value (wasm address) as a native pointer.
    pub(super) fn store_frame_base(&self, b: &Builder<'ctx>, value: IntValue<'ctx>) -> Result<()> {
        let Some((slot, _)) = self.debug_frame else {
            return Ok(());
        };
        let mem = self.env.memories[0].address(self.rt, b)?;
        let base = self.rt.invariant_load(b, mem, "membase")?;
        let offset = b.build_int_z_extend(value, self.rt.i64, "fb64")?;
        // SAFETY (for LLVM): a plain byte offset into linear memory.
        let native = unsafe { b.build_gep(self.rt.i8, base, &[offset], "fb_native")? };
        let field = unsafe {
            b.build_in_bounds_gep(
                self.rt.ptr,
                slot,
                &[self.rt.i32.const_int(1, false)],
                "fb_slot",
            )?
        };
        b.build_store(field, native)?;
        Ok(())
    }

    /// After a write to a wasm local or global: keep the frame slot current.
    pub(super) fn track_frame_base(
        &self,
        written: FrameBase,
        value: BasicValueEnum<'ctx>,
    ) -> Result<()> {
        if let FrameBase::Local(n) = written {
            if self.mirrors.contains(&n) {
                self.store_mirror(&self.b, n, value)?;
            }
        }
        match self.debug_frame {
            Some((_, Some(fb))) if fb == written && value.is_int_value() => {
                self.store_frame_base(&self.b, value.into_int_value())
            }
            _ => Ok(()),
        }
    }

    /// Field `i` of the frame slot.
    pub(super) fn frame_field(
        &self,
        b: &Builder<'ctx>,
        slot: PointerValue<'ctx>,
        i: u64,
    ) -> Result<PointerValue<'ctx>> {
        // SAFETY (for LLVM): a field of the slot array (its size counts
        // every field this is asked for).
        Ok(unsafe {
            b.build_in_bounds_gep(
                self.rt.ptr,
                slot,
                &[self.rt.i32.const_int(i, false)],
                "dbg_slot",
            )?
        })
    }

    /// Mirrors wasm local `n`'s new value (zero-extended) into its slot field.
    pub(super) fn store_mirror(
        &self,
        b: &Builder<'ctx>,
        n: u32,
        value: BasicValueEnum<'ctx>,
    ) -> Result<()> {
        let (Some((slot, _)), Some(i)) =
            (self.debug_frame, self.mirrors.iter().position(|m| *m == n))
        else {
            return Ok(());
        };
        if !value.is_int_value() {
            return Ok(());
        }
        let wide =
            b.build_int_z_extend_or_bit_cast(value.into_int_value(), self.rt.i64, "mirror64")?;
        let field = self.frame_field(b, slot, 4 + i as u64)?;
        b.build_store(field, wide)?;
        Ok(())
    }

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
        // A v128 is only ever a variable's whole value, never an address,
        // a pointer or an operand of arithmetic (only broken DWARF says so).
        let vector = match (&value, b.binding.source) {
            (Some((v, _)), _) if v.is_vector_value() => true,
            (Some(_), Source::Local(n)) if in_slot => {
                self.local_slot(n).is_some_and(|(_, t)| t.is_vector_type())
            }
            _ => false,
        };
        if vector && (b.binding.kind != Kind::Value || !b.binding.ops.is_empty()) {
            return Ok(());
        }
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
                        use inkwell::values::AsValueRef;
                        // SAFETY: a type query on a valid value.  (A constant
                        // expression, such as a lane of a constant vector,
                        // has no value to read.)
                        let plain = unsafe {
                            !llvm_sys::core::LLVMIsAConstantInt(v.as_value_ref()).is_null()
                        };
                        plain
                            .then(|| v.into_int_value().get_zero_extended_constant())
                            .flatten()
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
