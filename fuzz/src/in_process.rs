//! Running the innative CLI inside this process (`crash --in-process`):
//! [`innative::cli::main_with_args`] under `catch_unwind`, with file
//! descriptors 1 and 2 pointed at files for the call, so the same verdict
//! (exit status, one error line naming the input) applies as to a child.
//!
//! Ten to a hundred times faster than a child per run (no exec, no dynamic
//! loading of a 120 MB binary), which is what reaching a million parser
//! inputs takes.  What it cannot see: a hang (the elapsed time is checked
//! afterwards), peak memory of one run (the process's peak only grows) and
//! a crash by signal (it ends the fuzzer; `OUT/crash-TARGET/in-process-seed`
//! names the seed of its input).  The child-process mode checks all three.

use crate::run::{End, Outcome};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Instant;

/// Installs a panic hook that writes the message to (redirected) stderr
/// only, once.
pub fn init() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("panic: {info}");
    }));
}

/// Points `fd` at `file` until the returned guard is dropped.
struct Redirect {
    fd: i32,
    saved: i32,
}

impl Redirect {
    fn new(fd: i32, file: &std::fs::File) -> Redirect {
        // SAFETY: duplicating and replacing descriptors this process owns.
        let saved = unsafe { libc::dup(fd) };
        assert!(saved >= 0, "dup: {}", std::io::Error::last_os_error());
        // SAFETY: as above; `file` stays open for the duration of the call.
        let r = unsafe { libc::dup2(file.as_raw_fd(), fd) };
        assert!(r >= 0, "dup2: {}", std::io::Error::last_os_error());
        Redirect { fd, saved }
    }
}

impl Drop for Redirect {
    fn drop(&mut self) {
        // SAFETY: restoring the descriptor saved in `new`.
        unsafe {
            libc::dup2(self.saved, self.fd);
            libc::close(self.saved);
        }
    }
}

/// Runs `innative ARGS` in this process with `cwd` as working directory.
pub fn run(args: &[&std::ffi::OsStr], cwd: &Path) -> Outcome {
    use std::io::Write;
    let out_path = cwd.join(".stdout");
    let err_path = cwd.join(".stderr");
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    std::env::set_current_dir(cwd).expect("chdir");
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let start = Instant::now();
    let code = {
        std::io::stdout().flush().ok();
        let _o = Redirect::new(1, &out);
        let _e = Redirect::new(2, &err);
        let r = std::panic::catch_unwind(|| innative::cli::main_with_args(args));
        std::io::stdout().flush().ok();
        r
    };
    let elapsed = start.elapsed();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Outcome {
        end: match code {
            Ok(c) if elapsed > crate::crash::TIMEOUT => {
                let _ = c;
                End::Timeout
            }
            Ok(c) => End::Exit(c),
            Err(_) => End::Exit(101),
        },
        stdout: read(&out_path),
        stderr: read(&err_path),
        max_rss_kib: 0,
        elapsed,
    }
}
