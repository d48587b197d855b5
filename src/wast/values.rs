//! Values that cross the boundary between the harness and compiled wasm, the
//! patterns `assert_return` compares them with, and the NaN classes.
//!
//! Representation in the invoker slots (see `innative.h`): one `u64` per
//! parameter/result, two for a v128 (low 64 bits first); i32 and f32 live in
//! the low 32 bits (floats as raw IEEE bits), i64/f64 use the whole slot, and
//! references are pointers.
//!
//! **externref host values**: the script value `ref.extern N` is represented
//! as the pointer value `N + 1`, so that `ref.extern 0` is not confused with
//! `ref.null extern` (the null pointer).  A returned externref `p != 0` is
//! reported as `ref.extern (p - 1)`.

use std::fmt;

/// The value types the harness handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValKind {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    /// Anything else (later proposals): never produced by 2.0 modules.
    Other,
}

impl ValKind {
    /// How many invoker slots a value of this kind takes.
    pub fn slots(self) -> usize {
        if self == ValKind::V128 {
            2
        } else {
            1
        }
    }

    pub fn from_wasmparser(ty: &wasmparser::ValType) -> ValKind {
        use wasmparser::{AbstractHeapType, HeapType, ValType};
        match ty {
            ValType::I32 => ValKind::I32,
            ValType::I64 => ValKind::I64,
            ValType::F32 => ValKind::F32,
            ValType::F64 => ValKind::F64,
            ValType::V128 => ValKind::V128,
            ValType::Ref(r) => match r.heap_type() {
                HeapType::Abstract {
                    ty: AbstractHeapType::Func,
                    ..
                } => ValKind::FuncRef,
                // Typed function references (GC struct/array types never
                // get this far: their modules are skipped).
                HeapType::Concrete(_) => ValKind::FuncRef,
                HeapType::Abstract {
                    ty: AbstractHeapType::Extern,
                    ..
                } => ValKind::ExternRef,
                _ => ValKind::Other,
            },
        }
    }
}

/// A concrete value: an argument, a result, or a global's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    /// Raw IEEE bits.
    F32(u32),
    /// Raw IEEE bits.
    F64(u64),
    V128(u128),
    /// Address of an `innative_func`, 0 for null.
    FuncRef(usize),
    /// Host value pointer (`ref.extern N` is `N + 1`), 0 for null.
    ExternRef(usize),
}

impl Value {
    pub fn kind(&self) -> ValKind {
        match self {
            Value::I32(_) => ValKind::I32,
            Value::I64(_) => ValKind::I64,
            Value::F32(_) => ValKind::F32,
            Value::F64(_) => ValKind::F64,
            Value::V128(_) => ValKind::V128,
            Value::FuncRef(_) => ValKind::FuncRef,
            Value::ExternRef(_) => ValKind::ExternRef,
        }
    }

    /// The script's `ref.extern N`.
    pub fn extern_host(n: u32) -> Value {
        Value::ExternRef(n as usize + 1)
    }

    /// Appends its invoker slots (two for a v128, low half first).
    pub fn push_slots(&self, slots: &mut Vec<u64>) {
        match *self {
            Value::I32(v) => slots.push(v as u32 as u64),
            Value::I64(v) => slots.push(v as u64),
            Value::F32(b) => slots.push(b as u64),
            Value::F64(b) => slots.push(b),
            Value::V128(v) => slots.extend([v as u64, (v >> 64) as u64]),
            Value::FuncRef(p) | Value::ExternRef(p) => slots.push(p as u64),
        }
    }

    /// Decodes a value of type `kind` from the start of `slots`.
    pub fn from_slots(slots: &[u64], kind: ValKind) -> Option<Value> {
        let slot = *slots.first()?;
        Some(match kind {
            ValKind::I32 => Value::I32(slot as u32 as i32),
            ValKind::I64 => Value::I64(slot as i64),
            ValKind::F32 => Value::F32(slot as u32),
            ValKind::F64 => Value::F64(slot),
            ValKind::V128 => Value::V128(slot as u128 | (*slots.get(1)? as u128) << 64),
            ValKind::FuncRef => Value::FuncRef(slot as usize),
            ValKind::ExternRef => Value::ExternRef(slot as usize),
            ValKind::Other => return None,
        })
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "i32:{v} ({:#x})", v as u32),
            Value::I64(v) => write!(f, "i64:{v} ({:#x})", v as u64),
            Value::F32(b) => write!(f, "f32:{} ({b:#010x})", f32::from_bits(b)),
            Value::F64(b) => write!(f, "f64:{} ({b:#018x})", f64::from_bits(b)),
            Value::V128(v) => write!(f, "v128:{v:#034x}"),
            Value::FuncRef(0) => write!(f, "ref.null func"),
            Value::FuncRef(p) => write!(f, "ref.func@{p:#x}"),
            Value::ExternRef(0) => write!(f, "ref.null extern"),
            Value::ExternRef(p) => write!(f, "ref.extern {}", p - 1),
        }
    }
}

