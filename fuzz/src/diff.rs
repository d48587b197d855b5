//! Differential execution: wasmi runs each generated module and its
//! exports; the answers become a `.wast` script (`assert_return` /
//! `assert_trap` per call, then the exported globals and the memory hash),
//! which `innative wast` runs through the real AOT path at -O0 and -O2.

use crate::gen::{self, Rng, HASH_EXPORT};
use std::fmt::Write as _;
use wasmi::{Engine, Linker, Module, Store, Val, ValType};

/// The script of one case, or why there is none.
pub enum Case {
    Script { wast: String, calls: usize },
    Skip,
}

fn engine() -> Engine {
    let mut c = wasmi::Config::default();
    c.wasm_memory64(false)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .wasm_wide_arithmetic(false)
        .set_max_recursion_depth(20_000);
    Engine::new(&c)
}

/// A float as wast text: exact NaN payloads, `inf`, else Rust's shortest
/// round-tripping decimal.  `sign_bit` is the raw sign and `payload` the
/// mantissa bits, so one function serves f32 and f64.
fn float_text(value: f64, sign_bit: bool, payload: u64, shortest: String) -> String {
    if value.is_nan() {
        let sign = if sign_bit { "-" } else { "" };
        format!("{sign}nan:0x{payload:x}")
    } else if value.is_infinite() {
        if value < 0.0 {
            "-inf".into()
        } else {
            "inf".into()
        }
    } else {
        shortest
    }
}

fn f32_text(bits: u32) -> String {
    let v = f32::from_bits(bits);
    float_text(
        f64::from(v),
        bits >> 31 == 1,
        u64::from(bits & 0x7f_ffff),
        format!("{v:?}"),
    )
}

fn f64_text(bits: u64) -> String {
    let v = f64::from_bits(bits);
    float_text(
        v,
        bits >> 63 == 1,
        bits & 0xf_ffff_ffff_ffff,
        format!("{v:?}"),
    )
}

/// An argument as wast text (exact bits for floats).
fn arg_text(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("(i32.const {x})"),
        Val::I64(x) => format!("(i64.const {x})"),
        Val::F32(x) => format!("(f32.const {})", f32_text(x.to_bits())),
        Val::F64(x) => format!("(f64.const {})", f64_text(x.to_bits())),
        Val::FuncRef(_) => "(ref.null func)".into(),
        Val::ExternRef(_) => "(ref.null extern)".into(),
        Val::V128(v) => format!(
            "(v128.const i64x2 {} {})",
            v.as_u128() as u64,
            (v.as_u128() >> 64) as u64
        ),
    }
}

/// An expected result: the canonical NaN as `nan:canonical` (the spec's
/// rule for it), any other NaN bit for bit (it was only moved, never
/// computed, since wasm-smith canonicalizes computed NaNs).
fn expected_text(v: &Val) -> String {
    match v {
        Val::F32(x) if (x.to_bits() & 0x7fff_ffff) == 0x7fc0_0000 => {
            "(f32.const nan:canonical)".into()
        }
        Val::F64(x) if (x.to_bits() & 0x7fff_ffff_ffff_ffff) == 0x7ff8_0000_0000_0000 => {
            "(f64.const nan:canonical)".into()
        }
        Val::FuncRef(r) => if r.is_null() {
            "(ref.null func)"
        } else {
            "(ref.func)"
        }
        .into(),
        Val::ExternRef(r) => if r.is_null() {
            "(ref.null extern)"
        } else {
            "(ref.extern)"
        }
        .into(),
        other => arg_text(other),
    }
}

fn gen_arg(ty: &ValType, rng: &mut Rng) -> Val {
    let pick = rng.below(4);
    match ty {
        ValType::I32 => Val::I32(match pick {
            0 => [0, 1, -1, i32::MIN, i32::MAX, 2, 7, 65536][rng.below(8) as usize],
            1 => rng.below(256) as i32,
            _ => rng.next_u64() as i32,
        }),
        ValType::I64 => Val::I64(match pick {
            0 => [0, 1, -1, i64::MIN, i64::MAX, 2, 1 << 32, -(1 << 31)][rng.below(8) as usize],
            1 => rng.below(256) as i64,
            _ => rng.next_u64() as i64,
        }),
        ValType::F32 => Val::F32(wasmi::core::F32::from_bits(match pick {
            0 => [
                0.0f32,
                -0.0,
                1.0,
                -1.5,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                2147483648.0,
            ][rng.below(8) as usize]
                .to_bits(),
            1 => (rng.below(2000) as f32 - 1000.0).to_bits(),
            _ => rng.next_u64() as u32,
        })),
        ValType::F64 => Val::F64(wasmi::core::F64::from_bits(match pick {
            0 => [
                0.0f64,
                -0.0,
                1.0,
                -1.5,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                9.3e18,
            ][rng.below(8) as usize]
                .to_bits(),
            1 => (rng.below(2000) as f64 - 1000.0).to_bits(),
            _ => rng.next_u64(),
        })),
        ValType::FuncRef => Val::default(ValType::FuncRef),
        ValType::ExternRef => Val::default(ValType::ExternRef),
        ValType::V128 => Val::V128(wasmi::core::V128::from(
            (rng.next_u64() as u128) | (rng.next_u64() as u128) << 64,
        )),
    }
}

