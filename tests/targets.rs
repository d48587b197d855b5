//! Other targets (`--target`): the WASI C fixtures built for aarch64 Linux
//! run under qemu-aarch64 with the output of the same C built natively for
//! that target by clang-19 (also run under qemu), and the trap fixtures give
//! the host's reports.
//!
//! Each fixture is built to wasm32-wasi (`-O2`, as tests/wasi.rs does) and
//! natively with `clang-19 --target=TRIPLE -fuse-ld=lld -O2
//! -ffp-contract=off`: wasm never fuses a multiply and an add, and clang
//! fuses them by default on aarch64, which has FMA (x86-64's baseline does
//! not), so the native reference is built without contraction.  Every case
//! runs three ways: the native build; `innative run --target TRIPLE` (which
//! starts the program under the emulator itself); and an executable from
//! `innative compile --target TRIPLE`, run under the emulator from another
//! directory.  Stdout, stderr and exit status must be equal.
//!
//! Skipped with a message naming the Debian packages when the emulator or
//! the target's C library is missing (scripts/setup.sh installs them).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A target under test.
struct Target {
    triple: &'static str,
    /// Runs a program of the target here.
    emulator: &'static [&'static str],
    /// What must exist for the target: (path, Debian package).
    needs: &'static [(&'static str, &'static str)],
}

const AARCH64: Target = Target {
    triple: "aarch64-linux-gnu",
    emulator: &["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
    needs: &[
        ("/usr/bin/qemu-aarch64", "qemu-user"),
        (
            "/usr/aarch64-linux-gnu/include/stdio.h",
            "libc6-dev-arm64-cross",
        ),
        (
            "/usr/lib/gcc-cross/aarch64-linux-gnu",
            "libgcc-12-dev-arm64-cross",
        ),
        ("/usr/bin/ld.lld-19", "lld-19"),
    ],
};

impl Target {
    /// Whether everything the target needs is here; a clear skip if not.
    fn available(&self) -> bool {
        if !require("clang-19") {
            return false;
        }
        let missing: Vec<String> = self
            .needs
            .iter()
            .filter(|(path, _)| !Path::new(path).exists())
            .map(|(path, package)| format!("{path} ({package})"))
            .collect();
        if missing.is_empty() {
            return true;
        }
        eprintln!(
            "SKIPPED: {} needs {} (scripts/setup.sh installs them)",
            self.triple,
            missing.join(", ")
        );
        false
    }
}

/// A fixture built both ways for a target.
struct Built {
    wasm: PathBuf,
    native: PathBuf,
    dir: tempfile::TempDir,
}

fn build(t: &Target, name: &str) -> Built {
    let dir = tempdir();
    let src = fixture(&format!("wasi/{name}.c"));
    let wasm = dir.path().join(format!("{name}.wasm"));
    let native = dir.path().join(format!("{name}.native"));
    let simd: &[&str] = if name.starts_with("simd") {
        &["-msimd128"]
    } else {
        &[]
    };
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-wasi", "-g", "-O2"])
            .args(simd)
            .arg(&src)
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, &format!("clang-19 --target=wasm32-wasi {name}.c"));
    let o = output(
        Command::new("clang-19")
            .arg(format!("--target={}", t.triple))
            .args(["-fuse-ld=lld", "-g", "-O2", "-ffp-contract=off"])
            .arg(&src)
            .arg("-o")
            .arg(&native)
            .arg("-lm"),
    );
    assert_success(&o, &format!("clang-19 --target={} {name}.c", t.triple));
    Built { wasm, native, dir }
}

/// How a fixture is run.
#[derive(Default, Clone)]
struct Case {
    args: Vec<String>,
    stdin: Vec<u8>,
    env: Vec<(String, String)>,
    /// Files of the program's working directory (preopened as "." for wasm).
    files: Option<Vec<(String, Vec<u8>)>>,
}

impl Case {
    fn args(args: &[&str]) -> Case {
        Case {
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Case::default()
        }
    }
}

/// `timeout 120 PROGRAM` with only the case's environment (plus PATH and
/// HOME for innative itself when `host`).
fn command(program: impl AsRef<std::ffi::OsStr>, case: &Case, host: bool) -> Command {
    let mut c = Command::new("timeout");
    c.arg("120").arg(program);
    c.env_clear();
    if host {
        for var in ["PATH", "HOME"] {
            if let Some(v) = std::env::var_os(var) {
                c.env(var, v);
            }
        }
    }
    for (k, v) in &case.env {
        c.env(k, v);
    }
    c
}

