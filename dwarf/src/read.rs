//! Reading DWARF sections with gimli into the [`Provenance`] model.

use crate::model::{LineRow, Provenance, Scope, ScopeKind, SourceFile, Subprogram, Unit};
use gimli::{AttributeValue, EndianSlice, LittleEndian, UnitOffset};
use std::collections::HashMap;
use std::ops::Range;

type R<'a> = EndianSlice<'a, LittleEndian>;

/// The DWARF sections of a module, by name (`.debug_info`, `.debug_line`...).
#[derive(Debug, Default, Clone)]
pub struct DwarfSections<'a> {
    sections: HashMap<String, &'a [u8]>,
}

impl<'a> DwarfSections<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a section if its name is a DWARF section name.
    pub fn add(&mut self, name: &str, data: &'a [u8]) {
        if name.starts_with(".debug_") {
            self.sections.insert(name.to_string(), data);
        }
    }

    pub fn has_debug_info(&self) -> bool {
        self.sections.contains_key(".debug_info") || self.sections.contains_key(".debug_line")
    }

    fn get(&self, name: &str) -> &'a [u8] {
        self.sections.get(name).copied().unwrap_or(&[])
    }
}

/// Whether `address` can be live code in a code section of `code_size`
/// bytes.  The linker leaves dead code at 0 or at tombstones (-1, -2).
fn is_live(address: u64, code_size: u64) -> bool {
    address != 0 && address < code_size && address < 0xffff_fffe
}

/// Reads the DWARF in `sections`.  `code_size` is the size of the code
/// section payload; rows and ranges outside it are dead code.
pub fn read_dwarf(sections: &DwarfSections<'_>, code_size: u64) -> Provenance {
    let mut prov = Provenance::default();
    let dwarf = gimli::Dwarf::load(|id| -> gimli::Result<R<'_>> {
        Ok(EndianSlice::new(sections.get(id.name()), LittleEndian))
    });
    let dwarf = match dwarf {
        Ok(d) => d,
        Err(e) => {
            prov.warnings.push(format!("cannot load DWARF: {e}"));
            return prov;
        }
    };
    let mut units = dwarf.units();
    loop {
        let header = match units.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                prov.warnings.push(format!("cannot read a compile unit header: {e}"));
                break;
            }
        };
        let offset = header.offset().to_debug_info_offset(&header).map(|o| o.0).unwrap_or(0);
        if let Err(e) = read_unit(&dwarf, header, code_size, &mut prov) {
            prov.warnings.push(format!("compile unit at .debug_info+{offset:#x}: {e}; its debug info is skipped"));
        }
    }
    prov.sort_rows();
    prov
}

fn attr_string<'a>(dwarf: &gimli::Dwarf<R<'a>>, unit: &gimli::Unit<R<'a>>, value: AttributeValue<R<'a>>) -> Option<String> {
    dwarf
        .attr_string(unit, value)
        .ok()
        .map(|s| s.to_string_lossy().into_owned())
}

