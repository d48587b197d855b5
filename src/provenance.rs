//! A module's provenance, built up front before anything is compiled: today
//! the DWARF in its `.debug_*` custom sections (source maps and `.wat`
//! positions come later).  Problems with it are warnings, never errors.

use crate::module::ModuleInfo;
use innative_dwarf::{read_dwarf, DwarfSections, Provenance};

/// Reads the DWARF of `info`; prints one warning line per problem.
pub fn read_module_dwarf(info: &ModuleInfo<'_>) -> Provenance {
    let mut sections = DwarfSections::new();
    for (name, data) in &info.custom_sections {
        sections.add(name, data);
    }
    if !sections.has_debug_info() {
        return Provenance::default();
    }
    let prov = read_dwarf(&sections, info.code_section_size);
    for w in &prov.warnings {
        eprintln!("{}: warning: {w}", info.input.path.display());
    }
    prov
}
