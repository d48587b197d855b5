//! Variables described by *values* rather than by one storage location:
//! location lists (what clang emits for wasm at -O1/-O2), values in wasm
//! locals, globals and operand-stack slots, constants (`DW_AT_const_value`,
//! `DW_OP_consts … DW_OP_stack_value`) and pieces (`DW_OP_piece`).
//!
//! [`plan`] turns one provenance [`Variable`] into [`Binding`]s: "from wasm
//! code address A to B, the variable (or a fragment of it) is this source
//! value, seen through this expression".  Pure; unit-tested here.
//! [`crate::lower`]'s debug hooks emit them while a body is lowered.

use super::di::dw;
use innative_dwarf::{LocOp, Location, Variable};
use std::ops::Range;

/// Where a bound value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Wasm local N.
    Local(u32),
    /// Wasm global N.
    Global(u32),
    /// Operand-stack slot N, counted from the bottom of the function's stack.
    Stack(u32),
    /// A constant.
    Const(i64),
    /// No value: the variable exists here but is optimized out (so that it
    /// is listed, as in the source build, even in an inlined copy).
    Undefined,
}

/// How the source value relates to the variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The variable's value (after `ops`).
    Value,
    /// A wasm pointer: the debugger sees `memory base + value` (null: null).
    Pointer,
    /// The linear-memory address of the variable: it lives at
    /// `memory base + value`.
    Memory,
    /// The linear-memory address of a wasm pointer variable: the debugger
    /// sees `memory base + (the 4 bytes there)`.
    PointerInMemory,
}

/// One entry of a variable's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Wasm code addresses (DWARF addresses) where it holds; None: the
    /// whole function (from its entry).
    pub range: Option<Range<u64>>,
    pub source: Source,
    pub kind: Kind,
    /// DWARF operations applied to the source value (`DW_OP_plus_uconst`…).
    pub ops: Vec<u64>,
    /// `(offset, size)` in bits when this describes a piece.
    pub fragment: Option<(u64, u64)>,
}

/// What [`plan`] needs to know about the variable and the function.
pub struct PlanInput<'v> {
    pub variable: &'v Variable,
    pub is_pointer: bool,
    /// A pointer to a function: its wasm value is a table index.
    pub is_function_pointer: bool,
    /// Describe a pointer held in a wasm value by that value W, typed as
    /// innative's wasm pointer typedef (which the debuggers follow through
    /// `DW_AT_data_location` and the extensions), instead of computing the
    /// native pointer from two values: what optimized code needs, since
    /// instruction selection drops many two-value locations.
    pub pointers_as_wasm_values: bool,
    /// The variable's size in bytes (0: unknown).
    pub byte_size: u64,
    /// Address ranges of the variable's scope (None: the whole function).
    pub scope_ranges: Option<&'v [Range<u64>]>,
    /// The function's frame base, for `DW_OP_fbreg`.
    pub frame_base: Option<Source>,
}

/// Why a variable cannot be described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// The bindings describing `input.variable`.  An empty plan means the
/// variable has no location (optimized out in the source build too).
pub fn plan(input: &PlanInput<'_>) -> std::result::Result<Plan, Unsupported> {
    let bindings = plan_bindings(input)?;
    let is_pointer = input.is_pointer || input.is_function_pointer;
    // Values only (no linear-memory location): W itself will do.
    let values_only = bindings
        .iter()
        .all(|b| matches!(b.kind, Kind::Pointer | Kind::Value));
    if is_pointer && input.pointers_as_wasm_values && values_only {
        let bindings = bindings
            .into_iter()
            .map(|mut b| {
                if b.kind == Kind::Pointer {
                    b.kind = Kind::Value;
                    // The low 32 bits: the debugger reads 8 for a pointer.
                    b.ops.extend([dw::OP_CONSTU, 0xffff_ffff, dw::OP_AND]);
                }
                b
            })
            .collect();
        return Ok(Plan {
            bindings,
            wasm_pointer: true,
        });
    }
    if input.is_function_pointer {
        // Otherwise only described in the shadow stack (see debug.rs).
        return Err(Unsupported(
            "a function pointer outside linear memory".into(),
        ));
    }
    Ok(Plan {
        bindings,
        wasm_pointer: false,
    })
}

