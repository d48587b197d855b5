//! Numeric operators: constants, integer and float arithmetic, comparisons,
//! conversions (with the traps wasm requires where LLVM would have undefined
//! behaviour: division by zero, signed overflow, out-of-range truncation).

use super::function::FuncTranslator;
use super::runtime::TrapKind;
use crate::error::Result;
use inkwell::types::{BasicTypeEnum, FloatType, IntType};
use inkwell::values::{BasicValueEnum, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use wasmparser::Operator;

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    fn pop_float(&mut self) -> Result<FloatValue<'ctx>> {
        Ok(self.pop()?.into_float_value())
    }

    fn bool_to_i32(&mut self, v: IntValue<'ctx>) -> Result<()> {
        let z = self.b.build_int_z_extend(v, self.rt.i32, "bool")?;
        self.push(z);
        Ok(())
    }

    fn int_binary(
        &mut self,
        f: impl FnOnce(&Self, IntValue<'ctx>, IntValue<'ctx>) -> Result<IntValue<'ctx>>,
    ) -> Result<()> {
        let r = self.pop_int()?;
        let l = self.pop_int()?;
        let v = f(self, l, r)?;
        self.push(v);
        Ok(())
    }

    fn int_compare(&mut self, pred: IntPredicate) -> Result<()> {
        let r = self.pop_int()?;
        let l = self.pop_int()?;
        let c = self.b.build_int_compare(pred, l, r, "cmp")?;
        self.bool_to_i32(c)
    }

    fn float_binary(
        &mut self,
        f: impl FnOnce(&Self, FloatValue<'ctx>, FloatValue<'ctx>) -> Result<BasicValueEnum<'ctx>>,
    ) -> Result<()> {
        let r = self.pop_float()?;
        let l = self.pop_float()?;
        let v = f(self, l, r)?;
        // With an identity operand (x*1, x-0, -0-x, x/-1...) LLVM folds the
        // operation away, and a signaling NaN would come back unquieted.
        // (Only a plain constant: a constant expression, such as a lane of
        // a constant vector, has no value to read.)
        let identity = |c: FloatValue<'ctx>| {
            use inkwell::values::AsValueRef;
            // SAFETY: a type query on a valid value.
            let plain = unsafe { !llvm_sys::core::LLVMIsAConstantFP(c.as_value_ref()).is_null() };
            plain
                && c.get_constant()
                    .is_some_and(|(v, _)| v == 0.0 || v == 1.0 || v == -1.0)
        };
        let v = match (identity(l), identity(r)) {
            (false, true) => self.quiet_if_nan(l, v.into_float_value())?,
            (true, false) => self.quiet_if_nan(r, v.into_float_value())?,
            _ => v,
        };
        self.push(v);
        Ok(())
    }

    /// `isnan(x) ? x + x : v`: a quiet NaN where wasm requires an arithmetic
    /// one, in case LLVM folded `v` to `x` (or `-x`).
    fn quiet_if_nan(
        &mut self,
        x: FloatValue<'ctx>,
        v: FloatValue<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>> {
        let nan = self
            .b
            .build_float_compare(FloatPredicate::UNO, x, x, "isnan")?;
        let quiet = self.b.build_float_add(x, x, "quiet_nan")?;
        Ok(self.b.build_select(nan, quiet, v, "arith")?)
    }

    fn float_compare(&mut self, pred: FloatPredicate) -> Result<()> {
        let r = self.pop_float()?;
        let l = self.pop_float()?;
        let c = self.b.build_float_compare(pred, l, r, "fcmp")?;
        self.bool_to_i32(c)
    }

    /// A unary intrinsic on the top of the stack (`llvm.ctpop`, `llvm.sqrt`...).
    fn unary_intrinsic(&mut self, name: &str, extra_false_flag: bool) -> Result<()> {
        let v = self.pop()?;
        let ty: BasicTypeEnum = v.get_type();
        let mut args = vec![v.into()];
        if extra_false_flag {
            args.push(self.rt.context.bool_type().const_zero().into());
        }
        let r = self.call_intrinsic(name, &[ty], &args)?;
        self.push(r);
        Ok(())
    }

    fn binary_intrinsic(&mut self, name: &str) -> Result<()> {
        let r = self.pop()?;
        let l = self.pop()?;
        let ty = l.get_type();
        let v = self.call_intrinsic(name, &[ty], &[l.into(), r.into()])?;
        self.push(v);
        Ok(())
    }

    /// wasm min/max: NaN in, quiet NaN out (`llvm.minimum` may return a
    /// signaling NaN operand as is), otherwise `llvm.minimum`/`maximum`.
    fn min_max(&mut self, name: &str) -> Result<()> {
        let r = self.pop_float()?;
        let l = self.pop_float()?;
        let ty: BasicTypeEnum = l.get_type().into();
        let m = self
            .call_intrinsic(name, &[ty], &[l.into(), r.into()])?
            .into_float_value();
        let unordered = self
            .b
            .build_float_compare(FloatPredicate::UNO, l, r, "uno")?;
        let quiet = self.b.build_float_add(l, r, "quiet_nan")?;
        let v = self.b.build_select(unordered, quiet, m, "minmax")?;
        self.push(v);
        Ok(())
    }

    fn rotate(&mut self, name: &str) -> Result<()> {
        let r = self.pop()?;
        let l = self.pop()?;
        let ty = l.get_type();
        let v = self.call_intrinsic(name, &[ty], &[l.into(), l.into(), r.into()])?;
        self.push(v);
        Ok(())
    }

    /// Shift amount modulo the bit width, as wasm defines it.
    fn shift_amount(&self, r: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        let bits = r.get_type().get_bit_width() as u64;
        Ok(self
            .b
            .build_and(r, r.get_type().const_int(bits - 1, false), "shamt")?)
    }

    fn division(&mut self, signed: bool, remainder: bool) -> Result<()> {
        let r = self.pop_int()?;
        let l = self.pop_int()?;
        let ty = r.get_type();
        let zero = self
            .b
            .build_int_compare(IntPredicate::EQ, r, ty.const_zero(), "div_zero")?;
        self.trap_if(zero, TrapKind::DivideByZero)?;
        let minus_one =
            self.b
                .build_int_compare(IntPredicate::EQ, r, ty.const_all_ones(), "minus_one")?;
        let v = match (signed, remainder) {
            (true, false) => {
                let bits = ty.get_bit_width();
                let min = ty.const_int(1u64 << (bits - 1), false);
                let is_min = self
                    .b
                    .build_int_compare(IntPredicate::EQ, l, min, "is_min")?;
                let overflow = self.b.build_and(is_min, minus_one, "overflow")?;
                self.trap_if(overflow, TrapKind::IntegerOverflow)?;
                self.b.build_int_signed_div(l, r, "div")?
            }
            (true, true) => {
                // INT_MIN % -1 is 0 in wasm and undefined in LLVM: use % 1.
                let safe = self
                    .b
                    .build_select(minus_one, ty.const_int(1, false), r, "safe")?
                    .into_int_value();
                self.b.build_int_signed_rem(l, safe, "rem")?
            }
            (false, false) => self.b.build_int_unsigned_div(l, r, "div")?,
            (false, true) => self.b.build_int_unsigned_rem(l, r, "rem")?,
        };
        self.push(v);
        Ok(())
    }

    /// A float constant from its exact bit pattern (NaN payloads kept).
    fn float_const(&mut self, bits: u64, ty: FloatType<'ctx>, int_ty: IntType<'ctx>) -> Result<()> {
        let v = self
            .b
            .build_bit_cast(int_ty.const_int(bits, false), ty, "fconst")?;
        self.push(v);
        Ok(())
    }

    /// Trapping float → int truncation.  `lower`/`upper` are the exclusive
    /// bounds of the valid range (`lower_inclusive` when the bound is itself a
    /// valid input).
    fn trapping_truncate(
        &mut self,
        int_ty: IntType<'ctx>,
        signed: bool,
        lower: f64,
        lower_inclusive: bool,
        upper: f64,
    ) -> Result<()> {
        let v = self.pop_float()?;
        let fty = v.get_type();
        let nan = self
            .b
            .build_float_compare(FloatPredicate::UNO, v, v, "isnan")?;
        self.trap_if(nan, TrapKind::BadConversion)?;
        let lo_pred = if lower_inclusive {
            FloatPredicate::OGE
        } else {
            FloatPredicate::OGT
        };
        let above = self
            .b
            .build_float_compare(lo_pred, v, fty.const_float(lower), "above")?;
        let below =
            self.b
                .build_float_compare(FloatPredicate::OLT, v, fty.const_float(upper), "below")?;
        let in_range = self.b.build_and(above, below, "in_range")?;
        let out = self.b.build_not(in_range, "out_of_range")?;
        self.trap_if(out, TrapKind::IntegerOverflow)?;
        let r = if signed {
            self.b.build_float_to_signed_int(v, int_ty, "trunc")?
        } else {
            self.b.build_float_to_unsigned_int(v, int_ty, "trunc")?
        };
        self.push(r);
        Ok(())
    }

    fn saturating_truncate(&mut self, int_ty: IntType<'ctx>, signed: bool) -> Result<()> {
        let v = self.pop()?;
        let name = if signed {
            "llvm.fptosi.sat"
        } else {
            "llvm.fptoui.sat"
        };
        let r = self.call_intrinsic(name, &[int_ty.into(), v.get_type()], &[v.into()])?;
        self.push(r);
        Ok(())
    }

    fn sign_extend_from(&mut self, bits: u32) -> Result<()> {
        let v = self.pop_int()?;
        let ty = v.get_type();
        let narrow = self
            .rt
            .context
            .custom_width_int_type(
                std::num::NonZeroU32::new(bits).unwrap_or(std::num::NonZeroU32::MIN),
            )
            .map_err(crate::error::Error::new)?;
        let t = self.b.build_int_truncate(v, narrow, "narrow")?;
        let e = self.b.build_int_s_extend(t, ty, "sext")?;
        self.push(e);
        Ok(())
    }

    /// Lowers `op` if it is a numeric operator; returns whether it was.
    pub fn numeric(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        let (i32t, i64t, f32t, f64t) = (self.rt.i32, self.rt.i64, self.rt.f32, self.rt.f64);
        match *op {
            O::I32Const { value } => self.push(i32t.const_int(value as u32 as u64, false)),
            O::I64Const { value } => self.push(i64t.const_int(value as u64, false)),
            O::F32Const { value } => self.float_const(value.bits() as u64, f32t, i32t)?,
            O::F64Const { value } => self.float_const(value.bits(), f64t, i64t)?,

            O::I32Eqz | O::I64Eqz => {
                let v = self.pop_int()?;
                let c = self.b.build_int_compare(
                    IntPredicate::EQ,
                    v,
                    v.get_type().const_zero(),
                    "eqz",
                )?;
                self.bool_to_i32(c)?;
            }
            O::I32Eq | O::I64Eq => self.int_compare(IntPredicate::EQ)?,
            O::I32Ne | O::I64Ne => self.int_compare(IntPredicate::NE)?,
            O::I32LtS | O::I64LtS => self.int_compare(IntPredicate::SLT)?,
            O::I32LtU | O::I64LtU => self.int_compare(IntPredicate::ULT)?,
            O::I32GtS | O::I64GtS => self.int_compare(IntPredicate::SGT)?,
            O::I32GtU | O::I64GtU => self.int_compare(IntPredicate::UGT)?,
            O::I32LeS | O::I64LeS => self.int_compare(IntPredicate::SLE)?,
            O::I32LeU | O::I64LeU => self.int_compare(IntPredicate::ULE)?,
            O::I32GeS | O::I64GeS => self.int_compare(IntPredicate::SGE)?,
            O::I32GeU | O::I64GeU => self.int_compare(IntPredicate::UGE)?,

            O::F32Eq | O::F64Eq => self.float_compare(FloatPredicate::OEQ)?,
            O::F32Ne | O::F64Ne => self.float_compare(FloatPredicate::UNE)?,
            O::F32Lt | O::F64Lt => self.float_compare(FloatPredicate::OLT)?,
            O::F32Gt | O::F64Gt => self.float_compare(FloatPredicate::OGT)?,
            O::F32Le | O::F64Le => self.float_compare(FloatPredicate::OLE)?,
            O::F32Ge | O::F64Ge => self.float_compare(FloatPredicate::OGE)?,

            O::I32Clz | O::I64Clz => self.unary_intrinsic("llvm.ctlz", true)?,
            O::I32Ctz | O::I64Ctz => self.unary_intrinsic("llvm.cttz", true)?,
            O::I32Popcnt | O::I64Popcnt => self.unary_intrinsic("llvm.ctpop", false)?,
            O::I32Add | O::I64Add => {
                self.int_binary(|s, l, r| Ok(s.b.build_int_add(l, r, "add")?))?
            }
            O::I32Sub | O::I64Sub => {
                self.int_binary(|s, l, r| Ok(s.b.build_int_sub(l, r, "sub")?))?
            }
            O::I32Mul | O::I64Mul => {
                self.int_binary(|s, l, r| Ok(s.b.build_int_mul(l, r, "mul")?))?
            }
            O::I32DivS | O::I64DivS => self.division(true, false)?,
            O::I32DivU | O::I64DivU => self.division(false, false)?,
            O::I32RemS | O::I64RemS => self.division(true, true)?,
            O::I32RemU | O::I64RemU => self.division(false, true)?,
            O::I32And | O::I64And => {
                self.int_binary(|s, l, r| Ok(s.b.build_and(l, r, "and")?))?
            }
            O::I32Or | O::I64Or => self.int_binary(|s, l, r| Ok(s.b.build_or(l, r, "or")?))?,
            O::I32Xor | O::I64Xor => {
                self.int_binary(|s, l, r| Ok(s.b.build_xor(l, r, "xor")?))?
            }
            O::I32Shl | O::I64Shl => self
                .int_binary(|s, l, r| Ok(s.b.build_left_shift(l, s.shift_amount(r)?, "shl")?))?,
            O::I32ShrS | O::I64ShrS => self.int_binary(|s, l, r| {
                Ok(s.b.build_right_shift(l, s.shift_amount(r)?, true, "shr")?)
            })?,
            O::I32ShrU | O::I64ShrU => self.int_binary(|s, l, r| {
                Ok(s.b.build_right_shift(l, s.shift_amount(r)?, false, "shr")?)
            })?,
            O::I32Rotl | O::I64Rotl => self.rotate("llvm.fshl")?,
            O::I32Rotr | O::I64Rotr => self.rotate("llvm.fshr")?,

            O::F32Abs | O::F64Abs => self.unary_intrinsic("llvm.fabs", false)?,
            O::F32Neg | O::F64Neg => {
                let v = self.pop_float()?;
                let n = self.b.build_float_neg(v, "neg")?;
                self.push(n);
            }
            O::F32Ceil | O::F64Ceil => self.unary_intrinsic("llvm.ceil", false)?,
            O::F32Floor | O::F64Floor => self.unary_intrinsic("llvm.floor", false)?,
            O::F32Trunc | O::F64Trunc => self.unary_intrinsic("llvm.trunc", false)?,
            O::F32Nearest | O::F64Nearest => self.unary_intrinsic("llvm.roundeven", false)?,
            O::F32Sqrt | O::F64Sqrt => self.unary_intrinsic("llvm.sqrt", false)?,
            O::F32Add | O::F64Add => {
                self.float_binary(|s, l, r| Ok(s.b.build_float_add(l, r, "fadd")?.into()))?
            }
            O::F32Sub | O::F64Sub => {
                self.float_binary(|s, l, r| Ok(s.b.build_float_sub(l, r, "fsub")?.into()))?
            }
            O::F32Mul | O::F64Mul => {
                self.float_binary(|s, l, r| Ok(s.b.build_float_mul(l, r, "fmul")?.into()))?
            }
            O::F32Div | O::F64Div => {
                self.float_binary(|s, l, r| Ok(s.b.build_float_div(l, r, "fdiv")?.into()))?
            }
            O::F32Min | O::F64Min => self.min_max("llvm.minimum")?,
            O::F32Max | O::F64Max => self.min_max("llvm.maximum")?,
            O::F32Copysign | O::F64Copysign => self.binary_intrinsic("llvm.copysign")?,

            O::I32WrapI64 => {
                let v = self.pop_int()?;
                let t = self.b.build_int_truncate(v, i32t, "wrap")?;
                self.push(t);
            }
            O::I64ExtendI32S => {
                let v = self.pop_int()?;
                let t = self.b.build_int_s_extend(v, i64t, "sext")?;
                self.push(t);
            }
            O::I64ExtendI32U => {
                let v = self.pop_int()?;
                let t = self.b.build_int_z_extend(v, i64t, "zext")?;
                self.push(t);
            }
            O::I32Extend8S | O::I64Extend8S => self.sign_extend_from(8)?,
            O::I32Extend16S | O::I64Extend16S => self.sign_extend_from(16)?,
            O::I64Extend32S => self.sign_extend_from(32)?,

            // Valid ranges of the trapping truncations, as exact doubles.
            O::I32TruncF32S => {
                self.trapping_truncate(i32t, true, -2147483648.0, true, 2147483648.0)?
            }
            O::I32TruncF64S => {
                self.trapping_truncate(i32t, true, -2147483649.0, false, 2147483648.0)?
            }
            O::I32TruncF32U | O::I32TruncF64U => {
                self.trapping_truncate(i32t, false, -1.0, false, 4294967296.0)?
            }
            O::I64TruncF32S | O::I64TruncF64S => self.trapping_truncate(
                i64t,
                true,
                -9223372036854775808.0,
                true,
                9223372036854775808.0,
            )?,
            O::I64TruncF32U | O::I64TruncF64U => {
                self.trapping_truncate(i64t, false, -1.0, false, 18446744073709551616.0)?
            }
            O::I32TruncSatF32S | O::I32TruncSatF64S => self.saturating_truncate(i32t, true)?,
            O::I32TruncSatF32U | O::I32TruncSatF64U => self.saturating_truncate(i32t, false)?,
            O::I64TruncSatF32S | O::I64TruncSatF64S => self.saturating_truncate(i64t, true)?,
            O::I64TruncSatF32U | O::I64TruncSatF64U => self.saturating_truncate(i64t, false)?,

            O::F32ConvertI32S | O::F32ConvertI64S => {
                let v = self.pop_int()?;
                let r = self.b.build_signed_int_to_float(v, f32t, "conv")?;
                self.push(r);
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                let v = self.pop_int()?;
                let r = self.b.build_unsigned_int_to_float(v, f32t, "conv")?;
                self.push(r);
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                let v = self.pop_int()?;
                let r = self.b.build_signed_int_to_float(v, f64t, "conv")?;
                self.push(r);
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                let v = self.pop_int()?;
                let r = self.b.build_unsigned_int_to_float(v, f64t, "conv")?;
                self.push(r);
            }
            O::F32DemoteF64 => {
                let v = self.pop_float()?;
                let mut r: BasicValueEnum = self.b.build_float_trunc(v, f32t, "demote")?.into();
                // demote(promote(x)) folds to x: keep NaNs arithmetic.
                let promoted = v
                    .as_instruction()
                    .is_some_and(|i| i.get_opcode() == inkwell::values::InstructionOpcode::FPExt);
                if promoted {
                    r = self.quiet_if_nan(r.into_float_value(), r.into_float_value())?;
                }
                self.push(r);
            }
            O::F64PromoteF32 => {
                let v = self.pop_float()?;
                let r = self.b.build_float_ext(v, f64t, "promote")?;
                self.push(r);
            }
            O::I32ReinterpretF32 => {
                let v = self.pop()?;
                let r = self.b.build_bit_cast(v, i32t, "bits")?;
                self.push(r);
            }
            O::I64ReinterpretF64 => {
                let v = self.pop()?;
                let r = self.b.build_bit_cast(v, i64t, "bits")?;
                self.push(r);
            }
            O::F32ReinterpretI32 => {
                let v = self.pop()?;
                let r = self.b.build_bit_cast(v, f32t, "float")?;
                self.push(r);
            }
            O::F64ReinterpretI64 => {
                let v = self.pop()?;
                let r = self.b.build_bit_cast(v, f64t, "float")?;
                self.push(r);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