fn run_with_stdin(mut c: Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for the program");
    writer.join().unwrap();
    out
}

fn workdir(case: &Case) -> Option<tempfile::TempDir> {
    let files = case.files.as_ref()?;
    let d = tempdir();
    for (name, data) in files {
        std::fs::write(d.path().join(name), data).unwrap();
    }
    Some(d)
}

/// The native build under the emulator.
fn run_native(t: &Target, b: &Built, case: &Case) -> Output {
    let work = workdir(case);
    let mut c = command(t.emulator[0], case, false);
    c.args(&t.emulator[1..]).arg(&b.native).args(&case.args);
    if let Some(w) = &work {
        c.current_dir(w.path());
    }
    run_with_stdin(c, &case.stdin)
}

/// `innative run --target TRIPLE [--dir .::.] [--env K]... prog.wasm -- ARGS`.
fn run_innative(t: &Target, b: &Built, case: &Case) -> Output {
    let work = workdir(case);
    let mut c = command(innative_bin(), case, true);
    c.args(["run", "--target", t.triple]);
    if work.is_some() {
        c.args(["--dir", ".::."]);
    }
    for (k, _) in &case.env {
        c.args(["--env", k]);
    }
    c.arg(&b.wasm).arg("--").args(&case.args);
    if let Some(w) = &work {
        c.current_dir(w.path());
    }
    run_with_stdin(c, &case.stdin)
}

/// `innative compile --target TRIPLE` (the work directory baked in as "."),
/// run under the emulator from an unrelated directory.
fn run_compiled(t: &Target, b: &Built, case: &Case, tag: usize) -> Output {
    let work = workdir(case);
    let exe = b.dir.path().join(format!("exe{tag}"));
    let mut c = innative(["compile", "--target", t.triple]);
    c.arg(&b.wasm).arg("-o").arg(&exe);
    if let Some(w) = &work {
        c.arg("--dir").arg(format!("{}::.", w.path().display()));
    }
    assert_success(
        &output(c),
        &format!("innative compile --target {}", t.triple),
    );
    let elsewhere = tempdir();
    let mut c = command(t.emulator[0], case, false);
    c.args(&t.emulator[1..]).arg(&exe).args(&case.args);
    if !case.env.is_empty() {
        let names: Vec<&str> = case.env.iter().map(|(k, _)| k.as_str()).collect();
        c.env("INNATIVE_WASI_ENV", names.join(","));
    }
    c.current_dir(elsewhere.path());
    run_with_stdin(c, &case.stdin)
}

#[track_caller]
fn assert_same(what: &str, native: &Output, wasm: &Output) {
    assert!(
        native.stdout == wasm.stdout
            && native.stderr == wasm.stderr
            && status(native) == status(wasm),
        "{what}: output differs from the native build\n=== native: {}\n=== wasm: {}",
        describe(native),
        describe(wasm)
    );
}

/// Builds `name` for `t` and checks every case three ways.
fn check(t: &Target, name: &str, cases: &[Case]) {
    if !t.available() {
        return;
    }
    let b = build(t, name);
    for (i, case) in cases.iter().enumerate() {
        let what = format!("{name} {:?} on {}", case.args, t.triple);
        let native = run_native(t, &b, case);
        assert_same(
            &format!("innative run {what}"),
            &native,
            &run_innative(t, &b, case),
        );
        assert_same(
            &format!("compiled {what}"),
            &native,
            &run_compiled(t, &b, case, i),
        );
    }
}

/// The WASI fixtures and their cases (those of tests/wasi.rs).
fn wasi_fixtures() -> Vec<(&'static str, Vec<Case>)> {
    let mut copy_text = Vec::new();
    for i in 0..400 {
        copy_text.extend_from_slice(format!("line {i}: the quick brown fox\n").as_bytes());
    }
    vec![
        ("strings", vec![Case::default()]),
        ("sort", vec![Case::default()]),
        ("sorting", vec![Case::default()]),
        ("float", vec![Case::default()]),
        ("memops", vec![Case::default()]),
        ("misc", vec![Case::default()]),
        ("simd", vec![Case::default()]),
        (
            "stdin",
            vec![Case {
                stdin: b"hello world\nsecond line\n\n  spaced  \nno newline".to_vec(),
                ..Case::default()
            }],
        ),
        (
            "exitcode",
            vec![
                Case::default(),
                Case::args(&["7"]),
                Case::args(&["300"]),
                Case::args(&["0", "return"]),
            ],
        ),
        (
            "args_env",
            vec![Case {
                args: ["one", "two words", "", "-x", "é"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                env: vec![
                    ("GREETING".into(), "hello there".into()),
                    ("EMPTY".into(), String::new()),
                ],
                ..Case::default()
            }],
        ),
        (
            "filecopy",
            vec![Case {
                args: vec!["input.txt".into(), "output.txt".into()],
                files: Some(vec![("input.txt".into(), copy_text)]),
                ..Case::default()
            }],
        ),
    ]
}

macro_rules! wasi_tests {
    ($target:expr, $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let all = super::wasi_fixtures();
                let (_, cases) = all
                    .iter()
                    .find(|(n, _)| *n == stringify!($name))
                    .expect("a fixture of wasi_fixtures()");
                super::check(&$target, stringify!($name), cases);
            }
        )*
    };
}

