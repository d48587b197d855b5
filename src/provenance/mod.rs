//! A module's provenance — where its code came from — chosen up front,
//! before anything is lowered, by [`select`]: the one place that owns the
//! rule "DWARF, else the source map, else the text; without the C
//! library's units".  One file per origin:
//!
//! * [`dwarf`]: the module's DWARF (`.debug_*` sections, split DWARF,
//!   `external_debug_info`);
//! * [`source_map`]: its source map (`sourceMappingURL` or `--source-map`);
//! * [`wat`]: WebAssembly text (the user's `.wat`, or the text innative
//!   writes beside the output).
//!
//! Whatever the origin, the result is one model ([`Provenance`], from the
//! `innative-dwarf` crate), so the debug layer and `serialize --emit-debug`
//! never ask where it came from.  No LLVM here.  Files the provenance points
//! at but that do not exist yet (`OUT.wat`, `OUT.sources/...`) are returned
//! as [`Companion`]s: the driver writes them.

pub mod dwarf;
pub mod prefix_map;
pub mod source_map;
pub mod wat;

use crate::module::ModuleInfo;
use innative_dwarf::Provenance;
use std::path::{Path, PathBuf};

/// What [`select`] needs to know about the compile.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The module's `--source-map`, which overrides its `sourceMappingURL`.
    pub source_map: Option<&'a Path>,
    /// Use the source map even when the module has DWARF.
    pub prefer_source_map: bool,
    /// Keep the WASI C library's units (`--debug-system-libs`; `serialize`
    /// annotates every function).
    pub keep_system_units: bool,
    /// The compile's output: the text of a binary module without DWARF or
    /// map is written beside it (`OUT.wat`, `OUT.<module>.wat` with several
    /// modules) and debugged at that level, and a map's `sourcesContent`
    /// under `OUT.sources/`.  None: only a `.wat` input is its own text.
    pub output: Option<&'a Path>,
    /// How many modules are compiled together.
    pub modules: usize,
    /// Notes on stderr (`-v`).
    pub verbose: bool,
}

/// A module's provenance, and the files it points at that the driver must
/// write.
#[derive(Debug, Default)]
pub struct Selected {
    /// The chosen provenance (empty: function-level debug info only).
    pub provenance: Provenance,
    /// Files it points at that the driver writes.
    pub companions: Vec<Companion>,
}

/// A file the chosen provenance points at, to be written by the driver.
#[derive(Debug, Clone)]
pub struct Companion {
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub contents: String,
    /// What it is (how it is written).
    pub kind: CompanionKind,
}

/// What a [`Companion`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanionKind {
    /// The module's text (`OUT.wat`).
    Text,
    /// A source from the map's `sourcesContent` (under `OUT.sources/`):
    /// its directories are created, and an identical file is left alone.
    Source,
}

impl Companion {
    /// Writes the file; a failure is one warning line naming `module`.
    pub fn write(&self, module: &Path) {
        let written = match self.kind {
            CompanionKind::Text => std::fs::write(&self.path, &self.contents),
            CompanionKind::Source => self
                .path
                .parent()
                .map(std::fs::create_dir_all)
                .unwrap_or(Ok(()))
                .and_then(|_| {
                    if std::fs::read(&self.path).ok().as_deref() == Some(self.contents.as_bytes()) {
                        Ok(())
                    } else {
                        std::fs::write(&self.path, &self.contents)
                    }
                }),
        };
        if let Err(e) = written {
            match self.kind {
                CompanionKind::Text => eprintln!(
                    "{}: warning: cannot write {}: {e}",
                    module.display(),
                    self.path.display()
                ),
                CompanionKind::Source => eprintln!(
                    "warning: cannot write {} from the source map's sourcesContent: {e}",
                    self.path.display()
                ),
            }
        }
    }
}

/// The provenance of module `info`: its DWARF when it has some, else its
/// source map (`prefer_source_map` puts the map first), else its text;
/// then, unless asked to keep them, without the WASI C library's units.
/// Warnings (unusable DWARF or map) go to stderr; an empty provenance
/// means function-level debug info only.
pub fn select(info: &ModuleInfo<'_>, request: &Request<'_>) -> Selected {
    let mut companions = Vec::new();
    let mut provenance = match source_map::locate(info, request) {
        None => dwarf::read_module_dwarf(info),
        Some(map) if request.prefer_source_map => {
            source_map::read_map(info, request, &map, &mut companions)
                .unwrap_or_else(|| dwarf::read_module_dwarf(info))
        }
        Some(map) => {
            let dwarf = dwarf::read_module_dwarf(info);
            if dwarf.is_empty() {
                source_map::read_map(info, request, &map, &mut companions).unwrap_or(dwarf)
            } else {
                if request.verbose {
                    eprintln!(
                        "{}: note: the module has DWARF; its source map {} is not used \
                         (--prefer-source-map uses it)",
                        info.input.path.display(),
                        map.describe()
                    );
                }
                dwarf
            }
        }
    };
    if provenance.is_empty() {
        // No DWARF and no map: debug the module's WebAssembly text.
        let text = wat::provenance_for(info, request.output, request.modules, &mut companions);
        if let Some(text) = text {
            provenance = text;
        }
    }
    if !request.keep_system_units {
        drop_system_units(&mut provenance);
    }
    Selected {
        provenance,
        companions,
    }
}

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

/// Whether a unit's name has one of the system directories as a path
/// component (`libc-bottom-half/...`, `./build/libc-bottom-half/...`).
fn is_system_unit(name: &str) -> bool {
    let name = name.trim_start_matches("./");
    SYSTEM_SOURCE_DIRS
        .iter()
        .any(|d| name.starts_with(d) || name.contains(&format!("/{d}")))
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

#[cfg(test)]
mod tests {
    use super::is_system_unit;

    #[test]
    fn wasi_libc_units_are_system_units() {
        assert!(is_system_unit("./libc-top-half/musl/src/stdio/printf.c"));
        assert!(is_system_unit("libc-bottom-half/crt/crt1-command.c"));
        assert!(!is_system_unit("prog.c"));
        assert!(is_system_unit("build/libc-bottom-half/crt/crt1-command.c"));
        assert!(!is_system_unit("src/libc-top-half-notes.c"));
    }
}
