//! 128-bit SIMD operators (fixed-width SIMD of WebAssembly 2.0 and relaxed
//! SIMD of 3.0), lowered to generic LLVM vector IR so that x86-64 gets SSE
//! code.  A `v128` value is an LLVM `<2 x i64>` (what clang uses for
//! `__m128i`, so it travels in an XMM register in the SysV ABI); each
//! operator bitcasts it to the lane shape it works on.
//!
//! This file owns the `v128` type, the lane shapes, the helpers every SIMD
//! operator uses and the operator dispatch; the lane operations are in
//! `simd_ops.rs`, loads and stores in `simd_memory.rs`.
//!
//! Exact wasm semantics where LLVM's differ: shifts take the count modulo the
//! lane width, `swizzle` gives 0 for indices ≥ 16, min/max propagate NaN and
//! order -0 below +0, float→int conversions saturate (NaN → 0), and
//! alignment hints are ignored (every access is `align 1`).
//!
//! Relaxed SIMD picks, per operator, the allowed result that is cheapest on
//! the baseline x86-64 target (SSE2) — the choice is fixed at compile time,
//! so a program always gets the same answers (see the README):
//! `relaxed_swizzle` = `swizzle`; `relaxed_trunc` signed = `cvttps2dq` /
//! `cvttpd2dq` (NaN and out-of-range lanes give INT32_MIN), unsigned = the
//! saturating conversion; `relaxed_madd`/`nmadd` = unfused `fmul` then `fadd`
//! (the baseline has no FMA; `llvm.fmuladd` would also be folded fused at
//! compile time, giving different answers for constant operands); `relaxed_laneselect` = `bitselect`;
//! `relaxed_min`/`max` = `minps`/`maxps` (`a < b ? a : b`, so NaN or equal
//! zeros give the second operand); `relaxed_q15mulr_s` = the saturating
//! `q15mulr_sat_s`; the relaxed dot products treat both operands as signed.

use super::function::FuncTranslator;
use crate::error::{Error, Result};
use inkwell::types::{BasicTypeEnum, VectorType};
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, IntValue, VectorValue};
use inkwell::{FloatPredicate, IntPredicate};
use wasmparser::Operator;

/// The lane shape an operator sees a `v128` as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Shape {
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

impl Shape {
    pub(super) fn lanes(self) -> u32 {
        match self {
            Shape::I8x16 => 16,
            Shape::I16x8 => 8,
            Shape::I32x4 | Shape::F32x4 => 4,
            Shape::I64x2 | Shape::F64x2 => 2,
        }
    }
    pub(super) fn bits(self) -> u32 {
        128 / self.lanes()
    }
    /// The integer shape with twice as wide (half as many) lanes.
    pub(super) fn wider(self) -> Shape {
        match self {
            Shape::I8x16 => Shape::I16x8,
            Shape::I16x8 => Shape::I32x4,
            _ => Shape::I64x2,
        }
    }
    /// The integer shape with half as wide lanes.
    pub(super) fn narrower(self) -> Shape {
        match self {
            Shape::I64x2 => Shape::I32x4,
            Shape::I32x4 => Shape::I16x8,
            _ => Shape::I8x16,
        }
    }
    /// The integer shape of the same lane width.
    pub(super) fn int(self) -> Shape {
        match self {
            Shape::F32x4 => Shape::I32x4,
            Shape::F64x2 => Shape::I64x2,
            s => s,
        }
    }
}

/// How integer lanes widen.
#[derive(Clone, Copy)]
pub(super) enum Ext {
    S,
    U,
}

/// Which half of the lanes an extending operator reads.
#[derive(Clone, Copy)]
pub(super) enum Half {
    Low,
    High,
}

/// The LLVM type of a `v128` value.
pub fn v128_type(context: &inkwell::context::Context) -> VectorType<'_> {
    context.i64_type().vec_type(2)
}

