//! WebAssembly 3.0 features as native programs (the spec suite checks the
//! semantics; these check what only a whole program shows): tail calls run
//! in constant stack, a 64-bit memory works beyond 4 GiB and traps past its
//! end, several memories are each exported with a C symbol and a header
//! declaration.  Programs report through their exit status (libc `exit`
//! through `--sys env`).

mod common;

use common::*;

/// Runs `wat` with `innative run --sys env` at `opt`.
fn run_wat(wat: &str, opt: &str) -> std::process::Output {
    let dir = tempdir();
    let path = dir.path().join("prog.wat");
    std::fs::write(&path, wat).unwrap();
    output(innative([
        "run".as_ref(),
        opt.as_ref(),
        "--sys".as_ref(),
        "env".as_ref(),
        path.as_os_str(),
    ]))
}

/// A loop of `n` self tail calls accumulating `acc + n`, with `call_kind`
/// (`return_call` or `call`).
fn count_down(call_kind: &str, n: u64) -> String {
    format!(
        r#"(module
  (import "env" "exit" (func $exit (param i32)))
  (func $count (param $acc i64) (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else
        ({call_kind} $count
          (i64.add (local.get $acc) (local.get $n))
          (i64.sub (local.get $n) (i64.const 1))))))
  (func (export "_start")
    (call $exit (i32.wrap_i64 (i64.and
      (call $count (i64.const 0) (i64.const {n}))
      (i64.const 255))))))"#
    )
}

/// Ten million `return_call`s complete (at -O0 and -O2) where the same
/// recursion with `call` exhausts the stack: the frames are replaced.
#[test]
fn tail_calls_run_in_constant_stack() {
    let n: u64 = 10_000_000;
    let expected = ((n * (n + 1) / 2) & 255) as i32;
    for opt in ["-O0", "-O2"] {
        let o = run_wat(&count_down("return_call", n), opt);
        assert_eq!(status(&o), expected, "{opt}: {}", describe(&o));
    }
    let o = run_wat(&count_down("call", n), "-O0");
    assert_eq!(status(&o), 134, "{}", describe(&o));
    assert!(
        stderr(&o).contains("call stack exhausted"),
        "{}",
        describe(&o)
    );
}

/// Mutual recursion through tail calls between functions of different
/// native prototypes (no `musttail` possible) also runs in constant stack.
#[test]
fn tail_calls_between_different_prototypes() {
    let n: u64 = 10_000_000;
    let wat = format!(
        r#"(module
  (import "env" "exit" (func $exit (param i32)))
  (func $f (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n)) (then (i64.const 7))
      (else (return_call $g (i32.const 1) (i64.sub (local.get $n) (i64.const 1))))))
  (func $g (param $k i32) (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n)) (then (i64.const 9))
      (else (return_call $f (i64.sub (local.get $n) (i64.extend_i32_u (local.get $k)))))))
  (func (export "_start")
    (call $exit (i32.wrap_i64 (call $f (i64.const {n}))))))"#
    );
    // f(n) -> g(n-1) -> f(n-2) ...: an even n ends in f(0) = 7.
    let expected = if n % 2 == 0 { 7 } else { 9 };
    for opt in ["-O0", "-O2"] {
        let o = run_wat(&wat, opt);
        assert_eq!(status(&o), expected, "{opt}: {}", describe(&o));
    }
}

