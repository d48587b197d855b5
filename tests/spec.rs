//! The spec harness (`innative wast`): every 2.0 script parses into
//! commands; a script using every command kind passes through the real AOT
//! path; failures are counted and reported; the whole 2.0 suite, SIMD
//! included, runs with nothing failing and nothing skipped, and so do the
//! relaxed SIMD scripts of the 3.0 suite; the 3.0 suite runs with nothing
//! failing apart from what it reports as skipped (`cargo test --test spec --
//! --nocapture` shows the per-file lines).

mod common;

#[test]
fn every_2_0_script_parses() {
    let Some(files) = common::spec_suite("wasm-2.0") else {
        eprintln!("no spec suite checked out next to the repository; skipping");
        return;
    };
    assert!(files.len() > 100, "{} scripts", files.len());
    let mut assertions = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let script =
            innative::wast::script::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assertions += script.assertion_count();
        // Every module a script instantiates must at least encode.
        for m in &script.modules {
            if let Err(e) = &m.bytes {
                panic!("{}:{}: module does not encode: {e}", f.display(), m.pos);
            }
        }
    }
    assert!(assertions > 20_000, "{assertions} assertions");
}

/// Runs `innative wast` on `scripts` (name, text) written to a temporary
/// directory; returns (exit code, stdout).
fn run_wast(scripts: &[(&str, &str)], extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_innative"));
    cmd.arg("wast").args(extra);
    for (name, text) in scripts {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        cmd.arg(path);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), stdout)
}

/// Every command kind the harness supports, through the real AOT path.
const SMOKE: &str = r#"(module $A
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref)
  (global (export "g") (mut i32) (i32.const 7))
  (func (export "h") (result i32) i32.const 9)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i64 f64) (result f64 i64) (local.get 1) (local.get 0))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "id-ext") (param externref) (result externref) (local.get 0))
  (func $f (export "fref") (result funcref) (ref.func $f))
  (func (export "null") (result funcref) (ref.null func))
  (func (export "trap") unreachable)
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func $r (export "rec") (result i32) (i32.add (call $r) (call $r)))
  (func (export "set-g") (param i32) (global.set 0 (local.get 0)))
)
(register "A" $A)
(assert_return (invoke "h") (i32.const 9))
(assert_return (invoke "add" (i32.const -1) (i32.const 3)) (i32.const 2))
(assert_return (invoke "swap" (i64.const -5) (f64.const 2.5)) (f64.const 2.5) (i64.const -5))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "nan") (either (f32.const nan:arithmetic) (f32.const 1)))
(assert_return (invoke "id-ext" (ref.extern 0)) (ref.extern 0))
(assert_return (invoke "id-ext" (ref.extern 5)) (ref.extern 5))
(assert_return (invoke "id-ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke "fref") (ref.func))
(assert_return (invoke "null") (ref.null func))
(assert_trap (invoke "trap") "unreachable")
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_return (invoke "div" (i32.const 1)) (i32.const 1))
(assert_exhaustion (invoke "rec") "call stack exhausted")
(assert_return (get "g") (i32.const 7))
(invoke "set-g" (i32.const 8))
(assert_return (get $A "g") (i32.const 8))

(module $B
  (import "A" "h" (func $h (result i32)))
  (import "A" "g" (global $g (mut i32)))
  (import "A" "mem" (memory 1))
  (import "A" "tab" (table 2 funcref))
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "global_i32" (global $sg i32))
  (import "spectest" "table" (table 10 funcref))
  (func (export "call-h") (result i32) (call $print (i32.const 1)) (call $h))
  (func (export "sg") (result i32) (global.get $sg))
  (func (export "ag") (result i32) (global.get $g))
  (export "h-again" (func $h))
)
(assert_return (invoke "call-h") (i32.const 9))
(assert_return (invoke "sg") (i32.const 666))
(assert_return (invoke "ag") (i32.const 8))
(assert_return (invoke $B "h-again") (i32.const 9))
(register "B" $B)
(module (import "B" "h-again" (func (result i32))))

(assert_unlinkable (module (import "A" "h" (func (result i64)))) "incompatible import type")
(assert_unlinkable (module (import "A" "g" (global i32))) "incompatible import type")
(assert_unlinkable (module (import "A" "mem" (memory 2))) "incompatible import type")
(assert_unlinkable (module (import "A" "tab" (table 3 funcref))) "incompatible import type")
(assert_unlinkable (module (import "A" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "nope" "f" (func))) "unknown import")
(assert_unlinkable (module (import "spectest" "table" (table 0 5 funcref))) "incompatible import type")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
(assert_malformed (module binary "\00asm\01\00\00") "unexpected end")