/// An expected float: exact bits or a NaN class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatPat<T> {
    Bits(T),
    CanonicalNan,
    ArithmeticNan,
}

/// What `assert_return` expects of one result.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    I32(i32),
    I64(i64),
    F32(FloatPat<u32>),
    F64(FloatPat<u64>),
    /// A v128 pattern, lane by lane.
    V128(V128Pat),
    /// `ref.null` with its heap type when given (`func`/`extern`).
    RefNull(Option<ValKind>),
    /// `ref.extern N`, or `ref.extern` (any non-null externref).
    RefExtern(Option<u32>),
    /// `ref.func` (any non-null funcref; the index is not checked).
    RefFunc,
    /// Any of these.
    Either(Vec<Expected>),
    /// A pattern of a later proposal the harness does not know.
    Unsupported(String),
}

impl Expected {
    pub fn matches(&self, got: &Value) -> bool {
        match (self, got) {
            (Expected::I32(e), Value::I32(g)) => e == g,
            (Expected::I64(e), Value::I64(g)) => e == g,
            (Expected::F32(p), Value::F32(g)) => f32_matches(*p, *g),
            (Expected::F64(p), Value::F64(g)) => f64_matches(*p, *g),
            (Expected::RefNull(kind), Value::FuncRef(0)) => {
                matches!(kind, None | Some(ValKind::FuncRef))
            }
            (Expected::RefNull(kind), Value::ExternRef(0)) => {
                matches!(kind, None | Some(ValKind::ExternRef))
            }
            (Expected::RefExtern(None), Value::ExternRef(p)) => *p != 0,
            (Expected::RefExtern(Some(n)), Value::ExternRef(p)) => *p == *n as usize + 1,
            (Expected::RefFunc, Value::FuncRef(p)) => *p != 0,
            (Expected::V128(p), Value::V128(g)) => p.matches(*g),
            (Expected::Either(all), g) => all.iter().any(|e| e.matches(g)),
            _ => false,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::I32(v) => Value::I32(*v).fmt(f),
            Expected::I64(v) => Value::I64(*v).fmt(f),
            Expected::F32(FloatPat::Bits(b)) => Value::F32(*b).fmt(f),
            Expected::F64(FloatPat::Bits(b)) => Value::F64(*b).fmt(f),
            Expected::F32(FloatPat::CanonicalNan) => write!(f, "f32:nan:canonical"),
            Expected::F32(FloatPat::ArithmeticNan) => write!(f, "f32:nan:arithmetic"),
            Expected::F64(FloatPat::CanonicalNan) => write!(f, "f64:nan:canonical"),
            Expected::F64(FloatPat::ArithmeticNan) => write!(f, "f64:nan:arithmetic"),
            Expected::V128(p) => p.fmt(f),
            Expected::RefNull(Some(ValKind::FuncRef)) => write!(f, "ref.null func"),
            Expected::RefNull(Some(ValKind::ExternRef)) => write!(f, "ref.null extern"),
            Expected::RefNull(_) => write!(f, "ref.null"),
            Expected::RefExtern(Some(n)) => write!(f, "ref.extern {n}"),
            Expected::RefExtern(None) => write!(f, "ref.extern"),
            Expected::RefFunc => write!(f, "ref.func"),
            Expected::Either(all) => {
                write!(f, "either(")?;
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        write!(f, " | ")?;
                    }
                    e.fmt(f)?;
                }
                write!(f, ")")
            }
            Expected::Unsupported(what) => write!(f, "unsupported pattern {what}"),
        }
    }
}

/// What `assert_return` expects of a v128 result: its lanes (little-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V128Pat {
    /// Integer lanes of `bits` bits each, exact.
    Ints {
        bits: u32,
        lanes: Vec<u64>,
    },
    F32(Vec<FloatPat<u32>>),
    F64(Vec<FloatPat<u64>>),
}

impl V128Pat {
    pub fn matches(&self, got: u128) -> bool {
        let lane = |bits: u32, i: usize| -> u64 {
            let mask = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            (got >> (bits as usize * i)) as u64 & mask
        };
        match self {
            V128Pat::Ints { bits, lanes } => {
                let mask = if *bits == 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                };
                lanes
                    .iter()
                    .enumerate()
                    .all(|(i, l)| lane(*bits, i) == l & mask)
            }
            V128Pat::F32(lanes) => lanes
                .iter()
                .enumerate()
                .all(|(i, p)| f32_matches(*p, lane(32, i) as u32)),
            V128Pat::F64(lanes) => lanes
                .iter()
                .enumerate()
                .all(|(i, p)| f64_matches(*p, lane(64, i))),
        }
    }
}