/// A 64-bit memory grown past 4 GiB stores and loads at an address above
/// 2^32, and an access at its end traps as out of bounds.
#[test]
fn memory64_beyond_4gib() {
    let wat = |address: &str| {
        format!(
            r#"(module
  (import "env" "exit" (func $exit (param i32)))
  (memory i64 1)
  (func (export "_start")
    (if (i64.ne (memory.grow (i64.const 65536)) (i64.const 1)) (then (call $exit (i32.const 1))))
    (i64.store (i64.const 0x1_0000_0008) (i64.const 0x2a))
    (i64.store (i64.const 8) (i64.const 7))
    (call $exit (i32.wrap_i64 (i64.add
      (i64.load (i64.const {address}))
      (i64.load (i64.const 8)))))))"#
        )
    };
    let o = run_wat(&wat("0x1_0000_0008"), "-O1");
    assert_eq!(status(&o), 0x2a + 7, "{}", describe(&o));
    // 65537 pages end at 0x1_0001_0000: the last 8 bytes load, one more traps.
    let o = run_wat(&wat("0x1_0000_fff8"), "-O1");
    assert_eq!(status(&o), 7, "{}", describe(&o));
    let o = run_wat(&wat("0x1_0000_fff9"), "-O1");
    assert_eq!(status(&o), 134, "{}", describe(&o));
    assert!(
        stderr(&o).contains("out of bounds memory access"),
        "{}",
        describe(&o)
    );
}

const TWO_MEMORIES: &str = r#"(module $mm
  (import "env" "exit" (func $exit (param i32)))
  (memory $a (export "mem_a") 1)
  (memory $b (export "mem_b") 2)
  (data (memory $a) (i32.const 16) "\05\06")
  (func (export "_start")
    (memory.copy $b $a (i32.const 100) (i32.const 16) (i32.const 2))
    (i32.store8 $a (i32.const 16) (i32.const 0))
    (call $exit (i32.add
      (i32.add (i32.load8_u $b (i32.const 100)) (i32.load8_u $b (i32.const 101)))
      (i32.add (i32.load8_u $a (i32.const 16)) (i32.mul (memory.size $b) (i32.const 10)))))))"#;

/// Loads, stores, memory.copy and memory.size address the memory they name.
#[test]
fn multiple_memories_run() {
    let o = run_wat(TWO_MEMORIES, "-O1");
    assert_eq!(status(&o), 5 + 6 + 0 + 2 * 10, "{}", describe(&o));
}

/// Each exported memory gets its own C symbol and header declaration.
#[test]
fn multiple_memories_in_the_header() {
    let dir = tempdir();
    let wat = dir.path().join("mm.wat");
    std::fs::write(&wat, TWO_MEMORIES).unwrap();
    let lib = dir.path().join("libmm.so");
    let header = dir.path().join("mm.h");
    let o = output(innative([
        "compile".as_ref(),
        "--shared".as_ref(),
        wat.as_os_str(),
        "-o".as_ref(),
        lib.as_os_str(),
        "--header".as_ref(),
        header.as_os_str(),
    ]));
    assert_success(&o, "innative compile --shared mm.wat --header mm.h");
    let text = std::fs::read_to_string(&header).unwrap();
    for sym in ["mm_WASM_mem_a", "mm_WASM_mem_b"] {
        assert!(
            text.contains(&format!("extern innative_memory {sym};")),
            "{text}"
        );
    }
    if have("nm") {
        let o = output(std::process::Command::new("nm").arg("-D").arg(&lib));
        let syms = stdout(&o);
        for sym in ["mm_WASM_mem_a", "mm_WASM_mem_b"] {
            assert!(syms.contains(sym), "{syms}");
        }
    }
}

const THROWER: &str = r#"(module $lib
  (tag $t (export "t") (param i32))
  (func $deep (param i32)
    (if (i32.eqz (local.get 0)) (then (throw $t (i32.const 40))))
    (call $deep (i32.sub (local.get 0) (i32.const 1))))
  (func (export "thrower") (param i32) (call $deep (local.get 0))))"#;

const CATCHER: &str = r#"(module $main
  (import "env" "exit" (func $exit (param i32)))
  (import "lib" "t" (tag $t (param i32)))
  (import "lib" "thrower" (func $thrower (param i32)))
  (tag $oops (export "oops"))
  (func (export "_start") (local $x i32)
    (block $h (result i32)
      (try_table (catch $t $h)
        (local.set $x (i32.const 2))
        (call $thrower (i32.const 100))
        (local.set $x (i32.const 1000)))
      (i32.const 0))
    (if (i32.ne (local.get $x) (i32.const 2)) (then (throw $oops)))
    (call $exit (i32.add (local.get $x)))))"#;

