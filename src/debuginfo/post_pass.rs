//! The debug layer's passes after optimization, and its file beside the
//! output: the driver runs them in that order.
//!
//! * [`add_symbol_aliases`] (always): local aliases under the source names
//!   of the functions optimization kept;
//! * [`super::inlined_prologue::attribute_to_call_sites`] (with `-g`);
//! * [`super::codeview::materialize_addresses`] (with `-g`, for CodeView);
//! * [`write_lldb_script`] (with `-g`, after linking).

use inkwell::module::Module;
use std::fs;
use std::path::Path;

/// The post-optimization passes: symbol aliases, and with `debug` the
/// inlined prologues.
pub fn run(module: &Module, debug: bool) {
    add_symbol_aliases(module);
    if debug {
        super::inlined_prologue::attribute_to_call_sites(module);
        if super::codeview::format_of(module) == super::DebugFormat::CodeView {
            super::codeview::materialize_addresses(module);
        }
    }
}

/// The local symbols [`super::module_debug`] asked for (source names of
/// functions, for debuggers that look functions up by symbol), for the
/// functions optimization kept.
pub fn add_symbol_aliases(module: &Module) {
    use inkwell::values::AsValueRef;
    let name = super::module_debug::SYMBOL_ALIASES;
    let Ok(key) = name.to_str() else { return };
    for node in module.get_global_metadata(key) {
        let strings: Vec<String> = node
            .get_node_values()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| match v {
                inkwell::values::BasicMetadataValueEnum::MetadataValue(m) => m
                    .get_string_value()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect();
        let [own, alias] = strings.as_slice() else {
            continue;
        };
        let Some(f) = module.get_function(own) else {
            continue;
        };
        if f.count_basic_blocks() == 0 {
            continue;
        }
        let Ok(alias) = std::ffi::CString::new(alias.as_str()) else {
            continue;
        };
        // SAFETY: `f` is a defined function of `module`; the alias goes in
        // the same module.
        unsafe {
            let fv = f.as_value_ref();
            let ty = llvm_sys::core::LLVMGlobalGetValueType(fv);
            let a = llvm_sys::core::LLVMAddAlias2(module.as_mut_ptr(), ty, 0, fv, alias.as_ptr());
            llvm_sys::core::LLVMSetLinkage(a, llvm_sys::LLVMLinkage::LLVMInternalLinkage);
        }
    }
}

/// With `-g`, the lldb extension that follows pointers stored in linear
/// memory goes next to the output (`command script import` it; gdb gets its
/// extension from the output's `.debug_gdb_scripts` section).  The file is
/// the same for every output, so outputs in one directory share it.
/// Best effort: the program itself is complete without it.
pub fn write_lldb_script(out: &Path, verbose: bool) {
    use super::pointers::{LLDB_SCRIPT, LLDB_SCRIPT_NAME};
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = dir.join(LLDB_SCRIPT_NAME);
    let written = fs::read(&path).is_ok_and(|b| b == LLDB_SCRIPT.as_bytes())
        || match fs::write(&path, LLDB_SCRIPT) {
            Ok(()) => true,
            Err(e) => {
                if verbose {
                    eprintln!("innative: note: cannot write {}: {e}", path.display());
                }
                false
            }
        };
    if verbose {
        let abs = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        eprintln!(
            "innative: note: pointers stored in linear memory: gdb runs the extension embedded in {out} \
             once its directory is trusted (add `add-auto-load-safe-path {dir}` to ~/.config/gdb/gdbinit)",
            out = out.display(),
            dir = abs(dir).display()
        );
        if written {
            eprintln!(
                "innative: note: lldb: `command script import {}` (or add that line to ~/.lldbinit)",
                abs(&path).display()
            );
        }
    }
}
