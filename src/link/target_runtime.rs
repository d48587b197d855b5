//! The runtime for a target other than the host: built on first use from the
//! runtime's sources (embedded in the compiler by `build.rs`) with
//! `clang-19 --target=TRIPLE` and `llvm-ar-19`, into a directory beside the
//! host's extracted runtime (`<cache>/<hash>/<target>/`).  The host's own
//! runtime is compiled by `build.rs` and only extracted (`super::runtime_dir`).
//!
//! Debian ships everything this needs: `clang-19`, `llvm-19` (`llvm-ar-19`),
//! `lld-19` and a C library per target (`libc6-dev-arm64-cross` +
//! `libgcc-12-dev-arm64-cross`, `mingw-w64`); `scripts/setup.sh` installs them.

use super::{
    ensure_file, find_on_path, run_linker, TempOutput, HEADER, MAIN_ARCHIVE, RUNTIME_ARCHIVE,
};
use crate::error::{Error, Result};
use crate::target::{Os, Target};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

include!(concat!(env!("OUT_DIR"), "/runtime_sources.rs"));

/// The file that goes into the main archive instead of the core (as in
/// `build.rs`).
const MAIN_SOURCE: &str = "main.c";

/// The directory holding `target`'s `libinnative_runtime.a`,
/// `libinnative_main.a` and `innative.h`, building them when missing.
pub fn runtime_dir_for(target: &Target, verbose: bool) -> Result<PathBuf> {
    static BUILT: Mutex<Option<HashMap<&'static str, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = built.get_or_insert_with(HashMap::new).get(target.name()) {
        return Ok(dir.clone());
    }
    check_toolchain(target)?;
    let dir = super::runtime_dir()?.join(target.name());
    if !dir.join(RUNTIME_ARCHIVE).is_file() || !dir.join(MAIN_ARCHIVE).is_file() {
        build(target, &dir, verbose)?;
    }
    built
        .get_or_insert_with(HashMap::new)
        .insert(target.name(), dir.clone());
    Ok(dir)
}

/// `clang-19` with `--target` and the flags every runtime file is compiled
/// with for `target` (those of `build.rs` for the host).
pub fn c_compiler_args(target: &Target) -> Vec<String> {
    let mut args = vec![
        format!("--target={}", target.llvm_triple()),
        "-O2".into(),
        "-std=gnu11".into(),
        "-fno-omit-frame-pointer".into(),
        "-Wall".into(),
        "-Wextra".into(),
    ];
    if target.os == Os::Linux {
        args.push("-fPIC".into());
    }
    args
}

/// Clear errors for what is missing, naming the Debian package.
pub fn check_toolchain(target: &Target) -> Result<()> {
    let need = |what: &str, package: &str| {
        Error::new(format!(
            "building for {} needs {what} (Debian package {package}; scripts/setup.sh installs it)",
            target.name()
        ))
    };
    if find_on_path("clang-19").is_none() {
        return Err(need("clang-19", "clang-19"));
    }
    if find_on_path("ld.lld-19").is_none() {
        return Err(need("ld.lld-19", "lld-19"));
    }
    if find_on_path("llvm-ar-19").is_none() {
        return Err(need("llvm-ar-19", "llvm-19"));
    }
    if let Some((sysroot, package)) = target.sysroot() {
        if !Path::new(sysroot).join("include").is_dir() {
            return Err(need(&format!("its C library in {sysroot}"), package));
        }
    }
    Ok(())
}

/// Writes the sources into `dir/src`, compiles each, and archives them.
fn build(target: &Target, dir: &Path, verbose: bool) -> Result<()> {
    let src = dir.join("src");
    let obj = dir.join("obj");
    for d in [&src, &src.join("include"), &obj] {
        fs::create_dir_all(d)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", d.display())))?;
    }
    for (name, bytes) in RUNTIME_SOURCES {
        ensure_file(&src, name, bytes).map_err(Error::new)?;
    }
    ensure_file(dir, HEADER, super::HEADER_BYTES).map_err(Error::new)?;
    if verbose {
        eprintln!(
            "innative: building the runtime for {} in {}",
            target.name(),
            dir.display()
        );
    }

    let c_files: Vec<&str> = RUNTIME_SOURCES
        .iter()
        .map(|(name, _)| *name)
        .filter(|n| n.ends_with(".c") && !n.contains('/'))
        .collect();
    // Compile in parallel: ~25 files, about a second each.
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let errors: Mutex<Vec<Error>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(file) = c_files.get(i) else { break };
                let mut args: Vec<OsString> = c_compiler_args(target)
                    .into_iter()
                    .map(OsString::from)
                    .collect();
                args.push("-I".into());
                args.push(src.join("include").into());
                args.push("-c".into());
                args.push(src.join(file).into());
                args.push("-o".into());
                args.push(obj.join(file.replace(".c", ".o")).into());
                if let Err(e) = run_tool("clang-19", &args, verbose) {
                    errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                }
            });
        }
    });
    if let Some(e) = errors.into_inner().unwrap_or_else(|e| e.into_inner()).pop() {
        return Err(e);
    }

    let objects = |main: bool| -> Vec<OsString> {
        c_files
            .iter()
            .filter(|f| (**f == MAIN_SOURCE) == main)
            .map(|f| obj.join(f.replace(".c", ".o")).into_os_string())
            .collect()
    };
    archive(&dir.join(MAIN_ARCHIVE), &objects(true), verbose)?;
    // The core archive last: its presence marks a complete build.
    archive(&dir.join(RUNTIME_ARCHIVE), &objects(false), verbose)
}

/// `llvm-ar-19 rcs OUT OBJECTS...`, written atomically.
fn archive(out: &Path, objects: &[OsString], verbose: bool) -> Result<()> {
    let tmp = TempOutput::create(out)?;
    let _ = fs::remove_file(&tmp.path); // ar appends to an existing file
    let mut args: Vec<OsString> = vec!["rcs".into(), tmp.path.clone().into()];
    args.extend(objects.iter().cloned());
    run_tool("llvm-ar-19", &args, verbose)?;
    tmp.persist(out)
}

fn run_tool(name: &str, args: &[OsString], verbose: bool) -> Result<()> {
    let program: PathBuf = find_on_path(name).unwrap_or_else(|| PathBuf::from(name));
    run_linker(&program, args, verbose).map_err(|e| {
        Error::new(
            e.message
                .replacen("linking failed", "building the runtime failed", 1),
        )
    })
}
