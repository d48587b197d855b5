//! Options: everything that changes what a compile does (the CLI's flags and
//! inNative's).  A leaf: every stage may import it, it imports nothing.

use std::path::PathBuf;

/// What [`compile`](crate::compile) produces.
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
    /// No optimization (`-O0`).
    O0,
    /// `-O1`.
    O1,
    /// `-O2`, the default.
    #[default]
    O2,
    /// `-O3`.
    O3,
    /// Optimize for size (`-Os`).
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

/// Everything that changes what [`compile`](crate::compile) does.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// LLVM optimization level (`-O0`..`-O3`, `-Os`).
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
    /// What to produce.
    pub kind: OutputKind,
    /// Explicit bounds checks on every memory access instead of guard pages.
    pub bounds_checks: bool,
    /// How imports between wasm modules are resolved.
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
    /// Notes on stderr (`-v`).
    pub verbose: bool,
    /// `--emit-llvm`: where to write the optimized LLVM IR.
    pub emit_llvm: Option<PathBuf>,
    /// The output path; with `-g`, the text of a module without DWARF is
    /// written beside it (`OUT.wat`) and debugged at that level.  Set by
    /// [`compile`](crate::compile) when unset.
    pub output: Option<PathBuf>,
    /// The machine the output is for (`--target`, `--cpu`, `--cpu-feature`).
    pub target: crate::target::Target,
}
