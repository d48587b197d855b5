//! Regression inputs found by `innative-fuzz` (fuzz/): every
//! `tests/regressions/*.wast` runs through `innative wast` at -O0 and -O2
//! and must pass; every other file there is a crash input, and each
//! command named in its `.cmd` companion must end with status 0 or a
//! one-line error (never a panic, a signal or a hang).

mod common;

use common::{innative, output, stderr, stdout};
use std::path::{Path, PathBuf};

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}

fn files(ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(regressions())
        .expect("tests/regressions")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// Runs one script at one level; returns the failure report, if any.
fn run_wast(script: &Path, opt: &str) -> Option<String> {
    let o = output(innative(["wast", "-v", "-j", "1", opt]).arg(script));
    let last = stdout(&o).lines().last().unwrap_or("").to_string();
    if o.status.success() && last.ends_with(" 0 failed") && !last.starts_with("0 passed") {
        None
    } else {
        Some(format!(
            "{} {opt}: {}\n{}",
            script.display(),
            stdout(&o),
            stderr(&o)
        ))
    }
}

/// Scripts of fixed bugs, at -O0 and -O2; `known_*` scripts are limits of
/// -O2 that the README documents, and run at -O0 only.
#[test]
fn fixed_wast_regressions_pass() {
    let mut failures = Vec::new();
    for s in files("wast") {
        let known = s
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("known_");
        for opt in if known { &["-O0"][..] } else { &["-O0", "-O2"] } {
            failures.extend(run_wast(&s, opt));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Crash inputs: `NAME.cmd` holds one command line per line, with `{}` for
/// the input `NAME` (same directory).
#[test]
fn crash_regressions_end_cleanly() {
    let mut failures = Vec::new();
    for cmd_file in files("cmd") {
        let input = cmd_file.with_extension("");
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let dir = common::tempdir();
        for line in std::fs::read_to_string(&cmd_file)
            .expect("read .cmd")
            .lines()
        {
            let args: Vec<std::ffi::OsString> = line
                .split_whitespace()
                .map(|a| {
                    if a == "{}" {
                        input.clone().into_os_string()
                    } else {
                        a.into()
                    }
                })
                .collect();
            let o = output(
                std::process::Command::new("timeout")
                    .arg("20")
                    .arg(common::innative_bin())
                    .args(&args)
                    .current_dir(dir.path()),
            );
            let code = o.status.code();
            let err = stderr(&o);
            let errors = err.lines().filter(|l| l.contains("error")).count();
            let ok = match code {
                Some(0) => true,
                Some(1 | 2) => errors == 1 && err.contains(&name),
                _ => false,
            };
            if !ok {
                failures.push(format!("{name}: innative {line}: status {code:?}\n{err}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