/// Compiles `modules` (name, text) together into an executable and runs it.
fn run_modules(modules: &[(&str, &str)], opt: &str) -> std::process::Output {
    let dir = tempdir();
    let mut args: Vec<std::ffi::OsString> = vec!["compile".into(), opt.into()];
    for (name, text) in modules {
        let path = dir.path().join(format!("{name}.wat"));
        std::fs::write(&path, text).unwrap();
        args.push(path.into());
    }
    let exe = dir.path().join("prog");
    args.extend([
        "--sys".into(),
        "env".into(),
        "-o".into(),
        exe.clone().into(),
    ]);
    let o = output(innative(&args));
    assert_success(&o, "innative compile");
    run_program(&exe, &[])
}

/// An exception thrown 100 frames deep in one module is caught in another
/// with its payload, and the catch sees the local the try body set.
#[test]
fn exceptions_cross_modules() {
    for opt in ["-O0", "-O2"] {
        let o = run_modules(&[("main", CATCHER), ("lib", THROWER)], opt);
        assert_eq!(status(&o), 42, "{opt}: {}", describe(&o));
    }
}

/// An exception nobody catches ends the program with a trap report that
/// names the tag.
#[test]
fn uncaught_exception_names_the_tag() {
    let wat = r#"(module $main
  (tag $oops (export "oops") (param i32))
  (func $f (throw $oops (i32.const 1)))
  (func (export "_start") (call $f)))"#;
    let o = run_wat(wat, "-O1");
    assert_eq!(status(&o), 134, "{}", describe(&o));
    assert!(
        stderr(&o).contains("uncaught exception (tag oops)"),
        "{}",
        describe(&o)
    );
}

/// An exported tag is an `extern const innative_tag` in the header; a C
/// host that includes the header (warnings as errors) reads its name.
#[test]
fn exported_tag_in_the_header() {
    if !have("cc") {
        return;
    }
    let dir = tempdir();
    let wat = dir.path().join("tags.wat");
    std::fs::write(
        &wat,
        r#"(module $tags
  (tag (export "oops") (param i32 f64))
  (func (export "f") (result i32) (i32.const 1)))"#,
    )
    .unwrap();
    let lib = dir.path().join("libtags.so");
    let header = dir.path().join("tags.h");
    let o = output(innative([
        "compile".as_ref(),
        "--shared".as_ref(),
        wat.as_os_str(),
        "-o".as_ref(),
        lib.as_os_str(),
        "--header".as_ref(),
        header.as_os_str(),
    ]));
    assert_success(&o, "innative compile --shared tags.wat --header tags.h");
    let text = std::fs::read_to_string(&header).unwrap();
    assert!(
        text.contains("extern const innative_tag tags_WASM_oops;"),
        "{text}"
    );
    let host = dir.path().join("host.c");
    std::fs::write(
        &host,
        "#include <stdio.h>\n#include \"tags.h\"\nint main(void) {\n  printf(\"%s %u %d\\n\", tags_WASM_oops.name, tags_WASM_oops.nparams, tags_WASM_f());\n  return 0;\n}\n",
    )
    .unwrap();
    let exe = dir.path().join("host");
    let o = output(
        std::process::Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-std=c99", "-pedantic"])
            .arg("-I")
            .arg(dir.path())
            .arg(&host)
            .arg(&lib)
            .arg(format!("-Wl,-rpath,{}", dir.path().display()))
            .arg("-o")
            .arg(&exe),
    );
    assert_success(&o, "cc host.c libtags.so");
    let o = run_program(&exe, &[]);
    assert_success(&o, "host");
    assert_eq!(stdout(&o), "oops 2 1\n");
}