fn read_unit<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    header: gimli::UnitHeader<R<'a>>,
    code_size: u64,
    prov: &mut Provenance,
) -> gimli::Result<()> {
    let unit = dwarf.unit(header)?;
    let unit_index = prov.units.len();
    let mut u = Unit { version: unit.header.version(), ..Default::default() };
    u.name = unit.name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    u.comp_dir = unit.comp_dir.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    {
        let mut entries = unit.entries();
        if let Some(root) = entries.next_dfs()? {
            if let Some(v) = root.attr_value(gimli::DW_AT_producer) {
                u.producer = attr_string(dwarf, &unit, v).unwrap_or_default();
            }
            if let Some(AttributeValue::Language(l)) = root.attr_value(gimli::DW_AT_language) {
                u.language = l.0;
            }
        }
    }

    // Line table: files, then rows of live sequences.
    let mut rows = Vec::new();
    if let Some(program) = unit.line_program.clone() {
        let header = program.header();
        let count = header.file_names().len() as u64;
        for index in 0..=count {
            let file = header.file(index).map(|f| {
                let name = attr_string(dwarf, &unit, f.path_name()).unwrap_or_default();
                let directory = f
                    .directory(header)
                    .and_then(|d| attr_string(dwarf, &unit, d))
                    .unwrap_or_default();
                let directory = if directory.starts_with('/') || u.comp_dir.is_empty() {
                    directory
                } else if directory.is_empty() {
                    u.comp_dir.clone()
                } else {
                    format!("{}/{}", u.comp_dir.trim_end_matches('/'), directory)
                };
                SourceFile { directory, name }
            });
            u.files.push(file);
        }
        let mut sequence: Vec<LineRow> = Vec::new();
        let mut program_rows = program.rows();
        while let Some((_, row)) = program_rows.next_row()? {
            let column = match row.column() {
                gimli::ColumnType::LeftEdge => 0,
                gimli::ColumnType::Column(c) => c.get().min(u32::MAX as u64) as u32,
            };
            sequence.push(LineRow {
                address: row.address(),
                unit: unit_index,
                file: row.file_index() as usize,
                line: row.line().map(|l| l.get().min(u32::MAX as u64) as u32).unwrap_or(0),
                column,
                is_stmt: row.is_stmt(),
                prologue_end: row.prologue_end(),
                end_sequence: row.end_sequence(),
            });
            if row.end_sequence() {
                if sequence.first().is_some_and(|r| is_live(r.address, code_size)) {
                    rows.append(&mut sequence);
                }
                sequence.clear();
            }
        }
    }

    // Subprograms and their scopes.
    let mut subprograms = Vec::new();
    let mut by_offset: HashMap<UnitOffset, usize> = HashMap::new();
    let mut origins: Vec<(usize, UnitOffset)> = Vec::new();
    {
        let mut tree = unit.entries_tree(None)?;
        let root = tree.root()?;
        collect_subprograms(dwarf, &unit, root, unit_index, code_size, &mut subprograms, &mut by_offset, &mut origins)?;
    }
    // Out-of-line instances of inline functions take their name and
    // declaration from the abstract origin.
    let base = prov.subprograms.len();
    for (index, origin) in origins {
        if let Some(&o) = by_offset.get(&origin) {
            let (name, linkage, file, line, external) = {
                let s: &Subprogram = &subprograms[o];
                (s.name.clone(), s.linkage_name.clone(), s.file, s.line, s.external)
            };
            let s = &mut subprograms[index];
            s.name = s.name.take().or(name);
            s.linkage_name = s.linkage_name.take().or(linkage);
            s.file = s.file.or(file);
            if s.line == 0 {
                s.line = line;
            }
            s.external |= external;
        }
    }
    for s in &mut subprograms {
        fix_callees(&mut s.scopes, base);
    }
    prov.units.push(u);
    prov.rows.extend(rows);
    prov.subprograms.extend(subprograms);
    Ok(())
}

/// Scope callees were recorded as unit-local indices; make them global.
fn fix_callees(scopes: &mut [Scope], base: usize) {
    for s in scopes {
        if let ScopeKind::Inlined { callee, .. } = &mut s.kind {
            *callee += base;
        }
        fix_callees(&mut s.children, base);
    }
}

fn live_ranges<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    entry: &gimli::DebuggingInformationEntry<R<'a>>,
    code_size: u64,
) -> gimli::Result<Vec<Range<u64>>> {
    let mut out = Vec::new();
    let mut ranges = dwarf.die_ranges(unit, entry)?;
    while let Some(r) = ranges.next()? {
        if r.end > r.begin && is_live(r.begin, code_size) {
            out.push(r.begin..r.end.min(code_size));
        }
    }
    Ok(out)
}

fn udata(v: Option<AttributeValue<R<'_>>>) -> Option<u64> {
    v.and_then(|v| v.udata_value())
}

