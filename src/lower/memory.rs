//! Linear-memory operators.  An access is `base + zext(address) + offset`;
//! the runtime's guard region turns any out-of-bounds address into a fault
//! (trap), so no check is emitted unless `--bounds-checks` asks for one.
//! 64-bit memories are always checked (see `index64.rs`).

use super::function::FuncTranslator;
use super::runtime::{TrapKind, MEMORY_SIZE};
use crate::error::Result;
use inkwell::types::{BasicTypeEnum, IntType};
use inkwell::values::{BasicValueEnum, PointerValue};
use inkwell::IntPredicate;
use wasmparser::{MemArg, Operator};

/// How a load widens its value.
#[derive(Clone, Copy)]
enum Extend {
    None,
    Signed,
    Unsigned,
}

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// The native address of an access of `size` bytes at the popped address.
    pub(super) fn effective_address(
        &mut self,
        memarg: &MemArg,
        size: u64,
    ) -> Result<PointerValue<'ctx>> {
        let addr = self.pop_int()?;
        let index = match memarg.target {
            wasmparser::MemArgTarget::Memory(i) => i,
            wasmparser::MemArgTarget::Array(_) => {
                return Err(crate::error::Error::new("GC arrays are not supported yet"))
            }
        };
        let (mem, base) = self.memory(index)?;
        if self.is_memory64(index) {
            let ea = self.memory64_address(mem, addr, memarg.offset, size)?;
            // SAFETY (for LLVM): checked against the memory's size above.
            return Ok(unsafe { self.b.build_gep(self.rt.i8, base, &[ea], "addr")? });
        }
        let addr = self.index64(addr)?;
        let ea = if memarg.offset != 0 {
            self.b
                .build_int_add(addr, self.rt.i64.const_int(memarg.offset, false), "ea")?
        } else {
            addr
        };
        if self.opts.bounds_checks {
            let size_ptr = self
                .b
                .build_struct_gep(self.rt.memory, mem, MEMORY_SIZE, "size_ptr")?;
            let limit = self
                .b
                .build_load(self.rt.i64, size_ptr, "mem_size")?
                .into_int_value();
            let end = self
                .b
                .build_int_add(ea, self.rt.i64.const_int(size, false), "end")?;
            let oob = self
                .b
                .build_int_compare(IntPredicate::UGT, end, limit, "oob")?;
            self.trap_if(oob, TrapKind::MemoryOutOfBounds)?;
        }
        // SAFETY (for LLVM): a plain byte offset from the base; never inbounds-
        // assumed, since out-of-range addresses must fault, not be optimized.
        Ok(unsafe { self.b.build_gep(self.rt.i8, base, &[ea], "addr")? })
    }

    fn load(
        &mut self,
        memarg: &MemArg,
        mem_ty: BasicTypeEnum<'ctx>,
        size: u64,
        ext: Extend,
        result: IntType<'ctx>,
    ) -> Result<()> {
        let ptr = self.effective_address(memarg, size)?;
        let v = self.b.build_load(mem_ty, ptr, "load")?;
        if let Some(inst) = inkwell::values::BasicValue::as_instruction_value(&v) {
            inst.set_alignment(1).ok();
            self.memory_loads.push(inst);
        }
        let v: BasicValueEnum = match ext {
            Extend::None => v,
            Extend::Signed => self
                .b
                .build_int_s_extend(v.into_int_value(), result, "sext")?
                .into(),
            Extend::Unsigned => self
                .b
                .build_int_z_extend(v.into_int_value(), result, "zext")?
                .into(),
        };
        self.push(v);
        Ok(())
    }

    fn store(&mut self, memarg: &MemArg, narrow: Option<IntType<'ctx>>, size: u64) -> Result<()> {
        let mut v = self.pop()?;
        if let Some(t) = narrow {
            v = self
                .b
                .build_int_truncate(v.into_int_value(), t, "narrow")?
                .into();
        }
        let ptr = self.effective_address(memarg, size)?;
        let st = self.b.build_store(ptr, v)?;
        st.set_alignment(1).ok();
        Ok(())
    }

    /// Lowers `op` if it is a memory operator; returns whether it was.
    pub fn memory_op(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        if self.memory64_op(op)? {
            return Ok(true);
        }
        let rt = self.rt;
        let (i8t, i16t, i32t, i64t) = (rt.i8, rt.context.i16_type(), rt.i32, rt.i64);
        match op {
            O::I32Load { memarg } => self.load(memarg, i32t.into(), 4, Extend::None, i32t)?,
            O::I64Load { memarg } => self.load(memarg, i64t.into(), 8, Extend::None, i64t)?,
            O::F32Load { memarg } => self.load(memarg, rt.f32.into(), 4, Extend::None, i32t)?,
            O::F64Load { memarg } => self.load(memarg, rt.f64.into(), 8, Extend::None, i64t)?,
            O::I32Load8S { memarg } => self.load(memarg, i8t.into(), 1, Extend::Signed, i32t)?,
            O::I32Load8U { memarg } => self.load(memarg, i8t.into(), 1, Extend::Unsigned, i32t)?,
            O::I32Load16S { memarg } => self.load(memarg, i16t.into(), 2, Extend::Signed, i32t)?,
            O::I32Load16U { memarg } => {
                self.load(memarg, i16t.into(), 2, Extend::Unsigned, i32t)?
            }
            O::I64Load8S { memarg } => self.load(memarg, i8t.into(), 1, Extend::Signed, i64t)?,
            O::I64Load8U { memarg } => self.load(memarg, i8t.into(), 1, Extend::Unsigned, i64t)?,
            O::I64Load16S { memarg } => self.load(memarg, i16t.into(), 2, Extend::Signed, i64t)?,
            O::I64Load16U { memarg } => {
                self.load(memarg, i16t.into(), 2, Extend::Unsigned, i64t)?
            }
            O::I64Load32S { memarg } => self.load(memarg, i32t.into(), 4, Extend::Signed, i64t)?,
            O::I64Load32U { memarg } => {
                self.load(memarg, i32t.into(), 4, Extend::Unsigned, i64t)?
            }
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(memarg, None, 4)?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, None, 8)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.store(memarg, Some(i8t), 1)?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(memarg, Some(i16t), 2)?
            }
            O::I64Store32 { memarg } => self.store(memarg, Some(i32t), 4)?,
            O::MemorySize { mem } => {
                let (m, _) = self.memory(*mem)?;
                let size_ptr = self
                    .b
                    .build_struct_gep(rt.memory, m, MEMORY_SIZE, "size_ptr")?;
                let bytes = self.b.build_load(i64t, size_ptr, "bytes")?.into_int_value();
                let pages =
                    self.b
                        .build_right_shift(bytes, i64t.const_int(16, false), false, "pages")?;
                let pages = self.b.build_int_truncate(pages, i32t, "pages32")?;
                self.push(pages);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop_int()?;
                let (m, _) = self.memory(*mem)?;
                let call = self
                    .b
                    .build_call(rt.memory_grow, &[m.into(), delta.into()], "grow")?;
                self.push_call_results(call, 1)?;
            }
            O::MemoryInit { data_index, mem } => {
                let n = self.pop_int()?;
                let src = self.pop_int()?;
                let dst = self.pop_int()?;
                let (m, _) = self.memory(*mem)?;
                let seg = &self.env.datas[*data_index as usize];
                let len = self
                    .b
                    .build_load(i32t, seg.len.as_pointer_value(), "seg_len")?;
                self.b.build_call(
                    rt.memory_init,
                    &[
                        m.into(),
                        dst.into(),
                        seg.items.as_pointer_value().into(),
                        len.into(),
                        src.into(),
                        n.into(),
                    ],
                    "",
                )?;
            }
            O::DataDrop { data_index } => {
                let seg = &self.env.datas[*data_index as usize];
                self.b
                    .build_store(seg.len.as_pointer_value(), i32t.const_zero())?;
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let n = self.pop_int()?;
                let src = self.pop_int()?;
                let dst = self.pop_int()?;
                let (dm, _) = self.memory(*dst_mem)?;
                let (sm, _) = self.memory(*src_mem)?;
                self.b.build_call(
                    rt.memory_copy,
                    &[dm.into(), sm.into(), dst.into(), src.into(), n.into()],
                    "",
                )?;
            }
            O::MemoryFill { mem } => {
                let n = self.pop_int()?;
                let val = self.pop_int()?;
                let dst = self.pop_int()?;
                let (m, _) = self.memory(*mem)?;
                self.b.build_call(
                    rt.memory_fill,
                    &[m.into(), dst.into(), val.into(), n.into()],
                    "",
                )?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
