//! Linking: the runtime embedded in the compiler, and the system linker
//! invocations that turn an object into an executable or a shared library.
//!
//! The runtime archives (built from `runtime/` by `build.rs`) and `innative.h`
//! are compiled into this binary, so an installed `innative` needs no files
//! beside it.  The first link extracts them into a cache directory named by a
//! hash of their contents (`$XDG_CACHE_HOME/innative/<hash>`, else
//! `~/.cache/innative/<hash>`, else a directory under the system temp dir);
//! every file there is written to a temporary name and renamed into place, so
//! parallel compilers never see a half-written file.
//!
//! The linker driver is `$INNATIVE_LINKER` when set, else the first of `cc`,
//! `clang-19` and `gcc` on PATH.  Commands (OBJ is the compiled object):
//!
//! * executable:      `cc OBJ libinnative_main.a LIBS... SHARED_LIBS... libinnative_runtime.a
//!                     [-Wl,-rpath,DIR...] -lm -lpthread -o TMP`
//! * shared library:  `cc -shared OBJ LIBS... SHARED_LIBS... libinnative_runtime.a
//!                     [-Wl,-rpath,DIR...] -lm -lpthread -o TMP`
//! * runtime .so:     `cc -shared -Wl,--whole-archive libinnative_runtime.a
//!                     -Wl,--no-whole-archive -Wl,--no-as-needed -lm -lpthread -o TMP`
//! * host module:     `ld.bfd -shared --eh-frame-hdr --hash-style=gnu -z noexecstack OBJ -o OUT`
//!                     (GNU ld called directly; `cc -shared OBJ -o OUT` without it)
//!
//! For another target (`--target`), the driver is `clang-19 --target=TRIPLE
//! -fuse-ld=lld` with the same arguments (no rpath on Windows), and the
//! runtime is that target's, built on first use ([`target_runtime`]).
//!
//! The runtime archive comes after the user's libraries so that a C library
//! implementing imports may itself call into the runtime (`innative_trap`).
//! Outputs are written to a temporary file beside `out` and renamed on
//! success: a failed link leaves nothing at `out`.

use crate::debuginfo::pointers::{LLDB_SCRIPT, LLDB_SCRIPT_NAME};
use crate::error::{Error, Result};
use crate::options::{Options, OutputKind};
use crate::target::{Os, Target};
use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The runtime core, linked into every executable and shared library.
pub const RUNTIME_ARCHIVE: &str = "libinnative_runtime.a";
/// `main()` of executables.
pub const MAIN_ARCHIVE: &str = "libinnative_main.a";
/// The runtime contract (for C hosts and for tests).
pub const HEADER: &str = "innative.h";
/// The runtime as a shared library, for hosts that load modules themselves.
pub const RUNTIME_SHARED_LIBRARY: &str = "libinnative_runtime.so";

static RUNTIME_ARCHIVE_BYTES: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/libinnative_runtime.a"));
static MAIN_ARCHIVE_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libinnative_main.a"));
pub mod target_runtime;

static HEADER_BYTES: &[u8] = include_bytes!("../../runtime/include/innative.h");

/// Writes `object` to `out` linked as `opts.kind` asks.
pub fn link_output(object: &[u8], opts: &Options, out: &Path) -> Result<()> {
    let tmp = TempOutput::create(out)?;
    if opts.kind == OutputKind::Object {
        fs::write(&tmp.path, object)
            .map_err(|e| Error::in_file(out, format!("cannot write output: {e}")))?;
        return tmp.persist(out);
    }

    let target = &opts.target;
    let rt = if target.is_host() {
        runtime_dir()?
    } else {
        target_runtime::runtime_dir_for(target, opts.verbose)?
    };
    let mut obj = tempfile::Builder::new()
        .prefix("innative-")
        .suffix(".o")
        .tempfile()
        .map_err(|e| Error::new(format!("cannot create a temporary object file: {e}")))?;
    obj.write_all(object)
        .and_then(|()| obj.flush())
        .map_err(|e| Error::new(format!("cannot write a temporary object file: {e}")))?;

    let (linker, mut args) = if target.is_host() {
        (linker_driver()?, Vec::new())
    } else {
        cross_linker(target)
    };
    if opts.kind == OutputKind::SharedLibrary {
        args.push("-shared".into());
    }
    args.push(obj.path().into());
    if opts.kind == OutputKind::Executable {
        args.push(rt.join(MAIN_ARCHIVE).into());
    }
    args.extend(opts.libs.iter().map(|p| p.as_os_str().to_owned()));
    args.extend(opts.shared_libs.iter().map(|p| p.as_os_str().to_owned()));
    args.push(rt.join(RUNTIME_ARCHIVE).into());
    // Let the output find the shared libraries it was linked with where they
    // were, without LD_LIBRARY_PATH.
    let mut rpaths: Vec<PathBuf> = Vec::new();
    for lib in opts.shared_libs.iter().filter(|_| !target.is_windows()) {
        let dir = fs::canonicalize(lib)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        if !dir.as_os_str().is_empty() && !rpaths.contains(&dir) {
            let mut arg = OsString::from("-Wl,-rpath,");
            arg.push(&dir);
            args.push(arg);
            rpaths.push(dir);
        }
    }
    args.extend(system_libraries(target).iter().map(OsString::from));
    if target.is_windows() && opts.debug {
        // The CodeView of the object goes into a PDB beside the output
        // (`app.exe` -> `app.pdb`), as clang's MinGW driver writes it.
        let mut pdb = OsString::from("-Wl,--pdb=");
        pdb.push(out.with_extension("pdb"));
        args.push("-g".into());
        args.push(pdb);
    }
    args.push("-o".into());
    args.push(tmp.path.clone().into());

    run_linker(&linker, &args, opts.verbose)?;
    if opts.kind == OutputKind::Executable && opts.debug && !target.is_windows() {
        hide_runtime_main(&tmp.path, target.is_host(), opts.verbose);
    }
    tmp.persist(out)?;
    Ok(())
}

