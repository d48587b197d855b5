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
    /// Host variables the emulator itself needs (Wine: its prefix in HOME),
    /// and variables set for it.  Native programs see them too; a WASI
    /// guest sees only what innative passes.
    emulator_env: &'static [&'static str],
    emulator_set: &'static [(&'static str, &'static str)],
    /// The native reference writes text-mode stdio (CRLF line ends), where
    /// a WASI guest writes raw bytes: CRLF becomes LF before comparing.
    crlf: bool,
    /// Fixtures compared with the host's native build instead of the
    /// target's, because the target's C library differs in what they print
    /// (see [`WINDOWS`]).
    host_reference: &'static [&'static str],
    /// A line of fixture `name`'s stdout as compared: `None` drops it (what
    /// the target does not have).
    line_filter: fn(name: &str, line: &str) -> Option<String>,
}

fn every_line(_: &str, line: &str) -> Option<String> {
    Some(line.to_string())
}

/// Windows has no symlinks (runtime/WINDOWS.md): `filecopy`'s lines about
/// the one it makes are left out, and so is the result of unlinking it.
fn without_symlinks(name: &str, line: &str) -> Option<String> {
    if name != "filecopy" {
        return Some(line.to_string());
    }
    if ["symlink:", "readlink:", "open via link:"]
        .iter()
        .any(|p| line.starts_with(p))
    {
        return None;
    }
    let line = line.replace(" [l link]", "");
    Some(match line.strip_prefix("unlink: ") {
        Some(rest) => format!("unlink: - {}", rest.split_once(' ').map_or("", |(_, r)| r)),
        None => line,
    })
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
    emulator_env: &[],
    emulator_set: &[],
    crlf: false,
    host_reference: &[],
    line_filter: every_line,
};

/// Windows x86-64 (MinGW) under Wine.  Four fixtures are compared with the
/// host's native build (runtime/WINDOWS.md): `misc` and `filecopy` do not
/// compile for MinGW (no poll.h, no `d_type`); `args_env` prints the whole
/// environment, to which Wine adds its own variables; `sorting` prints
/// glibc's order of equal elements, which innative's qsort keeps and
/// msvcrt's does not.
const WINDOWS: Target = Target {
    triple: "x86_64-windows-gnu",
    emulator: &["wine"],
    needs: &[
        ("/usr/bin/wine", "wine"),
        ("/usr/x86_64-w64-mingw32/include/stdio.h", "mingw-w64"),
        ("/usr/bin/ld.lld-19", "lld-19"),
    ],
    emulator_env: &["HOME", "PATH", "WINEPREFIX"],
    emulator_set: &[("WINEDEBUG", "-all"), ("LANG", "C.UTF-8")],
    crlf: true,
    host_reference: &["misc", "filecopy", "args_env", "sorting"],
    line_filter: without_symlinks,
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
            if self.emulator[0] == "wine" {
                wine_prefix_ready();
            }
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

/// Wine creates its prefix (~/.wine) on first use, about 20 s: done once,
/// before the tests run programs under it side by side.
fn wine_prefix_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        let _ = Command::new("wineboot")
            .arg("--init")
            .env("WINEDEBUG", "-all")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    });
}

/// A fixture built for wasm, natively for a target, and (for
/// `Target::host_reference`) natively for the host.
struct Built {
    wasm: PathBuf,
    native: PathBuf,
    host_native: PathBuf,
    dir: tempfile::TempDir,
}

