//! The parent side of `innative wast`: every script runs in its own child
//! process (this executable re-run as `innative wast FILE` with
//! `INNATIVE_WAST_CHILD=1`), `jobs` at a time, so a script that crashes the
//! process or hangs is reported as that file failing instead of ending the
//! run.  The child streams its counts (see `report::Message`); when it dies
//! early, the assertions it did not reach are counted as failed.

use super::report::{Counts, Message};
use super::{env, Settings};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What one child reported.
pub struct FileResult {
    pub counts: Counts,
    /// Lines to print before the file's count line (already prefixed).
    pub lines: Vec<String>,
}

/// Everything a child needs besides its script.
pub struct ChildSetup {
    pub exe: PathBuf,
    pub runtime: PathBuf,
    pub spectest: Option<PathBuf>,
    /// Parent scratch directory; each child gets a subdirectory.
    pub scratch: PathBuf,
    pub settings: Settings,
    pub timeout: Duration,
}

/// Runs `files` in child processes, `jobs` at once, and prints a line per
/// file in the order given.  Returns the total counts.
pub fn run_children(files: &[PathBuf], jobs: usize, setup: &ChildSetup) -> Counts {
    // Start the biggest scripts first: better packing of the workers.
    let mut order: Vec<usize> = (0..files.len()).collect();
    let size = |i: &usize| std::fs::metadata(&files[*i]).map(|m| m.len()).unwrap_or(0);
    order.sort_by_key(|i| std::cmp::Reverse(size(i)));

    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, FileResult)>();
    let mut total = Counts::default();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, files.len().max(1)) {
            let tx = tx.clone();
            let (order, next) = (&order, &next);
            s.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let result = run_child(&files[i], i, setup);
                if tx.send((i, result)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Print in the order given, as soon as every earlier file is done.
        let mut pending: Vec<Option<FileResult>> = (0..files.len()).map(|_| None).collect();
        let mut printed = 0;
        for (i, r) in rx {
            pending[i] = Some(r);
            while printed < files.len() {
                let Some(r) = pending[printed].take() else {
                    break;
                };
                for l in &r.lines {
                    println!("{l}");
                }
                println!("{}: {}", files[printed].display(), r.counts.file_summary());
                total.add(r.counts);
                printed += 1;
            }
        }
    });
    total
}

/// Runs one script in a child process and collects what it reported.
fn run_child(file: &Path, index: usize, setup: &ChildSetup) -> FileResult {
    let name = file.display().to_string();
    let mut lines = Vec::new();
    let fail = |lines: &mut Vec<String>, msg: String| {
        lines.push(format!("{name}: {msg}"));
        FileResult {
            counts: Counts {
                failed: 1,
                ..Counts::default()
            },
            lines: std::mem::take(lines),
        }
    };
    let dir = setup.scratch.join(format!("f{index}"));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail(&mut lines, format!("cannot create {}: {e}", dir.display()));
    }
    let mut cmd = Command::new(&setup.exe);
    cmd.arg("wast")
        .arg(file)
        .env(env::CHILD, "1")
        .env(env::JOBS, setup.settings.jobs.to_string())
        .env(env::DIR, &dir)
        .env(env::RUNTIME, &setup.runtime)
        .env(env::OPT, super::opt_name(setup.settings.opt_level))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if setup.settings.verbose {
        cmd.env(env::VERBOSE, "1");
    }
    if let Some(s) = &setup.spectest {
        cmd.env(env::SPECTEST, s);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return fail(
                &mut lines,
                format!("cannot run {}: {e}", setup.exe.display()),
            )
        }
    };

    // stdout is read line by line on this thread's helper; EOF (the child's
    // end) or the deadline ends the wait.
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let (line_tx, line_rx) = mpsc::channel::<String>();
    let out_reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });

    let deadline = Instant::now() + setup.timeout;
    let (mut total, mut last, mut done) = (None, Counts::default(), None);
    let mut timed_out = false;
    loop {
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            let _ = child.kill();
            break;
        }
        match line_rx.recv_timeout(deadline - now) {
            Ok(line) => match Message::parse(&line) {
                Some(Message::Total(n)) => total = Some(n),
                Some(Message::Count(c)) => last = c,
                Some(Message::Done(c)) => done = Some(c),
                Some(Message::Fail(d)) => {
                    if setup.settings.verbose {
                        lines.push(format!("{name}:{d}"))
                    }
                }
                Some(Message::Note(n)) => lines.push(format!("{name}: {n}")),
                None => {
                    if setup.settings.verbose {
                        lines.push(format!("{name}: [stdout] {line}"));
                    }
                }
            },
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child.wait();
    let _ = out_reader.join();
    let err_text = err_reader.join().unwrap_or_default();

    let mut counts = done.unwrap_or(last);
    let ended_early = done.is_none();
    if ended_early || setup.settings.verbose {
        // The child's own stderr: the tail is enough to see what happened.
        let err_lines: Vec<&str> = err_text.lines().collect();
        let keep = if ended_early { 20 } else { 50 };
        for l in &err_lines[err_lines.len().saturating_sub(keep)..] {
            lines.push(format!("{name}: [stderr] {l}"));
        }
    }
    if ended_early {
        let how = if timed_out {
            format!("timed out after {}s", setup.timeout.as_secs())
        } else {
            match &status {
                Ok(s) => describe_status(s),
                Err(e) => format!("could not be waited for: {e}"),
            }
        };
        let reached = counts.total();
        let not_run = total.map(|t| t.saturating_sub(reached)).unwrap_or(0);
        counts.failed += not_run.max(1);
        lines.push(format!(
            "{name}: the script's process {how} after {reached} of {} assertions; {} counted as failed",
            total.map(|t| t.to_string()).unwrap_or_else(|| "?".into()),
            if not_run > 0 { format!("the {not_run} not run are") } else { "the crash is".to_string() }
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    FileResult { counts, lines }
}

fn describe_status(s: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = s.signal() {
        let name = match sig {
            4 => " (SIGILL)",
            6 => " (SIGABRT)",
            7 => " (SIGBUS)",
            8 => " (SIGFPE)",
            9 => " (SIGKILL)",
            11 => " (SIGSEGV)",
            _ => "",
        };
        format!("was killed by signal {sig}{name}")
    } else {
        format!(
            "exited with status {} without finishing",
            s.code().unwrap_or(-1)
        )
    }
}
