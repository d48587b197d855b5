//! The spec-script harness (`innative wast FILE.wast...`).
//!
//! Every module of a script goes through the real AOT path — validate,
//! `compile_to_object` with [`Linkage::Host`](crate::options::Linkage::Host),
//! link into a shared library, `dlopen` — and the harness links instances
//! through each module's `innative_module` descriptor, then calls exports
//! through their invokers under the runtime's trap handler.  Nothing is
//! interpreted.
//!
//! Files (one concern each):
//! * [`script`] — parse a `.wast` into owned commands and module binaries;
//! * [`values`] — values, `assert_return` patterns, NaN classes;
//! * [`linker`] — module imports/exports, import matching, `spectest`;
//! * [`build`] — compile a script's modules to `.so`s in parallel;
//! * [`ffi`] — the runtime library, loaded modules, the C structs;
//! * [`store`] — instances, registration, invoke, get;
//! * [`driver`] — run one script in this process and count;
//! * [`process`] — one child process per script, `jobs` at once;
//! * [`report`] — counts, output lines, the child→parent protocol.
//!
//! Output: a line per file (`path: P passed, F failed, S skipped`), then
//! exactly `N passed, M failed` (`, K skipped` when K > 0) alone on the last
//! line.  The exit status is 0 only when nothing failed.  SIMD runs in
//! full; GC heap types are skipped and counted, with a `skipped N: needs
//! <reason>` note per script.  `--standard 2.0` validates against 2.0 (whose
//! scripts expect 3.0's additions to be rejected); the default is 3.0.
//!
//! Optimization level: the harness compiles at `-O2`, the CLI's default, so
//! the suite exercises what users get, including optimizer interactions
//! (folded NaN arithmetic, dead trapping loads, recursion turned into loops)
//! that `-O0` hides.  Override with `INNATIVE_WAST_OPT=O0|O1|O2|O3|Os`.
//! Measured on 2 cores over the 2.0 scripts: -O1 was not measurably cheaper
//! than -O2 (16.0 s vs 16.1 s of CPU), -O0 about half (7.8 s).
//!
//! Environment knobs: `INNATIVE_WAST_TIMEOUT` (seconds per script, default
//! 300), `INNATIVE_WAST_STEP_TIMEOUT` (seconds one command may run before
//! the script is stopped and reported, default 60), `INNATIVE_WAST_EXE` (the
//! `innative` binary to re-run per script; default: this executable),
//! `INNATIVE_WAST_RUNTIME` (a runtime shared library to use instead of
//! `link::runtime_shared_library()`).
//!
//! Per-script processes: the parent re-runs `innative wast FILE` with
//! `INNATIVE_WAST_CHILD=1` (an environment variable rather than a hidden
//! flag, so the CLI needs no knowledge of it); see [`process`].

pub(crate) mod build;
pub(crate) mod driver;
pub(crate) mod ffi;
pub(crate) mod linker;
pub(crate) mod process;
pub(crate) mod report;
pub mod script;
pub(crate) mod store;
pub(crate) mod values;

use crate::options::OptLevel;
use driver::RunConfig;
use report::{Counts, Outcome, PrintSink, ProtocolSink, Sink};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Environment variables between the parent and its per-script children.
pub(crate) mod env {
    /// Set in a child: run the scripts in this process and speak the protocol.
    pub const CHILD: &str = "INNATIVE_WAST_CHILD";
    pub const JOBS: &str = "INNATIVE_WAST_JOBS";
    pub const VERBOSE: &str = "INNATIVE_WAST_VERBOSE";
    /// The runtime shared library.
    pub const RUNTIME: &str = "INNATIVE_WAST_RUNTIME";
    /// A prebuilt `spectest.so`.
    pub const SPECTEST: &str = "INNATIVE_WAST_SPECTEST";
    /// Scratch directory for the child's build products.
    pub const DIR: &str = "INNATIVE_WAST_DIR";
    pub const OPT: &str = "INNATIVE_WAST_OPT";
    pub const TIMEOUT: &str = "INNATIVE_WAST_TIMEOUT";
    pub const EXE: &str = "INNATIVE_WAST_EXE";
    pub const STEP_TIMEOUT: &str = "INNATIVE_WAST_STEP_TIMEOUT";
}