/// The spec's message for a wasmi trap, `Some("")` where the spec's wording
/// depends on what the interpreter does not tell (table accesses: "undefined
/// element" for `call_indirect`, "out of bounds table access" for table
/// instructions), `None` for traps the two engines need not agree on.
fn trap_message(code: wasmi::core::TrapCode) -> Option<&'static str> {
    use wasmi::core::TrapCode as T;
    Some(match code {
        T::UnreachableCodeReached => "unreachable",
        T::MemoryOutOfBounds => "out of bounds memory access",
        T::TableOutOfBounds | T::IndirectCallToNull => "",
        T::IntegerDivisionByZero => "integer divide by zero",
        T::IntegerOverflow => "integer overflow",
        T::BadConversionToInteger => "invalid conversion to integer",
        T::BadSignature => "indirect call type mismatch",
        T::StackOverflow | T::OutOfFuel | T::GrowthOperationLimited => return None,
    })
}

/// A wast string literal for `s` (wasm-smith's names are any UTF-8).
fn wast_str(s: &str) -> String {
    let mut out = String::from("\"");
    for &b in s.as_bytes() {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\{b:02x}");
        }
    }
    out.push('"');
    out
}

fn wast_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for b in bytes {
        let _ = write!(s, "\\{b:02x}");
    }
    s
}

/// Builds the script for `seed`: module, calls with interpreter answers.
pub fn case(seed: u64, stop_at_oob: bool) -> Case {
    let Some(wasm) = gen::module(seed) else {
        return Case::Skip;
    };
    let wasm = gen::add_memory_hash(&wasm).unwrap_or(wasm);
    let engine = engine();
    let Ok(module) = Module::new(&engine, &wasm[..]) else {
        return Case::Skip;
    };
    let mut store = Store::new(&engine, ());
    let linker = Linker::<()>::new(&engine);
    let mut wast = format!(
        ";; innative-fuzz diff seed {seed}\n(module binary \"{}\")\n",
        wast_bytes(&wasm)
    );
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            // Instantiation trapped (start function, segment out of bounds).
            return match e.as_trap_code().and_then(trap_message) {
                Some("out of bounds memory access") if stop_at_oob => Case::Skip,
                Some(msg) => Case::Script {
                    wast: format!(
                        ";; innative-fuzz diff seed {seed}\n(assert_trap (module binary \"{}\") \"{msg}\")\n",
                        wast_bytes(&wasm)
                    ),
                    calls: 1,
                },
                None => Case::Skip,
            };
        }
    };
    let exports: Vec<(String, bool)> = module
        .exports()
        .map(|e| {
            (
                e.name().to_string(),
                matches!(e.ty(), wasmi::ExternType::Func(_)),
            )
        })
        .collect();
    let mut rng = Rng::new(seed, 2);
    let mut calls = 0;
    let mut stopped = false;
    let funcs: Vec<&String> = exports
        .iter()
        .filter(|(n, f)| *f && n != HASH_EXPORT)
        .map(|(n, _)| n)
        .collect();
    // Every function export once, then a few more calls in a random order.
    let extra = if funcs.is_empty() {
        0
    } else {
        rng.below(funcs.len() as u64 + 1) as usize
    };
    let order: Vec<&String> = funcs
        .iter()
        .copied()
        .chain((0..extra).map(|_| funcs[rng.below(funcs.len() as u64) as usize]))
        .collect();
    for name in order {
        let func = instance
            .get_func(&store, name)
            .expect("export is a function");
        let ty = func.ty(&store);
        let args: Vec<Val> = ty.params().iter().map(|t| gen_arg(t, &mut rng)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default(*t)).collect();
        let args_text: Vec<String> = args.iter().map(arg_text).collect();
        let invoke = format!("(invoke {} {})", wast_str(name), args_text.join(" "));
        match func.call(&mut store, &args, &mut results) {
            Ok(()) => {
                let r: Vec<String> = results.iter().map(expected_text).collect();
                let _ = writeln!(wast, "(assert_return {invoke} {})", r.join(" "));
            }
            Err(e) => match e.as_trap_code().and_then(trap_message) {
                Some("out of bounds memory access") if stop_at_oob => {
                    // --stop-at-oob: the -O2 limit on load traps (see main.rs)
                    // makes these calls, and all state after them, noise.
                    stopped = true;
                    break;
                }
                Some(msg) => {
                    let _ = writeln!(wast, "(assert_trap {invoke} \"{msg}\")");
                }
                None => {
                    // Stack overflow: the limits differ; the state after it
                    // is not comparable either.
                    stopped = true;
                    break;
                }
            },
        }
        calls += 1;
    }
    if !stopped {
        for (name, is_func) in &exports {
            if *is_func && name != HASH_EXPORT {
                continue;
            }
            if name == HASH_EXPORT {
                let func = instance.get_func(&store, name).expect("hash export");
                let mut r = [Val::I64(0)];
                if func.call(&mut store, &[], &mut r).is_ok() {
                    let _ = writeln!(
                        wast,
                        "(assert_return (invoke {}) {})",
                        wast_str(name),
                        expected_text(&r[0])
                    );
                    calls += 1;
                }
            } else if let Some(g) = instance.get_global(&store, name) {
                let _ = writeln!(
                    wast,
                    "(assert_return (get {}) {})",
                    wast_str(name),
                    expected_text(&g.get(&store))
                );
                calls += 1;
            }
        }
    }
    Case::Script { wast, calls }
}
