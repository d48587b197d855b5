//! The driver: runs the pipeline as visible steps.
//!
//! `compile`: load (the caller's [`Input`]s) → validate → provenance (under
//! `-g`, [`provenance::select`] per module) → lower (one LLVM module) →
//! optimize → debug post-passes → object → link → companion files (the
//! text or sources the debug info points at, the lldb extension).
//! `serialize`: validate → provenance → text.

use crate::error::{Error, Result};
use crate::load::Input;
use crate::module::ModuleInfo;
use crate::options::Options;
use crate::provenance::{self, Companion, Request};
use innative_dwarf::Provenance;
use std::path::Path;

/// Compiles `inputs` (linked together) into an ELF relocatable object.
/// Under `-g`, the files its debug info points at (`OUT.wat`,
/// `OUT.sources/`) are written too.
pub fn compile_to_object(inputs: &[Input], opts: &Options) -> Result<Vec<u8>> {
    let (object, companions) = build_object(inputs, opts)?;
    write_companions(&companions);
    Ok(object)
}

/// Compiles `inputs` into `out` (executable, shared library or object by
/// `opts.kind`).  Nothing is written at `out` unless everything succeeds.
pub fn compile(inputs: &[Input], opts: &Options, out: &Path) -> Result<()> {
    if inputs.is_empty() {
        return Err(Error::new("no input files"));
    }
    let mut opts = opts.clone();
    if opts.output.is_none() {
        opts.output = Some(out.to_path_buf());
    }
    let (object, companions) = build_object(inputs, &opts)?;
    crate::link::link_output(&object, &opts, out)?;
    // Companion files.
    write_companions(&companions);
    if opts.debug {
        crate::debuginfo::post_pass::write_lldb_script(out, opts.verbose);
    }
    Ok(())
}

/// Files to write after the compile, each with the module it belongs to.
type Companions<'i> = Vec<(&'i Path, Companion)>;

/// The steps up to the object file; also the companion files to write.
fn build_object<'i>(inputs: &'i [Input], opts: &Options) -> Result<(Vec<u8>, Companions<'i>)> {
    let context = inkwell::context::Context::create();
    let (llvm_module, tm, companions) = optimized_module(&context, inputs, opts)?;
    if let Some(path) = &opts.emit_llvm {
        crate::emit::write_llvm(&llvm_module, path)?;
    }

    // Object.
    let object = crate::emit::object(&llvm_module, &tm, opts.debug, opts.verbose)?;
    Ok((object, companions))
}

/// The steps up to the optimized LLVM module (lowered, optimized, the debug
/// layer's post-passes run), with the target machine that emits it.
fn optimized_module<'i, 'ctx>(
    context: &'ctx inkwell::context::Context,
    inputs: &'i [Input],
    opts: &Options,
) -> Result<(
    inkwell::module::Module<'ctx>,
    inkwell::targets::TargetMachine,
    Companions<'i>,
)> {
    // Validate.
    let modules = inputs
        .iter()
        .map(|input| {
            crate::validate::validate(input)?;
            ModuleInfo::parse(input)
        })
        .collect::<Result<Vec<_>>>()?;
    check_unique_names(&modules)?;

    // Provenance: chosen before anything is lowered.
    let mut companions = Vec::new();
    let provenance: Vec<Option<Provenance>> = modules
        .iter()
        .enumerate()
        .map(|(i, info)| {
            opts.debug.then(|| {
                let request = Request {
                    source_map: opts.source_maps.get(i).map(|p| p.as_path()),
                    prefer_source_map: opts.prefer_source_map,
                    keep_system_units: opts.debug_system_libs,
                    output: opts.output.as_deref(),
                    modules: modules.len(),
                    verbose: opts.verbose,
                };
                let selected = provenance::select(info, &request);
                let path = info.input.path.as_path();
                companions.extend(selected.companions.into_iter().map(|c| (path, c)));
                let mut prov = selected.provenance;
                provenance::prefix_map::apply(&mut prov, &opts.debug_prefix_map);
                prov
            })
        })
        .collect();

    // Lower.
    let llvm_module = crate::lower::lower_program(context, &modules, &provenance, opts)?;

    // Optimize, then the debug layer's post-passes.
    let tm = crate::emit::optimize(&llvm_module, opts)?;
    crate::debuginfo::post_pass::run(&llvm_module, opts.debug);
    Ok((llvm_module, tm, companions))
}