/// Stack of the thread that calls into wasm: big enough that deep recursion
/// reaches the runtime's stack limit ("call stack exhausted") rather than the
/// end of the thread's stack.
pub(crate) const WASM_STACK: usize = 64 << 20;

/// The default optimization level of harness modules (see the module docs).
pub(crate) const DEFAULT_OPT: OptLevel = OptLevel::O2;

/// Harness settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Compile workers per script (and scripts at once in the parent).
    pub jobs: usize,
    pub verbose: bool,
    pub opt_level: OptLevel,
}

pub(crate) fn opt_name(o: OptLevel) -> &'static str {
    match o {
        OptLevel::O0 => "O0",
        OptLevel::O1 => "O1",
        OptLevel::O2 => "O2",
        OptLevel::O3 => "O3",
        OptLevel::Os => "Os",
    }
}

pub(crate) fn parse_opt(s: &str) -> Option<OptLevel> {
    Some(match s.trim_start_matches('-') {
        "O0" | "0" => OptLevel::O0,
        "O1" | "1" => OptLevel::O1,
        "O2" | "2" => OptLevel::O2,
        "O3" | "3" => OptLevel::O3,
        "Os" | "s" => OptLevel::Os,
        _ => return None,
    })
}

fn env_opt() -> OptLevel {
    std::env::var(env::OPT)
        .ok()
        .and_then(|s| parse_opt(&s))
        .unwrap_or(DEFAULT_OPT)
}

/// Runs every script; prints a line per file and the closing
/// `N passed, M failed[, K skipped]` line.  Returns the process exit code.
pub(crate) fn run_cli(files: &[PathBuf], jobs: usize, verbose: bool) -> i32 {
    let jobs = if jobs == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        jobs
    };
    if std::env::var_os(env::CHILD).is_some() {
        return run_child_mode(files);
    }
    let settings = Settings {
        jobs,
        verbose,
        opt_level: env_opt(),
    };
    match run_parent(files, &settings) {
        Ok(total) => finish(total),
        Err(e) => {
            eprintln!("innative wast: {e}");
            2
        }
    }
}

fn finish(total: Counts) -> i32 {
    println!("{}", total.final_line());
    if total.failed == 0 {
        0
    } else {
        1
    }
}

fn run_parent(files: &[PathBuf], settings: &Settings) -> Result<Counts, String> {
    let started = Instant::now();
    let runtime = match std::env::var_os(env::RUNTIME) {
        Some(p) => PathBuf::from(p),
        None => crate::link::runtime_shared_library().map_err(|e| format!("runtime: {e}"))?,
    };
    let scratch = tempfile::Builder::new()
        .prefix("innative-wast-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    // spectest is built once here and shared by every child.
    let spectest = match store::build_spectest(scratch.path(), settings.opt_level) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("innative wast: cannot build spectest: {e}");
            None
        }
    };
    let exe = match std::env::var_os(env::EXE) {
        Some(p) => PathBuf::from(p),
        None => std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?,
    };
    let timeout = std::env::var(env::TIMEOUT)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(300);
    let setup = process::ChildSetup {
        exe,
        runtime,
        spectest,
        scratch: scratch.path().to_path_buf(),
        settings: settings.clone(),
        timeout: Duration::from_secs(timeout),
    };
    let total = process::run_children(files, settings.jobs, &setup);
    if settings.verbose {
        eprintln!(
            "innative wast: {} scripts in {:.1}s",
            files.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(total)
}

/// In a child: run the scripts here (normally one), speaking the protocol.
fn run_child_mode(files: &[PathBuf]) -> i32 {
    let jobs = std::env::var(env::JOBS)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let verbose = std::env::var_os(env::VERBOSE).is_some();
    let cfg = RunConfig {
        jobs,
        verbose,
        opt_level: env_opt(),
        spectest: std::env::var_os(env::SPECTEST).map(PathBuf::from),
    };
    let dir = std::env::var_os(env::DIR).map(PathBuf::from);
    let runtime = std::env::var_os(env::RUNTIME).map(PathBuf::from);
    let step_timeout = std::env::var(env::STEP_TIMEOUT)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    start_watchdog(Duration::from_secs(step_timeout));
    let mut total = Counts::default();
    for file in files {
        let mut sink = ProtocolSink { verbose };
        let counts = run_in_thread(file, dir.as_deref(), runtime.as_deref(), &cfg, &mut sink);
        sink.done(counts);
        total.add(counts);
    }
    if total.failed == 0 {
        0
    } else {
        1
    }
}

/// In a child: stop the process when one command runs longer than `limit`
/// (a hang in compiled code cannot be interrupted), saying which one; the
/// parent counts what was not reached as failed.
fn start_watchdog(limit: Duration) {
    use std::sync::atomic::Ordering;
    std::thread::spawn(move || {
        let (mut seen, mut since) = (0, Instant::now());
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let steps = driver::STEPS.load(Ordering::Relaxed);
            if steps != seen {
                (seen, since) = (steps, Instant::now());
            } else if steps != 0 && since.elapsed() >= limit {
                let line = driver::STEP_LINE.load(Ordering::Relaxed);
                let note = report::Message::Note(format!(
                    "the command at line {line} did not finish within {}s; script stopped",
                    limit.as_secs()
                ));
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{note}");
                let _ = out.flush();
                std::process::exit(3);
            }
        }
    });
}

