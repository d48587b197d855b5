//! The command line.  (Stub — being written.)

/// Runs the CLI on `args` (without argv[0]); returns the exit code.
pub fn main_with_args(_args: Vec<String>) -> i32 {
    eprintln!("innative: CLI not implemented yet");
    2
}