#[allow(clippy::too_many_arguments)]
fn collect_subprograms<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    node: gimli::EntriesTreeNode<R<'a>>,
    unit_index: usize,
    code_size: u64,
    out: &mut Vec<Subprogram>,
    by_offset: &mut HashMap<UnitOffset, usize>,
    origins: &mut Vec<(usize, UnitOffset)>,
) -> gimli::Result<()> {
    let mut children = node.children();
    while let Some(child) = children.next()? {
        let entry = child.entry().clone();
        if entry.tag() == gimli::DW_TAG_subprogram {
            let mut s = Subprogram { unit: unit_index, ..Default::default() };
            if let Some(v) = entry.attr_value(gimli::DW_AT_name) {
                s.name = attr_string(dwarf, unit, v);
            }
            for attr in [gimli::DW_AT_linkage_name, gimli::DW_AT_MIPS_linkage_name] {
                if let Some(v) = entry.attr_value(attr) {
                    s.linkage_name = s.linkage_name.or(attr_string(dwarf, unit, v));
                }
            }
            s.file = udata(entry.attr_value(gimli::DW_AT_decl_file)).map(|f| f as usize);
            s.line = udata(entry.attr_value(gimli::DW_AT_decl_line)).unwrap_or(0) as u32;
            s.external = matches!(entry.attr_value(gimli::DW_AT_external), Some(AttributeValue::Flag(true)));
            s.ranges = live_ranges(dwarf, unit, &entry, code_size)?;
            let index = out.len();
            by_offset.insert(entry.offset(), index);
            for attr in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
                if let Some(AttributeValue::UnitRef(o)) = entry.attr_value(attr) {
                    origins.push((index, o));
                }
            }
            out.push(s);
            // Children: scopes of this subprogram (and nested declarations).
            let mut scopes = Vec::new();
            collect_scopes(dwarf, unit, child, code_size, &mut scopes, by_offset)?;
            out[index].scopes = scopes;
        } else {
            // Namespaces, classes: subprograms may be nested inside.
            collect_subprograms(dwarf, unit, child, unit_index, code_size, out, by_offset, origins)?;
        }
    }
    Ok(())
}

/// Lexical blocks and inlined subroutines below a subprogram or scope.
/// Inlined callees are recorded as DIE offsets first and resolved by index
/// into the unit's subprograms through `by_offset` afterwards.
fn collect_scopes<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    node: gimli::EntriesTreeNode<R<'a>>,
    code_size: u64,
    out: &mut Vec<Scope>,
    by_offset: &HashMap<UnitOffset, usize>,
) -> gimli::Result<()> {
    let mut children = node.children();
    while let Some(child) = children.next()? {
        let entry = child.entry().clone();
        let kind = match entry.tag() {
            gimli::DW_TAG_lexical_block => Some(ScopeKind::LexicalBlock),
            gimli::DW_TAG_inlined_subroutine => {
                let callee = match entry.attr_value(gimli::DW_AT_abstract_origin) {
                    Some(AttributeValue::UnitRef(o)) => by_offset.get(&o).copied(),
                    _ => None,
                };
                callee.map(|callee| ScopeKind::Inlined {
                    callee,
                    call_file: udata(entry.attr_value(gimli::DW_AT_call_file)).map(|f| f as usize),
                    call_line: udata(entry.attr_value(gimli::DW_AT_call_line)).unwrap_or(0) as u32,
                    call_column: udata(entry.attr_value(gimli::DW_AT_call_column)).unwrap_or(0) as u32,
                })
            }
            _ => None,
        };
        match kind {
            Some(kind) => {
                let ranges = live_ranges(dwarf, unit, &entry, code_size)?;
                let mut scope = Scope { kind, ranges, children: Vec::new() };
                collect_scopes(dwarf, unit, child, code_size, &mut scope.children, by_offset)?;
                if !scope.ranges.is_empty() {
                    out.push(scope);
                }
            }
            None => collect_scopes(dwarf, unit, child, code_size, out, by_offset)?,
        }
    }
    Ok(())
}