/// Module names must be unique within one compile (their C symbols would
/// clash).
fn check_unique_names(modules: &[ModuleInfo<'_>]) -> Result<()> {
    for (i, m) in modules.iter().enumerate() {
        if modules[..i].iter().any(|other| other.name == m.name) {
            return Err(Error::in_file(
                &m.input.path,
                format!(
                    "two modules are named '{}'; module names must be unique",
                    m.name
                ),
            ));
        }
    }
    Ok(())
}

fn write_companions(companions: &[(&Path, Companion)]) {
    for (module, c) in companions {
        c.write(module);
    }
}

/// `innative serialize`: the text of `input`, annotated with provenance
/// when `emit_debug` is set.  The module is validated first (errors as in
/// `compile`).  The provenance is [`provenance::select`]'s, keeping the C
/// library's units (every function is annotated) and writing nothing.
pub fn serialize_input(input: &Input, emit_debug: bool) -> Result<String> {
    use crate::text::{annotate, print};
    crate::validate::validate(input)?;
    let printed_err = |e: String| Error::in_file(&input.path, format!("cannot print: {e}"));
    if !emit_debug {
        return Ok(print(&input.bytes, false).map_err(printed_err)?.text);
    }
    let info = ModuleInfo::parse(input)?;
    let request = Request {
        keep_system_units: true,
        modules: 1,
        ..Request::default()
    };
    let prov = provenance::select(&info, &request).provenance;
    if prov.rows.is_empty() {
        return Ok(print(&input.bytes, true).map_err(printed_err)?.text);
    }
    let printed = print(&input.bytes, false).map_err(printed_err)?;
    Ok(annotate(&printed, &info, &prov))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::OptLevel;
    use std::process::Command;

    /// Every section and symbol of an ELF object that is not debug info.
    fn code_of(object: &[u8]) -> Vec<(String, Vec<u8>)> {
        use object::{Object, ObjectSection, ObjectSymbol};
        let file = object::File::parse(object).expect("an ELF object");
        let mut out: Vec<(String, Vec<u8>)> = file
            .sections()
            .filter_map(|s| {
                let name = s.name().ok()?.to_string();
                if name.contains(".debug") || name.is_empty() {
                    return None;
                }
                let mut bytes = s.data().ok()?.to_vec();
                for (offset, r) in s.relocations() {
                    bytes.extend_from_slice(format!("{offset}:{r:?}").as_bytes());
                }
                Some((name, bytes))
            })
            .collect();
        for sym in file.symbols() {
            out.push((
                format!("symbol {}", sym.name().unwrap_or("?")),
                sym.address().to_le_bytes().to_vec(),
            ));
        }
        out
    }

    fn section(object: &[u8], name: &str) -> Vec<u8> {
        use object::{Object, ObjectSection};
        let file = object::File::parse(object).expect("an ELF object");
        let s = file.section_by_name(name).expect("the section");
        s.data().unwrap().to_vec()
    }

    /// `-g` emits objects through `src/debuginfo/inlined_entry.cpp` (LLVM's
    /// pipeline plus a pass that only moves debug locations); the machine
    /// code must be what LLVM-C's own emission makes of the same module.
    /// Every debugger fixture, at -O2 (where the pass acts: recursion) and
    /// -O0.  Needs clang-19 with the WASI sysroot; skipped loudly without.
    #[test]
    fn debug_emission_changes_no_code() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/debug");
        let dir = tempfile::tempdir().unwrap();
        let mut fixtures: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        fixtures.sort();
        for fixture in &fixtures {
            let mut sources: Vec<String> = std::fs::read_dir(fixture)
                .unwrap()
                .filter_map(|e| {
                    let name = e.unwrap().file_name().to_string_lossy().into_owned();
                    (name.ends_with(".c") || name.ends_with(".cpp")).then_some(name)
                })
                .collect();
            sources.sort();
            let cxx = sources.iter().any(|s| s.ends_with(".cpp"));
            for (flag, level) in [("-O2", OptLevel::O2), ("-O0", OptLevel::O0)] {
                let wasm = dir.path().join(format!(
                    "{}{flag}.wasm",
                    fixture.file_name().unwrap().to_string_lossy()
                ));
                let mut cc = Command::new(if cxx { "clang++-19" } else { "clang-19" });
                cc.current_dir(fixture)
                    .args(["--target=wasm32-wasi", "-g", flag])
                    .args(if cxx {
                        &["-fno-exceptions", "-fno-rtti", "-nostdlib++"][..]
                    } else {
                        &[][..]
                    })
                    .args(&sources)
                    .arg("-o")
                    .arg(&wasm);
                if !cc.status().is_ok_and(|s| s.success()) {
                    eprintln!("\n!!!!!!!! clang-19 --target=wasm32-wasi failed or is missing: SKIPPING !!!!!!!!\n");
                    return;
                }
                let input = Input::from_file(&wasm).unwrap();
                let inputs = [input];
                let opts = Options {
                    opt_level: level,
                    debug: true,
                    kind: crate::options::OutputKind::Object,
                    ..Options::default()
                };
                let emit = |through_pass: bool| {
                    let context = inkwell::context::Context::create();
                    let (module, tm, _) = optimized_module(&context, &inputs, &opts).unwrap();
                    crate::emit::object(&module, &tm, through_pass, false).unwrap()
                };
                let (plain_object, pass_object) = (emit(false), emit(true));
                let what = format!("{} {flag}", fixture.display());
                if fixture.ends_with("recursion") && flag == "-O2" {
                    // The case the pass is for: its line table gains the
                    // entering jump's row.
                    assert_ne!(
                        section(&plain_object, ".debug_line"),
                        section(&pass_object, ".debug_line"),
                        "{what}: the pass changed nothing"
                    );
                }
                let plain = code_of(&plain_object);
                let with_pass = code_of(&pass_object);
                assert_eq!(plain.len(), with_pass.len(), "{what}: sections and symbols");
                for (a, b) in plain.iter().zip(&with_pass) {
                    assert!(a == b, "{what}: {} differs from {}", a.0, b.0);
                }
            }
        }
    }
}