impl fmt::Display for V128Pat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V128Pat::Ints { bits, lanes } => {
                write!(f, "v128:i{bits}x{}", lanes.len())?;
                for l in lanes {
                    let mask = if *bits == 64 {
                        u64::MAX
                    } else {
                        (1u64 << bits) - 1
                    };
                    write!(f, " {:#x}", l & mask)?;
                }
                Ok(())
            }
            V128Pat::F32(lanes) => {
                write!(f, "v128:f32x4")?;
                for l in lanes {
                    match l {
                        FloatPat::Bits(b) => write!(f, " {} ({b:#010x})", f32::from_bits(*b))?,
                        FloatPat::CanonicalNan => write!(f, " nan:canonical")?,
                        FloatPat::ArithmeticNan => write!(f, " nan:arithmetic")?,
                    }
                }
                Ok(())
            }
            V128Pat::F64(lanes) => {
                write!(f, "v128:f64x2")?;
                for l in lanes {
                    match l {
                        FloatPat::Bits(b) => write!(f, " {} ({b:#018x})", f64::from_bits(*b))?,
                        FloatPat::CanonicalNan => write!(f, " nan:canonical")?,
                        FloatPat::ArithmeticNan => write!(f, " nan:arithmetic")?,
                    }
                }
                Ok(())
            }
        }
    }
}

const F32_EXP: u32 = 0x7f80_0000;
const F32_QUIET: u32 = 0x0040_0000;
const F64_EXP: u64 = 0x7ff0_0000_0000_0000;
const F64_QUIET: u64 = 0x0008_0000_0000_0000;

/// A canonical NaN: exponent all ones, only the quiet bit of the payload set
/// (either sign).
pub fn f32_is_canonical_nan(bits: u32) -> bool {
    bits & 0x7fff_ffff == F32_EXP | F32_QUIET
}

/// An arithmetic NaN: exponent all ones and the quiet bit set (any payload,
/// either sign).  Canonical NaNs are arithmetic NaNs.
pub fn f32_is_arithmetic_nan(bits: u32) -> bool {
    bits & (F32_EXP | F32_QUIET) == F32_EXP | F32_QUIET
}

pub fn f64_is_canonical_nan(bits: u64) -> bool {
    bits & 0x7fff_ffff_ffff_ffff == F64_EXP | F64_QUIET
}

pub fn f64_is_arithmetic_nan(bits: u64) -> bool {
    bits & (F64_EXP | F64_QUIET) == F64_EXP | F64_QUIET
}

/// Exact floats compare by bits (so `-0` ≠ `0` and NaN payloads matter).
pub fn f32_matches(pat: FloatPat<u32>, bits: u32) -> bool {
    match pat {
        FloatPat::Bits(b) => b == bits,
        FloatPat::CanonicalNan => f32_is_canonical_nan(bits),
        FloatPat::ArithmeticNan => f32_is_arithmetic_nan(bits),
    }
}

pub fn f64_matches(pat: FloatPat<u64>, bits: u64) -> bool {
    match pat {
        FloatPat::Bits(b) => b == bits,
        FloatPat::CanonicalNan => f64_is_canonical_nan(bits),
        FloatPat::ArithmeticNan => f64_is_arithmetic_nan(bits),
    }
}

