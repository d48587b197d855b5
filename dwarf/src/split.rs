//! Split DWARF (`-gsplit-dwarf`): the module's `.debug_info` holds only
//! *skeleton* units — `DW_AT_dwo_name` (DWARF 5) or `DW_AT_GNU_dwo_name`
//! (DWARF 4 GNU extension), `DW_AT_comp_dir`, the dwo id, the unit's code
//! ranges, `.debug_addr` and the line table — while the DIE tree
//! (subprograms, scopes, variables, types) lives in a `.dwo` file.  For wasm,
//! clang writes each `.dwo` as a wasm object whose custom sections carry the
//! `.debug_*.dwo` sections; `llvm-dwp` packs them into a wasm-format `.dwp`.
//!
//! [`SideFiles`] finds and loads those files *before* reading (so their
//! bytes outlive every gimli reader made from them) and hands out, for each
//! skeleton, the split unit with the same dwo id, relocated against the
//! skeleton (`make_dwo`, `copy_relocated_attributes`).
//!
//! Where a skeleton's `.dwo` is found:
//! 1. `<module>.dwp` (or `<module stem>.dwp`) next to the module, if it
//!    indexes the dwo id;
//! 2. `dwo_name` when absolute, else `comp_dir/dwo_name`;
//! 3. the module's directory + `dwo_name`, then + its file name.

use crate::model::{LineRow, Subprogram};
use crate::wasm::parse_container;
use gimli::{EndianSlice, LittleEndian};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

type R<'a> = EndianSlice<'a, LittleEndian>;

/// Whether `unit` is a skeleton whose DIEs live in a `.dwo` file.
pub(crate) fn is_skeleton(unit: &gimli::Unit<R<'_>>) -> bool {
    unit.dwo_id.is_some() && matches!(unit.dwo_name(), Ok(Some(_)))
}

/// The `.dwo`/`.dwp` files the skeletons of one module name, loaded.
#[derive(Debug, Default)]
pub(crate) struct SideFiles {
    /// Directory of the module (fallback search place); None: no side files.
    module_dir: Option<PathBuf>,
    /// Loaded `.dwo` candidates by path (unreadable ones: the error).
    dwos: HashMap<PathBuf, Result<Vec<u8>, String>>,
    /// The module's `.dwp` package, if there is one.
    dwp: Option<(PathBuf, Vec<u8>)>,
}

/// A skeleton's split unit, read from its `.dwo` or the `.dwp`.
pub(crate) struct SplitUnit<'a> {
    pub dwarf: gimli::Dwarf<R<'a>>,
    pub unit: gimli::Unit<R<'a>>,
}

fn string(
    dwarf: &gimli::Dwarf<R<'_>>,
    unit: &gimli::Unit<R<'_>>,
    v: gimli::AttributeValue<R<'_>>,
) -> Option<String> {
    dwarf
        .attr_string(unit, v)
        .ok()
        .map(|s| s.to_string_lossy().into_owned())
}