fn build(t: &Target, name: &str) -> Built {
    let dir = tempdir();
    let src = fixture(&format!("wasi/{name}.c"));
    let wasm = dir.path().join(format!("{name}.wasm"));
    let native = dir.path().join(format!("{name}.native"));
    let host_native = dir.path().join(format!("{name}.host"));
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
    let (reference, target_flags): (&PathBuf, Vec<String>) = if t.host_reference.contains(&name) {
        (&host_native, Vec::new())
    } else {
        (
            &native,
            vec![format!("--target={}", t.triple), "-fuse-ld=lld".into()],
        )
    };
    let o = output(
        Command::new("clang-19")
            .args(&target_flags)
            .args(["-g", "-O2", "-ffp-contract=off"])
            .arg(&src)
            .arg("-o")
            .arg(reference)
            .arg("-lm"),
    );
    assert_success(&o, &format!("clang-19 {target_flags:?} {name}.c"));
    Built {
        wasm,
        native,
        host_native,
        dir,
    }
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

/// `timeout 120 PROGRAM` with only the case's environment, plus PATH and
/// HOME for innative itself when `host`, plus what `t`'s emulator needs.
fn command(t: &Target, program: impl AsRef<std::ffi::OsStr>, case: &Case, host: bool) -> Command {
    let mut c = Command::new("timeout");
    c.arg("120").arg(program);
    c.env_clear();
    let keep: &[&str] = if host { &["PATH", "HOME"] } else { &[] };
    for var in keep.iter().chain(t.emulator_env) {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    for (k, v) in t.emulator_set {
        c.env(k, v);
    }
    for (k, v) in &case.env {
        c.env(k, v);
    }
    c
}

/// A fresh directory holding the case's files (None when it has none).
fn workdir(case: &Case) -> Option<tempfile::TempDir> {
    dir_with_files(case.files.as_ref())
}

/// The native build under the emulator (or the host's, for the fixtures
/// of `t.host_reference`), with CRLF line ends as LF where `t.crlf`.
fn run_native(t: &Target, b: &Built, name: &str, case: &Case) -> Output {
    let work = workdir(case);
    let mut c = if t.host_reference.contains(&name) {
        let mut c = Command::new("timeout");
        c.arg("120").arg(&b.host_native).env_clear();
        c.envs(case.env.iter().cloned());
        c
    } else {
        let mut c = command(t, t.emulator[0], case, false);
        c.args(&t.emulator[1..]).arg(&b.native);
        c
    };
    c.args(&case.args);
    if let Some(w) = &work {
        c.current_dir(w.path());
    }
    let mut o = run_with_stdin(c, &case.stdin);
    if t.crlf {
        o.stdout = without_cr(&o.stdout);
        o.stderr = without_cr(&o.stderr);
    }
    o
}

/// CRLF line ends as LF.
fn without_cr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

/// `o`'s stdout as `t.line_filter` compares it for fixture `name`.
fn filtered(t: &Target, name: &str, mut o: Output) -> Output {
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    o.stdout = text
        .split_inclusive('\n')
        .filter_map(|l| (t.line_filter)(name, l))
        .collect::<String>()
        .into_bytes();
    o
}

/// `innative run --target TRIPLE [--dir .::.] [--env K]... prog.wasm -- ARGS`.
fn run_innative(t: &Target, b: &Built, case: &Case) -> Output {
    let work = workdir(case);
    let mut c = command(t, innative_bin(), case, true);
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
    let mut c = command(t, t.emulator[0], case, false);
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
        let native = filtered(t, name, run_native(t, &b, name, case));
        let run = filtered(t, name, run_innative(t, &b, case));
        assert_same(&format!("innative run {what}"), &native, &run);
        let compiled = filtered(t, name, run_compiled(t, &b, case, i));
        assert_same(&format!("compiled {what}"), &native, &compiled);
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

    #[test]
    fn trap_reports_equal_the_hosts() {
        check_traps(&AARCH64);
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

/// The trap fixtures built for `t` give the host's report (message,
/// backtrace) and status, byte for byte (CRLF aside where `t.crlf`).
fn check_traps(t: &Target) {
    if !t.available() {
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
        let cross = dir
            .path()
            .join(format!("{name}{}", if t.crlf { ".exe" } else { ".cross" }));
        let mut c = innative(["compile"]);
        c.arg(&wat).arg("-o").arg(&host);
        assert_success(&output(c), "innative compile");
        let mut c = innative(["compile", "--target", t.triple]);
        c.arg(&wat).arg("-o").arg(&cross);
        assert_success(
            &output(c),
            &format!("innative compile --target {}", t.triple),
        );
        let h = output(Command::new(&host));
        let mut c = command(t, t.emulator[0], &Case::default(), false);
        c.args(&t.emulator[1..]).arg(&cross);
        let mut o = output(c);
        if t.crlf {
            o.stderr = without_cr(&o.stderr);
        }
        assert_eq!(status(&h), 134, "{name}: {}", describe(&h));
        assert!(stderr(&h).contains("trap: "), "{name}: {}", describe(&h));
        assert_same(&format!("{name} on {}", t.triple), &h, &o);
    }
}

/// Windows x86-64 (MinGW) outputs under Wine.
mod windows {
    use super::*;
    wasi_tests!(
        WINDOWS, strings, sort, sorting, float, memops, misc, simd, stdin, exitcode, args_env,
        filecopy
    );

    #[test]
    fn trap_reports_equal_the_hosts() {
        check_traps(&WINDOWS);
    }

    /// `--target x86_64-windows-gnu` writes a PE executable (`.exe` by
    /// default), a DLL with `--shared`, and a COFF object with `--object`.
    #[test]
    fn outputs_are_pe_and_coff() {
        if !WINDOWS.available() {
            return;
        }
        let dir = tempdir();
        let o = output(
            innative(["compile", "--target", "x86_64-windows-gnu", "--sys", "env"])
                .arg(fixture("demo.wat"))
                .current_dir(dir.path()),
        );
        assert_success(&o, "innative compile --target x86_64-windows-gnu");
        let exe = std::fs::read(dir.path().join("demo.exe")).expect("demo.exe (the default name)");
        assert_eq!(&exe[..2], b"MZ");
        let mut c = innative([
            "compile",
            "--target",
            "x86_64-windows-gnu",
            "--shared",
            "--sys",
            "env",
        ]);
        c.arg(fixture("demo.wat"))
            .arg("-o")
            .arg(dir.path().join("demo.dll"));
        assert_success(&output(c), "innative compile --shared");
        assert_eq!(
            &std::fs::read(dir.path().join("demo.dll")).unwrap()[..2],
            b"MZ"
        );
        let mut c = innative(["compile", "--target", "x86_64-windows-gnu", "--object"]);
        c.arg(fixture("demo.wat"))
            .arg("-o")
            .arg(dir.path().join("demo.o"));
        assert_success(&output(c), "innative compile --object");
        let obj = std::fs::read(dir.path().join("demo.o")).unwrap();
        assert_eq!(
            u16::from_le_bytes([obj[0], obj[1]]),
            0x8664,
            "COFF x86-64 machine"
        );
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
