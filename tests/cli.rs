//! The command line, driven through the real binary: errors are one line and
//! leave no output behind, inNative's spellings work, compiled programs print
//! what they should, traps report themselves.

mod common;

use common::*;
use std::path::Path;

// ---- errors -----------------------------------------------------------------

/// Compiles `input` into an empty temporary directory, expects failure with
/// exit status 1 and one stderr line; checks nothing was written.  Returns the line.
fn compile_error(input: &Path) -> String {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = output(innative([
        "compile".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]));
    assert_eq!(status(&o), 1, "{}", describe(&o));
    let line = one_line_stderr(&o);
    assert!(
        entries(dir.path()).is_empty(),
        "output written: {:?}",
        entries(dir.path())
    );
    line
}

#[test]
fn malformed_binary_names_file_and_offset() {
    let line = compile_error(&fixture("malformed.wasm"));
    assert!(line.contains("malformed.wasm:@0x"), "{line}");
    assert!(line.contains("error:"), "{line}");
}

#[test]
fn invalid_module_names_file_offset_and_reason() {
    let line = compile_error(&fixture("invalid.wat"));
    assert!(line.contains("invalid.wat:@0x"), "{line}");
    assert!(line.contains("type mismatch"), "{line}");
}

#[test]
fn text_syntax_error_names_line_and_column() {
    let line = compile_error(&fixture("syntax_error.wat"));
    assert!(line.contains("syntax_error.wat:6:6: error:"), "{line}");
}

#[test]
fn missing_input_file() {
    let line = compile_error(Path::new("/nonexistent/nosuch.wasm"));
    assert!(line.contains("nosuch.wasm"), "{line}");
}

#[test]
fn malformed_binary_through_legacy_spelling_and_run() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = output(innative([
        fixture("malformed.wasm").as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]));
    assert_eq!(status(&o), 1, "{}", describe(&o));
    assert!(one_line_stderr(&o).contains("malformed.wasm"));
    assert!(entries(dir.path()).is_empty());

    let o = output(innative([
        "run".as_ref(),
        fixture("invalid.wat").as_os_str(),
    ]));
    assert_eq!(status(&o), 1, "{}", describe(&o));
    assert!(one_line_stderr(&o).contains("invalid.wat"));
}

#[test]
fn unwritable_output_path() {
    for out in ["/nonexistent-dir/sub/out", "/"] {
        let o = output(innative([
            "compile".as_ref(),
            fixture("demo.wat").as_os_str(),
            "-o".as_ref(),
            out.as_ref(),
        ]));
        assert_eq!(status(&o), 1, "{}", describe(&o));
        let line = one_line_stderr(&o);
        assert!(line.contains(out), "{line}");
    }
}

#[test]
fn unknown_flags_are_one_line_usage_errors() {
    let demo = fixture("demo.wat");
    let demo = demo.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["compile", "--frobnicate", demo],
        &["compile", "-O9", demo],
        &["compile", "--shared", "--object", demo],
        &["compile"],
        &["run", "--frobnicate", demo],
        &["wast", "--frobnicate", "x.wast"],
        &[demo, "-frobnicate"],
        &[demo, "--frobnicate"],
        &[demo, "-f", "nosuchflag"],
        &[demo, "-o"],
        &[],
    ];
    for args in cases {
        let o = output(&mut innative(*args));
        assert_eq!(status(&o), 2, "innative {args:?}: {}", describe(&o));
        let line = one_line_stderr(&o);
        assert!(line.contains("error"), "innative {args:?}: {line}");
        assert!(!line.contains("panicked"), "innative {args:?}: {line}");
    }
}

#[test]
fn known_but_unimplemented_innative_options_say_so() {
    let demo = fixture("demo.wat");
    let demo = demo.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[demo, "-f", "noinit"],
            "flag 'noinit' is not supported yet",
        ),
        (
            &[demo, "-f", "o3", "fastmath"],
            "flag 'fastmath' is not supported yet",
        ),
        (&[demo, "-linker", "ld"], "'-linker' is not supported yet"),
        (&[demo, "-generate-loader"], "not supported yet"),
    ];
    for (args, want) in cases {
        let o = output(&mut innative(*args));
        assert_eq!(status(&o), 2, "innative {args:?}: {}", describe(&o));
        let line = one_line_stderr(&o);
        assert!(line.contains(want), "innative {args:?}: {line}");
    }
}