/// The places a skeleton's `.dwo` may be, most specific first.
fn candidates(module_dir: &Path, comp_dir: Option<&str>, dwo_name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let name = Path::new(dwo_name);
    if name.is_absolute() {
        out.push(name.to_path_buf());
    } else if let Some(dir) = comp_dir.filter(|d| !d.is_empty()) {
        let dir = Path::new(dir);
        out.push(dir.join(name));
        if dir.is_relative() {
            out.push(module_dir.join(dir).join(name));
        }
    }
    if name.is_relative() {
        out.push(module_dir.join(name));
    }
    if let Some(file) = name.file_name() {
        out.push(module_dir.join(file));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

impl SideFiles {
    /// No side files: every skeleton is reported as missing its `.dwo`.
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Loads the side files the skeletons in `dwarf` need, looking next to
    /// the module at `module_path`.  Nothing is loaded for a module without
    /// skeletons.
    pub(crate) fn load(dwarf: &gimli::Dwarf<R<'_>>, module_path: &Path) -> Self {
        let module_dir = module_path
            .parent()
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
            .unwrap_or(Path::new("."));
        // Absolute, so that comp_dir and the module directory name one
        // file the same way when they are the same place.
        let module_dir =
            std::fs::canonicalize(module_dir).unwrap_or_else(|_| module_dir.to_path_buf());
        let mut side = SideFiles {
            module_dir: Some(module_dir.clone()),
            ..Default::default()
        };
        let mut skeletons = Vec::new();
        let mut headers = dwarf.units();
        while let Ok(Some(header)) = headers.next() {
            let Ok(unit) = dwarf.unit(header) else {
                continue;
            };
            if !is_skeleton(&unit) {
                continue;
            }
            let Some(name) = unit
                .dwo_name()
                .ok()
                .flatten()
                .and_then(|v| string(dwarf, &unit, v))
            else {
                continue;
            };
            let comp_dir = unit.comp_dir.map(|d| d.to_string_lossy().into_owned());
            skeletons.push((comp_dir, name));
        }
        if skeletons.is_empty() {
            return side;
        }
        let mut dwp_names = vec![format!("{}.dwp", module_path.display())];
        if let Some(stem) = module_path.file_stem() {
            dwp_names.push(
                module_dir
                    .join(format!("{}.dwp", stem.to_string_lossy()))
                    .display()
                    .to_string(),
            );
        }
        side.dwp = dwp_names
            .into_iter()
            .find_map(|p| std::fs::read(&p).ok().map(|b| (PathBuf::from(p), b)));
        for (comp_dir, name) in skeletons {
            for path in candidates(&module_dir, comp_dir.as_deref(), &name) {
                if side.dwos.contains_key(&path) {
                    continue;
                }
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        side.dwos.insert(path, Ok(bytes));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        side.dwos.insert(path, Err(e.to_string()));
                    }
                }
            }
        }
        side
    }

    /// The split unit of `skeleton`, or a one-line reason why there is none.
    pub(crate) fn split_unit<'a>(
        &'a self,
        parent: &gimli::Dwarf<R<'a>>,
        skeleton: &gimli::Unit<R<'a>>,
    ) -> Result<SplitUnit<'a>, String> {
        let dwo_id = skeleton.dwo_id.ok_or("skeleton unit without a dwo id")?;
        let name = skeleton
            .dwo_name()
            .ok()
            .flatten()
            .and_then(|v| string(parent, skeleton, v))
            .unwrap_or_default();
        let Some(module_dir) = &self.module_dir else {
            return Err(format!(
                "split DWARF file {name} not searched (no module path)"
            ));
        };
        let mut problems = Vec::new();
        if let Some((path, bytes)) = &self.dwp {
            match from_dwp(bytes, dwo_id, parent, skeleton) {
                Ok(Some(u)) => return Ok(u),
                Ok(None) => {}
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
        let comp_dir = skeleton.comp_dir.map(|d| d.to_string_lossy().into_owned());
        let paths = candidates(module_dir, comp_dir.as_deref(), &name);
        let mut tried = std::collections::HashSet::new();
        for path in &paths {
            // The same file under two names is tried once.
            if !tried.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())) {
                continue;
            }
            match self.dwos.get(path) {
                None => {}
                Some(Err(e)) => problems.push(format!("{}: {e}", path.display())),
                Some(Ok(bytes)) => match from_dwo(bytes, dwo_id, parent, skeleton) {
                    Ok(u) => return Ok(u),
                    Err(e) => problems.push(format!("{}: {e}", path.display())),
                },
            }
        }
        if problems.is_empty() {
            let looked: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            Err(format!(
                "split DWARF file {name} not found (looked for {})",
                looked.join(", ")
            ))
        } else {
            Err(format!("split DWARF file {name}: {}", problems.join("; ")))
        }
    }
}

/// The unit with `dwo_id` in a `.dwo` wasm object.
fn from_dwo<'a>(
    bytes: &'a [u8],
    dwo_id: gimli::DwoId,
    parent: &gimli::Dwarf<R<'a>>,
    skeleton: &gimli::Unit<R<'a>>,
) -> Result<SplitUnit<'a>, String> {
    let container = parse_container(bytes)?;
    if container.custom(".debug_info.dwo").is_none() {
        return Err("no .debug_info.dwo section".into());
    }
    let mut dwarf = gimli::Dwarf::load(|id| -> Result<R<'a>, String> {
        let data = id
            .dwo_name()
            .and_then(|n| container.custom(n))
            .unwrap_or(&[]);
        Ok(EndianSlice::new(data, LittleEndian))
    })?;
    dwarf.make_dwo(parent);
    let mut headers = dwarf.units();
    let mut ids = Vec::new();
    loop {
        let header = match headers.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => return Err(format!("cannot read a unit header: {e}")),
        };
        let mut unit = dwarf.unit(header).map_err(|e| e.to_string())?;
        if unit.dwo_id == Some(dwo_id) {
            unit.copy_relocated_attributes(skeleton);
            return Ok(SplitUnit { dwarf, unit });
        }
        ids.extend(unit.dwo_id.map(|i| format!("{:#x}", i.0)));
    }
    Err(format!(
        "it holds dwo id {}, the module wants {:#x} (stale .dwo?)",
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.join(", ")
        },
        dwo_id.0,
    ))
}

