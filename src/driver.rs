//! The compile driver: inputs → validated modules → one LLVM module → object
//! file → linked output.  Options mirror the CLI (and inNative's flags).

use crate::error::{Error, Result};
use crate::load::Input;
use crate::options::Options;
use std::path::Path;

/// Compiles `inputs` (linked together) into an ELF relocatable object.
pub fn compile_to_object(inputs: &[Input], opts: &Options) -> Result<Vec<u8>> {
    let modules = inputs
        .iter()
        .map(|input| {
            crate::validate::validate(input)?;
            crate::module::ModuleInfo::parse(input)
        })
        .collect::<Result<Vec<_>>>()?;
    let context = inkwell::context::Context::create();
    let llvm_module = crate::lower::lower_program(&context, &modules, opts)?;
    let tm = crate::emit::optimize(&llvm_module, opts)?;
    crate::debuginfo::post_pass::run(&llvm_module, opts.debug);
    if let Some(path) = &opts.emit_llvm {
        crate::emit::write_llvm(&llvm_module, path)?;
    }
    crate::emit::object(&llvm_module, &tm)
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
    let object = compile_to_object(inputs, &opts)?;
    crate::link::link_output(&object, &opts, out)?;
    if opts.debug {
        crate::debuginfo::post_pass::write_lldb_script(out, opts.verbose);
    }
    Ok(())
}