mod aarch64 {
    use super::*;
    wasi_tests!(
        AARCH64, strings, sort, sorting, float, memops, misc, simd, stdin, exitcode, args_env,
        filecopy
    );

    /// Traps: the same report (message, backtrace) and status as on the host.
    #[test]
    fn trap_reports_equal_the_hosts() {
        if !AARCH64.available() {
            return;
        }
        let dir = tempdir();
        for name in [
            "trap_div_zero",
            "trap_oob",
            "trap_stack",
            "trap_unreachable",
        ] {
            let wat = fixture(&format!("{name}.wat"));
            let host = dir.path().join(format!("{name}.host"));
            let cross = dir.path().join(format!("{name}.aarch64"));
            let mut c = innative(["compile"]);
            c.arg(&wat).arg("-o").arg(&host);
            assert_success(&output(c), "innative compile");
            let mut c = innative(["compile", "--target", AARCH64.triple]);
            c.arg(&wat).arg("-o").arg(&cross);
            assert_success(&output(c), "innative compile --target aarch64-linux-gnu");
            let h = output(Command::new(&host));
            let a = output(
                Command::new(AARCH64.emulator[0])
                    .args(&AARCH64.emulator[1..])
                    .arg(&cross),
            );
            assert_eq!(status(&h), 134, "{name}: {}", describe(&h));
            assert!(stderr(&h).contains("trap: "), "{name}: {}", describe(&h));
            assert_same(name, &h, &a);
        }
    }

    /// Relaxed SIMD gives x86-64's results on aarch64 too (the README's
    /// fixed choices), on inputs where the machines' instructions differ.
    #[test]
    fn relaxed_simd_gives_the_hosts_results() {
        if !AARCH64.available() {
            return;
        }
        let dir = tempdir();
        let wasm = dir.path().join("relaxed_simd.wasm");
        let o = output(
            Command::new("clang-19")
                .args(["--target=wasm32-wasi", "-O2", "-msimd128", "-mrelaxed-simd"])
                .arg(fixtures().join("targets/relaxed_simd.c"))
                .arg("-o")
                .arg(&wasm),
        );
        assert_success(&o, "clang-19 relaxed_simd.c");
        let host = output(innative(["run".as_ref(), wasm.as_os_str()]));
        assert_success(&host, "innative run relaxed_simd.wasm");
        assert!(
            stdout(&host).contains("trunc_f32x4_s          80000000 80000000 80000000 fffffffe")
        );
        let cross = output(innative([
            "run".as_ref(),
            "--target".as_ref(),
            AARCH64.triple.as_ref(),
            wasm.as_os_str(),
        ]));
        assert_same("relaxed_simd on aarch64", &host, &cross);
    }

    /// The object is an aarch64 ELF; the default output is not.
    #[test]
    fn outputs_are_aarch64_elf() {
        let dir = tempdir();
        let wat = fixture("demo.wat");
        for (args, machine) in [
            (&[][..], 62u16),
            (&["--target", "aarch64-linux-gnu"][..], 183),
        ] {
            let obj = dir.path().join("demo.o");
            let mut c = innative(["compile", "--object"]);
            c.args(args).arg(&wat).arg("-o").arg(&obj);
            assert_success(&output(c), "innative compile --object");
            let bytes = std::fs::read(&obj).unwrap();
            assert_eq!(&bytes[..4], b"\x7fELF");
            assert_eq!(
                u16::from_le_bytes([bytes[18], bytes[19]]),
                machine,
                "{args:?}"
            );
        }
    }
}

