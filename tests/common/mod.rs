//! Helpers shared by the integration tests that drive the real `innative`
//! binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `innative` binary cargo built for these tests.
pub fn innative_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_innative"))
}

/// `innative ARGS...` ready to run.
pub fn innative<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(innative_bin());
    c.args(args);
    c
}

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("innative-test-")
        .tempdir()
        .expect("temporary directory")
}

/// Runs `cmd` and returns its output; panics (with the command) when it cannot start.
pub fn output<C: std::borrow::BorrowMut<Command>>(mut cmd: C) -> Output {
    let cmd = cmd.borrow_mut();
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs a compiled program under `timeout` so that a hang fails the test
/// instead of blocking it (a hang shows as status 124).
pub fn run_program(exe: &Path, args: &[&str]) -> Output {
    output(Command::new("timeout").arg("120").arg(exe).args(args))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code, or 128 + signal (as a shell reports it).
pub fn status(o: &Output) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    o.status
        .code()
        .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0))
}

/// Describes an output for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}--- stderr\n{}",
        status(o),
        stdout(o),
        stderr(o)
    )
}

/// Asserts that `o` succeeded.
#[track_caller]
pub fn assert_success(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed: {}", describe(o));
}

/// Asserts that stderr holds exactly one non-empty line and returns it.
#[track_caller]
pub fn one_line_stderr(o: &Output) -> String {
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 1 && !lines[0].trim().is_empty(),
        "expected exactly one line on stderr: {}",
        describe(o)
    );
    lines[0].to_string()
}

/// Names of the entries of `dir`.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Whether `program` can be run (found on PATH).
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Skips (returns false) with a loud message when `program` is missing — but
/// never on CI, where the setup script installs everything: there it panics.
pub fn require(program: &str) -> bool {
    if have(program) {
        return true;
    }
    let msg = format!("{program} is not installed; run scripts/setup.sh.  SKIPPING this test");
    if std::env::var_os("CI").is_some() {
        panic!("{program} is required on CI: {msg}");
    }
    eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
    false
}

/// The first bytes of an ELF file's `e_type`: 1 relocatable, 2 executable,
/// 3 shared object (or PIE executable).
pub fn elf_type(path: &Path) -> Option<u16> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < 18 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    Some(u16::from_le_bytes([bytes[16], bytes[17]]))
}

/// Writes `program` to `dir/prog.c` and builds it twice for a debugger
/// comparison: natively (`clang-19 -g -O0` → `dir/native`, the reference)
/// and through innative (`clang-19 --target=wasm32-wasi -g -O0`, then
/// `innative compile -g -O0` → `dir/innative`).  Both compile in `dir` with
/// relative names, so the debug info names the same file.
pub fn build_native_and_innative(dir: &Path, program: &str) -> (PathBuf, PathBuf) {
    build_native_and_innative_with(dir, program, &["-O0"])
}

/// [`build_native_and_innative`] with `wasm_flags` (an `-O` level and any
/// target features) for the wasm build instead of `-O0`.
pub fn build_native_and_innative_with(
    dir: &Path,
    program: &str,
    wasm_flags: &[&str],
) -> (PathBuf, PathBuf) {
    std::fs::write(dir.join("prog.c"), program).unwrap();
    let clang = |args: &[&str]| {
        let o = output(Command::new("clang-19").args(args).current_dir(dir));
        assert_success(&o, &format!("clang-19 {args:?}"));
    };
    clang(&["-g", "-O0", "prog.c", "-o", "native"]);
    let mut wasm = vec!["--target=wasm32-wasi", "-g"];
    wasm.extend_from_slice(wasm_flags);
    wasm.extend(["prog.c", "-o", "prog.wasm"]);
    clang(&wasm);
    let o =
        output(innative(["compile", "-g", "-O0", "prog.wasm", "-o", "innative"]).current_dir(dir));
    assert_success(&o, "innative compile -g -O0 prog.wasm");
    (dir.join("native"), dir.join("innative"))
}

/// A debugger's stdout and stderr, one after the other.
pub fn debugger_output(cmd: &mut Command) -> String {
    let o = output(cmd);
    format!("{}{}", stdout(&o), stderr(&o))
}

/// `text` with every hex number (`0x…`) replaced by `0x?`: addresses differ
/// between a native and an innative build of one program.
pub fn hide_hex(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i]);
        out.push_str("0x?");
        rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

/// `bytes` without the custom sections whose name `drop` picks (the other
/// sections copied as they are).  Stops at the first section wasmparser
/// cannot read.
pub fn without_custom_sections(bytes: &[u8], drop: impl Fn(&str) -> bool) -> Vec<u8> {
    let mut out = bytes[..8.min(bytes.len())].to_vec();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        if let wasmparser::Payload::CustomSection(c) = &payload {
            if drop(c.name()) {
                continue;
            }
        }
        if let Some((id, range)) = payload.as_section() {
            let body = &bytes[range.start as usize..range.end as usize];
            out.push(id);
            let mut n = body.len() as u64;
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
            out.extend_from_slice(body);
        }
    }
    out
}

/// The `.wast` scripts of a spec suite under `../shared/testsuite/` (e.g.
/// `wasm-2.0`), sorted; None when the suite is not there.
pub fn spec_suite(name: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testsuite")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    files.sort();
    Some(files)
}

/// A small deterministic generator (no dependency needed), for the
/// corruption tests.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next pseudo-random value (31 bits).
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// The text between the first and the last `"` of an `llvm-dwarfdump` line.
pub fn quoted(l: &str) -> Option<String> {
    let start = l.find('"')?;
    let end = l.rfind('"')?;
    (end > start).then(|| l[start + 1..end].to_string())
}

/// The number of a `(0x...)` in an `llvm-dwarfdump` line.
pub fn paren_hex(l: &str) -> Option<u64> {
    let start = l.find("(0x")?;
    let end = l[start..].find(')')? + start;
    u64::from_str_radix(&l[start + 3..end], 16).ok()
}

/// Runs `c` with `stdin` written to its standard input (from a thread, so
/// a program that writes before it reads cannot deadlock) and its output
/// captured.
#[allow(dead_code)]
pub fn run_with_stdin(mut c: Command, stdin: &[u8]) -> Output {
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

/// A fresh directory holding `files` (name, contents); `None` for none.
#[allow(dead_code)]
pub fn dir_with_files(files: Option<&Vec<(String, Vec<u8>)>>) -> Option<tempfile::TempDir> {
    let files = files?;
    let d = tempdir();
    for (name, data) in files {
        std::fs::write(d.path().join(name), data).unwrap();
    }
    Some(d)
}
