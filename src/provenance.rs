//! A module's provenance, built up front before anything is compiled: today
//! the DWARF in its `.debug_*` custom sections (source maps and `.wat`
//! positions come later).  Problems with it are warnings, never errors.

use crate::module::ModuleInfo;
use innative_dwarf::{read_dwarf, DwarfSections, Provenance};

/// Source directories of the WASI C library (wasi-libc's layout).  Its
/// compile units are treated like a native system library's: no
/// source-level debug info unless asked for, so that `break main`, `step`
/// and `bt` behave as with glibc in a native build.
const SYSTEM_SOURCE_DIRS: &[&str] = &[
    "libc-bottom-half/",
    "libc-top-half/",
    "dlmalloc/",
    "emmalloc/",
    "cloudlibc/",
    "libc-builtins/",
];

fn is_system_unit(name: &str) -> bool {
    let name = name.trim_start_matches("./");
    SYSTEM_SOURCE_DIRS
        .iter()
        .any(|d| name.starts_with(d) || name.contains(&format!("/wasi-libc/{d}")))
}

/// Removes the line rows and subprograms of system-library units.
pub fn drop_system_units(prov: &mut Provenance) {
    let system: Vec<bool> = prov.units.iter().map(|u| is_system_unit(&u.name)).collect();
    prov.rows
        .retain(|r| !system.get(r.unit).copied().unwrap_or(false));
    for s in &mut prov.subprograms {
        if system.get(s.unit).copied().unwrap_or(false) {
            s.ranges.clear();
            s.scopes.clear();
        }
    }
    prov.globals
        .retain(|(u, _)| !system.get(*u).copied().unwrap_or(false));
}

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

#[cfg(test)]
mod tests {
    use super::is_system_unit;

    #[test]
    fn wasi_libc_units_are_system_units() {
        assert!(is_system_unit("./libc-top-half/musl/src/stdio/printf.c"));
        assert!(is_system_unit("libc-bottom-half/crt/crt1-command.c"));
        assert!(!is_system_unit("prog.c"));
        assert!(!is_system_unit("src/libc-top-half-notes.c"));
    }
}
