//! The runtime and the linker, from the outside:
//!
//! * `runtime/tests/runtime_test.c` compiled against the archive that
//!   `innative::link::runtime_dir()` extracts, run, and its checks asserted;
//! * `link_output` turning hand-written "generated" objects (C compiled with
//!   `cc -c`, defining what the code generator would) into an executable, a
//!   shared library and an object, including the failure cases;
//! * `runtime_shared_library` + `link_host_module`, loaded the way the spec
//!   harness loads them.

use innative::link;
use innative::{Options, OutputKind};
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles C source to a PIC object with the runtime header in scope.
fn compile_c(dir: &Path, name: &str, source: &str) -> PathBuf {
    let rt = link::runtime_dir().expect("runtime dir");
    let c = dir.join(format!("{name}.c"));
    let o = dir.join(format!("{name}.o"));
    std::fs::write(&c, source).unwrap();
    let out = Command::new(link::linker_driver().unwrap())
        .args([
            "-c",
            "-O2",
            "-g",
            "-fPIC",
            "-fno-optimize-sibling-calls",
            "-Wall",
            "-Werror",
            "-I",
        ])
        .arg(&rt)
        .arg(&c)
        .arg("-o")
        .arg(&o)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    o
}

/// The trap line of a report (backtrace lines may follow it).
fn first_line(report: &str) -> &str {
    report.lines().next().unwrap_or("")
}

#[test]
fn c_unit_test_of_the_runtime() {
    let rt = link::runtime_dir().expect("runtime dir");
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("runtime_test");
    let out = Command::new(link::linker_driver().unwrap())
        .args([
            "-O2",
            "-g",
            "-fno-optimize-sibling-calls",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-I",
        ])
        .arg(&rt)
        .arg(manifest_dir().join("runtime/tests/runtime_test.c"))
        .arg(rt.join(link::RUNTIME_ARCHIVE))
        .args(["-lm", "-lpthread", "-o"])
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let run = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "runtime_test failed ({}):\n{stdout}",
        run.status
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    for check in [
        "trap messages",
        "signature interning",
        "memory new/grow",
        "memory out of bounds faults",
        "bulk memory bounds",
        "tables",
        "signal traps and nesting",
        "stack exhaustion (main thread)",
        "stack exhaustion (threads)",
        "uncaught traps and genuine crashes",
        "unregister and free",
    ] {
        assert!(
            stdout.lines().any(|l| l == format!("ok {check}")),
            "missing `ok {check}` in:\n{stdout}"
        );
    }
    assert_eq!(stdout.lines().last(), Some("all passed"));
}

/// What a compiled program looks like to the runtime: a module descriptor
/// naming its functions, and innative_program_start.
const PROGRAM: &str = r#"
#include "innative.h"
#include <stdio.h>

void start_fn(void) {
  printf("hello from start\n");
  if (innative_argc > 1)
    innative_trap(INNATIVE_TRAP_UNREACHABLE);
}

static void *codes[] = {(void *)start_fn};
static const char *names[] = {"start_fn"};
innative_module prog_innative_module = {
    .abi_version = INNATIVE_ABI_VERSION, .name = "prog",
    .num_functions = 1, .func_code = codes, .func_names = names};

void innative_program_start(void) {
  innative_register_module(&prog_innative_module);
  start_fn();
}
"#;

#[test]
fn executable_runs_start_and_reports_traps() {
    let tmp = tempfile::tempdir().unwrap();
    let object = std::fs::read(compile_c(tmp.path(), "prog", PROGRAM)).unwrap();
    let exe = tmp.path().join("prog");
    let opts = Options {
        kind: OutputKind::Executable,
        ..Options::default()
    };
    link::link_output(&object, &opts, &exe).unwrap();

    let ok = Command::new(&exe).output().unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "hello from start\n");
    assert_eq!(String::from_utf8_lossy(&ok.stderr), "");

    let trapped = Command::new(&exe).arg("trap").output().unwrap();
    assert_eq!(trapped.status.code(), Some(134));
    assert_eq!(
        String::from_utf8_lossy(&trapped.stdout),
        "hello from start\n"
    );
    // The first line is the trap; a backtrace may follow.
    assert_eq!(
        first_line(&String::from_utf8_lossy(&trapped.stderr)),
        "trap: unreachable in function start_fn"
    );

    // Only the output is left behind: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["prog", "prog.c", "prog.o"]);
}

#[test]
fn object_output_is_the_object() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.o");
    let opts = Options {
        kind: OutputKind::Object,
        ..Options::default()
    };
    link::link_output(b"not really an object", &opts, &out).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"not really an object");
}

#[test]
fn failed_link_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let object = std::fs::read(compile_c(
        tmp.path(),
        "bad",
        "void missing_function(void);\nvoid innative_program_start(void) { missing_function(); }\n",
    ))
    .unwrap();
    let exe = tmp.path().join("bad");
    let opts = Options {
        kind: OutputKind::Executable,
        ..Options::default()
    };
    let err = link::link_output(&object, &opts, &exe)
        .unwrap_err()
        .to_string();
    assert!(err.contains("linking failed"), "{err}");
    assert!(err.contains("missing_function"), "{err}");
    assert!(!err.contains('\n'), "{err}");
    assert!(!exe.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        2,
        "only bad.c and bad.o remain"
    );

    let nowhere = tmp.path().join("no-such-dir").join("out");
    let err = link::link_output(&object, &opts, &nowhere)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot write to the output directory"),
        "{err}"
    );
    assert!(err.contains("no-such-dir"), "{err}");
}

