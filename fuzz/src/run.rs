//! Running the `innative` binary on one input: a wall-clock timeout, the
//! child's own peak RSS (from `wait4`), exit status or signal, and stdout /
//! stderr captured in files (no pipe can fill up and block the child).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Exit(i32),
    Signal(i32),
    Timeout,
}

#[derive(Debug)]
pub struct Outcome {
    pub end: End,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set of the child, KiB.
    pub max_rss_kib: i64,
    pub elapsed: Duration,
}

/// The `innative` binary: `$INNATIVE` or `target/<profile>/innative` beside
/// this executable.
pub fn innative_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("INNATIVE") {
        return PathBuf::from(p);
    }
    let me = std::env::current_exe().expect("current_exe");
    let dir = me.parent().expect("exe dir");
    for cand in [dir.join("innative"), dir.join("../debug/innative")] {
        if cand.exists() {
            return cand;
        }
    }
    PathBuf::from("innative")
}

/// Runs `innative ARGS` in `cwd` and waits at most `timeout`.
pub fn run(args: &[&std::ffi::OsStr], cwd: &Path, timeout: Duration) -> Outcome {
    let out_path = cwd.join(".stdout");
    let err_path = cwd.join(".stderr");
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let start = Instant::now();
    // Reaped below with wait4 (for its rusage), not Child::wait.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(innative_bin())
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .env("INNATIVE_WAST_JOBS", "1")
        .spawn()
        .expect("spawn innative");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, filled by wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: waiting for our own child with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if r < 0 {
            panic!("wait4: {}", std::io::Error::last_os_error());
        }
        if start.elapsed() > timeout && !timed_out {
            timed_out = true;
            // SAFETY: signalling our own child (and its process group is not used).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(
            if start.elapsed() < Duration::from_millis(200) {
                2
            } else {
                20
            },
        ));
    }
    let elapsed = start.elapsed();
    let end = if timed_out {
        End::Timeout
    } else if libc::WIFEXITED(status) {
        End::Exit(libc::WEXITSTATUS(status))
    } else {
        End::Signal(libc::WTERMSIG(status))
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Outcome {
        end,
        stdout: read(&out_path),
        stderr: read(&err_path),
        max_rss_kib: usage.ru_maxrss,
        elapsed,
    }
}