/// `--target`, `--cpu`, `--cpu-feature` and inNative's spellings: errors are
/// one line, exit 2, and name what is accepted.
#[test]
fn target_option_errors() {
    let wat = fixture("demo.wat");
    let dir = tempdir();
    for (args, want) in [
        (
            &["--target", "riscv64-linux-gnu"][..],
            "unknown architecture 'riscv64'",
        ),
        (&["--target", "x86_64-pc-windows-msvc"][..], "MinGW"),
        (&["--cpu-feature", "a b"][..], "invalid CPU feature"),
        (&["-arch", "mips"][..], "unknown architecture 'mips'"),
        (&["-abi", "beos"][..], "unknown ABI 'beos'"),
    ] {
        let legacy = args[0].starts_with("-a");
        let mut c = if legacy {
            innative(args)
        } else {
            innative(["compile"])
        };
        if !legacy {
            c.args(args);
        }
        c.arg(&wat).arg("-o").arg(dir.path().join("x"));
        let o = output(c);
        assert_eq!(status(&o), 2, "{args:?}: {}", describe(&o));
        let line = one_line_stderr(&o);
        assert!(line.contains(want), "{args:?}: {line}");
    }
    // Names LLVM does not know for the target are errors (LLVM itself
    // would warn and ignore them, or abort on a 32-bit CPU for x86-64).
    for (args, want) in [
        (&["--cpu", "haswel"][..], "unknown CPU 'haswel' for x86_64"),
        (
            &["--cpu-feature", "+avx3"][..],
            "unknown CPU feature 'avx3'",
        ),
        (&["--cpu", "i386"][..], "cannot run 64-bit x86 code"),
        (
            &["--target", "aarch64-linux-gnu", "--cpu", "haswell"][..],
            "unknown CPU 'haswell' for aarch64",
        ),
    ] {
        let mut c = innative(["compile", "--object"]);
        c.args(args).arg(&wat).arg("-o").arg(dir.path().join("x.o"));
        let o = output(c);
        assert_eq!(status(&o), 1, "{args:?}: {}", describe(&o));
        let line = one_line_stderr(&o);
        assert!(line.contains(want), "{args:?}: {line}");
        assert!(!dir.path().join("x.o").exists(), "{args:?} left an output");
    }
    // --cpu native is for this machine's architecture only.
    let dir = tempdir();
    let mut c = innative([
        "compile",
        "--target",
        "aarch64-linux-gnu",
        "--cpu",
        "native",
        "--object",
    ]);
    c.arg(&wat).arg("-o").arg(dir.path().join("x.o"));
    let o = output(c);
    assert_ne!(status(&o), 0);
    assert!(
        one_line_stderr(&o).contains("--cpu native"),
        "{}",
        describe(&o)
    );
}

/// `--cpu native` and `--cpu-feature` reach the code generator: with
/// `-avx,-sse4.1` a rounding loop cannot use `roundps`, with `+sse4.1` it
/// does; inNative's `-cpu`/`-cpu-feature` spellings do the same.
#[test]
fn cpu_and_features_change_the_code() {
    if !require("llvm-objdump-19") || !cfg!(target_arch = "x86_64") {
        return;
    }
    let dir = tempdir();
    let wat = dir.path().join("floor.wat");
    std::fs::write(
        &wat,
        r#"(module (func (export "f") (param f32) (result f32) (f32.floor (local.get 0))))"#,
    )
    .unwrap();
    let disasm = |args: &[&str], legacy: bool| -> String {
        let obj = dir.path().join("floor.o");
        let mut c = if legacy {
            let mut c = innative([wat.as_os_str()]);
            c.arg("--object");
            c
        } else {
            let mut c = innative(["compile", "--object"]);
            c.arg(&wat);
            c
        };
        c.args(args).arg("-o").arg(&obj);
        assert_success(&output(c), &format!("innative {args:?}"));
        stdout(&output(Command::new("llvm-objdump-19").arg("-d").arg(&obj)))
    };
    let baseline = disasm(&[], false);
    assert!(
        !baseline.contains("roundss"),
        "x86-64 baseline has no SSE4.1:\n{baseline}"
    );
    let sse41 = disasm(&["--cpu-feature", "+sse4.1"], false);
    assert!(sse41.contains("roundss"), "{sse41}");
    let legacy = disasm(&["-cpu-feature", "+sse4.1"], true);
    assert!(legacy.contains("roundss"), "{legacy}");
    let haswell = disasm(&["--cpu", "haswell"], false);
    assert!(haswell.contains("vroundss"), "{haswell}");
    let native = disasm(&["--cpu", "native"], false);
    assert!(native.contains("round"), "--cpu native: {native}");
}
