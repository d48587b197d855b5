//! Provenance from DWARF: the module's `.debug_*` custom sections (following
//! split-DWARF skeletons to their `.dwo`/`.dwp` files), or the sections of
//! the separate file its `external_debug_info` section names.  Problems with
//! it are warnings, never errors.

use crate::module::ModuleInfo;
use innative_dwarf::{
    check_external, external_debug_path, read_dwarf_split, wasm, DwarfSections, Provenance,
    EXTERNAL_DEBUG_INFO,
};
use std::path::Path;

/// Reads the DWARF of `info`; prints one warning line per problem.
///
/// The DWARF is the module's own `.debug_*` sections (following split-DWARF
/// skeletons to their `.dwo`/`.dwp` files), or, when it has none, the
/// sections of the file its `external_debug_info` section names.
pub fn read_module_dwarf(info: &ModuleInfo<'_>) -> Provenance {
    let path = &info.input.path;
    let mut sections = DwarfSections::new();
    for (name, data) in &info.custom_sections {
        sections.add(name, data);
    }
    if sections.has_debug_info() {
        let prov = read_dwarf_split(&sections, info.code_section_size, path);
        warn_all(path, &prov);
        return prov;
    }
    match info
        .custom_sections
        .iter()
        .find(|(name, _)| *name == EXTERNAL_DEBUG_INFO)
    {
        Some((_, payload)) => read_external(info, payload),
        None => Provenance::default(),
    }
}

fn warn_all(path: &Path, prov: &Provenance) {
    for w in &prov.warnings {
        eprintln!("{}: warning: {w}", path.display());
    }
}

/// Reads the DWARF of the separate debug file named by the module's
/// `external_debug_info` section.  Any problem is one warning naming both
/// files, and no debug info.
fn read_external(info: &ModuleInfo<'_>, payload: &[u8]) -> Provenance {
    let module = info.input.path.display();
    let Some(name) = wasm::name_payload(payload) else {
        eprintln!("{module}: warning: malformed external_debug_info section; no debug info");
        return Provenance::default();
    };
    let debug_path = match external_debug_path(&info.input.path, name) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{module}: warning: external debug info {name}: {e}; no debug info");
            return Provenance::default();
        }
    };
    match read_external_file(info, &debug_path) {
        Ok(prov) => {
            warn_all(&debug_path, &prov);
            prov
        }
        Err(e) => {
            eprintln!(
                "{module}: warning: external debug info {}: {e}; no debug info",
                debug_path.display()
            );
            Provenance::default()
        }
    }
}

fn read_external_file(info: &ModuleInfo<'_>, debug_path: &Path) -> Result<Provenance, String> {
    let bytes = std::fs::read(debug_path).map_err(|e| format!("cannot read it: {e}"))?;
    let container = wasm::parse_container(&bytes)?;
    let mut sections = DwarfSections::new();
    for (name, data) in &container.custom_sections {
        sections.add(name, data);
    }
    if !sections.has_debug_info() {
        return Err("it has no .debug_info section".into());
    }
    let main_code = info.code_section();
    let prov = read_dwarf_split(&sections, info.code_section_size, debug_path);
    let mut body_starts: Vec<u64> = info
        .bodies
        .iter()
        .map(|b| b.range().start.saturating_sub(info.code_section_offset))
        .collect();
    body_starts.sort_unstable();
    check_external(main_code, container.code, &prov, &body_starts)?;
    Ok(prov)
}
