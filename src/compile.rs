//! The compile driver: inputs → validated modules → one LLVM module → object
//! file → linked output.  Options mirror the CLI (and inNative's flags).

use crate::error::{Error, Result};
use crate::load::Input;
use std::path::{Path, PathBuf};

/// What `compile` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputKind {
    /// A native executable: runs start functions, then the `_start` export.
    #[default]
    Executable,
    /// A shared library exporting `<module>_WASM_<export>` symbols.
    SharedLibrary,
    /// A relocatable object (link it with the runtime yourself).
    Object,
}

/// LLVM optimization level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OptLevel {
    O0,
    O1,
    #[default]
    O2,
    O3,
    Os,
}

/// How imports between wasm modules are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Linkage {
    /// At link time: imports name other modules compiled alongside, or C symbols.
    #[default]
    Static,
    /// By a host at run time through the `innative_module` descriptor's import
    /// slots (the spec harness); nothing runs automatically.
    Host,
}

/// Everything that changes what `compile` does.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub opt_level: OptLevel,
    /// Emit native DWARF (`-g`, inNative `-f debug`).
    pub debug: bool,
    /// DWARF version of the native debug info (5, or 4 with
    /// `--dwarf-version 4`); 0 means the default, 5.
    pub dwarf_version: u16,
    /// Source maps given with `--source-map`: the i-th is the map of the
    /// i-th input; it overrides the module's `sourceMappingURL` section.
    pub source_maps: Vec<PathBuf>,
    /// With `-g`, use a module's source map even when it has DWARF.
    pub prefer_source_map: bool,
    /// Keep source-level debug info for the WASI C library too (by default
    /// it is treated like a native system library: no debug info).
    pub debug_system_libs: bool,
    /// `--debug-prefix-map OLD=NEW`: path prefixes rewritten in the DWARF.
    pub debug_prefix_map: Vec<(String, String)>,
    pub kind: OutputKind,
    /// Explicit bounds checks on every memory access instead of guard pages.
    pub bounds_checks: bool,
    pub linkage: Linkage,
    /// The module whose imports are plain C names (`--sys`).
    pub system_module: Option<String>,
    /// When set, only these C imports (module, function; empty function = the
    /// whole module) may link.
    pub whitelist: Option<Vec<(String, String)>>,
    /// Start function override (module, function).
    pub start: Option<(String, String)>,
    /// Static libraries to link.
    pub libs: Vec<PathBuf>,
    /// Shared libraries to link.
    pub shared_libs: Vec<PathBuf>,
    /// WASI directories baked into an executable: "HOST" or "HOST::GUEST".
    pub preopens: Vec<String>,
    /// The guest's environment baked into an executable (`--env`): `K=V`
    /// sets K, a bare `K` passes the host's K through at run time.
    pub env: Vec<String>,
    /// `--inherit-env`: the guest sees every host variable (after `env`).
    pub inherit_env: bool,
    pub verbose: bool,
    /// `--emit-llvm`: where to write the optimized LLVM IR.
    pub emit_llvm: Option<PathBuf>,
    /// The output path; with `-g`, the text of a module without DWARF is
    /// written beside it (`OUT.wat`) and debugged at that level.  Set by
    /// [`compile`] when unset.
    pub output: Option<PathBuf>,
}

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
    crate::emit::emit_object(&llvm_module, opts)
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
    crate::link::link_output(&object, &opts, out)
}
