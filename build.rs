//! Builds the C runtime into two static archives in OUT_DIR, which
//! `src/link.rs` embeds into the compiler with `include_bytes!`:
//!
//! * `libinnative_runtime.a`: the runtime core (memory, tables, signatures,
//!   module registry, traps, invoke), linked into every executable and shared
//!   library innative produces;
//! * `libinnative_main.a`: `main()` alone, linked into executables only.
//!
//! Neither is linked into the compiler itself (`cargo_metadata(false)`).

use std::path::Path;

const CORE: &[&str] = &[
    "memory.c",
    "table.c",
    "signature.c",
    "modules.c",
    "invoke.c",
    "trap.c",
    "process.c",
];

fn runtime_build() -> cc::Build {
    let mut build = cc::Build::new();
    build
        .cargo_metadata(false)
        .opt_level(2)
        .debug(true)
        .pic(true)
        .warnings(true)
        .extra_warnings(true)
        .flag("-std=gnu11")
        .flag("-fno-omit-frame-pointer");
    build
}

fn main() {
    let dir = Path::new("runtime");
    for entry in std::fs::read_dir(dir).expect("runtime/ directory") {
        let path = entry.expect("runtime/ entry").path();
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-changed=runtime/include/innative.h");

    let mut core = runtime_build();
    for file in CORE {
        core.file(dir.join(file));
    }
    core.compile("innative_runtime");

    runtime_build().file(dir.join("main.c")).compile("innative_main");
}