/// A variable's bindings, and how its type is to be described.
#[derive(Debug)]
pub struct Plan {
    pub bindings: Vec<Binding>,
    /// The variable's type is innative's wasm pointer typedef and its
    /// bindings give the wasm value W (see
    /// [`PlanInput::pointers_as_wasm_values`]); otherwise a pointer variable
    /// is a native pointer.
    pub wasm_pointer: bool,
}

fn plan_bindings(input: &PlanInput<'_>) -> std::result::Result<Vec<Binding>, Unsupported> {
    let v = input.variable;
    let whole: Vec<Option<Range<u64>>> = match input.scope_ranges {
        Some(r) => r.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    if let Some(c) = v.const_value {
        return Ok(whole
            .into_iter()
            .map(|range| Binding {
                range,
                source: Source::Const(c),
                kind: if input.is_pointer || input.is_function_pointer {
                    Kind::Pointer
                } else {
                    Kind::Value
                },
                ops: vec![],
                fragment: None,
            })
            .collect());
    }
    let mut out = Vec::new();
    match &v.location {
        Location::None => {
            out.extend(whole.into_iter().map(|range| Binding {
                range,
                source: Source::Undefined,
                kind: Kind::Value,
                ops: vec![],
                fragment: None,
            }));
        }
        Location::Expr(ops) => {
            for range in whole {
                out.extend(expression(input, range, ops)?);
            }
        }
        Location::List(entries) => {
            for (range, ops) in entries {
                if range.start < range.end {
                    out.extend(expression(input, Some(range.clone()), ops)?);
                }
            }
        }
    }
    Ok(out)
}

/// The bindings of one location expression (split at `DW_OP_piece`).
fn expression(
    input: &PlanInput<'_>,
    range: Option<Range<u64>>,
    ops: &[LocOp],
) -> std::result::Result<Vec<Binding>, Unsupported> {
    let pieces: Vec<(&[LocOp], Option<u64>)> = if ops.iter().any(|o| matches!(o, LocOp::Piece(_))) {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, o) in ops.iter().enumerate() {
            if let LocOp::Piece(size) = o {
                v.push((&ops[start..i], Some(*size)));
                start = i + 1;
            }
        }
        if start != ops.len() {
            return Err(Unsupported("operations after the last DW_OP_piece".into()));
        }
        v
    } else {
        vec![(ops, None)]
    };
    let mut out = Vec::new();
    let mut offset_bits: u64 = 0;
    let var_bits = input.byte_size.saturating_mul(8);
    for (piece, size) in pieces {
        let mut fragment = size.map(|s| (offset_bits, s.saturating_mul(8)));
        offset_bits = offset_bits.saturating_add(size.unwrap_or(0).saturating_mul(8));
        if piece.is_empty() {
            continue; // this piece has no location
        }
        if let Some((o, s)) = fragment {
            if var_bits == 0 || o.saturating_add(s) > var_bits {
                return Err(Unsupported("a piece outside the variable".into()));
            }
            if o == 0 && s == var_bits {
                fragment = None; // the whole variable
            }
        }
        if fragment.is_some() && (input.is_pointer || input.is_function_pointer) {
            return Err(Unsupported("a pointer in pieces".into()));
        }
        out.push(piece_binding(input, range.clone(), piece, fragment)?);
    }
    Ok(out)
}