/// The runtime's C `main` is an implementation detail; with it in the
/// symbol table, `break main` in gdb would also stop there instead of only
/// in the program's own `main`.  Rename it `innative_main` (the entry code's
/// call to it is already resolved), so that a backtrace that goes below the
/// program's `main` (lldb's does) names it rather than showing an unnamed
/// address.  Best effort: without objcopy, a note.
fn hide_runtime_main(exe: &Path, host: bool, verbose: bool) {
    // GNU objcopy knows the host's format; llvm-objcopy every ELF.
    let candidates: &[&str] = if host {
        &["objcopy", "llvm-objcopy-19"]
    } else {
        &["llvm-objcopy-19"]
    };
    let objcopy = candidates.iter().copied().find_map(find_on_path);
    let ok = objcopy.is_some_and(|tool| {
        std::process::Command::new(tool)
            .arg("--redefine-sym=main=innative_main")
            .arg(exe)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !ok && verbose {
        eprintln!("innative: note: could not hide the runtime's `main` symbol (no objcopy); `break main` may stop twice");
    }
}

/// The directory holding the extracted runtime: `libinnative_runtime.a`,
/// `libinnative_main.a`, `innative.h`, and the lldb extension
/// `innative_lldb.py` (which `innative lldb` imports).  Extracted once per
/// content hash.
pub fn runtime_dir() -> Result<PathBuf> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Ok(dir.clone());
    }
    let hash = format!("{:016x}", content_hash());
    let mut last_error = String::from("no cache directory candidate");
    for root in cache_roots() {
        let dir = root.join(&hash);
        let extracted = fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                for (name, bytes) in [
                    (RUNTIME_ARCHIVE, RUNTIME_ARCHIVE_BYTES),
                    (MAIN_ARCHIVE, MAIN_ARCHIVE_BYTES),
                    (HEADER, HEADER_BYTES),
                    (LLDB_SCRIPT_NAME, LLDB_SCRIPT.as_bytes()),
                ] {
                    ensure_file(&dir, name, bytes)?;
                }
                Ok(())
            });
        match extracted {
            Ok(()) => return Ok(DIR.get_or_init(|| dir).clone()),
            Err(e) => last_error = format!("{}: {e}", dir.display()),
        }
    }
    Err(Error::new(format!(
        "cannot extract the innative runtime: {last_error}"
    )))
}

/// A shared library holding the runtime, for hosts that load modules
/// themselves (the spec harness).  Built once per runtime version and cached
/// beside the archives.
pub fn runtime_shared_library() -> Result<PathBuf> {
    static SO: OnceLock<PathBuf> = OnceLock::new();
    if let Some(so) = SO.get() {
        return Ok(so.clone());
    }
    let dir = runtime_dir()?;
    let so = dir.join(RUNTIME_SHARED_LIBRARY);
    if !so.is_file() {
        let tmp = TempOutput::create(&so)?;
        let mut args: Vec<OsString> = vec!["-shared".into(), "-Wl,--whole-archive".into()];
        args.push(dir.join(RUNTIME_ARCHIVE).into());
        // libm stays a dependency even though the runtime itself calls nothing
        // in it: modules linked by link_host_module (floor, trunc, ... when
        // the CPU baseline lacks SSE4.1) find it through the runtime.
        args.extend(
            [
                "-Wl,--no-whole-archive",
                "-Wl,--no-as-needed",
                "-lm",
                "-lpthread",
                "-o",
            ]
            .map(OsString::from),
        );
        args.push(tmp.path.clone().into());
        run_linker(&linker_driver()?, &args, false)?;
        tmp.persist(&so)?;
    }
    Ok(SO.get_or_init(|| so).clone())
}