#[test]
fn help_explains_every_option() {
    let o = output(&mut innative(["--help"]));
    assert_success(&o, "--help");
    let text = stdout(&o);
    for word in [
        "compile",
        "run",
        "wast",
        "serialize",
        "build-sourcemap",
        "-f, -flag",
        "-r, -run",
    ] {
        assert!(text.contains(word), "--help lacks {word}:\n{text}");
    }
    let o = output(&mut innative(["compile", "--help"]));
    assert_success(&o, "compile --help");
    let text = stdout(&o);
    for word in [
        "-O <LEVEL>",
        "-O2",
        "--debug",
        "--shared",
        "--object",
        "--bounds-checks",
        "--sys",
        "--whitelist",
        "--start",
        "--lib",
        "--shared-lib",
        "--verbose",
        "--output",
        "--emit-llvm",
    ] {
        assert!(text.contains(word), "compile --help lacks {word}:\n{text}");
    }
    let o = output(&mut innative([
        fixture("demo.wat").to_str().unwrap(),
        "-help",
    ]));
    assert_success(&o, "-help");
    assert!(stdout(&o).contains("inNative spellings"));
}

// ---- programs ----------------------------------------------------------------

fn demo_expected() -> String {
    std::fs::read_to_string(fixture("demo.expected")).unwrap()
}

/// `innative ARGS` must succeed and write an ELF file at `out`.
#[track_caller]
fn compile_ok(args: &[&std::ffi::OsStr], out: &Path) {
    let o = output(&mut innative(args));
    assert_success(&o, &format!("innative {args:?}"));
    assert!(out.exists(), "innative {args:?} wrote no {}", out.display());
}

#[test]
fn demo_program_prints_expected_output() {
    let dir = tempdir();
    let exe = dir.path().join("demo");
    compile_ok(
        &[
            "compile".as_ref(),
            "--sys".as_ref(),
            "env".as_ref(),
            fixture("demo.wat").as_os_str(),
            "-o".as_ref(),
            exe.as_os_str(),
        ],
        &exe,
    );
    // ET_EXEC, or ET_DYN for a position-independent executable.
    assert!(
        matches!(elf_type(&exe), Some(2 | 3)),
        "not an ELF executable"
    );
    let o = run_program(&exe, &[]);
    assert_success(&o, "demo");
    assert_eq!(stdout(&o), demo_expected());
}

/// `--emit-llvm FILE.ll`: the IR LLVM turns into the output, which LLVM's
/// own tools read back; an unwritable IR path fails before anything is
/// written.
#[test]
fn emit_llvm_writes_the_optimized_ir() {
    let dir = tempdir();
    let exe = dir.path().join("demo");
    let ir = dir.path().join("demo.ll");
    compile_ok(
        &[
            "compile".as_ref(),
            "--sys".as_ref(),
            "env".as_ref(),
            fixture("demo.wat").as_os_str(),
            "--emit-llvm".as_ref(),
            ir.as_os_str(),
            "-o".as_ref(),
            exe.as_os_str(),
        ],
        &exe,
    );
    let text = std::fs::read_to_string(&ir).expect("the IR file");
    assert!(text.contains("define "), "no function in the IR:\n{text}");
    assert_eq!(stdout(&run_program(&exe, &[])), demo_expected());
    if common::have("llvm-as-19") {
        let o = output(
            std::process::Command::new("llvm-as-19")
                .arg(&ir)
                .arg("-o")
                .arg("/dev/null"),
        );
        assert_success(&o, "llvm-as-19 reads the IR back");
    }
    let bad = dir.path().join("missing-dir").join("x.ll");
    let exe2 = dir.path().join("demo2");
    let o = output(&mut innative([
        "compile".as_ref(),
        "--sys".as_ref(),
        "env".as_ref(),
        fixture("demo.wat").as_os_str(),
        "--emit-llvm".as_ref(),
        bad.as_os_str(),
        "-o".as_ref(),
        exe2.as_os_str(),
    ]));
    assert_ne!(o.status.code(), Some(0));
    assert!(one_line_stderr(&o).contains("x.ll"), "{}", stderr(&o));
    assert!(!exe2.exists(), "no output after a failed compile");
}