fn piece_binding(
    input: &PlanInput<'_>,
    range: Option<Range<u64>>,
    ops: &[LocOp],
    fragment: Option<(u64, u64)>,
) -> std::result::Result<Binding, Unsupported> {
    // A value computed from constants only (`DW_OP_lit1 DW_OP_lit3 DW_OP_mul
    // DW_OP_stack_value`): fold it here.
    if let [body @ .., LocOp::StackValue] = ops {
        if body.len() > 1 && matches!(body[0], LocOp::Const(_)) {
            if let Some(c) = fold_constant(body) {
                return piece_binding(
                    input,
                    range,
                    &[LocOp::Const(c), LocOp::StackValue],
                    fragment,
                );
            }
        }
    }
    let (source, rest, from_frame_base) = match ops.first() {
        Some(LocOp::WasmLocal(n)) => (Source::Local(*n), &ops[1..], false),
        Some(LocOp::WasmGlobal(n)) => (Source::Global(*n), &ops[1..], false),
        Some(LocOp::WasmStack(n)) => (Source::Stack(*n), &ops[1..], false),
        Some(LocOp::Const(c)) => (Source::Const(*c), &ops[1..], false),
        Some(LocOp::Unsupported(op)) => {
            return Err(Unsupported(format!("DW_OP 0x{op:02x}")));
        }
        Some(LocOp::Addr(a)) => (Source::Const(*a as i64), &ops[1..], false),
        Some(LocOp::Fbreg(_)) => match input.frame_base {
            Some(fb) => (fb, ops, true),
            None => {
                return Err(Unsupported(
                    "DW_OP_fbreg without a usable frame base".into(),
                ))
            }
        },
        Some(other) => return Err(Unsupported(format!("location starting with {other:?}"))),
        None => return Err(Unsupported("empty location".into())),
    };
    let mut translated = Vec::new();
    let mut stack_value = false;
    let mut reads_memory = false;
    for (i, op) in rest.iter().enumerate() {
        match op {
            LocOp::Fbreg(k) if from_frame_base && i == 0 => push_offset(&mut translated, *k),
            LocOp::PlusUconst(k) => translated.extend([dw::OP_PLUS_UCONST, *k]),
            LocOp::Const(c) => push_const(&mut translated, *c),
            LocOp::Plus => translated.push(dw::OP_PLUS),
            LocOp::Minus => translated.push(dw::OP_MINUS),
            // DW_OP_neg is not an LLVM expression operator: * -1.
            LocOp::Arith(0x1f) => translated.extend([dw::OP_CONSTS, -1i64 as u64, dw::OP_MUL]),
            LocOp::Arith(op) if LLVM_STACK_OPS.contains(op) => translated.push(u64::from(*op)),
            LocOp::StackValue if i + 1 == rest.len() => stack_value = true,
            // A read of linear memory at the wasm address on top: with the
            // memory base M below it (every kind but a plain value has it,
            // see `WASM_DEREF`).  `DW_OP_deref` reads a wasm32 address.
            LocOp::Deref => {
                translated.extend(wasm_deref(4));
                reads_memory = true;
            }
            LocOp::DerefSize(n @ (1 | 2 | 4 | 8)) => {
                translated.extend(wasm_deref(*n));
                reads_memory = true;
            }
            other => return Err(Unsupported(format!("{other:?} in a location"))),
        }
    }
    // The forms: a value (`… DW_OP_stack_value`) or an address in linear
    // memory (`DW_OP_addr`, `DW_OP_fbreg`, and `DW_OP_WASM_location` without
    // `DW_OP_stack_value`, which LLVM's wasm backend emits for a local
    // holding a variable's address: a struct passed by value).
    let is_value = stack_value;
    let kind = match (is_value, input.is_pointer || input.is_function_pointer) {
        (false, false) => Kind::Memory,
        (false, true) => Kind::PointerInMemory,
        (true, true) => Kind::Pointer,
        (true, false) => {
            // A value wider than any scalar wasm value needs pieces, unless
            // it is a whole v128 value (a SIMD vector in a local, global or
            // stack slot, read as it is).
            let bytes = fragment.map(|(_, s)| s / 8).unwrap_or(input.byte_size);
            let v128 = bytes == 16 && translated.is_empty() && !matches!(source, Source::Const(_));
            if bytes > 8 && !v128 {
                return Err(Unsupported(format!(
                    "a {bytes}-byte value in one wasm value"
                )));
            }
            Kind::Value
        }
    };
    // A plain value's expression has no memory base to read through; nor
    // has a pointer described as a wasm value (see `plan`).
    if reads_memory
        && (kind == Kind::Value || (kind == Kind::Pointer && input.pointers_as_wasm_values))
    {
        return Err(Unsupported("a read of linear memory in a value".into()));
    }
    if matches!(source, Source::Const(_)) && kind == Kind::Value && !translated.is_empty() {
        return Err(Unsupported("arithmetic on a constant".into()));
    }
    Ok(Binding {
        range,
        source,
        kind,
        ops: translated,
        fragment,
    })
}

