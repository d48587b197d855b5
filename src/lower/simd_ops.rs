//! SIMD lane operations with wasm's exact semantics on top of LLVM vector
//! IR: comparisons, shifts modulo the lane width, saturating narrowing,
//! NaN-propagating min/max and the pseudo-min/max, `swizzle`, saturating
//! conversions, lane access, bitmasks, the widening and pairwise arithmetic,
//! and the relaxed SIMD choices described in `simd.rs`.

use super::function::FuncTranslator;
use super::simd::{Ext, Half, Shape};
use crate::error::{Error, Result};
use inkwell::types::VectorType;
use inkwell::values::{BasicValueEnum, VectorValue};
use inkwell::{FloatPredicate, IntPredicate};

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// Lane-wise comparison: all ones where true.
    pub(super) fn icmp(&mut self, s: Shape, pred: IntPredicate) -> Result<()> {
        let ty = self.vty(s);
        self.binary(s, |t, a, b| {
            let c = t.b.build_int_compare(pred, a, b, "cmp")?;
            Ok(t.b.build_int_s_extend(c, ty, "mask")?)
        })
    }

    pub(super) fn fcmp(&mut self, s: Shape, pred: FloatPredicate) -> Result<()> {
        let ty = self.vty(s.int());
        self.binary(s, |t, a, b| {
            let c = t.b.build_float_compare(pred, a, b, "cmp")?;
            Ok(t.b.build_int_s_extend(c, ty, "mask")?)
        })
    }

    /// Shift by the popped i32 count modulo the lane width.
    pub(super) fn shift(&mut self, s: Shape, kind: u8) -> Result<()> {
        let count = self.pop_int()?;
        let count = self
            .b
            .build_and(count, self.i32_const(s.bits() as u64 - 1), "shamt")?;
        let lane = self.lane_type(s).into_int_type();
        let count = self.b.build_int_cast(count, lane, "shamt")?;
        let counts = self.splat(count.into(), s.lanes())?;
        let v = self.pop_v(s)?;
        let r = match kind {
            0 => self.b.build_left_shift(v, counts, "shl")?,
            1 => self.b.build_right_shift(v, counts, true, "shr_s")?,
            _ => self.b.build_right_shift(v, counts, false, "shr_u")?,
        };
        self.push_v(r)
    }

    /// The low or high half of `v`'s lanes, widened.
    pub(super) fn extend_half(
        &self,
        v: VectorValue<'ctx>,
        s: Shape,
        half: Half,
        ext: Ext,
    ) -> Result<VectorValue<'ctx>> {
        let n = s.lanes() / 2;
        let start = match half {
            Half::Low => 0,
            Half::High => n,
        };
        let part = self.shuffle(v, v, start..start + n)?;
        self.extend(part, s.wider(), ext)
    }

    pub(super) fn extend(
        &self,
        v: VectorValue<'ctx>,
        to: Shape,
        ext: Ext,
    ) -> Result<VectorValue<'ctx>> {
        let ty = self.vty_n(to, v.get_type().get_size());
        Ok(match ext {
            Ext::S => self.b.build_int_s_extend(v, ty, "sext")?,
            Ext::U => self.b.build_int_z_extend(v, ty, "zext")?,
        })
    }

    /// Even + odd lanes of `v` (which has twice `to`'s lane count).
    pub(super) fn pairwise_add(&self, v: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        let n = v.get_type().get_size() / 2;
        let even = self.shuffle(v, v, (0..n).map(|i| 2 * i))?;
        let odd = self.shuffle(v, v, (0..n).map(|i| 2 * i + 1))?;
        Ok(self.b.build_int_add(even, odd, "pairsum")?)
    }

    /// Saturating narrow of two vectors of `from` lanes into one of half-width lanes.
    pub(super) fn narrow(&mut self, from: Shape, signed: bool) -> Result<()> {
        let b = self.pop_v(from)?;
        let a = self.pop_v(from)?;
        let n = from.lanes() * 2;
        let both = self.shuffle(a, b, 0..n)?;
        let to_bits = from.bits() / 2;
        let (lo, hi) = if signed {
            (-(1i64 << (to_bits - 1)) as u64, (1u64 << (to_bits - 1)) - 1)
        } else {
            (0, (1u64 << to_bits) - 1)
        };
        let ty = self.vty_n(from, n);
        let lo = self.splat_const(from, n, lo);
        let hi = self.splat_const(from, n, hi);
        let v = self.call_v("llvm.smax", &[ty], &[both, lo])?;
        let v = self.call_v("llvm.smin", &[ty], &[v, hi])?;
        let r = self
            .b
            .build_int_truncate(v, self.vty(from.narrower()), "narrow")?;
        self.push_v(r)
    }

    /// Float min/max with wasm's NaN rule on top of `llvm.minimum`/`maximum`
    /// (which already order -0 below +0): a NaN operand gives a quiet NaN.
    pub(super) fn fminmax(&mut self, s: Shape, name: &str) -> Result<()> {
        let ty = self.vty(s);
        self.binary(s, |t, a, b| {
            let m = t.call_v(name, &[ty], &[a, b])?;
            let uno = t.b.build_float_compare(FloatPredicate::UNO, a, b, "uno")?;
            let quiet = t.b.build_float_add(a, b, "quiet_nan")?;
            Ok(t.b
                .build_select(uno, quiet, m, "minmax")?
                .into_vector_value())
        })
    }

    /// `pmin`: `b < a ? b : a`; `pmax`: `a < b ? b : a`.
    pub(super) fn pminmax(&mut self, s: Shape, max: bool) -> Result<()> {
        self.binary(s, |t, a, b| {
            let (l, r) = if max { (a, b) } else { (b, a) };
            let c = t.b.build_float_compare(FloatPredicate::OLT, l, r, "lt")?;
            Ok(t.b.build_select(c, b, a, "pminmax")?.into_vector_value())
        })
    }

    /// `relaxed_min`/`max` as `minps`/`maxps`: `a < b ? a : b`.
    pub(super) fn relaxed_minmax(&mut self, s: Shape, max: bool) -> Result<()> {
        let pred = if max {
            FloatPredicate::OGT
        } else {
            FloatPredicate::OLT
        };
        self.binary(s, |t, a, b| {
            let c = t.b.build_float_compare(pred, a, b, "cmp")?;
            Ok(t.b
                .build_select(c, a, b, "relaxed_minmax")?
                .into_vector_value())
        })
    }

    pub(super) fn bitselect(&mut self) -> Result<()> {
        let c = self.pop_v(Shape::I64x2)?;
        let b = self.pop_v(Shape::I64x2)?;
        let a = self.pop_v(Shape::I64x2)?;
        let x = self.b.build_and(a, c, "sel_a")?;
        let nc = self.b.build_not(c, "not_c")?;
        let y = self.b.build_and(b, nc, "sel_b")?;
        let r = self.b.build_or(x, y, "bitselect")?;
        self.push_v(r)
    }

    /// `swizzle`: lane i is `a[idx[i]]`, or 0 when `idx[i]` ≥ 16.
    pub(super) fn swizzle(&mut self) -> Result<()> {
        let idx = self.pop_v(Shape::I8x16)?;
        let a = self.pop_v(Shape::I8x16)?;
        let i8t = self.rt.i8;
        let mut r = self.vty(Shape::I8x16).const_zero();
        for lane in 0..16 {
            let k = self
                .b
                .build_extract_element(idx, self.i32_const(lane), "idx")?
                .into_int_value();
            let inside = self.b.build_int_compare(
                IntPredicate::ULT,
                k,
                i8t.const_int(16, false),
                "in_range",
            )?;
            let k = self.b.build_and(k, i8t.const_int(15, false), "idx15")?;
            let k = self.b.build_int_z_extend(k, self.rt.i32, "idx32")?;
            let byte = self.b.build_extract_element(a, k, "byte")?.into_int_value();
            let byte = self
                .b
                .build_select(inside, byte, i8t.const_zero(), "byte")?;
            r = self
                .b
                .build_insert_element(r, byte, self.i32_const(lane), "swz")?;
        }
        self.push_v(r)
    }

    /// Saturating float → i32 conversion of `s`'s lanes; f64x2 fills the
    /// upper two lanes with zeros.
    pub(super) fn trunc_sat(&mut self, s: Shape, signed: bool) -> Result<()> {
        let v = self.pop_v(s)?;
        let name = if signed {
            "llvm.fptosi.sat"
        } else {
            "llvm.fptoui.sat"
        };
        let ity = self.vty_n(Shape::I32x4, s.lanes());
        let r = self.call_v(name, &[ity, self.vty(s)], &[v])?;
        let r = self.widen_to_4(r)?;
        self.push_v(r)
    }

    /// `relaxed_trunc_*_s`: x86's `cvttps2dq` / `cvttpd2dq` result on every
    /// target (NaN and out-of-range lanes give 0x80000000), so that a
    /// program prints the same on aarch64 as on x86-64.  x86-64 uses the
    /// instruction itself; elsewhere it is the saturating conversion with
    /// those lanes replaced.
    pub(super) fn relaxed_trunc_s(&mut self, s: Shape) -> Result<()> {
        if self.opts.target.arch == crate::target::Arch::X86_64 {
            let name = match s {
                Shape::F32x4 => "llvm.x86.sse2.cvttps2dq",
                _ => "llvm.x86.sse2.cvttpd2dq",
            };
            return self.unary(s, |t, a| t.call_v(name, &[], &[a]));
        }
        let v = self.pop_v(s)?;
        let n = s.lanes();
        let ity = self.vty_n(Shape::I32x4, n);
        let sat = self.call_v("llvm.fptosi.sat", &[ity, self.vty(s)], &[v])?;
        // 2^31 as the lane type: below it (and not NaN), the saturating
        // result is the exact one; -2^31 and below saturate to 0x80000000.
        let lane = self
            .lane_type(s)
            .into_float_type()
            .const_float(2147483648.0);
        let limit = VectorType::const_vector(&vec![lane; n as usize]);
        let in_range = self
            .b
            .build_float_compare(FloatPredicate::OLT, v, limit, "in_range")?;
        let min = self.splat_const(Shape::I32x4, n, 0x8000_0000);
        let r = self
            .b
            .build_select(in_range, sat, min, "relaxed_trunc")?
            .into_vector_value();
        let r = self.widen_to_4(r)?;
        self.push_v(r)
    }

    /// A `<2 x T>` padded with two zero lanes to `<4 x T>` (unchanged if already 4).
    pub(super) fn widen_to_4(&self, v: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        if v.get_type().get_size() == 4 {
            return Ok(v);
        }
        self.shuffle(v, v.get_type().const_zero(), 0..4)
    }

    pub(super) fn extract_lane(&mut self, s: Shape, lane: u8, ext: Option<Ext>) -> Result<()> {
        let v = self.pop_v(s)?;
        let x = self
            .b
            .build_extract_element(v, self.i32_const(lane as u64), "lane")?;
        let x: BasicValueEnum = match ext {
            Some(Ext::S) => self
                .b
                .build_int_s_extend(x.into_int_value(), self.rt.i32, "sext")?
                .into(),
            Some(Ext::U) => self
                .b
                .build_int_z_extend(x.into_int_value(), self.rt.i32, "zext")?
                .into(),
            None => x,
        };
        self.push(x);
        Ok(())
    }

    pub(super) fn replace_lane(&mut self, s: Shape, lane: u8) -> Result<()> {
        let mut x = self.pop()?;
        if matches!(s, Shape::I8x16 | Shape::I16x8) {
            let t = self.lane_type(s).into_int_type();
            x = self
                .b
                .build_int_truncate(x.into_int_value(), t, "narrow")?
                .into();
        }
        let v = self.pop_v(s)?;
        let r = self
            .b
            .build_insert_element(v, x, self.i32_const(lane as u64), "replace")?;
        self.push_v(r)
    }

    pub(super) fn splat_op(&mut self, s: Shape) -> Result<()> {
        let mut x = self.pop()?;
        if matches!(s, Shape::I8x16 | Shape::I16x8) {
            let t = self.lane_type(s).into_int_type();
            x = self
                .b
                .build_int_truncate(x.into_int_value(), t, "narrow")?
                .into();
        }
        let r = self.splat(x, s.lanes())?;
        self.push_v(r)
    }

    /// Pops a vector of `s` and compares each lane with zero by `pred`: the
    /// results as an `iN` with one bit per lane, and that type.
    fn lane_mask(
        &mut self,
        s: Shape,
        pred: IntPredicate,
    ) -> Result<(
        inkwell::values::IntValue<'ctx>,
        inkwell::types::IntType<'ctx>,
    )> {
        let v = self.pop_v(s)?;
        let lanes = self
            .b
            .build_int_compare(pred, v, self.vty(s).const_zero(), "lanes")?;
        let bits = self
            .rt
            .context
            .custom_width_int_type(
                std::num::NonZeroU32::new(s.lanes()).unwrap_or(std::num::NonZeroU32::MIN),
            )
            .map_err(Error::new)?;
        let m = self.b.build_bit_cast(lanes, bits, "bits")?.into_int_value();
        Ok((m, bits))
    }

    /// Lanes where true → 1 bits, as an `iN` with one bit per lane, zero-extended to i32.
    pub(super) fn bitmask(&mut self, s: Shape) -> Result<()> {
        let (m, _) = self.lane_mask(s, IntPredicate::SLT)?;
        let m = self.b.build_int_z_extend(m, self.rt.i32, "bitmask")?;
        self.push(m);
        Ok(())
    }

    pub(super) fn all_true(&mut self, s: Shape) -> Result<()> {
        let (m, bits) = self.lane_mask(s, IntPredicate::NE)?;
        let all = self
            .b
            .build_int_compare(IntPredicate::EQ, m, bits.const_all_ones(), "all")?;
        let r = self.b.build_int_z_extend(all, self.rt.i32, "all_true")?;
        self.push(r);
        Ok(())
    }

    pub(super) fn any_true(&mut self) -> Result<()> {
        let v = self.pop()?;
        let i128t = self.rt.context.i128_type();
        let x = self.b.build_bit_cast(v, i128t, "bits")?.into_int_value();
        let any = self
            .b
            .build_int_compare(IntPredicate::NE, x, i128t.const_zero(), "any")?;
        let r = self.b.build_int_z_extend(any, self.rt.i32, "any_true")?;
        self.push(r);
        Ok(())
    }

    /// Lane-wise `(a * b + 0x4000) >> 15`, saturated to i16.
    pub(super) fn q15mulr(&mut self) -> Result<()> {
        let w = self
            .vty(Shape::I32x4)
            .get_element_type()
            .into_int_type()
            .vec_type(8);
        self.binary(Shape::I16x8, |t, a, b| {
            let a = t.b.build_int_s_extend(a, w, "a")?;
            let b = t.b.build_int_s_extend(b, w, "b")?;
            let p = t.b.build_int_mul(a, b, "p")?;
            let p =
                t.b.build_int_add(p, t.splat_const(Shape::I32x4, 8, 0x4000), "round")?;
            let p =
                t.b.build_right_shift(p, t.splat_const(Shape::I32x4, 8, 15), true, "q15")?;
            let p = t.call_v(
                "llvm.smin",
                &[w],
                &[p, t.splat_const(Shape::I32x4, 8, 0x7fff)],
            )?;
            Ok(t.b.build_int_truncate(p, t.vty(Shape::I16x8), "q15mulr")?)
        })
    }

    pub(super) fn extmul(&mut self, s: Shape, half: Half, ext: Ext) -> Result<()> {
        self.binary(s, |t, a, b| {
            let a = t.extend_half(a, s, half, ext)?;
            let b = t.extend_half(b, s, half, ext)?;
            Ok(t.b.build_int_mul(a, b, "extmul")?)
        })
    }

    pub(super) fn extadd_pairwise(&mut self, s: Shape, ext: Ext) -> Result<()> {
        self.unary(s, |t, a| {
            let w = t.extend(a, s.wider(), ext)?;
            t.pairwise_add(w)
        })
    }

    /// `avgr_u`: `(a + b + 1) / 2` without overflow.
    pub(super) fn avgr(&mut self, s: Shape) -> Result<()> {
        self.binary(s, |t, a, b| {
            let n = s.lanes();
            let a = t.extend(a, s.wider(), Ext::U)?;
            let b = t.extend(b, s.wider(), Ext::U)?;
            let sum = t.b.build_int_add(a, b, "sum")?;
            let sum =
                t.b.build_int_add(sum, t.splat_const(s.wider(), n, 1), "sum1")?;
            let avg =
                t.b.build_right_shift(sum, t.splat_const(s.wider(), n, 1), false, "avg")?;
            Ok(t.b.build_int_truncate(avg, t.vty(s), "avgr")?)
        })
    }

    /// Sum of products of signed lanes: `to` has 1/`group` as many lanes as
    /// the `from` operands; products are computed in `to`'s lane width.
    pub(super) fn dot(
        &self,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
        to: Shape,
    ) -> Result<VectorValue<'ctx>> {
        let n = a.get_type().get_size();
        let w = self.vty_n(to, n);
        let a = self.b.build_int_s_extend(a, w, "a")?;
        let b = self.b.build_int_s_extend(b, w, "b")?;
        let mut p = self.b.build_int_mul(a, b, "p")?;
        while p.get_type().get_size() > to.lanes() {
            p = self.pairwise_add(p)?;
        }
        Ok(p)
    }

    pub(super) fn abs(&mut self, s: Shape) -> Result<()> {
        let ty = self.vty(s);
        let f = self.rt.context.bool_type().const_zero();
        self.unary(s, |t, a| {
            Ok(
                t.call_intrinsic("llvm.abs", &[ty.into()], &[a.into(), f.into()])?
                    .into_vector_value(),
            )
        })
    }

    pub(super) fn neg(&mut self, s: Shape) -> Result<()> {
        let z = self.vty(s).const_zero();
        self.unary(s, |t, a| Ok(t.b.build_int_sub(z, a, "neg")?))
    }

    pub(super) fn add(&mut self, s: Shape) -> Result<()> {
        self.binary(s, |t, a, b| Ok(t.b.build_int_add(a, b, "add")?))
    }

    pub(super) fn sub(&mut self, s: Shape) -> Result<()> {
        self.binary(s, |t, a, b| Ok(t.b.build_int_sub(a, b, "sub")?))
    }

    pub(super) fn mul(&mut self, s: Shape) -> Result<()> {
        self.binary(s, |t, a, b| Ok(t.b.build_int_mul(a, b, "mul")?))
    }

    pub(super) fn extend_op(&mut self, s: Shape, half: Half, ext: Ext) -> Result<()> {
        self.unary(s, |t, a| t.extend_half(a, s, half, ext))
    }

    /// `a * b + c` (`nmadd`: `-(a * b) + c`), rounded twice.
    pub(super) fn madd(&mut self, s: Shape, negate: bool) -> Result<()> {
        let c = self.pop_v(s)?;
        let b = self.pop_v(s)?;
        let mut a = self.pop_v(s)?;
        if negate {
            a = self.b.build_float_neg(a, "neg")?;
        }
        let p = self.b.build_float_mul(a, b, "mul")?;
        let r = self.b.build_float_add(p, c, "madd")?;
        self.push_v(r)
    }

    /// i32 lanes → floats: all four (f32x4) or the low two (f64x2).
    pub(super) fn convert(&mut self, from: Shape, n: u32, signed: bool) -> Result<()> {
        let ty = if n == 4 {
            self.vty(Shape::F32x4)
        } else {
            self.vty(Shape::F64x2)
        };
        self.unary(from, |t, a| {
            let a = if n == 4 { a } else { t.shuffle(a, a, 0..2)? };
            Ok(if signed {
                t.b.build_signed_int_to_float(a, ty, "convert")?
            } else {
                t.b.build_unsigned_int_to_float(a, ty, "convert")?
            })
        })
    }
}
