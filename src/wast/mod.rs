//! The spec-script harness (`innative wast`).  (Stub — being written.)

use std::path::PathBuf;

/// Runs every script; prints a line per file and the closing
/// `N passed, M failed[, K skipped]` line.  Returns the process exit code.
pub fn run_cli(_files: &[PathBuf], _jobs: usize, _verbose: bool) -> i32 {
    eprintln!("innative wast: not implemented yet");
    2
}