/// `DW_OP_deref_size n` of a wasm address, for an expression whose stack
/// holds the memory base M under the address A (every kind but
/// [`Kind::Value`]): `[M A] -> [M M+A] -> [M *(M+A)]`.
pub(crate) fn wasm_deref(n: u8) -> [u64; 7] {
    [
        dw::OP_CONSTU,
        0xffff_ffff,
        dw::OP_AND,
        dw::OP_OVER,
        dw::OP_PLUS,
        dw::OP_DEREF_SIZE,
        u64::from(n),
    ]
}

/// Evaluates a DWARF expression made of constants and arithmetic on the
/// 64-bit generic type; None when it reads anything else.
fn fold_constant(ops: &[LocOp]) -> Option<i64> {
    let mut stack: Vec<i64> = Vec::new();
    for op in ops {
        match op {
            LocOp::Const(c) => stack.push(*c),
            LocOp::PlusUconst(k) => {
                let a = stack.pop()?;
                stack.push(a.wrapping_add(*k as i64));
            }
            LocOp::Arith(0x1f) => {
                let a = stack.pop()?;
                stack.push(a.wrapping_neg());
            }
            LocOp::Arith(0x20) => {
                let a = stack.pop()?;
                stack.push(!a);
            }
            LocOp::Plus | LocOp::Minus | LocOp::Arith(_) => {
                let b = stack.pop()?;
                let a = stack.pop()?;
                let (ua, ub) = (a as u64, b as u64);
                stack.push(match op {
                    LocOp::Plus => a.wrapping_add(b),
                    LocOp::Minus => a.wrapping_sub(b),
                    LocOp::Arith(0x1a) => a & b,
                    LocOp::Arith(0x1b) if b != 0 => a.wrapping_div(b),
                    LocOp::Arith(0x1d) if b != 0 => (ua % ub) as i64,
                    LocOp::Arith(0x1e) => a.wrapping_mul(b),
                    LocOp::Arith(0x21) => a | b,
                    LocOp::Arith(0x24) => ua.checked_shl(ub as u32).unwrap_or(0) as i64,
                    LocOp::Arith(0x25) => ua.checked_shr(ub as u32).unwrap_or(0) as i64,
                    LocOp::Arith(0x26) => a >> ub.min(63),
                    LocOp::Arith(0x27) => a ^ b,
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    match stack.as_slice() {
        [v] => Some(*v),
        _ => None,
    }
}

/// The stateless DWARF stack operators LLVM accepts in a DIExpression.
const LLVM_STACK_OPS: &[u8] = &[
    0x12, // dup
    0x14, // over
    0x16, // swap
    0x1a, // and
    0x1b, // div
    0x1d, // mod
    0x1e, // mul
    0x20, // not
    0x21, // or
    0x24, // shl
    0x25, // shr
    0x26, // shra
    0x27, // xor
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, // eq ge gt le lt ne
];

fn push_offset(ops: &mut Vec<u64>, k: i64) {
    if k >= 0 {
        ops.extend([dw::OP_PLUS_UCONST, k as u64]);
    } else {
        ops.extend([dw::OP_CONSTU, k.unsigned_abs(), dw::OP_MINUS]);
    }
}

pub(crate) fn push_const(ops: &mut Vec<u64>, c: i64) {
    if c >= 0 {
        ops.extend([dw::OP_CONSTU, c as u64]);
    } else {
        ops.extend([dw::OP_CONSTS, c as u64]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(location: Location, const_value: Option<i64>) -> Variable {
        Variable {
            name: Some("x".into()),
            linkage_name: None,
            ty: None,
            location,
            const_value,
            file: None,
            line: 1,
            is_parameter: false,
            artificial: false,
            external: false,
        }
    }

    fn input(v: &Variable, is_pointer: bool) -> PlanInput<'_> {
        PlanInput {
            variable: v,
            is_pointer,
            is_function_pointer: false,
            pointers_as_wasm_values: false,
            byte_size: 4,
            scope_ranges: None,
            frame_base: Some(Source::Local(1)),
        }
    }

    #[test]
    fn location_list_of_locals_stack_slots_and_constants() {
        let v = var(
            Location::List(vec![
                (0x10..0x20, vec![LocOp::Const(0), LocOp::StackValue]),
                (0x20..0x22, vec![LocOp::WasmStack(1), LocOp::StackValue]),
                (0x22..0x30, vec![LocOp::WasmLocal(3), LocOp::StackValue]),
                (0x30..0x30, vec![LocOp::WasmLocal(4), LocOp::StackValue]),
            ]),
            None,
        );
        let p = plan(&input(&v, false)).unwrap().bindings;
        assert_eq!(p.len(), 3, "empty ranges are dropped");
        assert_eq!(p[0].source, Source::Const(0));
        assert_eq!(p[1].source, Source::Stack(1));
        assert_eq!(p[2].source, Source::Local(3));
        assert!(p.iter().all(|b| b.kind == Kind::Value && b.ops.is_empty()));
        assert_eq!(p[2].range, Some(0x22..0x30));
    }

    #[test]
    fn pointers_and_memory_locations() {
        let v = var(
            Location::Expr(vec![LocOp::WasmLocal(2), LocOp::StackValue]),
            None,
        );
        assert_eq!(
            plan(&input(&v, true)).unwrap().bindings[0].kind,
            Kind::Pointer
        );
        let v = var(Location::Expr(vec![LocOp::Fbreg(-12)]), None);
        assert_eq!(
            plan(&input(&v, true)).unwrap().bindings[0].kind,
            Kind::PointerInMemory
        );
        let p = plan(&input(&v, false)).unwrap().bindings;
        assert_eq!(p[0].source, Source::Local(1), "the frame base");
        assert_eq!(p[0].kind, Kind::Memory);
        assert_eq!(p[0].ops, vec![dw::OP_CONSTU, 12, dw::OP_MINUS]);
        let v = var(Location::Expr(vec![LocOp::Addr(0x400)]), None);
        let p = plan(&input(&v, false)).unwrap().bindings;
        assert_eq!(
            (p[0].source, p[0].kind),
            (Source::Const(0x400), Kind::Memory)
        );
        let v = var(
            Location::Expr(vec![LocOp::WasmLocal(5), LocOp::PlusUconst(16)]),
            None,
        );
        let p = plan(&input(&v, false)).unwrap().bindings;
        assert_eq!(p[0].kind, Kind::Memory);
        assert_eq!(p[0].ops, vec![dw::OP_PLUS_UCONST, 16]);
    }

    #[test]
    fn reads_of_linear_memory_need_the_memory_base() {
        // A place behind a pointer in a local: [M W] -> [M *(M+W)].
        let v = var(
            Location::Expr(vec![
                LocOp::WasmLocal(2),
                LocOp::Deref,
                LocOp::PlusUconst(4),
            ]),
            None,
        );
        let b = &plan(&input(&v, false)).unwrap().bindings[0];
        assert_eq!(b.kind, Kind::Memory);
        assert_eq!(b.ops[..7], wasm_deref(4));
        assert_eq!(b.ops[7..], [dw::OP_PLUS_UCONST, 4]);
        // A value read through memory has no memory base to read with.
        let v = var(
            Location::Expr(vec![LocOp::WasmLocal(2), LocOp::Deref, LocOp::StackValue]),
            None,
        );
        assert!(plan(&input(&v, false)).is_err());
    }

    #[test]
    fn arithmetic_on_a_local_is_kept() {
        // clang: `a` is twice local 1 here.
        let v = var(
            Location::Expr(vec![
                LocOp::WasmLocal(1),
                LocOp::Const(1),
                LocOp::Arith(0x24),
                LocOp::StackValue,
            ]),
            None,
        );
        let p = plan(&input(&v, false)).unwrap().bindings;
        assert_eq!(p[0].kind, Kind::Value);
        assert_eq!(p[0].ops, vec![dw::OP_CONSTU, 1, 0x24]);
        let v = var(
            Location::Expr(vec![
                LocOp::WasmLocal(1),
                LocOp::Arith(0x1f),
                LocOp::StackValue,
            ]),
            None,
        );
        assert_eq!(
            plan(&input(&v, false)).unwrap().bindings[0].ops,
            vec![dw::OP_CONSTS, -1i64 as u64, dw::OP_MUL]
        );
    }

    #[test]
    fn constant_arithmetic_is_folded() {
        let v = var(
            Location::Expr(vec![
                LocOp::Const(1),
                LocOp::Const(3),
                LocOp::Arith(0x1e),
                LocOp::StackValue,
                LocOp::Piece(4),
                LocOp::Const(0),
                LocOp::Arith(0x20),
                LocOp::StackValue,
                LocOp::Piece(4),
            ]),
            None,
        );
        let mut i = input(&v, false);
        i.byte_size = 8;
        let p = plan(&i).unwrap().bindings;
        assert_eq!(p[0].source, Source::Const(3));
        assert_eq!(p[1].source, Source::Const(-1));
        assert!(p.iter().all(|b| b.ops.is_empty()));
    }

    #[test]
    fn a_v128_value_is_one_wasm_value() {
        let v = var(
            Location::Expr(vec![LocOp::WasmLocal(3), LocOp::StackValue]),
            None,
        );
        let mut i = input(&v, false);
        i.byte_size = 16;
        let p = plan(&i).unwrap().bindings;
        assert_eq!(p[0].source, Source::Local(3));
        assert_eq!(p[0].kind, Kind::Value);
        // Arithmetic on it is not a vector operation DWARF can express.
        let v = var(
            Location::Expr(vec![
                LocOp::WasmLocal(3),
                LocOp::PlusUconst(1),
                LocOp::StackValue,
            ]),
            None,
        );
        let mut i = input(&v, false);
        i.byte_size = 16;
        assert!(plan(&i).is_err());
    }

    #[test]
    fn pieces_become_fragments() {
        let v = var(
            Location::Expr(vec![
                LocOp::WasmLocal(1),
                LocOp::StackValue,
                LocOp::Piece(4),
                LocOp::Piece(4),
                LocOp::WasmLocal(2),
                LocOp::StackValue,
                LocOp::Piece(4),
            ]),
            None,
        );
        let mut i = input(&v, false);
        i.byte_size = 12;
        let p = plan(&i).unwrap().bindings;
        assert_eq!(p.len(), 2, "the middle piece has no location");
        assert_eq!(p[0].fragment, Some((0, 32)));
        assert_eq!(p[1].fragment, Some((64, 32)));
        assert_eq!(p[1].source, Source::Local(2));
    }

    #[test]
    fn pieces_must_lie_inside_the_variable() {
        let piece = |size| {
            var(
                Location::Expr(vec![
                    LocOp::WasmLocal(1),
                    LocOp::StackValue,
                    LocOp::Piece(size),
                ]),
                None,
            )
        };
        // (input(): a 4-byte variable)
        let v = piece(4);
        let p = plan(&input(&v, false)).unwrap().bindings;
        assert_eq!(p[0].fragment, None, "a piece that is the whole variable");
        let v = piece(8);
        assert!(
            plan(&input(&v, false)).is_err(),
            "a piece larger than the variable"
        );
    }

    #[test]
    fn constants_cover_the_scope() {
        let v = var(Location::None, Some(-7));
        let ranges = [0x10..0x20, 0x40..0x50];
        let mut i = input(&v, false);
        i.scope_ranges = Some(&ranges);
        let p = plan(&i).unwrap().bindings;
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].range, Some(0x40..0x50));
        assert_eq!(p[0].source, Source::Const(-7));
    }

    #[test]
    fn untranslatable_locations_are_refused() {
        let v = var(Location::Expr(vec![LocOp::Unsupported(0x50)]), None);
        assert!(plan(&input(&v, false)).is_err());
        let v = var(
            Location::Expr(vec![LocOp::WasmLocal(1), LocOp::Deref, LocOp::StackValue]),
            None,
        );
        assert!(plan(&input(&v, false)).is_err(), "a deref of linear memory");
    }
}
