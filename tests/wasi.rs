//! WASI preview 1: C programs built by clang-19 for `wasm32-wasi`
//! (fixtures/wasi/*.c) behave exactly like the same C built natively.
//!
//! Every fixture is built twice with the flags of fixtures/build.sh (wasm32-wasi
//! and native, both `-g -O2`) and run three ways with the same arguments,
//! stdin and environment:
//!   1. the native build;
//!   2. `innative run [--dir DIR::.] prog.wasm -- ARGS`;
//!   3. an executable from `innative compile [--dir ABSDIR::.]`, started from
//!      another working directory.
//! Stdout, stderr and the exit status must be identical.  Programs that use
//! files get a fresh copy of their directory for each run (the native build
//! runs inside it; the wasm builds see it as the preopened ".").
//!
//! Rust programs are checked the same way: fixtures/rust/std_program.rs is
//! built by Debian's rustc (`/usr/bin/rustc`, with `libstd-rust-dev-wasm32`)
//! natively with `-C panic=abort` and for wasm32-wasi, whose panics abort.
//!
//! The sandbox fixture is different: natively its paths really escape, so its
//! wasm output is compared with fixtures/wasi/sandbox.expected, and the test
//! checks that nothing outside the preopened directory changed.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fixture built both ways.
struct Built {
    wasm: PathBuf,
    native: PathBuf,
    dir: tempfile::TempDir,
}

fn build(name: &str) -> Option<Built> {
    if !require("clang-19") {
        return None;
    }
    let dir = tempdir();
    let src = fixture(&format!("wasi/{name}.c"));
    let wasm = dir.path().join(format!("{name}.wasm"));
    let native = dir.path().join(format!("{name}.native"));
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-wasi", "-g", "-O2"])
            .args(simd_flags(name))
            .arg(&src)
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, &format!("clang-19 --target=wasm32-wasi {name}.c"));
    let o = output(
        Command::new("clang-19")
            .args(["-g", "-O2"])
            .arg(&src)
            .arg("-o")
            .arg(&native)
            .arg("-lm"),
    );
    assert_success(&o, &format!("clang-19 {name}.c (native)"));
    Some(Built { wasm, native, dir })
}

/// `-msimd128` for the SIMD fixtures (`simd*.c`), as fixtures/build.sh
/// passes it.
fn simd_flags(name: &str) -> &'static [&'static str] {
    if name.starts_with("simd") {
        &["-msimd128"]
    } else {
        &[]
    }
}

/// Debian's rustc, which has the wasm32-wasi standard library
/// (`libstd-rust-dev-wasm32`); rustup's toolchain on PATH may not.
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";

/// Builds a Rust fixture (fixtures/rust/NAME.rs) both ways with Debian's
/// rustc: for wasm32-wasi, and natively with panics that abort as they do
/// on wasm32-wasi.
fn build_rust(name: &str) -> Option<Built> {
    if !require(DEBIAN_RUSTC) {
        return None;
    }
    let dir = tempdir();
    let src = fixture(&format!("rust/{name}.rs"));
    let wasm = dir.path().join(format!("{name}.wasm"));
    let native = dir.path().join(format!("{name}.native"));
    for (target, out) in [(Some("wasm32-wasi"), &wasm), (None, &native)] {
        let mut c = Command::new(DEBIAN_RUSTC);
        c.args(["--edition", "2021", "-g", "-O", "-C", "panic=abort"]);
        if let Some(t) = target {
            c.args(["--target", t]);
        }
        c.arg(&src).arg("-o").arg(out).current_dir(dir.path());
        assert_success(&output(c), &format!("rustc {name}.rs --target {target:?}"));
    }
    Some(Built { wasm, native, dir })
}