/// Runs scripts in this process, without child processes (a crash ends
/// everything): for tests and debugging.  Prints like `run_cli`.
pub(crate) fn run_in_process(files: &[PathBuf], settings: &Settings) -> Counts {
    let cfg = RunConfig {
        jobs: settings.jobs,
        verbose: settings.verbose,
        opt_level: settings.opt_level,
        spectest: None,
    };
    let mut total = Counts::default();
    for file in files {
        let mut sink = PrintSink {
            path: file.display().to_string(),
            verbose: settings.verbose,
        };
        let counts = run_in_thread(file, None, None, &cfg, &mut sink);
        println!("{}: {}", file.display(), counts.file_summary());
        total.add(counts);
    }
    println!("{}", total.final_line());
    total
}

/// Runs one script on a thread with a [`WASM_STACK`] stack.
fn run_in_thread(
    file: &Path,
    dir: Option<&Path>,
    runtime: Option<&Path>,
    cfg: &RunConfig,
    sink: &mut (dyn Sink + Send),
) -> Counts {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("wast-exec".into())
            .stack_size(WASM_STACK)
            .spawn_scoped(s, || run_here(file, dir, runtime, cfg, sink))
            .expect("spawn the wasm thread");
        handle.join().unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let mut c = Counts::default();
            c.record(Outcome::Fail);
            eprintln!("{}: harness panicked: {msg}", file.display());
            c
        })
    })
}

fn run_here(
    file: &Path,
    dir: Option<&Path>,
    runtime: Option<&Path>,
    cfg: &RunConfig,
    sink: &mut (dyn Sink + Send),
) -> Counts {
    let fail = |sink: &mut (dyn Sink + Send), msg: String| {
        sink.note(&msg);
        let mut c = Counts::default();
        c.record(Outcome::Fail);
        sink.outcome(Outcome::Fail, c, Some(&format!("0:0: {msg}")));
        c
    };
    let runtime = match runtime {
        Some(p) => p.to_path_buf(),
        None => match crate::link::runtime_shared_library() {
            Ok(p) => p,
            Err(e) => return fail(sink, format!("runtime: {e}")),
        },
    };
    let rt = match ffi::Runtime::load(&runtime) {
        Ok(rt) => rt,
        Err(e) => return fail(sink, e),
    };
    let tmp;
    let dir = match dir {
        Some(d) => d,
        None => match tempfile::Builder::new().prefix("innative-wast-").tempdir() {
            Ok(t) => {
                tmp = t;
                tmp.path()
            }
            Err(e) => return fail(sink, format!("cannot create a temporary directory: {e}")),
        },
    };
    driver::run_file(file, dir, cfg, &rt, sink)
}
