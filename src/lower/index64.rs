//! 64-bit index types (memory64 and 64-bit tables).
//!
//! **Memories.**  A 32-bit memory needs no check: its address plus offset
//! stays inside the runtime's 8 GiB reservation, whose unmapped part faults.
//! No guard can cover a 64-bit address, so every access to a 64-bit memory
//! is compared with the memory's current size before it is made:
//! `oob = size < k || address > size - k` with `k = offset + access width`
//! a constant (an offset so large that `k` overflows always traps).  That
//! is one load of `size` (it changes with memory.grow, so it is not
//! invariant, but LLVM keeps it in a register between calls) and two
//! compares with a branch to the trap block.  The bulk operations call the
//! `*64` runtime functions (runtime/memory64.c).
//!
//! Measured (-O2, idle-ish 2 cores): a sequential sum over 16 MiB, 100
//! times, runs as fast as the guard-page 32-bit build (LLVM hoists the check
//! and still vectorizes); a loop of 2·10^8 random load/store pairs is about
//! 30% slower (0.43 s → 0.56 s; the 32-bit build with `--bounds-checks`:
//! 0.52 s).  The size is reloaded after every store, which LLVM cannot
//! prove does not alias the memory struct; alias metadata would help.
//!
//! **Tables.**  Runtime tables never exceed 10^7 elements (runtime/table.c),
//! so a 64-bit table index is narrowed to 32 bits by saturation: any index
//! at or above 2^32 becomes 0xFFFFFFFF, which is out of bounds all the same.
//! Results (table.size, table.grow) are widened back, keeping -1 for a
//! failed grow.