/// Formats a result list for messages.
pub fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "()".to_string();
    }
    items
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_nan_classes() {
        assert!(f32_is_canonical_nan(0x7fc0_0000));
        assert!(f32_is_canonical_nan(0xffc0_0000));
        assert!(!f32_is_canonical_nan(0x7fc0_0001));
        assert!(!f32_is_canonical_nan(0x7fa0_0000)); // signalling
        assert!(f32_is_arithmetic_nan(0x7fc0_0000));
        assert!(f32_is_arithmetic_nan(0xffc0_0001));
        assert!(f32_is_arithmetic_nan(0x7fff_ffff));
        assert!(!f32_is_arithmetic_nan(0x7fa0_0000)); // signalling
        assert!(!f32_is_arithmetic_nan(0x7f80_0000)); // infinity
        assert!(!f32_is_arithmetic_nan(0x3f80_0000)); // 1.0
    }

    #[test]
    fn f64_nan_classes() {
        assert!(f64_is_canonical_nan(0x7ff8_0000_0000_0000));
        assert!(f64_is_canonical_nan(0xfff8_0000_0000_0000));
        assert!(!f64_is_canonical_nan(0x7ff8_0000_0000_0001));
        assert!(!f64_is_canonical_nan(0x7ff4_0000_0000_0000));
        assert!(f64_is_arithmetic_nan(0x7ff8_0000_0000_0001));
        assert!(f64_is_arithmetic_nan(0xffff_ffff_ffff_ffff));
        assert!(!f64_is_arithmetic_nan(0x7ff4_0000_0000_0000));
        assert!(!f64_is_arithmetic_nan(0x7ff0_0000_0000_0000));
        assert!(!f64_is_arithmetic_nan(0x3ff0_0000_0000_0000));
    }

    #[test]
    fn exact_floats_compare_bits() {
        assert!(f32_matches(FloatPat::Bits(0x8000_0000), 0x8000_0000));
        assert!(!f32_matches(FloatPat::Bits(0x8000_0000), 0)); // -0 vs +0
        assert!(!f64_matches(
            FloatPat::Bits(0x7ff8_0000_0000_0000),
            0x7ff8_0000_0000_0001
        ));
        assert!(f64_matches(
            FloatPat::Bits(0x7ff8_0000_0000_0001),
            0x7ff8_0000_0000_0001
        ));
    }

    #[test]
    fn expected_matching() {
        assert!(Expected::I32(-1).matches(&Value::I32(-1)));
        assert!(!Expected::I32(-1).matches(&Value::I64(-1)));
        assert!(Expected::F32(FloatPat::CanonicalNan).matches(&Value::F32(0x7fc0_0000)));
        assert!(!Expected::F32(FloatPat::CanonicalNan).matches(&Value::F64(0x7ff8_0000_0000_0000)));
        assert!(Expected::RefNull(None).matches(&Value::FuncRef(0)));
        assert!(Expected::RefNull(Some(ValKind::ExternRef)).matches(&Value::ExternRef(0)));
        assert!(!Expected::RefNull(Some(ValKind::FuncRef)).matches(&Value::ExternRef(0)));
        assert!(!Expected::RefNull(None).matches(&Value::FuncRef(0x1000)));
        assert!(Expected::RefExtern(Some(0)).matches(&Value::extern_host(0)));
        assert!(!Expected::RefExtern(Some(0)).matches(&Value::ExternRef(0)));
        assert!(Expected::RefExtern(None).matches(&Value::extern_host(7)));
        assert!(Expected::RefFunc.matches(&Value::FuncRef(0x1000)));
        assert!(!Expected::RefFunc.matches(&Value::FuncRef(0)));
        let either = Expected::Either(vec![Expected::I32(1), Expected::I32(2)]);
        assert!(either.matches(&Value::I32(2)));
        assert!(!either.matches(&Value::I32(3)));
        let lanes = V128Pat::Ints {
            bits: 16,
            lanes: vec![1, 0xffff, 0, 0, 0, 0, 0, 0x8000],
        };
        assert!(lanes.matches(0x8000_0000_0000_0000_0000_0000_ffff_0001));
        assert!(!lanes.matches(0x8000_0000_0000_0000_0000_0000_fffe_0001));
        let nan = V128Pat::F32(vec![FloatPat::CanonicalNan; 4]);
        assert!(nan.matches(0x7fc0_0000_ffc0_0000_7fc0_0000_7fc0_0000));
        assert!(!nan.matches(0x7fc0_0000_ffc0_0000_7fc0_0000_7fc0_0001));
    }

    #[test]
    fn slots_round_trip() {
        for v in [
            Value::I32(-5),
            Value::I64(i64::MIN),
            Value::F32(0xffc0_0001),
            Value::F64(0x8000_0000_0000_0000),
            Value::V128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210),
            Value::FuncRef(0),
            Value::extern_host(3),
        ] {
            let mut slots = Vec::new();
            v.push_slots(&mut slots);
            assert_eq!(slots.len(), v.kind().slots());
            assert_eq!(Value::from_slots(&slots, v.kind()), Some(v));
        }
        // i32/f32 occupy the low 32 bits only.
        let mut slots = Vec::new();
        Value::I32(-1).push_slots(&mut slots);
        assert_eq!(slots, [0xffff_ffff]);
        assert_eq!(
            Value::from_slots(&[0xdead_beef_0000_0001], ValKind::I32),
            Some(Value::I32(1))
        );
    }

    #[test]
    fn display_is_readable() {
        assert_eq!(Value::extern_host(2).to_string(), "ref.extern 2");
        assert_eq!(Value::I32(-1).to_string(), "i32:-1 (0xffffffff)");
        assert_eq!(
            Expected::F32(FloatPat::ArithmeticNan).to_string(),
            "f32:nan:arithmetic"
        );
    }
}