/// A library export that guards itself with innative_invoke, as a C host
/// would.
const LIBRARY: &str = r#"
#include "innative.h"

static int32_t a_, b_, q_;
void quotient(void) {
  if (b_ == 0)
    innative_trap(INNATIVE_TRAP_DIV_ZERO);
  q_ = a_ / b_;
}
static void *codes[] = {(void *)quotient};
static const char *names[] = {"quotient"};
static innative_module lib_innative_module = {
    .abi_version = INNATIVE_ABI_VERSION, .name = "lib",
    .num_functions = 1, .func_code = codes, .func_names = names};

int lib_safe_div(int32_t a, int32_t b, int32_t *q) {
  innative_register_module(&lib_innative_module);
  a_ = a; b_ = b;
  int kind = innative_call0(quotient);
  *q = q_;
  return kind;
}

/* The host sees the runtime through the library's own references. */
const char *lib_report(void) { return innative_last_trap_report(); }
"#;

#[test]
fn shared_library_contains_the_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let object = std::fs::read(compile_c(tmp.path(), "lib", LIBRARY)).unwrap();
    let so = tmp.path().join("liblib.so");
    let opts = Options {
        kind: OutputKind::SharedLibrary,
        ..Options::default()
    };
    link::link_output(&object, &opts, &so).unwrap();
    unsafe {
        let lib = libloading::Library::new(&so).unwrap();
        let div: libloading::Symbol<unsafe extern "C" fn(i32, i32, *mut i32) -> i32> =
            lib.get(b"lib_safe_div").unwrap();
        let report: libloading::Symbol<unsafe extern "C" fn() -> *const std::ffi::c_char> =
            lib.get(b"lib_report").unwrap();
        let mut q = 0;
        assert_eq!(div(17, 5, &mut q), 0);
        assert_eq!(q, 3);
        assert_eq!(div(1, 0, &mut q), 7);
        let text = std::ffi::CStr::from_ptr(report())
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            first_line(&text),
            "trap: integer divide by zero in function quotient"
        );
    }
}

/// A module as the spec harness sees it: a descriptor and an invoker, with
/// the runtime left to the host.
const HOST_MODULE: &str = r#"
#include "innative.h"

void boom(void) { innative_trap(INNATIVE_TRAP_UNREACHABLE); }
void boom_invoker(uint64_t *slots) { (void)slots; boom(); }
void add_invoker(uint64_t *slots) { slots[0] = (uint32_t)((uint32_t)slots[0] + (uint32_t)slots[1]); }
static void *codes[] = {(void *)boom, (void *)boom_invoker, (void *)add_invoker};
static const char *names[] = {"boom", NULL, NULL};
innative_module spec_innative_module = {
    .abi_version = INNATIVE_ABI_VERSION, .name = "spec",
    .num_functions = 3, .func_code = codes, .func_names = names};
"#;

#[test]
fn host_module_links_against_the_runtime_library() {
    type Invoker = unsafe extern "C" fn(*mut u64);
    let tmp = tempfile::tempdir().unwrap();
    let object = compile_c(tmp.path(), "module", HOST_MODULE);
    let so = tmp.path().join("module.so");
    link::link_host_module(&object, &so).unwrap();
    let runtime = link::runtime_shared_library().unwrap();
    assert_eq!(link::runtime_shared_library().unwrap(), runtime, "cached");
    unsafe {
        use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_LOCAL, RTLD_NOW};
        let rt = Library::open(Some(&runtime), RTLD_NOW | RTLD_GLOBAL).unwrap();
        let module = Library::open(Some(&so), RTLD_NOW | RTLD_LOCAL).unwrap();
        let init: libloading::os::unix::Symbol<unsafe extern "C" fn()> =
            rt.get(b"innative_runtime_init").unwrap();
        let register: libloading::os::unix::Symbol<unsafe extern "C" fn(*const u8)> =
            rt.get(b"innative_register_module").unwrap();
        let invoke: libloading::os::unix::Symbol<unsafe extern "C" fn(Invoker, *mut u64) -> i32> =
            rt.get(b"innative_invoke").unwrap();
        let report: libloading::os::unix::Symbol<
            unsafe extern "C" fn() -> *const std::ffi::c_char,
        > = rt.get(b"innative_last_trap_report").unwrap();
        let descriptor: libloading::os::unix::Symbol<*const u8> =
            module.get(b"spec_innative_module").unwrap();
        let boom: libloading::os::unix::Symbol<Invoker> = module.get(b"boom_invoker").unwrap();
        let add: libloading::os::unix::Symbol<Invoker> = module.get(b"add_invoker").unwrap();
        let unregister: libloading::os::unix::Symbol<unsafe extern "C" fn(*const u8)> =
            rt.get(b"innative_unregister_module").unwrap();
        init();
        register(*descriptor);
        let mut slots = [40u64, 2];
        let add_kind = invoke(*add, slots.as_mut_ptr());
        let sum = slots[0];
        let boom_kind = invoke(*boom, slots.as_mut_ptr());
        let text = std::ffi::CStr::from_ptr(report())
            .to_string_lossy()
            .into_owned();
        // The module is unloaded when `module` drops: the runtime (which
        // stays loaded, and is shared with the other tests of this process)
        // must forget it first, before any assertion can unwind.
        unregister(*descriptor);
        assert_eq!(add_kind, 0);
        assert_eq!(sum, 42);
        assert_eq!(boom_kind, 1);
        assert_eq!(first_line(&text), "trap: unreachable in function boom");
    }
}
