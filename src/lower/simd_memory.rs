//! SIMD loads and stores: `v128.load`/`store`, the extending, splat and zero
//! loads, lane loads and stores — every access `align 1` (alignment hints
//! never trap) through the same effective address as scalar accesses.  Every
//! load is registered for `observed_loads.rs`, which keeps an unused one
//! (and its out-of-bounds trap).

use super::function::FuncTranslator;
use super::simd::{Ext, Shape};
use crate::error::Result;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValue, BasicValueEnum};
use wasmparser::MemArg;

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// Lowers a vector load of the popped address.
    pub(super) fn v_load(
        &mut self,
        memarg: &MemArg,
        ty: BasicTypeEnum<'ctx>,
        size: u64,
    ) -> Result<BasicValueEnum<'ctx>> {
        let ptr = self.effective_address(memarg, size)?;
        let v = self.b.build_load(ty, ptr, "vload")?;
        if let Some(inst) = v.as_instruction_value() {
            inst.set_alignment(1).ok();
            // Kept with its trap even when nothing uses it: observed_loads.rs.
            self.memory_loads.push(inst);
        }
        Ok(v)
    }

    pub(super) fn load_extend(&mut self, memarg: &MemArg, s: Shape, ext: Ext) -> Result<()> {
        let half = self.vty_n(s, s.lanes() / 2);
        let v = self.v_load(memarg, half.into(), 8)?.into_vector_value();
        let r = self.extend(v, s.wider(), ext)?;
        self.push_v(r)
    }

    pub(super) fn load_splat(&mut self, memarg: &MemArg, s: Shape) -> Result<()> {
        let v = self.v_load(memarg, self.lane_type(s), s.bits() as u64 / 8)?;
        let r = self.splat(v, s.lanes())?;
        self.push_v(r)
    }

    pub(super) fn load_zero(&mut self, memarg: &MemArg, s: Shape) -> Result<()> {
        let v = self.v_load(memarg, self.lane_type(s), s.bits() as u64 / 8)?;
        let r = self.b.build_insert_element(
            self.vty(s).const_zero(),
            v,
            self.i32_const(0),
            "load_zero",
        )?;
        self.push_v(r)
    }

    pub(super) fn load_lane(&mut self, memarg: &MemArg, s: Shape, lane: u8) -> Result<()> {
        let vec = self.pop_v(s)?;
        let v = self.v_load(memarg, self.lane_type(s), s.bits() as u64 / 8)?;
        let r = self
            .b
            .build_insert_element(vec, v, self.i32_const(lane as u64), "load_lane")?;
        self.push_v(r)
    }

    pub(super) fn store_lane(&mut self, memarg: &MemArg, s: Shape, lane: Option<u8>) -> Result<()> {
        let vec = self.pop_v(s)?;
        let v: BasicValueEnum = match lane {
            Some(l) => self
                .b
                .build_extract_element(vec, self.i32_const(l as u64), "lane")?,
            None => vec.into(),
        };
        let size = match lane {
            Some(_) => s.bits() as u64 / 8,
            None => 16,
        };
        let ptr = self.effective_address(memarg, size)?;
        let st = self.b.build_store(ptr, v)?;
        st.set_alignment(1).ok();
        Ok(())
    }
}