#[test]
fn demo_at_every_optimization_level() {
    let dir = tempdir();
    for level in ["-O0", "-O1", "-O3", "-Os"] {
        let exe = dir.path().join(format!("demo{level}"));
        compile_ok(
            &[
                "compile".as_ref(),
                level.as_ref(),
                "-g".as_ref(),
                "--sys".as_ref(),
                "env".as_ref(),
                fixture("demo.wat").as_os_str(),
                "-o".as_ref(),
                exe.as_os_str(),
            ],
            &exe,
        );
        let o = run_program(&exe, &[]);
        assert_success(&o, level);
        assert_eq!(stdout(&o), demo_expected(), "{level}");
    }
}

#[test]
fn run_subcommand_passes_output_and_status_through() {
    let o = output(&mut innative([
        "run".as_ref(),
        "--sys".as_ref(),
        "env".as_ref(),
        fixture("demo.wat").as_os_str(),
    ]));
    assert_success(&o, "innative run demo.wat");
    assert_eq!(stdout(&o), demo_expected());

    let o = output(&mut innative([
        "run".as_ref(),
        "--sys".as_ref(),
        "env".as_ref(),
        fixture("exit_code.wat").as_os_str(),
        "a".as_ref(),
        "-b".as_ref(),
    ]));
    assert_eq!(status(&o), 3, "{}", describe(&o));
}

#[test]
fn legacy_spellings() {
    let dir = tempdir();
    let demo = fixture("demo.wat");

    // innative app.wasm -o app -f o3
    let exe = dir.path().join("app");
    compile_ok(
        &[
            demo.as_os_str(),
            "-sys".as_ref(),
            "env".as_ref(),
            "-o".as_ref(),
            exe.as_os_str(),
            "-f".as_ref(),
            "o3".as_ref(),
        ],
        &exe,
    );
    let o = run_program(&exe, &[]);
    assert_success(&o, "app");
    assert_eq!(stdout(&o), demo_expected());

    // -f debug o0 -v, flags before the input
    let exe = dir.path().join("app_debug");
    let o = output(&mut innative([
        "-f".as_ref(),
        "debug".as_ref(),
        "o0".as_ref(),
        demo.as_os_str(),
        "-system".as_ref(),
        "env".as_ref(),
        "-v".as_ref(),
        "-out".as_ref(),
        exe.as_os_str(),
    ]));
    assert_success(&o, "-f debug o0 -v");
    assert!(!stderr(&o).is_empty(), "-v said nothing");
    assert_eq!(stdout(&run_program(&exe, &[])), demo_expected());

    // innative lib.wasm -f library
    let lib = dir.path().join("lib.so");
    compile_ok(
        &[
            demo.as_os_str(),
            "-sys".as_ref(),
            "env".as_ref(),
            "-f".as_ref(),
            "library".as_ref(),
            "-o".as_ref(),
            lib.as_os_str(),
        ],
        &lib,
    );
    assert_eq!(elf_type(&lib), Some(3), "not a shared object");

    // innative -r app.wasm
    let o = output(&mut innative([
        "-r".as_ref(),
        demo.as_os_str(),
        "-sys".as_ref(),
        "env".as_ref(),
    ]));
    assert_success(&o, "-r");
    assert_eq!(stdout(&o), demo_expected());
    let o = output(&mut innative([
        fixture("exit_code.wat").as_os_str(),
        "-sys".as_ref(),
        "env".as_ref(),
        "-run".as_ref(),
    ]));
    assert_eq!(status(&o), 3, "{}", describe(&o));
}