/// How a fixture is run.
#[derive(Default, Clone)]
struct Case {
    args: Vec<String>,
    stdin: Vec<u8>,
    env: Vec<(String, String)>,
    /// Files (name, contents) of the program's directory; when set the
    /// program works in a fresh copy of it, preopened as "." for wasm.
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

/// A command whose environment is the case's variables and nothing else;
/// with `host`, also PATH (innative run needs the linker) and HOME
/// (innative's runtime cache).  A wasm program must see exactly the case's
/// variables either way, as the native build does: innative passes nothing
/// of the host's environment that was not asked for.
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

/// A fresh directory holding the case's files (None when it has none).
fn workdir(case: &Case) -> Option<tempfile::TempDir> {
    dir_with_files(case.files.as_ref())
}

fn run_native(b: &Built, case: &Case) -> Output {
    let work = workdir(case);
    let mut c = command(&b.native, case, false);
    c.args(&case.args);
    if let Some(w) = &work {
        c.current_dir(w.path());
    }
    run_with_stdin(c, &case.stdin)
}

/// `innative run [--dir .::.] [--env K]... prog.wasm -- ARGS`, inside the
/// work directory: each of the case's variables is passed through by name.
fn run_innative(b: &Built, case: &Case) -> Output {
    let work = workdir(case);
    let mut c = command(innative_bin(), case, true);
    c.arg("run");
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

/// Compiles the fixture to an executable (the work directory baked in as
/// "."), once per `tag`.
fn compile_exe(b: &Built, preopen: Option<&Path>, tag: &str) -> PathBuf {
    let exe = b.dir.path().join(format!(
        "{}-{tag}",
        b.wasm.file_stem().unwrap().to_string_lossy()
    ));
    let mut c = innative([
        "compile".as_ref(),
        b.wasm.as_os_str(),
        "-o".as_ref(),
        exe.as_os_str(),
    ]);
    if let Some(p) = preopen {
        c.arg("--dir").arg(format!("{}::.", p.display()));
    }
    assert_success(
        &output(c),
        &format!("innative compile {}", b.wasm.display()),
    );
    exe
}

/// Runs a compiled executable from an unrelated working directory; the
/// case's variables are named in $INNATIVE_WASI_ENV (which the program does
/// not see).
fn run_exe(b: &Built, case: &Case) -> Output {
    let work = workdir(case);
    let exe = compile_exe(
        b,
        work.as_ref().map(|w| w.path()),
        &format!("exe{}", unique()),
    );
    let elsewhere = tempdir();
    let mut c = command(&exe, case, true);
    if !case.env.is_empty() {
        let names: Vec<&str> = case.env.iter().map(|(k, _)| k.as_str()).collect();
        c.env("INNATIVE_WASI_ENV", names.join(","));
    }
    c.args(&case.args).current_dir(elsewhere.path());
    run_with_stdin(c, &case.stdin)
}

fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
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

/// Builds `name` and checks every case three ways.
fn check_fixture(name: &str, cases: &[Case]) {
    let Some(b) = build(name) else { return };
    check_cases(name, &b, cases);
}

/// Checks every case three ways (native, `innative run`, compiled).
fn check_cases(name: &str, b: &Built, cases: &[Case]) {
    for case in cases {
        let what = format!("{name} {:?}", case.args);
        let native = run_native(&b, case);
        assert_same(
            &format!("innative run {what}"),
            &native,
            &run_innative(b, case),
        );
        assert_same(&format!("compiled {what}"), &native, &run_exe(b, case));
    }
}

/// wasm_simd128.h intrinsics (checked lane by lane against the spec's
/// definitions written in C natively) and auto-vectorized loops.
#[test]
fn simd_intrinsics_and_vectorized_loops() {
    let Some(b) = build("simd") else { return };
    // The wasm build really is SIMD code, in the loops too.
    let text = wasmprinter::print_file(&b.wasm).unwrap();
    for f in ["$axpy_i32", "$max_u8", "$dot_i16", "$axpy_f32"] {
        let start = text.find(&format!("(func {f} ")).unwrap();
        let body = &text[start..];
        let body = &body[..body[1..].find("(func ").map_or(body.len(), |e| e + 1)];
        assert!(body.contains("v128"), "{f} is not vectorized");
    }
    check_cases("simd", &b, &[Case::default()]);
}

#[test]
fn string_processing() {
    check_fixture("strings", &[Case::default()]);
}

#[test]
fn qsort_and_malloc_heavy_code() {
    check_fixture("sort", &[Case::default()]);
}

#[test]
fn floating_point_printf() {
    check_fixture("float", &[Case::default()]);
}

#[test]
fn reads_stdin() {
    let text = b"hello world\nsecond line, longer than the first\n\n  spaced   out  \n\xc3\xa9t\xc3\xa9\nno newline at the end";
    check_fixture(
        "stdin",
        &[
            Case {
                stdin: text.to_vec(),
                ..Case::default()
            },
            Case::default(),
        ],
    );
}

#[test]
fn exit_codes() {
    check_fixture(
        "exitcode",
        &[
            Case::default(),
            Case::args(&["7"]),
            Case::args(&["300"]),
            Case::args(&["0", "return"]),
        ],
    );
}

/// abort() is a trap in wasm-libc (`unreachable`): same status (134) as the
/// native SIGABRT, and the trap line on stderr after the program's output.
#[test]
fn abort_is_a_trap_with_the_native_status() {
    let Some(b) = build("exitcode") else { return };
    check_abort(&b, &Case::args(&["abort"]));
}

/// A case that aborts: natively SIGABRT (status 134); both wasm runs trap
/// (`unreachable`, the same status) after the same stdout and the native
/// stderr.  Returns the wasm runs' stderr for further checks.
fn check_abort(b: &Built, case: &Case) -> Vec<String> {
    let native = run_native(b, case);
    assert_eq!(status(&native), 134, "{}", describe(&native));
    let mut errs = Vec::new();
    for wasm in [run_innative(b, case), run_exe(b, case)] {
        assert_eq!(status(&wasm), 134, "{}", describe(&wasm));
        assert_eq!(wasm.stdout, native.stdout, "{}", describe(&wasm));
        let err = stderr(&wasm);
        assert!(err.starts_with(&stderr(&native)), "{}", describe(&wasm));
        assert!(err.contains("trap: unreachable"), "{}", describe(&wasm));
        errs.push(err);
    }
    errs
}

#[test]
fn arguments_and_environment() {
    let case = Case {
        args: ["one", "two words", "", "-x", "--", "é"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        env: vec![
            ("GREETING".into(), "hello there".into()),
            ("EMPTY".into(), String::new()),
        ],
        ..Case::default()
    };
    check_fixture("args_env", &[case, Case::default()]);
}

#[test]
fn clocks_sleep_random_and_stdio() {
    check_fixture("misc", &[Case::default()]);
}

#[test]
fn file_copy_through_a_preopened_directory() {
    let mut text = Vec::new();
    for i in 0..400 {
        text.extend_from_slice(
            format!("line {i}: the quick brown fox jumps over the lazy dog\n").as_bytes(),
        );
    }
    let case = Case {
        args: vec!["input.txt".into(), "output.txt".into()],
        files: Some(vec![("input.txt".into(), text)]),
        ..Case::default()
    };
    check_fixture("filecopy", &[case]);
}

/// A Rust program using std's env, time, fs (beneath a preopened "."),
/// stdin and process::exit behaves as its native build; a panic prints
/// the same message and ends with the same status as the native abort,
/// followed by the trap report.
#[test]
fn rust_std_program() {
    let Some(b) = build_rust("std_program") else {
        return;
    };
    let greeting = vec![("GREETING".to_string(), "hello from the host".to_string())];
    let cases = [
        Case {
            env: greeting.clone(),
            ..Case::default()
        },
        Case {
            files: Some(vec![("keep.txt".into(), b"kept\n".to_vec())]),
            ..Case::args(&["files"])
        },
        Case {
            stdin: b"one two\nthree\n\nfour five six".to_vec(),
            ..Case::args(&["stdin"])
        },
        Case::args(&["exit", "7"]),
        Case::args(&["exit", "0"]),
    ];
    check_cases("std_program", &b, &cases);

    let case = Case {
        env: greeting,
        ..Case::args(&["panic"])
    };
    assert!(stderr(&run_native(&b, &case)).contains("index out of bounds"));
    for err in check_abort(&b, &case) {
        // The report's frames are named as Rust names them (demangled, no hash).
        assert!(err.contains("    at std_program::main\n"), "{err}");
        assert!(
            err.contains("    at core::panicking::panic_bounds_check\n"),
            "{err}"
        );
    }
}

/// The guest's environment is only what was asked for (the wasmtime model):
/// a host variable is invisible unless `--env K=V` sets it, `--env K` or
/// $INNATIVE_WASI_ENV names it, or `--inherit-env` / INNATIVE_WASI_ENV=*
/// passes everything; the runtime's own variables never reach the guest.
/// Each output is compared with the native build run in the environment the
/// guest should see.
#[test]
fn environment_is_only_what_was_asked_for() {
    let Some(b) = build("args_env") else { return };
    let vars = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let native_with = |pairs: &[(&str, &str)]| {
        run_native(
            &b,
            &Case {
                env: vars(pairs),
                ..Case::default()
            },
        )
    };
    // The host has a secret; the runs below must not show it unless asked.
    let host = Case {
        env: vars(&[("SECRET_TOKEN", "hunter2"), ("GREETING", "hi")]),
        ..Case::default()
    };

    // `innative run` with no --env: an empty environment.
    let mut c = command(innative_bin(), &host, true);
    c.arg("run").arg(&b.wasm);
    c.env("INNATIVE_WASI_ENV", "*"); // the executables' run-time rule is not `run`'s
    assert_same(
        "run without --env",
        &native_with(&[]),
        &run_with_stdin(c, &[]),
    );

    // --env K=V sets, --env K passes one through, a later K=V does not override.
    let mut c = command(innative_bin(), &host, true);
    c.args([
        "run",
        "--env",
        "GREETING",
        "--env",
        "EMPTY=",
        "--env",
        "GREETING=no",
        "--env",
        "UNSET_VAR",
    ]);
    c.arg(&b.wasm);
    assert_same(
        "run --env GREETING --env EMPTY=",
        &native_with(&[("GREETING", "hi"), ("EMPTY", "")]),
        &run_with_stdin(c, &[]),
    );

    // --inherit-env: everything the host has (here: PATH, HOME and the two).
    let mut c = command(innative_bin(), &host, true);
    c.args(["run", "--inherit-env"]).arg(&b.wasm);
    let mut all = vars(&[("SECRET_TOKEN", "hunter2"), ("GREETING", "hi")]);
    for var in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(var) {
            all.push((var.to_string(), v));
        }
    }
    let native_all = run_native(
        &b,
        &Case {
            env: all,
            ..Case::default()
        },
    );
    assert_same("run --inherit-env", &native_all, &run_with_stdin(c, &[]));

    // A compiled executable: baked values, then $INNATIVE_WASI_ENV at run time.
    let exe = b.dir.path().join("args_env-baked");
    let o = output(innative([
        "compile".as_ref(),
        b.wasm.as_os_str(),
        "--env".as_ref(),
        "MODE=baked".as_ref(),
        "-o".as_ref(),
        exe.as_os_str(),
    ]));
    assert_success(&o, "innative compile --env MODE=baked");
    let run_exe_with = |names: Option<&str>| {
        let mut c = command(&exe, &host, false);
        if let Some(n) = names {
            c.env("INNATIVE_WASI_ENV", n);
        }
        c.env("INNATIVE_WASI_DIRS", "");
        run_with_stdin(c, &[])
    };
    assert_same(
        "compiled, nothing named",
        &native_with(&[("MODE", "baked")]),
        &run_exe_with(None),
    );
    assert_same(
        "compiled, INNATIVE_WASI_ENV=GREETING,NOPE",
        &native_with(&[("MODE", "baked"), ("GREETING", "hi")]),
        &run_exe_with(Some("GREETING,NOPE")),
    );
    assert_same(
        "compiled, INNATIVE_WASI_ENV=*",
        &native_with(&[
            ("MODE", "baked"),
            ("GREETING", "hi"),
            ("SECRET_TOKEN", "hunter2"),
        ]),
        &run_exe_with(Some("*")),
    );

    // Libraries take no --env; a malformed entry is a one-line error.
    for bad in [&["--shared", "--env", "A=1"][..], &["--env", "=1"][..]] {
        let o = output(innative(
            ["compile".as_ref(), b.wasm.as_os_str()]
                .into_iter()
                .chain(bad.iter().map(|s| s.as_ref())),
        ));
        assert_ne!(status(&o), 0, "{bad:?}: {}", describe(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{bad:?}: {}", describe(&o));
    }
}

/// The environment variable INNATIVE_WASI_DIRS preopens directories at run
/// time, and the program does not see it in its environment.
#[test]
fn directories_from_the_environment() {
    let Some(b) = build("filecopy") else { return };
    let exe = compile_exe(&b, None, "env");
    let case = Case {
        args: vec!["input.txt".into(), "output.txt".into()],
        files: Some(vec![("input.txt".into(), b"some text\n".to_vec())]),
        ..Case::default()
    };
    let native = run_native(&b, &case);
    let work = workdir(&case).unwrap();
    let mut with_env = case.clone();
    with_env.env.push((
        "INNATIVE_WASI_DIRS".into(),
        format!("{}::.", work.path().display()),
    ));
    let elsewhere = tempdir();
    let mut c = command(&exe, &with_env, false);
    c.args(&case.args).current_dir(elsewhere.path());
    assert_same(
        "filecopy with INNATIVE_WASI_DIRS",
        &native,
        &run_with_stdin(c, &[]),
    );

    let Some(env_prog) = build("args_env") else {
        return;
    };
    let plain = Case::default();
    let native = run_native(&env_prog, &plain);
    let exe = compile_exe(&env_prog, None, "env");
    let hidden = Case {
        env: vec![(
            "INNATIVE_WASI_DIRS".into(),
            format!("{};{}::data", work.path().display(), work.path().display()),
        )],
        ..Case::default()
    };
    let o = run_with_stdin(command(&exe, &hidden, false), &[]);
    assert_same("args_env with INNATIVE_WASI_DIRS set", &native, &o);
}

/// A preopened directory that does not exist: `run` refuses before compiling;
/// an executable with it baked in refuses to start.
#[test]
fn missing_preopened_directory() {
    let dir = tempdir();
    let missing = dir.path().join("nope");
    // The runtime opens the directories when a program that uses WASI starts.
    let prog = dir.path().join("prog.wat");
    std::fs::write(
        &prog,
        r#"(module
             (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
             (memory (export "memory") 1)
             (func (export "_start") (drop (call $yield))))"#,
    )
    .unwrap();
    let o = output(innative([
        "run".as_ref(),
        "--dir".as_ref(),
        missing.as_os_str(),
        prog.as_os_str(),
    ]));
    assert_eq!(status(&o), 1, "{}", describe(&o));
    assert!(
        one_line_stderr(&o).contains("is not a directory"),
        "{}",
        describe(&o)
    );

    let exe = dir.path().join("prog");
    let o = output(innative([
        "compile".as_ref(),
        "--dir".as_ref(),
        missing.as_os_str(),
        prog.as_os_str(),
        "-o".as_ref(),
        exe.as_os_str(),
    ]));
    assert_success(&o, "innative compile --dir MISSING");
    let o = run_program(&exe, &[]);
    assert_eq!(status(&o), 1, "{}", describe(&o));
    assert!(
        one_line_stderr(&o).contains("cannot open WASI directory"),
        "{}",
        describe(&o)
    );

    let o = output(innative(["compile", "--shared", "--dir", ".", "x.wasm"]));
    assert_eq!(status(&o), 2, "{}", describe(&o));
    let o = output(innative(["compile", "--dir", "::guest", "x.wasm"]));
    assert_eq!(status(&o), 1, "{}", describe(&o));
}

/// Plants escape routes in a preopened directory and checks that every one
/// is refused and that nothing outside changed.
#[test]
fn sandbox_escapes_are_refused() {
    let Some(b) = build("sandbox") else { return };
    let expected = std::fs::read_to_string(fixture("wasi/sandbox.expected")).unwrap();
    let make_root = || {
        use std::os::unix::fs::symlink;
        let root = tempdir();
        let bx = root.path().join("box");
        std::fs::create_dir_all(bx.join("sub")).unwrap();
        std::fs::write(root.path().join("outside.txt"), "secret\n").unwrap();
        std::fs::write(bx.join("inside.txt"), "inside").unwrap();
        for (target, link) in [
            ("sub/../inside.txt", "link_in"),
            ("/etc/passwd", "link_abs"),
            ("../outside.txt", "link_up"),
            ("../../outside.txt", "sub/link_up2"),
            ("..", "link_dir_up"),
            ("/etc", "link_dir_abs"),
            ("loop2", "loop1"),
            ("loop1", "loop2"),
        ] {
            symlink(target, bx.join(link)).unwrap();
        }
        root
    };
    let check_untouched = |root: &Path, what: &str| {
        assert_eq!(
            entries(root),
            vec!["box", "outside.txt"],
            "{what}: something was created outside the box"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("outside.txt")).unwrap(),
            "secret\n",
            "{what}"
        );
        let inside = entries(&root.join("box"));
        assert_eq!(
            inside,
            vec![
                "inside.txt",
                "link_abs",
                "link_dir_abs",
                "link_dir_up",
                "link_in",
                "link_up",
                "loop1",
                "loop2",
                "sub"
            ],
            "{what}: the box changed"
        );
    };

    // innative run, from the directory that holds the box.
    let root = make_root();
    let mut c = innative(["run", "--dir", "box::.", b.wasm.to_str().unwrap()]);
    c.current_dir(root.path()).stdin(Stdio::null());
    let o = output(c);
    assert_success(&o, "innative run sandbox.wasm");
    assert_eq!(stdout(&o), expected, "{}", describe(&o));
    check_untouched(root.path(), "innative run");

    // A compiled executable with the box baked in, run from elsewhere.
    let root = make_root();
    let exe = compile_exe(&b, Some(&root.path().join("box")), "sandbox");
    let elsewhere = tempdir();
    let mut c = Command::new(&exe);
    c.current_dir(elsewhere.path()).stdin(Stdio::null());
    let o = output(c);
    assert_success(&o, "compiled sandbox");
    assert_eq!(stdout(&o), expected, "{}", describe(&o));
    check_untouched(root.path(), "compiled executable");
}

/// sock_recv, sock_send and sock_shutdown on a socket the program inherits
/// as its stdin (one end of a socket pair), and their errors on descriptors
/// that are not sockets: the same conversation and output as natively.
#[test]
fn sockets_inherited_from_the_host() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let Some(b) = build("sockets") else { return };
    let exe = compile_exe(&b, None, "sockets");
    let converse = |program: &Path| -> (Vec<u8>, Output) {
        let (mine, theirs) = UnixStream::pair().unwrap();
        let mut c = command(program, &Case::default(), false);
        c.stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = c.spawn().unwrap();
        let mut mine = mine;
        mine.write_all(b"hello, socket").unwrap();
        let mut answer = Vec::new();
        mine.read_to_end(&mut answer).unwrap();
        (answer, child.wait_with_output().unwrap())
    };
    let (native_answer, native) = converse(&b.native);
    let (wasm_answer, wasm) = converse(&exe);
    assert_eq!(native_answer, b"HELLO, SOCKET", "{}", describe(&native));
    assert_eq!(wasm_answer, native_answer, "{}", describe(&wasm));
    assert_same("sockets", &native, &wasm);
}
