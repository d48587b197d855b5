//! The `innative` command: [`innative::cli::main_with_args`] on the
//! process's arguments.

fn main() {
    let args = std::env::args().skip(1).collect();
    std::process::exit(innative::cli::main_with_args(args));
}