/// A `v128.const` (little-endian bytes) as an LLVM constant.
pub fn v128_const<'ctx>(
    context: &'ctx inkwell::context::Context,
    bytes: &[u8; 16],
) -> VectorValue<'ctx> {
    let i64t = context.i64_type();
    let lo = u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
    let hi = u64::from_le_bytes(bytes[8..].try_into().unwrap_or([0; 8]));
    VectorType::const_vector(&[i64t.const_int(lo, false), i64t.const_int(hi, false)])
}

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    pub(super) fn lane_type(&self, s: Shape) -> BasicTypeEnum<'ctx> {
        let c = self.rt.context;
        match s {
            Shape::I8x16 => c.i8_type().into(),
            Shape::I16x8 => c.i16_type().into(),
            Shape::I32x4 => c.i32_type().into(),
            Shape::I64x2 => c.i64_type().into(),
            Shape::F32x4 => c.f32_type().into(),
            Shape::F64x2 => c.f64_type().into(),
        }
    }

    pub(super) fn vty(&self, s: Shape) -> VectorType<'ctx> {
        self.vty_n(s, s.lanes())
    }

    /// A vector of `n` lanes of `s`'s lane type.
    pub(super) fn vty_n(&self, s: Shape, n: u32) -> VectorType<'ctx> {
        match self.lane_type(s) {
            BasicTypeEnum::IntType(t) => t.vec_type(n),
            BasicTypeEnum::FloatType(t) => t.vec_type(n),
            _ => unreachable!("lane types are ints and floats"),
        }
    }

    pub(super) fn cast(
        &self,
        v: BasicValueEnum<'ctx>,
        ty: VectorType<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        Ok(self.b.build_bit_cast(v, ty, "v")?.into_vector_value())
    }

    pub(super) fn pop_v(&mut self, s: Shape) -> Result<VectorValue<'ctx>> {
        let v = self.pop()?;
        self.cast(v, self.vty(s))
    }

    pub(super) fn push_v(&mut self, v: VectorValue<'ctx>) -> Result<()> {
        let v = self.cast(v.into(), v128_type(self.rt.context))?;
        self.push(v);
        Ok(())
    }

    /// A constant vector of `s` with every lane `bits` (integer shapes).
    pub(super) fn splat_const(&self, s: Shape, n: u32, bits: u64) -> VectorValue<'ctx> {
        let t = self.lane_type(s).into_int_type();
        let lanes: Vec<IntValue> = (0..n).map(|_| t.const_int(bits, true)).collect();
        VectorType::const_vector(&lanes)
    }

    pub(super) fn i32_const(&self, v: u64) -> IntValue<'ctx> {
        self.rt.i32.const_int(v, false)
    }

    /// `scalar` in every lane of a vector of `n` lanes.
    pub(super) fn splat(&self, scalar: BasicValueEnum<'ctx>, n: u32) -> Result<VectorValue<'ctx>> {
        let ty = match scalar.get_type() {
            BasicTypeEnum::IntType(t) => t.vec_type(n),
            BasicTypeEnum::FloatType(t) => t.vec_type(n),
            _ => return Err(Error::new("splat of a non-scalar (internal error)")),
        };
        let one =
            self.b
                .build_insert_element(ty.get_poison(), scalar, self.i32_const(0), "splat")?;
        let mask = VectorType::const_vector(&(0..n).map(|_| self.i32_const(0)).collect::<Vec<_>>());
        Ok(self
            .b
            .build_shuffle_vector(one, ty.get_poison(), mask, "splat")?)
    }

    /// `shufflevector a, b, mask`.
    pub(super) fn shuffle(
        &self,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
        mask: impl IntoIterator<Item = u32>,
    ) -> Result<VectorValue<'ctx>> {
        let mask: Vec<IntValue> = mask.into_iter().map(|i| self.i32_const(i as u64)).collect();
        Ok(self
            .b
            .build_shuffle_vector(a, b, VectorType::const_vector(&mask), "shuf")?)
    }

    pub(super) fn call_v(
        &self,
        name: &str,
        types: &[VectorType<'ctx>],
        args: &[VectorValue<'ctx>],
    ) -> Result<VectorValue<'ctx>> {
        let types: Vec<BasicTypeEnum> = types.iter().map(|t| (*t).into()).collect();
        let args: Vec<BasicMetadataValueEnum> = args.iter().map(|a| (*a).into()).collect();
        Ok(self
            .call_intrinsic(name, &types, &args)?
            .into_vector_value())
    }

    pub(super) fn unary(
        &mut self,
        s: Shape,
        f: impl FnOnce(&Self, VectorValue<'ctx>) -> Result<VectorValue<'ctx>>,
    ) -> Result<()> {
        let a = self.pop_v(s)?;
        let r = f(self, a)?;
        self.push_v(r)
    }

    pub(super) fn binary(
        &mut self,
        s: Shape,
        f: impl FnOnce(&Self, VectorValue<'ctx>, VectorValue<'ctx>) -> Result<VectorValue<'ctx>>,
    ) -> Result<()> {
        let b = self.pop_v(s)?;
        let a = self.pop_v(s)?;
        let r = f(self, a, b)?;
        self.push_v(r)
    }

    pub(super) fn unary_intr(&mut self, s: Shape, name: &str) -> Result<()> {
        let ty = self.vty(s);
        self.unary(s, |t, a| t.call_v(name, &[ty], &[a]))
    }

    pub(super) fn binary_intr(&mut self, s: Shape, name: &str) -> Result<()> {
        let ty = self.vty(s);
        self.binary(s, |t, a, b| t.call_v(name, &[ty], &[a, b]))
    }

    pub(super) fn f_unary(&mut self, s: Shape, name: &str) -> Result<()> {
        self.unary_intr(s, name)
    }

    /// Lowers `op` if it is a SIMD operator; returns whether it was.
    pub fn simd_op(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Ext::{S, U};
        use Half::{High, Low};
        use Operator as O;
        use Shape::*;
        match op {
            O::V128Const { value } => {
                let c = v128_const(self.rt.context, value.bytes());
                self.push(c);
            }
            O::V128Load { memarg } => {
                let v = self.v_load(memarg, v128_type(self.rt.context).into(), 16)?;
                self.push(v);
            }
            O::V128Load8x8S { memarg } => self.load_extend(memarg, I8x16, S)?,
            O::V128Load8x8U { memarg } => self.load_extend(memarg, I8x16, U)?,
            O::V128Load16x4S { memarg } => self.load_extend(memarg, I16x8, S)?,
            O::V128Load16x4U { memarg } => self.load_extend(memarg, I16x8, U)?,
            O::V128Load32x2S { memarg } => self.load_extend(memarg, I32x4, S)?,
            O::V128Load32x2U { memarg } => self.load_extend(memarg, I32x4, U)?,
            O::V128Load8Splat { memarg } => self.load_splat(memarg, I8x16)?,
            O::V128Load16Splat { memarg } => self.load_splat(memarg, I16x8)?,
            O::V128Load32Splat { memarg } => self.load_splat(memarg, I32x4)?,
            O::V128Load64Splat { memarg } => self.load_splat(memarg, I64x2)?,
            O::V128Load32Zero { memarg } => self.load_zero(memarg, I32x4)?,
            O::V128Load64Zero { memarg } => self.load_zero(memarg, I64x2)?,
            O::V128Store { memarg } => self.store_lane(memarg, I64x2, None)?,
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8x16, *lane)?,
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16x8, *lane)?,
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32x4, *lane)?,
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64x2, *lane)?,
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8x16, Some(*lane))?,
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16x8, Some(*lane))?,
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32x4, Some(*lane))?,
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64x2, Some(*lane))?,

            O::I8x16Shuffle { lanes } => {
                let lanes = *lanes;
                self.binary(I8x16, |t, a, b| {
                    t.shuffle(a, b, lanes.iter().map(|l| *l as u32))
                })?
            }
            O::I8x16Swizzle | O::I8x16RelaxedSwizzle => self.swizzle()?,
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8x16, *lane, Some(S))?,
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8x16, *lane, Some(U))?,
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16x8, *lane, Some(S))?,
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16x8, *lane, Some(U))?,
            O::I32x4ExtractLane { lane } => self.extract_lane(I32x4, *lane, None)?,
            O::I64x2ExtractLane { lane } => self.extract_lane(I64x2, *lane, None)?,
            O::F32x4ExtractLane { lane } => self.extract_lane(F32x4, *lane, None)?,
            O::F64x2ExtractLane { lane } => self.extract_lane(F64x2, *lane, None)?,
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8x16, *lane)?,
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16x8, *lane)?,
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32x4, *lane)?,
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64x2, *lane)?,
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32x4, *lane)?,
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64x2, *lane)?,
            O::I8x16Splat => self.splat_op(I8x16)?,
            O::I16x8Splat => self.splat_op(I16x8)?,
            O::I32x4Splat => self.splat_op(I32x4)?,
            O::I64x2Splat => self.splat_op(I64x2)?,
            O::F32x4Splat => self.splat_op(F32x4)?,
            O::F64x2Splat => self.splat_op(F64x2)?,

            O::I8x16Eq => self.icmp(I8x16, IntPredicate::EQ)?,
            O::I8x16Ne => self.icmp(I8x16, IntPredicate::NE)?,
            O::I8x16LtS => self.icmp(I8x16, IntPredicate::SLT)?,
            O::I8x16LtU => self.icmp(I8x16, IntPredicate::ULT)?,
            O::I8x16GtS => self.icmp(I8x16, IntPredicate::SGT)?,
            O::I8x16GtU => self.icmp(I8x16, IntPredicate::UGT)?,
            O::I8x16LeS => self.icmp(I8x16, IntPredicate::SLE)?,
            O::I8x16LeU => self.icmp(I8x16, IntPredicate::ULE)?,
            O::I8x16GeS => self.icmp(I8x16, IntPredicate::SGE)?,
            O::I8x16GeU => self.icmp(I8x16, IntPredicate::UGE)?,
            O::I16x8Eq => self.icmp(I16x8, IntPredicate::EQ)?,
            O::I16x8Ne => self.icmp(I16x8, IntPredicate::NE)?,
            O::I16x8LtS => self.icmp(I16x8, IntPredicate::SLT)?,
            O::I16x8LtU => self.icmp(I16x8, IntPredicate::ULT)?,
            O::I16x8GtS => self.icmp(I16x8, IntPredicate::SGT)?,
            O::I16x8GtU => self.icmp(I16x8, IntPredicate::UGT)?,
            O::I16x8LeS => self.icmp(I16x8, IntPredicate::SLE)?,
            O::I16x8LeU => self.icmp(I16x8, IntPredicate::ULE)?,
            O::I16x8GeS => self.icmp(I16x8, IntPredicate::SGE)?,
            O::I16x8GeU => self.icmp(I16x8, IntPredicate::UGE)?,
            O::I32x4Eq => self.icmp(I32x4, IntPredicate::EQ)?,
            O::I32x4Ne => self.icmp(I32x4, IntPredicate::NE)?,
            O::I32x4LtS => self.icmp(I32x4, IntPredicate::SLT)?,
            O::I32x4LtU => self.icmp(I32x4, IntPredicate::ULT)?,
            O::I32x4GtS => self.icmp(I32x4, IntPredicate::SGT)?,
            O::I32x4GtU => self.icmp(I32x4, IntPredicate::UGT)?,
            O::I32x4LeS => self.icmp(I32x4, IntPredicate::SLE)?,
            O::I32x4LeU => self.icmp(I32x4, IntPredicate::ULE)?,
            O::I32x4GeS => self.icmp(I32x4, IntPredicate::SGE)?,
            O::I32x4GeU => self.icmp(I32x4, IntPredicate::UGE)?,
            O::I64x2Eq => self.icmp(I64x2, IntPredicate::EQ)?,
            O::I64x2Ne => self.icmp(I64x2, IntPredicate::NE)?,
            O::I64x2LtS => self.icmp(I64x2, IntPredicate::SLT)?,
            O::I64x2GtS => self.icmp(I64x2, IntPredicate::SGT)?,
            O::I64x2LeS => self.icmp(I64x2, IntPredicate::SLE)?,
            O::I64x2GeS => self.icmp(I64x2, IntPredicate::SGE)?,
            O::F32x4Eq => self.fcmp(F32x4, FloatPredicate::OEQ)?,
            O::F32x4Ne => self.fcmp(F32x4, FloatPredicate::UNE)?,
            O::F32x4Lt => self.fcmp(F32x4, FloatPredicate::OLT)?,
            O::F32x4Gt => self.fcmp(F32x4, FloatPredicate::OGT)?,
            O::F32x4Le => self.fcmp(F32x4, FloatPredicate::OLE)?,
            O::F32x4Ge => self.fcmp(F32x4, FloatPredicate::OGE)?,
            O::F64x2Eq => self.fcmp(F64x2, FloatPredicate::OEQ)?,
            O::F64x2Ne => self.fcmp(F64x2, FloatPredicate::UNE)?,
            O::F64x2Lt => self.fcmp(F64x2, FloatPredicate::OLT)?,
            O::F64x2Gt => self.fcmp(F64x2, FloatPredicate::OGT)?,
            O::F64x2Le => self.fcmp(F64x2, FloatPredicate::OLE)?,
            O::F64x2Ge => self.fcmp(F64x2, FloatPredicate::OGE)?,

            O::V128Not => self.unary(I64x2, |t, a| Ok(t.b.build_not(a, "not")?))?,
            O::V128And => self.binary(I64x2, |t, a, b| Ok(t.b.build_and(a, b, "and")?))?,
            O::V128AndNot => self.binary(I64x2, |t, a, b| {
                let nb = t.b.build_not(b, "not")?;
                Ok(t.b.build_and(a, nb, "andnot")?)
            })?,
            O::V128Or => self.binary(I64x2, |t, a, b| Ok(t.b.build_or(a, b, "or")?))?,
            O::V128Xor => self.binary(I64x2, |t, a, b| Ok(t.b.build_xor(a, b, "xor")?))?,
            O::V128Bitselect
            | O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => self.bitselect()?,
            O::V128AnyTrue => self.any_true()?,

            O::I8x16Abs => self.abs(I8x16)?,
            O::I16x8Abs => self.abs(I16x8)?,
            O::I32x4Abs => self.abs(I32x4)?,
            O::I64x2Abs => self.abs(I64x2)?,
            O::I8x16Neg => self.neg(I8x16)?,
            O::I16x8Neg => self.neg(I16x8)?,
            O::I32x4Neg => self.neg(I32x4)?,
            O::I64x2Neg => self.neg(I64x2)?,
            O::I8x16Popcnt => self.unary_intr(I8x16, "llvm.ctpop")?,
            O::I8x16AllTrue => self.all_true(I8x16)?,
            O::I16x8AllTrue => self.all_true(I16x8)?,
            O::I32x4AllTrue => self.all_true(I32x4)?,
            O::I64x2AllTrue => self.all_true(I64x2)?,
            O::I8x16Bitmask => self.bitmask(I8x16)?,
            O::I16x8Bitmask => self.bitmask(I16x8)?,
            O::I32x4Bitmask => self.bitmask(I32x4)?,
            O::I64x2Bitmask => self.bitmask(I64x2)?,
            O::I8x16NarrowI16x8S => self.narrow(I16x8, true)?,
            O::I8x16NarrowI16x8U => self.narrow(I16x8, false)?,
            O::I16x8NarrowI32x4S => self.narrow(I32x4, true)?,
            O::I16x8NarrowI32x4U => self.narrow(I32x4, false)?,

            O::I8x16Shl => self.shift(I8x16, 0)?,
            O::I8x16ShrS => self.shift(I8x16, 1)?,
            O::I8x16ShrU => self.shift(I8x16, 2)?,
            O::I16x8Shl => self.shift(I16x8, 0)?,
            O::I16x8ShrS => self.shift(I16x8, 1)?,
            O::I16x8ShrU => self.shift(I16x8, 2)?,
            O::I32x4Shl => self.shift(I32x4, 0)?,
            O::I32x4ShrS => self.shift(I32x4, 1)?,
            O::I32x4ShrU => self.shift(I32x4, 2)?,
            O::I64x2Shl => self.shift(I64x2, 0)?,
            O::I64x2ShrS => self.shift(I64x2, 1)?,
            O::I64x2ShrU => self.shift(I64x2, 2)?,

            O::I8x16Add => self.add(I8x16)?,
            O::I16x8Add => self.add(I16x8)?,
            O::I32x4Add => self.add(I32x4)?,
            O::I64x2Add => self.add(I64x2)?,
            O::I8x16Sub => self.sub(I8x16)?,
            O::I16x8Sub => self.sub(I16x8)?,
            O::I32x4Sub => self.sub(I32x4)?,
            O::I64x2Sub => self.sub(I64x2)?,
            O::I16x8Mul => self.mul(I16x8)?,
            O::I32x4Mul => self.mul(I32x4)?,
            O::I64x2Mul => self.mul(I64x2)?,
            O::I8x16AddSatS => self.binary_intr(I8x16, "llvm.sadd.sat")?,
            O::I8x16AddSatU => self.binary_intr(I8x16, "llvm.uadd.sat")?,
            O::I8x16SubSatS => self.binary_intr(I8x16, "llvm.ssub.sat")?,
            O::I8x16SubSatU => self.binary_intr(I8x16, "llvm.usub.sat")?,
            O::I16x8AddSatS => self.binary_intr(I16x8, "llvm.sadd.sat")?,
            O::I16x8AddSatU => self.binary_intr(I16x8, "llvm.uadd.sat")?,
            O::I16x8SubSatS => self.binary_intr(I16x8, "llvm.ssub.sat")?,
            O::I16x8SubSatU => self.binary_intr(I16x8, "llvm.usub.sat")?,
            O::I8x16MinS => self.binary_intr(I8x16, "llvm.smin")?,
            O::I8x16MinU => self.binary_intr(I8x16, "llvm.umin")?,
            O::I8x16MaxS => self.binary_intr(I8x16, "llvm.smax")?,
            O::I8x16MaxU => self.binary_intr(I8x16, "llvm.umax")?,
            O::I16x8MinS => self.binary_intr(I16x8, "llvm.smin")?,
            O::I16x8MinU => self.binary_intr(I16x8, "llvm.umin")?,
            O::I16x8MaxS => self.binary_intr(I16x8, "llvm.smax")?,
            O::I16x8MaxU => self.binary_intr(I16x8, "llvm.umax")?,
            O::I32x4MinS => self.binary_intr(I32x4, "llvm.smin")?,
            O::I32x4MinU => self.binary_intr(I32x4, "llvm.umin")?,
            O::I32x4MaxS => self.binary_intr(I32x4, "llvm.smax")?,
            O::I32x4MaxU => self.binary_intr(I32x4, "llvm.umax")?,
            O::I8x16AvgrU => self.avgr(I8x16)?,
            O::I16x8AvgrU => self.avgr(I16x8)?,
            O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => self.q15mulr()?,

            O::I16x8ExtAddPairwiseI8x16S => self.extadd_pairwise(I8x16, S)?,
            O::I16x8ExtAddPairwiseI8x16U => self.extadd_pairwise(I8x16, U)?,
            O::I32x4ExtAddPairwiseI16x8S => self.extadd_pairwise(I16x8, S)?,
            O::I32x4ExtAddPairwiseI16x8U => self.extadd_pairwise(I16x8, U)?,
            O::I16x8ExtendLowI8x16S => self.extend_op(I8x16, Low, S)?,
            O::I16x8ExtendHighI8x16S => self.extend_op(I8x16, High, S)?,
            O::I16x8ExtendLowI8x16U => self.extend_op(I8x16, Low, U)?,
            O::I16x8ExtendHighI8x16U => self.extend_op(I8x16, High, U)?,
            O::I32x4ExtendLowI16x8S => self.extend_op(I16x8, Low, S)?,
            O::I32x4ExtendHighI16x8S => self.extend_op(I16x8, High, S)?,
            O::I32x4ExtendLowI16x8U => self.extend_op(I16x8, Low, U)?,
            O::I32x4ExtendHighI16x8U => self.extend_op(I16x8, High, U)?,
            O::I64x2ExtendLowI32x4S => self.extend_op(I32x4, Low, S)?,
            O::I64x2ExtendHighI32x4S => self.extend_op(I32x4, High, S)?,
            O::I64x2ExtendLowI32x4U => self.extend_op(I32x4, Low, U)?,
            O::I64x2ExtendHighI32x4U => self.extend_op(I32x4, High, U)?,
            O::I16x8ExtMulLowI8x16S => self.extmul(I8x16, Low, S)?,
            O::I16x8ExtMulHighI8x16S => self.extmul(I8x16, High, S)?,
            O::I16x8ExtMulLowI8x16U => self.extmul(I8x16, Low, U)?,
            O::I16x8ExtMulHighI8x16U => self.extmul(I8x16, High, U)?,
            O::I32x4ExtMulLowI16x8S => self.extmul(I16x8, Low, S)?,
            O::I32x4ExtMulHighI16x8S => self.extmul(I16x8, High, S)?,
            O::I32x4ExtMulLowI16x8U => self.extmul(I16x8, Low, U)?,
            O::I32x4ExtMulHighI16x8U => self.extmul(I16x8, High, U)?,
            O::I64x2ExtMulLowI32x4S => self.extmul(I32x4, Low, S)?,
            O::I64x2ExtMulHighI32x4S => self.extmul(I32x4, High, S)?,
            O::I64x2ExtMulLowI32x4U => self.extmul(I32x4, Low, U)?,
            O::I64x2ExtMulHighI32x4U => self.extmul(I32x4, High, U)?,
            O::I32x4DotI16x8S => self.binary(I16x8, |t, a, b| t.dot(a, b, I32x4))?,
            O::I16x8RelaxedDotI8x16I7x16S => self.binary(I8x16, |t, a, b| t.dot(a, b, I16x8))?,
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop_v(I32x4)?;
                let b = self.pop_v(I8x16)?;
                let a = self.pop_v(I8x16)?;
                let d = self.dot(a, b, I32x4)?;
                let r = self.b.build_int_add(d, c, "dot_add")?;
                self.push_v(r)?;
            }

            O::F32x4Ceil => self.f_unary(F32x4, "llvm.ceil")?,
            O::F32x4Floor => self.f_unary(F32x4, "llvm.floor")?,
            O::F32x4Trunc => self.f_unary(F32x4, "llvm.trunc")?,
            O::F32x4Nearest => self.f_unary(F32x4, "llvm.roundeven")?,
            O::F32x4Abs => self.f_unary(F32x4, "llvm.fabs")?,
            O::F32x4Sqrt => self.f_unary(F32x4, "llvm.sqrt")?,
            O::F64x2Ceil => self.f_unary(F64x2, "llvm.ceil")?,
            O::F64x2Floor => self.f_unary(F64x2, "llvm.floor")?,
            O::F64x2Trunc => self.f_unary(F64x2, "llvm.trunc")?,
            O::F64x2Nearest => self.f_unary(F64x2, "llvm.roundeven")?,
            O::F64x2Abs => self.f_unary(F64x2, "llvm.fabs")?,
            O::F64x2Sqrt => self.f_unary(F64x2, "llvm.sqrt")?,
            O::F32x4Neg => self.unary(F32x4, |t, a| Ok(t.b.build_float_neg(a, "fneg")?))?,
            O::F64x2Neg => self.unary(F64x2, |t, a| Ok(t.b.build_float_neg(a, "fneg")?))?,
            O::F32x4Add => {
                self.binary(F32x4, |t, a, b| Ok(t.b.build_float_add(a, b, "fadd")?))?
            }
            O::F64x2Add => {
                self.binary(F64x2, |t, a, b| Ok(t.b.build_float_add(a, b, "fadd")?))?
            }
            O::F32x4Sub => {
                self.binary(F32x4, |t, a, b| Ok(t.b.build_float_sub(a, b, "fsub")?))?
            }
            O::F64x2Sub => {
                self.binary(F64x2, |t, a, b| Ok(t.b.build_float_sub(a, b, "fsub")?))?
            }
            O::F32x4Mul => {
                self.binary(F32x4, |t, a, b| Ok(t.b.build_float_mul(a, b, "fmul")?))?
            }
            O::F64x2Mul => {
                self.binary(F64x2, |t, a, b| Ok(t.b.build_float_mul(a, b, "fmul")?))?
            }
            O::F32x4Div => {
                self.binary(F32x4, |t, a, b| Ok(t.b.build_float_div(a, b, "fdiv")?))?
            }
            O::F64x2Div => {
                self.binary(F64x2, |t, a, b| Ok(t.b.build_float_div(a, b, "fdiv")?))?
            }
            O::F32x4Min => self.fminmax(F32x4, "llvm.minimum")?,
            O::F32x4Max => self.fminmax(F32x4, "llvm.maximum")?,
            O::F64x2Min => self.fminmax(F64x2, "llvm.minimum")?,
            O::F64x2Max => self.fminmax(F64x2, "llvm.maximum")?,
            O::F32x4PMin => self.pminmax(F32x4, false)?,
            O::F32x4PMax => self.pminmax(F32x4, true)?,
            O::F64x2PMin => self.pminmax(F64x2, false)?,
            O::F64x2PMax => self.pminmax(F64x2, true)?,
            O::F32x4RelaxedMin => self.relaxed_minmax(F32x4, false)?,
            O::F32x4RelaxedMax => self.relaxed_minmax(F32x4, true)?,
            O::F64x2RelaxedMin => self.relaxed_minmax(F64x2, false)?,
            O::F64x2RelaxedMax => self.relaxed_minmax(F64x2, true)?,
            O::F32x4RelaxedMadd => self.madd(F32x4, false)?,
            O::F32x4RelaxedNmadd => self.madd(F32x4, true)?,
            O::F64x2RelaxedMadd => self.madd(F64x2, false)?,
            O::F64x2RelaxedNmadd => self.madd(F64x2, true)?,

            O::I32x4TruncSatF32x4S => self.trunc_sat(F32x4, true)?,
            O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => self.trunc_sat(F32x4, false)?,
            O::I32x4TruncSatF64x2SZero => self.trunc_sat(F64x2, true)?,
            O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => {
                self.trunc_sat(F64x2, false)?
            }
            O::I32x4RelaxedTruncF32x4S => self.relaxed_trunc_s(F32x4)?,
            O::I32x4RelaxedTruncF64x2SZero => self.relaxed_trunc_s(F64x2)?,
            O::F32x4ConvertI32x4S => self.convert(I32x4, 4, true)?,
            O::F32x4ConvertI32x4U => self.convert(I32x4, 4, false)?,
            O::F64x2ConvertLowI32x4S => self.convert(I32x4, 2, true)?,
            O::F64x2ConvertLowI32x4U => self.convert(I32x4, 2, false)?,
            O::F32x4DemoteF64x2Zero => {
                let ty = self.vty_n(F32x4, 2);
                self.unary(F64x2, |t, a| {
                    let d = t.b.build_float_trunc(a, ty, "demote")?;
                    t.widen_to_4(d)
                })?
            }
            O::F64x2PromoteLowF32x4 => {
                let ty = self.vty(F64x2);
                self.unary(F32x4, |t, a| {
                    let low = t.shuffle(a, a, 0..2)?;
                    Ok(t.b.build_float_ext(low, ty, "promote")?)
                })?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