#[test]
fn default_output_is_the_input_stem_in_the_current_directory() {
    let dir = tempdir();
    let demo = fixture("demo.wat");
    let o = output(
        innative([
            "compile".as_ref(),
            "--sys".as_ref(),
            "env".as_ref(),
            demo.as_os_str(),
        ])
        .current_dir(dir.path()),
    );
    assert_success(&o, "compile without -o");
    let o = output(
        innative([
            "compile".as_ref(),
            "--object".as_ref(),
            "--sys".as_ref(),
            "env".as_ref(),
            demo.as_os_str(),
        ])
        .current_dir(dir.path()),
    );
    assert_success(&o, "compile --object without -o");
    let o = output(
        innative([
            demo.as_os_str(),
            "-sys".as_ref(),
            "env".as_ref(),
            "-f".as_ref(),
            "library".as_ref(),
        ])
        .current_dir(dir.path()),
    );
    assert_success(&o, "-f library without -o");
    let names = entries(dir.path());
    assert_eq!(names, vec!["demo", "demo.o", "demo.so"], "{names:?}");
    assert_eq!(
        elf_type(&dir.path().join("demo.o")),
        Some(1),
        "not a relocatable object"
    );
    assert_eq!(
        elf_type(&dir.path().join("demo.so")),
        Some(3),
        "not a shared object"
    );
    assert_eq!(
        stdout(&run_program(&dir.path().join("demo"), &[])),
        demo_expected()
    );
}

// ---- traps -------------------------------------------------------------------

/// (fixture, trap message, function the trap happens in)
const TRAPS: &[(&str, &str, &str)] = &[
    (
        "trap_oob.wat",
        "out of bounds memory access",
        "store_past_the_end",
    ),
    ("trap_unreachable.wat", "unreachable", "give_up"),
    ("trap_div_zero.wat", "integer divide by zero", "divide"),
    ("trap_stack.wat", "call stack exhausted", "recurse"),
];

#[test]
fn trapping_programs_report_the_trap_and_exit_134() {
    let dir = tempdir();
    for (file, message, function) in TRAPS {
        // -O0 keeps every function (no inlining), so the name is certain.
        let exe = dir.path().join(file.trim_end_matches(".wat"));
        compile_ok(
            &[
                "compile".as_ref(),
                "-O0".as_ref(),
                fixture(file).as_os_str(),
                "-o".as_ref(),
                exe.as_os_str(),
            ],
            &exe,
        );
        let o = run_program(&exe, &[]);
        assert_eq!(status(&o), 134, "{file}: {}", describe(&o));
        let err = stderr(&o);
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("trap: "), "{file}: {}", describe(&o));
        assert!(first.contains(message), "{file}: {}", describe(&o));
        assert!(err.contains(function), "{file}: {}", describe(&o));
    }
}

