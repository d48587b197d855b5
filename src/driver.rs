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
    let context = inkwell::context::Context::create();
    let llvm_module = crate::lower::lower_program(&context, &modules, &provenance, opts)?;

    // Optimize, then the debug layer's post-passes.
    let tm = crate::emit::optimize(&llvm_module, opts)?;
    crate::debuginfo::post_pass::run(&llvm_module, opts.debug);
    if let Some(path) = &opts.emit_llvm {
        crate::emit::write_llvm(&llvm_module, path)?;
    }

    // Object.
    let object = crate::emit::object(&llvm_module, &tm, opts.debug, opts.verbose)?;
    Ok((object, companions))
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