use super::function::FuncTranslator;
use super::runtime::{TrapKind, MEMORY_SIZE};
use crate::error::Result;
use inkwell::values::{BasicMetadataValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// Whether memory `index` has 64-bit addresses.
    pub fn is_memory64(&self, index: u32) -> bool {
        self.env
            .info
            .memories
            .get(index as usize)
            .is_some_and(|m| m.memory64)
    }

    /// Whether table `index` has 64-bit indices.
    pub fn is_table64(&self, index: u32) -> bool {
        self.env
            .info
            .tables
            .get(index as usize)
            .is_some_and(|t| t.ty.table64)
    }

    /// The checked effective address (`address + offset`, i64) of an access
    /// of `size` bytes to the 64-bit memory at `mem`.
    pub fn memory64_address(
        &mut self,
        mem: PointerValue<'ctx>,
        address: IntValue<'ctx>,
        offset: u64,
        size: u64,
    ) -> Result<IntValue<'ctx>> {
        let i64t = self.rt.i64;
        let Some(k) = offset.checked_add(size) else {
            // Continues in a fresh (unreachable) block, unlike `trap`.
            let always = self.rt.context.bool_type().const_all_ones();
            self.trap_if(always, TrapKind::MemoryOutOfBounds)?;
            return Ok(i64t.const_zero());
        };
        let size_ptr = self
            .b
            .build_struct_gep(self.rt.memory, mem, MEMORY_SIZE, "size_ptr")?;
        let limit = self
            .b
            .build_load(i64t, size_ptr, "mem_size")?
            .into_int_value();
        let k = i64t.const_int(k, false);
        let too_small = self
            .b
            .build_int_compare(IntPredicate::ULT, limit, k, "too_small")?;
        let last = self.b.build_int_sub(limit, k, "last")?;
        let beyond = self
            .b
            .build_int_compare(IntPredicate::UGT, address, last, "beyond")?;
        let oob = self.b.build_or(too_small, beyond, "oob64")?;
        self.trap_if(oob, TrapKind::MemoryOutOfBounds)?;
        Ok(if offset != 0 {
            self.b
                .build_int_add(address, i64t.const_int(offset, false), "ea")?
        } else {
            address
        })
    }

    /// `v` as an i64 (zero-extended when it is an i32).
    pub fn widen64(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        if v.get_type().get_bit_width() == 64 {
            Ok(v)
        } else {
            self.index64(v)
        }
    }

    /// memory.size/grow/init/copy/fill when a 64-bit memory is involved;
    /// returns false (having done nothing) when every memory is 32-bit.
    pub fn memory64_op(&mut self, op: &wasmparser::Operator<'a>) -> Result<bool> {
        use wasmparser::Operator as O;
        let rt = self.rt;
        match *op {
            O::MemorySize { mem } if self.is_memory64(mem) => {
                let (m, _) = self.memory(mem)?;
                let size_ptr = self
                    .b
                    .build_struct_gep(rt.memory, m, MEMORY_SIZE, "size_ptr")?;
                let bytes = self
                    .b
                    .build_load(rt.i64, size_ptr, "bytes")?
                    .into_int_value();
                let pages =
                    self.b
                        .build_right_shift(bytes, rt.i64.const_int(16, false), false, "pages")?;
                self.push(pages);
            }
            O::MemoryGrow { mem } if self.is_memory64(mem) => {
                let delta = self.pop_int()?;
                let (m, _) = self.memory(mem)?;
                let call =
                    self.b
                        .build_call(rt.memory_grow64, &[m.into(), delta.into()], "grow")?;
                self.push_call_results(call, 1)?;
            }
            O::MemoryInit { data_index, mem } if self.is_memory64(mem) => {
                let n = self.pop_int()?;
                let src = self.pop_int()?;
                let dst = self.pop_int()?;
                let (m, _) = self.memory(mem)?;
                let seg = &self.env.datas[data_index as usize];
                let len = self
                    .b
                    .build_load(rt.i32, seg.len.as_pointer_value(), "seg_len")?;
                self.b.build_call(
                    rt.memory_init64,
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
            O::MemoryCopy { dst_mem, src_mem }
                if self.is_memory64(dst_mem) || self.is_memory64(src_mem) =>
            {
                let n = self.pop_int()?;
                let src = self.pop_int()?;
                let dst = self.pop_int()?;
                let (dm, _) = self.memory(dst_mem)?;
                let (sm, _) = self.memory(src_mem)?;
                let args: [BasicMetadataValueEnum; 5] = [
                    dm.into(),
                    sm.into(),
                    self.widen64(dst)?.into(),
                    self.widen64(src)?.into(),
                    self.widen64(n)?.into(),
                ];
                self.b.build_call(rt.memory_copy64, &args, "")?;
            }
            O::MemoryFill { mem } if self.is_memory64(mem) => {
                let n = self.pop_int()?;
                let val = self.pop_int()?;
                let dst = self.pop_int()?;
                let (m, _) = self.memory(mem)?;
                self.b.build_call(
                    rt.memory_fill64,
                    &[m.into(), dst.into(), val.into(), n.into()],
                    "",
                )?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A table index or length as the runtime's u32: an i64 saturates at
    /// 0xFFFFFFFF (out of bounds of every runtime table).
    pub fn table_u32(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        if v.get_type().get_bit_width() == 32 {
            return Ok(v);
        }
        let max = self.rt.i64.const_int(u32::MAX as u64, false);
        let big = self.b.build_int_compare(IntPredicate::UGT, v, max, "big")?;
        let clamped = self.b.build_select(big, max, v, "sat")?.into_int_value();
        Ok(self.b.build_int_truncate(clamped, self.rt.i32, "idx32")?)
    }

    /// A runtime table result (size, or old size with 0xFFFFFFFF for a
    /// failed grow) as table `table`'s index type.
    pub fn table_result(&self, table: u32, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        if !self.is_table64(table) {
            return Ok(v);
        }
        let failed = self.b.build_int_compare(
            IntPredicate::EQ,
            v,
            self.rt.i32.const_all_ones(),
            "failed",
        )?;
        let wide = self.index64(v)?;
        Ok(self
            .b
            .build_select(failed, self.rt.i64.const_all_ones(), wide, "r64")?
            .into_int_value())
    }
}