/// Links a relocatable object into a shared library WITHOUT the runtime: its
/// `innative_*` references stay undefined and resolve when the library is
/// loaded into a process that already has the runtime (a host that dlopens
/// [`runtime_shared_library`] with RTLD_GLOBAL); so do its libc/libm calls.
///
/// Kept lean for the spec harness, which links hundreds of modules: GNU ld is
/// called directly, skipping the compiler driver, collect2 and the C start
/// files, which a module does not need (ld.so runs `.init_array` itself, and
/// `--eh-frame-hdr` lets the unwinder find the functions, which trap reports
/// rely on).  Measured on a 2-core machine: ~4-6 ms per module against
/// ~19 ms for `cc -shared` and ~28-54 ms for `ld.lld-19` (whose start-up,
/// loading libLLVM, dominates for small inputs).  With `$INNATIVE_LINKER`
/// set, or no GNU ld on PATH, the driver is used: `DRIVER -shared OBJ -o OUT`.
/// Writes `out` directly.
pub fn link_host_module(object_path: &Path, out: &Path) -> Result<()> {
    let (program, args): (PathBuf, Vec<OsString>) = match host_linker() {
        HostLinker::GnuLd(ld) => (
            ld.clone(),
            vec![
                "-shared".into(),
                "--eh-frame-hdr".into(),
                "--hash-style=gnu".into(),
                "-z".into(),
                "noexecstack".into(),
                object_path.into(),
                "-o".into(),
                out.into(),
            ],
        ),
        HostLinker::Driver(driver) => (
            driver.clone(),
            vec![
                "-shared".into(),
                object_path.into(),
                "-o".into(),
                out.into(),
            ],
        ),
    };
    run_linker(&program, &args, false)
}

// ---- linker invocation ------------------------------------------------------

/// The C libraries every output links with, after the runtime.
///
/// Windows (runtime/WINDOWS.md): MinGW's winpthreads, linked statically
/// (`-static`) so that an output needs no `libwinpthread-1.dll` beside it,
/// and an 8 MiB main-thread stack as Linux's default (lld's MinGW default
/// is 2 MiB; wasm code uses more native stack than its native build).
fn system_libraries(target: &Target) -> &'static [&'static str] {
    match target.os {
        Os::Linux => &["-lm", "-lpthread"],
        Os::Windows => &["-static", "-Wl,--stack,8388608", "-lpthread"],
    }
}

/// The linker for a target other than the host: clang-19 as the driver for
/// that triple, with lld (the only linker Debian ships for every target).
fn cross_linker(target: &Target) -> (PathBuf, Vec<OsString>) {
    let clang = find_on_path("clang-19").unwrap_or_else(|| PathBuf::from("clang-19"));
    let args = vec![
        OsString::from(format!("--target={}", target.llvm_triple())),
        OsString::from("-fuse-ld=lld"),
    ];
    (clang, args)
}

/// The C compiler driver used for linking: `$INNATIVE_LINKER`, else the first
/// of `cc`, `clang-19`, `gcc` on PATH.
pub fn linker_driver() -> Result<PathBuf> {
    static DRIVER: OnceLock<Option<PathBuf>> = OnceLock::new();
    DRIVER
        .get_or_init(|| {
            if let Some(l) = std::env::var_os("INNATIVE_LINKER").filter(|l| !l.is_empty()) {
                return Some(PathBuf::from(l));
            }
            ["cc", "clang-19", "gcc"]
                .iter()
                .find_map(|name| find_on_path(name))
        })
        .clone()
        .ok_or_else(|| {
            Error::new("no linker found: install cc, clang-19 or gcc, or set INNATIVE_LINKER")
        })
}

enum HostLinker {
    GnuLd(PathBuf),
    Driver(PathBuf),
}