#[test]
fn trap_through_run_and_optimized_build() {
    let o = output(&mut innative([
        "run".as_ref(),
        "-O2".as_ref(),
        fixture("trap_oob.wat").as_os_str(),
    ]));
    assert_eq!(status(&o), 134, "{}", describe(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("trap: ") && err.contains("out of bounds memory access"),
        "{}",
        describe(&o)
    );
}

// ---- C imports: whitelist, start override -----------------------------------

#[test]
fn whitelist_allows_listed_c_imports_and_refuses_others() {
    let dir = tempdir();
    let demo = fixture("demo.wat");
    // Allowed: modern and inNative spellings (a bare FN means the --sys module).
    let o = output(innative([
        "run".as_ref(),
        "--sys".as_ref(),
        "env".as_ref(),
        "-w".as_ref(),
        "env:putchar".as_ref(),
        demo.as_os_str(),
    ]));
    assert_success(&o, "run -w env:putchar");
    assert_eq!(stdout(&o), demo_expected());
    let o = output(innative([
        demo.as_os_str(),
        "-sys".as_ref(),
        "env".as_ref(),
        "-f".as_ref(),
        "whitelist".as_ref(),
        "-w".as_ref(),
        "putchar".as_ref(),
        "-r".as_ref(),
    ]));
    assert_success(&o, "-f whitelist -w putchar -r");
    assert_eq!(stdout(&o), demo_expected());
    let o = output(innative([
        demo.as_os_str(),
        "-sys".as_ref(),
        "env".as_ref(),
        "-w".as_ref(),
        "env:".as_ref(),
        "-r".as_ref(),
    ]));
    assert_success(&o, "-w env: (whole module)");

    // Refused: a compile error naming the import, and no output.
    let out = dir.path().join("demo");
    for args in [
        vec!["compile", "--sys", "env", "-w", "env:printf"],
        vec!["compile", "--sys", "env", "-w", "other:putchar"],
    ] {
        let mut cmd = innative(&args);
        cmd.arg(&demo).arg("-o").arg(&out);
        let o = output(&mut cmd);
        assert_eq!(status(&o), 1, "{args:?}: {}", describe(&o));
        let line = one_line_stderr(&o);
        assert!(
            line.contains("demo.wat") && line.contains("putchar"),
            "{args:?}: {line}"
        );
        assert!(entries(dir.path()).is_empty(), "{args:?}: output written");
    }
    // `-f whitelist` with no entries refuses every C import.
    let o = output(innative([
        demo.as_os_str(),
        "-sys".as_ref(),
        "env".as_ref(),
        "-f".as_ref(),
        "whitelist".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]));
    assert_eq!(status(&o), 1, "{}", describe(&o));
    assert!(one_line_stderr(&o).contains("putchar"));
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn start_override() {
    let file = fixture("start_override.wat");
    let o = output(innative([
        "run".as_ref(),
        "--sys".as_ref(),
        "env".as_ref(),
        file.as_os_str(),
    ]));
    assert_eq!(status(&o), 0, "without --start: {}", describe(&o));
    for start in ["start_override:entry", "entry"] {
        let o = output(innative(["run", "--sys", "env", "--start", start]).arg(&file));
        assert_eq!(status(&o), 5, "--start {start}: {}", describe(&o));
    }
    let o = output(innative([
        file.as_os_str(),
        "-sys".as_ref(),
        "env".as_ref(),
        "-start".as_ref(),
        "entry".as_ref(),
        "-r".as_ref(),
    ]));
    assert_eq!(status(&o), 5, "-start entry: {}", describe(&o));
}

/// C imports resolve to `<module>_WASM_<name>` (or the plain name for the
/// `--sys` module), found in a static library (`--lib`, inNative's `-l`) or
/// a shared library (`--shared-lib`); without them the link fails with one
/// line naming the symbol.
#[test]
fn c_imports_link_static_and_shared_libraries() {
    if !require("cc") || !require("ar") {
        return;
    }
    let dir = tempdir();
    let obj = dir.path().join("c_imports_lib.o");
    let o = output(
        std::process::Command::new("cc")
            .args(["-c", "-fPIC"])
            .arg(fixture("host/c_imports_lib.c"))
            .arg("-o")
            .arg(&obj),
    );
    assert_success(&o, "cc -c c_imports_lib.c");
    let static_lib = dir.path().join("libhost.a");
    assert_success(
        &output(
            std::process::Command::new("ar")
                .arg("rcs")
                .arg(&static_lib)
                .arg(&obj),
        ),
        "ar",
    );
    let shared_lib = dir.path().join("libhost.so");
    assert_success(
        &output(
            std::process::Command::new("cc")
                .arg("-shared")
                .arg(&obj)
                .arg("-o")
                .arg(&shared_lib),
        ),
        "cc -shared",
    );
    let prog = fixture("c_imports.wat");

    let o = output(
        innative(["run", "--sys", "env", "--lib"])
            .arg(&static_lib)
            .arg(&prog),
    );
    assert_eq!(status(&o), 42, "--lib: {}", describe(&o));
    let o = output(
        innative(["-sys", "env", "-l"])
            .arg(&static_lib)
            .arg(&prog)
            .arg("-r"),
    );
    assert_eq!(status(&o), 42, "-l (inNative): {}", describe(&o));
    let o = output(
        innative([
            "run",
            "--sys",
            "env",
            "-w",
            "host:twice",
            "-w",
            "env:exit",
            "--lib",
        ])
        .arg(&static_lib)
        .arg(&prog),
    );
    assert_eq!(status(&o), 42, "whitelisted: {}", describe(&o));

    let exe = dir.path().join("c_imports");
    let o = output(
        innative(["compile", "--sys", "env", "--shared-lib"])
            .arg(&shared_lib)
            .arg(&prog)
            .arg("-o")
            .arg(&exe),
    );
    assert_success(&o, "compile --shared-lib");
    let o = run_program(&exe, &[]);
    assert_eq!(status(&o), 42, "--shared-lib: {}", describe(&o));

    let missing = dir.path().join("missing");
    let o = output(
        innative(["compile", "--sys", "env"])
            .arg(&prog)
            .arg("-o")
            .arg(&missing),
    );
    assert_eq!(status(&o), 1, "{}", describe(&o));
    assert!(
        one_line_stderr(&o).contains("host_WASM_twice"),
        "{}",
        describe(&o)
    );
    assert!(!missing.exists());
}
