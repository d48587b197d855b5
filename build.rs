//! Builds the C runtime into two static archives in OUT_DIR, which
//! `src/link.rs` embeds into the compiler with `include_bytes!`:
//!
//! * `libinnative_runtime.a`: the runtime core, every `runtime/*.c` except
//!   `main.c` (memory, tables, signatures, module registry, traps, invoke,
//!   WASI, ...), linked into every executable and shared library innative
//!   produces.  A new runtime file is picked up without a change here;
//! * `libinnative_main.a`: `main()` alone (`runtime/main.c`), linked into
//!   executables only.
//!
//! Neither is linked into the compiler itself (`cargo_metadata(false)`).

use std::path::{Path, PathBuf};

/// The file that goes into `libinnative_main.a` instead of the core.
const MAIN: &str = "main.c";

fn runtime_build() -> cc::Build {
    let mut build = cc::Build::new();
    build
        .cargo_metadata(false)
        .opt_level(2)
        .debug(false)
        .pic(true)
        .warnings(true)
        .extra_warnings(true)
        .flag("-std=gnu11")
        .flag("-fno-omit-frame-pointer");
    build
}

fn main() {
    let dir = Path::new("runtime");
    // The directory too, so that adding or removing a file reruns this.
    println!("cargo:rerun-if-changed=runtime");
    println!("cargo:rerun-if-changed=runtime/include/innative.h");
    let mut sources: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).expect("runtime/ directory") {
        let path = entry.expect("runtime/ entry").path();
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
            let is_c = path.extension().is_some_and(|e| e == "c");
            if is_c && path.file_name().is_some_and(|n| n != MAIN) {
                sources.push(path);
            }
        }
    }
    sources.sort(); // the same archive whatever order readdir gives

    let mut core = runtime_build();
    core.files(&sources);
    core.compile("innative_runtime");

    runtime_build()
        .file(dir.join(MAIN))
        .compile("innative_main");

    build_llvm_extension();
}

/// `src/debuginfo/di_arglist.cpp`, `global_debug_info.cpp`, `variant_part.cpp`: what the
/// compiler needs from LLVM's C++ API that LLVM-C lacks, linked into the
/// compiler itself.
fn build_llvm_extension() {
    let sources = [
        "src/debuginfo/di_arglist.cpp",
        "src/debuginfo/global_debug_info.cpp",
        "src/debuginfo/variant_part.cpp",
    ];
    for source in sources {
        println!("cargo:rerun-if-changed={source}");
    }
    let prefix = std::env::var("LLVM_SYS_191_PREFIX").unwrap_or_else(|_| "/usr/lib/llvm-19".into());
    println!("cargo:rerun-if-env-changed=LLVM_SYS_191_PREFIX");
    cc::Build::new()
        .cpp(true)
        .files(sources)
        .include(Path::new(&prefix).join("include"))
        .flag("-std=c++17")
        .flag("-fno-exceptions")
        .flag("-fno-rtti")
        .define("__STDC_CONSTANT_MACROS", None)
        .define("__STDC_FORMAT_MACROS", None)
        .define("__STDC_LIMIT_MACROS", None)
        .warnings(false)
        .compile("innative_llvm_ext");
}