fn host_linker() -> &'static HostLinker {
    static LINKER: OnceLock<HostLinker> = OnceLock::new();
    LINKER.get_or_init(|| {
        // An explicit INNATIVE_LINKER wins here too.
        if std::env::var_os("INNATIVE_LINKER")
            .filter(|l| !l.is_empty())
            .is_none()
        {
            if let Some(ld) = find_on_path("ld.bfd").or_else(|| find_on_path("ld")) {
                return HostLinker::GnuLd(ld);
            }
        }
        HostLinker::Driver(linker_driver().unwrap_or_else(|_| PathBuf::from("cc")))
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            fs::metadata(candidate)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// Runs a linker; a failure becomes an error holding its condensed stderr.
fn run_linker(program: &Path, args: &[OsString], verbose: bool) -> Result<()> {
    if verbose {
        let line: Vec<String> = std::iter::once(program.as_os_str())
            .chain(args.iter().map(OsString::as_os_str))
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        eprintln!("innative: {}", line.join(" "));
    }
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| Error::new(format!("cannot run linker `{}`: {e}", program.display())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(Error::new(format!(
        "linking failed ({} {}): {}",
        program.display(),
        exit_description(&output.status),
        condense(&String::from_utf8_lossy(&output.stderr))
    )))
}

fn exit_description(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "failed".to_string(),
    }
}

/// A linker's stderr on one line: trimmed non-empty lines joined by "; ",
/// cut after a couple of thousand characters.
fn condense(stderr: &str) -> String {
    const MAX: usize = 2000;
    let mut line = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if line.is_empty() {
        line = "(no output)".to_string();
    }
    if line.len() > MAX {
        let mut cut = MAX;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push_str(" ...");
    }
    line
}

// ---- files --------------------------------------------------------------------

/// A file next to the final output, renamed onto it by `persist` and removed
/// if dropped before that.  Creating it up front checks that the output
/// directory is writable before any work goes into the output.
struct TempOutput {
    path: PathBuf,
    kept: bool,
}

impl TempOutput {
    fn create(out: &Path) -> Result<TempOutput> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = out
            .file_name()
            .ok_or_else(|| Error::in_file(out, "the output path does not name a file"))?;
        let dir = match out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut tmp_name = OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
            let path = dir.join(tmp_name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(TempOutput { path, kept: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::in_file(
                        out,
                        format!(
                            "cannot write to the output directory {}: {e}",
                            dir.display()
                        ),
                    ))
                }
            }
        }
    }

    fn persist(mut self, out: &Path) -> Result<()> {
        fs::rename(&self.path, out)
            .map_err(|e| Error::in_file(out, format!("cannot write output: {e}")))?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Makes `dir/name` hold `bytes`, writing it atomically when missing.  The
/// directory is named by the content hash, so an existing file of the right
/// length is the right file.
fn ensure_file(dir: &Path, name: &str, bytes: &[u8]) -> std::result::Result<(), String> {
    let path = dir.join(name);
    if fs::metadata(&path)
        .map(|m| m.len() == bytes.len() as u64)
        .unwrap_or(false)
    {
        return Ok(());
    }
    let tmp = TempOutput::create(&path).map_err(|e| e.message)?;
    fs::write(&tmp.path, bytes).map_err(|e| format!("{}: {e}", tmp.path.display()))?;
    tmp.persist(&path).map_err(|e| e.message)
}

/// Where the runtime may be extracted, best first.
fn cache_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    let absolute = |v: OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").and_then(absolute) {
        roots.push(xdg.join("innative"));
    }
    if let Some(home) = std::env::var_os("HOME").and_then(absolute) {
        roots.push(home.join(".cache").join("innative"));
    }
    // Per user, so one user's directory never blocks another's.
    roots.push(std::env::temp_dir().join(format!("innative-{}", user_id())));
    roots
}

fn user_id() -> String {
    use std::os::unix::fs::MetadataExt;
    match fs::metadata("/proc/self") {
        Ok(m) => m.uid().to_string(),
        Err(_) => std::env::var("USER").unwrap_or_else(|_| "user".to_string()),
    }
}

/// FNV-1a over everything extracted (stable across Rust versions, unlike
/// the std hasher), with lengths mixed in so boundaries matter.
fn content_hash() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for blob in [
        RUNTIME_ARCHIVE_BYTES,
        MAIN_ARCHIVE_BYTES,
        HEADER_BYTES,
        LLDB_SCRIPT.as_bytes(),
    ] {
        eat(&(blob.len() as u64).to_le_bytes());
        eat(blob);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condense_joins_lines() {
        assert_eq!(condense("a\n  b  \n\nc\n"), "a; b; c");
        assert_eq!(condense(""), "(no output)");
        assert!(condense(&"x".repeat(5000)).ends_with(" ..."));
    }

    #[test]
    fn runtime_is_extracted_with_its_header() {
        let dir = runtime_dir().unwrap();
        for name in [RUNTIME_ARCHIVE, MAIN_ARCHIVE, HEADER] {
            assert!(dir.join(name).is_file(), "{name} missing");
        }
        let header = fs::read_to_string(dir.join(HEADER)).unwrap();
        assert!(header.contains("innative_invoke"));
    }
}
