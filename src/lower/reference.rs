//! Reference types and tables: `ref.*`, `table.*`, `elem.drop` and
//! `call_indirect` (bounds, null and signature checks before the call).
//! 64-bit table operands are narrowed by `index64.rs`.

use super::function::FuncTranslator;
use super::runtime::{TrapKind, FUNC_CODE, FUNC_SIG, TABLE_ELEMS, TABLE_SIZE};
use crate::error::{Error, Result};
use inkwell::values::{IntValue, PointerValue};
use inkwell::IntPredicate;
use wasmparser::Operator;

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    fn table(&self, index: u32) -> Result<PointerValue<'ctx>> {
        self.env.tables[index as usize].address(self.rt, &self.b)
    }

    /// The size of table `index` when it can never change: a table this
    /// module defines whose maximum is its initial size.  Its runtime
    /// element array is then allocated once, before any code runs.
    fn fixed_table_size(&self, index: u32) -> Option<u32> {
        let t = self.env.info.tables.get(index as usize)?;
        let fixed = !t.imported && !t.ty.table64 && t.ty.maximum == Some(t.ty.initial);
        fixed.then(|| u32::try_from(t.ty.initial).ok()).flatten()
    }

    /// Address of element `index` of table `table_index` (at `table`),
    /// trapping with `kind` when the index is out of bounds.  A fixed-size
    /// table's bound is a constant and its element array an invariant load,
    /// so LLVM can keep both out of loops (call_indirect in an interpreter's
    /// dispatch loop).
    fn table_element(
        &mut self,
        table_index: u32,
        table: PointerValue<'ctx>,
        index: IntValue<'ctx>,
        kind: TrapKind,
    ) -> Result<PointerValue<'ctx>> {
        let fixed = self.fixed_table_size(table_index);
        let size = match fixed {
            Some(n) => self.rt.i32.const_int(n as u64, false),
            None => {
                let size_ptr =
                    self.b
                        .build_struct_gep(self.rt.table, table, TABLE_SIZE, "tsize_ptr")?;
                self.b
                    .build_load(self.rt.i32, size_ptr, "tsize")?
                    .into_int_value()
            }
        };
        let oob = self
            .b
            .build_int_compare(IntPredicate::UGE, index, size, "toob")?;
        self.trap_if(oob, kind)?;
        let elems_ptr = self
            .b
            .build_struct_gep(self.rt.table, table, TABLE_ELEMS, "elems_ptr")?;
        let elems = if fixed.is_some() {
            self.rt.invariant_load(&self.b, elems_ptr, "elems")?
        } else {
            self.b
                .build_load(self.rt.ptr, elems_ptr, "elems")?
                .into_pointer_value()
        };
        let index = self.index64(index)?;
        // SAFETY (for LLVM): in bounds, checked just above.
        Ok(unsafe {
            self.b
                .build_in_bounds_gep(self.rt.ptr, elems, &[index], "elem")?
        })
    }

    /// A function's descriptor (its funcref value).
    pub fn func_ref(&self, func: u32) -> Result<PointerValue<'ctx>> {
        let place = self.env.descriptors[func as usize].ok_or_else(|| {
            Error::new(format!(
                "function {func} is referenced but has no descriptor (internal error)"
            ))
        })?;
        place.address(self.rt, &self.b)
    }

    pub fn call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let code = self.indirect_code(type_index, table_index)?;
        let ty = self.env.info.types[type_index as usize].clone();
        let args = self.pop_args(ty.params().len())?;
        let call =
            self.b
                .build_indirect_call(self.rt.fn_type(&ty), code, &args, "call_indirect")?;
        self.push_call_results(call, ty.results().len())
    }

    /// Pops a table index and returns the code of the function it selects,
    /// after the bounds, null and signature checks of `call_indirect`.
    pub fn indirect_code(
        &mut self,
        type_index: u32,
        table_index: u32,
    ) -> Result<PointerValue<'ctx>> {
        let index = self.pop_int()?;
        let index = self.table_u32(index)?;
        self.indirect_callee(type_index, table_index, index)
    }

    /// The native code of element `index` (an i32) of table `table_index`,
    /// checked as `call_indirect` checks it: traps when the index is out of
    /// bounds, the element is null or its type is not `type_index`.
    pub(super) fn indirect_callee(
        &mut self,
        type_index: u32,
        table_index: u32,
        index: IntValue<'ctx>,
    ) -> Result<PointerValue<'ctx>> {
        if let Some((shadow, n)) = self.env.table_shadows[table_index as usize] {
            return self.shadow_callee(type_index, shadow, n, index);
        }
        let table = self.table(table_index)?;
        let slot = self.table_element(table_index, table, index, TrapKind::UndefinedElement)?;
        let desc = self
            .b
            .build_load(self.rt.ptr, slot, "funcref")?
            .into_pointer_value();
        let null = self.b.build_is_null(desc, "is_null")?;
        self.trap_if(null, TrapKind::UninitializedElement)?;
        let sig_ptr = self
            .b
            .build_struct_gep(self.rt.func, desc, FUNC_SIG, "sig_ptr")?;
        let sig = self
            .b
            .build_load(self.rt.i32, sig_ptr, "sig")?
            .into_int_value();
        let expected_ptr = unsafe {
            self.b.build_in_bounds_gep(
                self.rt.i32.array_type(self.env.info.types.len() as u32),
                self.env.sigids.as_pointer_value(),
                &[
                    self.rt.i32.const_zero(),
                    self.rt.i32.const_int(type_index as u64, false),
                ],
                "expected_ptr",
            )?
        };
        // Signature ids are assigned when the module is initialized.
        let expected = self
            .rt
            .invariant_load_of(&self.b, self.rt.i32.into(), expected_ptr, "expected")?
            .into_int_value();
        let mismatch = self
            .b
            .build_int_compare(IntPredicate::NE, sig, expected, "mismatch")?;
        self.trap_if(mismatch, TrapKind::IndirectCallType)?;
        let code_ptr = self
            .b
            .build_struct_gep(self.rt.func, desc, FUNC_CODE, "code_ptr")?;
        Ok(self
            .b
            .build_load(self.rt.ptr, code_ptr, "code")?
            .into_pointer_value())
    }

    /// The expected signature id of type `type_index` (interned at init).
    fn expected_sig(&self, type_index: u32) -> Result<IntValue<'ctx>> {
        let expected_ptr = unsafe {
            self.b.build_in_bounds_gep(
                self.rt.i32.array_type(self.env.info.types.len() as u32),
                self.env.sigids.as_pointer_value(),
                &[
                    self.rt.i32.const_zero(),
                    self.rt.i32.const_int(type_index as u64, false),
                ],
                "expected_ptr",
            )?
        };
        Ok(self
            .rt
            .invariant_load_of(&self.b, self.rt.i32.into(), expected_ptr, "expected")?
            .into_int_value())
    }

    /// [`indirect_callee`](Self::indirect_callee) through a table's
    /// call_indirect shadow (`ModuleEnv::table_shadows`, `n` elements): the
    /// same traps in the same order — out of bounds, then null (signature id
    /// 0), then a signature mismatch — but one compare covers the last two on
    /// the path taken, and the code pointer sits beside the id.
    fn shadow_callee(
        &mut self,
        type_index: u32,
        shadow: inkwell::values::GlobalValue<'ctx>,
        n: u32,
        index: IntValue<'ctx>,
    ) -> Result<PointerValue<'ctx>> {
        let rt = self.rt;
        let oob = self.b.build_int_compare(
            IntPredicate::UGE,
            index,
            rt.i32.const_int(n as u64, false),
            "toob",
        )?;
        self.trap_if(oob, TrapKind::UndefinedElement)?;
        let ty = super::module_env::shadow_type(rt, n);
        let index = self.index64(index)?;
        let zero = rt.i32.const_zero();
        // SAFETY (for LLVM): in bounds, checked just above.
        let sig_ptr = unsafe {
            self.b.build_in_bounds_gep(
                ty,
                shadow.as_pointer_value(),
                &[zero, rt.i32.const_int(1, false), index],
                "sig_ptr",
            )?
        };
        let sig = self.b.build_load(rt.i32, sig_ptr, "sig")?.into_int_value();
        let expected = self.expected_sig(type_index)?;
        let mismatch = self
            .b
            .build_int_compare(IntPredicate::NE, sig, expected, "mismatch")?;
        let trap_block = rt.context.append_basic_block(self.func, "trap");
        let cont = rt.context.append_basic_block(self.func, "cont");
        self.b
            .build_conditional_branch(mismatch, trap_block, cont)?;
        self.b.position_at_end(trap_block);
        let null = self
            .b
            .build_int_compare(IntPredicate::EQ, sig, zero, "is_null")?;
        let kind = self.b.build_select(
            null,
            rt.i32
                .const_int(TrapKind::UninitializedElement as u64, false),
            rt.i32.const_int(TrapKind::IndirectCallType as u64, false),
            "trap_kind",
        )?;
        self.b.build_call(rt.trap, &[kind.into()], "")?;
        self.b.build_unreachable()?;
        self.enter(cont);
        // SAFETY (for LLVM): in bounds, checked above.
        let code_ptr = unsafe {
            self.b.build_in_bounds_gep(
                ty,
                shadow.as_pointer_value(),
                &[zero, zero, index],
                "code_ptr",
            )?
        };
        Ok(self
            .b
            .build_load(rt.ptr, code_ptr, "code")?
            .into_pointer_value())
    }

    /// Lowers `op` if it is a reference or table operator; returns whether it was.
    pub fn reference_op(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        let rt = self.rt;
        match *op {
            O::RefNull { .. } => self.push(rt.ptr.const_null()),
            O::RefIsNull => {
                let v = self.pop()?.into_pointer_value();
                let c = self.b.build_is_null(v, "is_null")?;
                let z = self.b.build_int_z_extend(c, rt.i32, "bool")?;
                self.push(z);
            }
            O::RefFunc { function_index } => {
                let r = self.func_ref(function_index)?;
                self.push(r);
            }
            O::TableGet { table } => {
                let index = self.pop_int()?;
                let index = self.table_u32(index)?;
                let t = self.table(table)?;
                let slot = self.table_element(table, t, index, TrapKind::TableOutOfBounds)?;
                let v = self.b.build_load(rt.ptr, slot, "tget")?;
                self.push(v);
            }
            O::TableSet { table } => {
                let v = self.pop()?;
                let index = self.pop_int()?;
                let index = self.table_u32(index)?;
                let t = self.table(table)?;
                let slot = self.table_element(table, t, index, TrapKind::TableOutOfBounds)?;
                self.b.build_store(slot, v)?;
            }
            O::TableSize { table } => {
                let t = self.table(table)?;
                let size_ptr = self
                    .b
                    .build_struct_gep(rt.table, t, TABLE_SIZE, "tsize_ptr")?;
                let size = self.b.build_load(rt.i32, size_ptr, "tsize")?;
                let size = self.table_result(table, size.into_int_value())?;
                self.push(size);
            }
            O::TableGrow { table } => {
                let delta = self.pop_int()?;
                let delta = self.table_u32(delta)?;
                let init = self.pop()?;
                let t = self.table(table)?;
                let call = self.b.build_call(
                    rt.table_grow,
                    &[t.into(), init.into(), delta.into()],
                    "tgrow",
                )?;
                let old = call
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| Error::new("table.grow returned nothing (internal error)"))?;
                let old = self.table_result(table, old.into_int_value())?;
                self.push(old);
            }
            O::TableFill { table } => {
                let n = self.pop_int()?;
                let n = self.table_u32(n)?;
                let v = self.pop()?;
                let dst = self.pop_int()?;
                let dst = self.table_u32(dst)?;
                let t = self.table(table)?;
                self.b.build_call(
                    rt.table_fill,
                    &[t.into(), dst.into(), v.into(), n.into()],
                    "",
                )?;
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let n = self.pop_int()?;
                let n = self.table_u32(n)?;
                let src = self.pop_int()?;
                let src = self.table_u32(src)?;
                let dst = self.pop_int()?;
                let dst = self.table_u32(dst)?;
                let dt = self.table(dst_table)?;
                let st = self.table(src_table)?;
                self.b.build_call(
                    rt.table_copy,
                    &[dt.into(), st.into(), dst.into(), src.into(), n.into()],
                    "",
                )?;
            }
            O::TableInit { elem_index, table } => {
                let n = self.pop_int()?;
                let src = self.pop_int()?;
                let dst = self.pop_int()?;
                let dst = self.table_u32(dst)?;
                let t = self.table(table)?;
                let seg = &self.env.elems[elem_index as usize];
                let len = self
                    .b
                    .build_load(rt.i32, seg.len.as_pointer_value(), "seg_len")?;
                self.b.build_call(
                    rt.table_init,
                    &[
                        t.into(),
                        dst.into(),
                        seg.items.as_pointer_value().into(),
                        len.into(),
                        src.into(),
                        n.into(),
                    ],
                    "",
                )?;
            }
            O::ElemDrop { elem_index } => {
                let seg = &self.env.elems[elem_index as usize];
                self.b
                    .build_store(seg.len.as_pointer_value(), rt.i32.const_zero())?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