(module definition $D (global (export "c") (mut i32) (i32.const 1)) (func (export "inc") (global.set 0 (i32.add (global.get 0) (i32.const 1)))))
(module instance $D1 $D)
(module instance $D2 $D)
(invoke $D1 "inc")
(assert_return (get $D1 "c") (i32.const 2))
(assert_return (get $D2 "c") (i32.const 1))

(module (func (export "v") (result v128) (v128.const i32x4 1 2 3 4)))
(assert_return (invoke "v") (v128.const i32x4 1 2 3 4))
(module
  (global (export "g") v128 (v128.const i64x2 5 -1))
  (func (export "swap") (param i32 v128 i64) (result v128 i32 i64)
    (local.get 1) (local.get 0) (local.get 2)))
(assert_return (invoke "swap" (i32.const 7) (v128.const f32x4 1 2 3 nan) (i64.const -9))
  (v128.const f32x4 1 2 3 nan:canonical) (i32.const 7) (i64.const -9))
(assert_return (get "g") (v128.const i64x2 5 -1))
"#;

#[test]
fn harness_runs_every_command_kind() {
    let (code, out) = run_wast(&[("smoke.wast", SMOKE)], &["-j", "2"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last().copied(), Some("37 passed, 0 failed"), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("smoke.wast: 37 passed, 0 failed, 0 skipped")),
        "{out}"
    );
    assert_eq!(code, 0);
}

#[test]
fn failures_are_counted_and_reported() {
    let bad = r#"(module (func (export "f") (result i32) i32.const 1))
(assert_return (invoke "f") (i32.const 1))
(assert_return (invoke "f") (i32.const 2))
(assert_trap (invoke "f") "unreachable")
(assert_invalid (module (func (result i32) i32.const 0)) "type mismatch")
(module (func (export "v") (result v128) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)))
(assert_return (invoke "v") (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 16))
"#;
    let good = "(module (func (export \"g\")))\n(assert_return (invoke \"g\"))\n";
    let (code, out) = run_wast(&[("bad.wast", bad), ("good.wast", good)], &["-v"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last().copied(), Some("2 passed, 4 failed"), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("bad.wast: 1 passed, 4 failed, 0 skipped")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("good.wast: 1 passed, 0 failed, 0 skipped")),
        "{out}"
    );
    // -v names each failure with line:col, expected and got.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bad.wast:3:2: assert_return") && l.contains("expected (i32:2")),
        "{out}"
    );
    assert_eq!(code, 1);
}

/// Runs `innative wast` on `files`; asserts that it succeeds with nothing
/// failed or skipped and returns the number passed.
fn suite_passes(files: &[std::path::PathBuf], standard: &str) -> u64 {
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_innative"))
        .arg("wast")
        .args(["--standard", standard])
        .arg("-j")
        .arg(jobs.to_string())
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "spec suite had failures (see the output above; -v for details)"
    );
    let last = stdout.lines().last().unwrap_or("");
    let passed = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse().ok());
    assert!(
        passed.is_some(),
        "last line {last:?}: something failed or was skipped"
    );
    passed.unwrap_or(0)
}

/// The whole 2.0 suite (~40 s on 2 cores), its 25,514 SIMD assertions
/// included: everything passes, nothing is skipped.
#[test]
fn spec_2_0_suite_passes() {
    let Some(files) = common::spec_suite("wasm-2.0") else {
        eprintln!("no spec suite checked out next to the repository; skipping");
        return;
    };
    let passed = suite_passes(&files, "2.0");
    assert!(passed > 50_000, "only {passed} assertions passed");
}

/// The relaxed SIMD scripts of the 3.0 suite (`relaxed_*`, `*_relaxed_*`),
/// whose assertions accept each allowed result: innative's choices (see
/// src/lower/simd.rs) pass, consistently between constants and run time.
#[test]
fn relaxed_simd_scripts_pass() {
    let Some(files) = common::spec_suite("wasm-3.0") else {
        eprintln!("no 3.0 spec suite checked out next to the repository; skipping");
        return;
    };
    let files: Vec<_> = files
        .into_iter()
        .filter(|f| f.file_name().unwrap().to_string_lossy().contains("relaxed"))
        .collect();
    assert!(files.len() >= 7, "{files:?}");
    let passed = suite_passes(&files, "3.0");
    assert!(passed >= 60, "only {passed} assertions passed");
}

/// The whole 3.0 suite (~50 s on 2 cores): every assertion passes except
/// those reported as skipped (SIMD, GC heap types, and what the runner names).
#[test]
fn spec_3_0_suite_passes() {
    let Some(files) = common::spec_suite("wasm-3.0") else {
        eprintln!("no 3.0 spec suite checked out next to the repository; skipping");
        return;
    };
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_innative"))
        .arg("wast")
        .args(["--standard", "3.0"])
        .arg("-j")
        .arg(jobs.to_string())
        .args(&files)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "3.0 spec suite had failures (see the output above; -v for details)"
    );
}