/// The unit with `dwo_id` in a `.dwp` package, if the package indexes it.
fn from_dwp<'a>(
    bytes: &'a [u8],
    dwo_id: gimli::DwoId,
    parent: &gimli::Dwarf<R<'a>>,
    skeleton: &gimli::Unit<R<'a>>,
) -> Result<Option<SplitUnit<'a>>, String> {
    let container = parse_container(bytes)?;
    let empty = EndianSlice::new(&[][..], LittleEndian);
    let dwp = gimli::DwarfPackage::load(
        |id| -> Result<R<'a>, gimli::Error> {
            let data = id
                .dwo_name()
                .and_then(|n| container.custom(n))
                .unwrap_or(&[]);
            Ok(EndianSlice::new(data, LittleEndian))
        },
        empty,
    )
    .map_err(|e| e.to_string())?;
    let Some(dwarf) = dwp.find_cu(dwo_id, parent).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let header = dwarf
        .units()
        .next()
        .map_err(|e| e.to_string())?
        .ok_or("the package's unit is empty")?;
    let mut unit = dwarf.unit(header).map_err(|e| e.to_string())?;
    if unit.dwo_id != Some(dwo_id) {
        return Err(format!(
            "package unit for dwo id {:#x} has another id",
            dwo_id.0
        ));
    }
    unit.copy_relocated_attributes(skeleton);
    Ok(Some(SplitUnit { dwarf, unit }))
}

/// For a skeleton whose `.dwo` is missing: one nameless subprogram per
/// line-table sequence (clang gives each wasm function its own sequence),
/// so that the lowering still attaches the unit's lines to its functions.
/// The name comes from the module's name section; there are no scopes,
/// variables or types.
#[allow(clippy::single_range_in_vec_init)] // one range per function
pub(crate) fn line_only_subprograms(rows: &[LineRow], unit: usize) -> Vec<Subprogram> {
    let mut out = Vec::new();
    let mut start: Option<&LineRow> = None;
    let mut first_line: Option<&LineRow> = None;
    for row in rows {
        if row.end_sequence {
            if let Some(s) = start.take() {
                if row.address > s.address {
                    let f = first_line.unwrap_or(s);
                    out.push(Subprogram {
                        unit,
                        file: Some(f.file),
                        line: f.line,
                        ranges: vec![s.address..row.address],
                        ..Default::default()
                    });
                }
            }
            first_line = None;
            continue;
        }
        start.get_or_insert(row);
        if row.line != 0 && first_line.is_none() {
            first_line = Some(row);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn candidate_paths() {
        let c = candidates(Path::new("/m"), Some("/build"), "x.dwo");
        assert_eq!(c, [PathBuf::from("/build/x.dwo"), "/m/x.dwo".into()]);
        let c = candidates(Path::new("/m"), Some("rel"), "sub/x.dwo");
        assert_eq!(
            c,
            [
                PathBuf::from("rel/sub/x.dwo"),
                "/m/rel/sub/x.dwo".into(),
                "/m/sub/x.dwo".into(),
                "/m/x.dwo".into()
            ]
        );
        let c = candidates(Path::new("/m"), None, "/abs/x.dwo");
        assert_eq!(c, [PathBuf::from("/abs/x.dwo"), "/m/x.dwo".into()]);
    }

    fn row(address: u64, line: u32, end_sequence: bool) -> LineRow {
        LineRow {
            address,
            unit: 3,
            file: 1,
            line,
            column: 0,
            is_stmt: true,
            prologue_end: false,
            end_sequence,
        }
    }

    #[test]
    fn one_subprogram_per_sequence() {
        let rows = [
            row(10, 0, false),
            row(12, 4, false),
            row(30, 5, true),
            row(30, 9, false),
            row(40, 9, true),
            row(50, 9, true),
        ];
        let s = line_only_subprograms(&rows, 3);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].ranges, [10..30]);
        assert_eq!((s[0].line, s[0].unit, s[0].name.clone()), (4, 3, None));
        assert_eq!(s[1].ranges, [30..40]);
    }

    #[test]
    fn garbage_side_files_are_errors() {
        let parent = gimli::Dwarf::<R<'_>>::default();
        for bytes in [
            &b""[..],
            b"\0asm\x01\0\0\0",
            b"\0asm\x01\0\0\0\x00\x10\x0f.debug_info.dwo",
        ] {
            assert!(from_dwp(bytes, gimli::DwoId(1), &parent, &dummy_unit())
                .map(|u| u.is_none())
                .unwrap_or(true));
            assert!(from_dwo(bytes, gimli::DwoId(1), &parent, &dummy_unit()).is_err());
        }
    }

    /// A minimal DWARF 5 skeleton unit (no attributes beyond the header).
    fn dummy_unit() -> gimli::Unit<R<'static>> {
        // unit_length, version 5, DW_UT_skeleton, addr size 4, abbrev 0, dwo id,
        // then abbrev code 1 (DW_TAG_skeleton_unit, no children, no attrs).
        static INFO: [u8; 22] = [
            18, 0, 0, 0, 5, 0, 4, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0,
        ];
        static ABBREV: [u8; 6] = [1, 0x4a, 0, 0, 0, 0];
        let dwarf = gimli::Dwarf::load(|id| -> Result<R<'static>, ()> {
            Ok(EndianSlice::new(
                match id {
                    gimli::SectionId::DebugInfo => &INFO[..],
                    gimli::SectionId::DebugAbbrev => &ABBREV[..],
                    _ => &[],
                },
                LittleEndian,
            ))
        })
        .unwrap();
        let header = dwarf.units().next().unwrap().unwrap();
        dwarf.unit(header).unwrap()
    }
}
