//! DWARF line tables → address-ordered rows, read straight from the line
//! programs with gimli (no DIE walk, no `addr2line`): the input may hold
//! many megabytes of DWARF, and only `.debug_line` (plus each unit's root
//! DIE, for its compilation directory) is needed.
//!
//! Two passes keep memory small: the first runs every line program once to
//! find its sequences (address ranges, and where each starts in the
//! program); the second replays the live sequences in address order
//! (`resume_from`) and hands their rows to a sink one by one, so no table of
//! all rows is ever built — only the rows of sequences that overlap the one
//! being read are held back for merging.
//!
//! Two containers: a wasm module (addresses are code-section offsets;
//! sequences starting at 0 or at a tombstone are dead code the linker
//! discarded) and an ELF file (addresses are virtual addresses; sequences
//! starting outside every executable section are dead; in a relocatable
//! object the relocations of the DWARF sections are applied first, so an
//! address is the offset inside its code section).
//!
//! File names follow LLVM's rules, as the DWARF reader's do (one function,
//! [`innative_dwarf::paths::line_file`]); `.` path components are removed.

use gimli::{EndianSlice, RunTimeEndian};
use innative_dwarf::paths::line_file;
pub use innative_dwarf::paths::normalize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io;
use std::ops::Range;

/// `Row::source` of a row that maps to no source (a line-0 row, or the end
/// of a sequence).
pub const UNMAPPED: u32 = u32::MAX;

/// Rank of the row that is in effect at its address (the last of the rows
/// its sequence has there).
pub const RANK_EFFECTIVE: u8 = 0;
/// Rank of the other rows a sequence has at the same address.
pub const RANK_OTHER: u8 = 1;
/// Rank of a sequence's end (the first address after it).
pub const RANK_END: u8 = 2;

/// One row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The code offset (wasm) or address (ELF) the row starts at.
    pub address: u64,
    /// 1-based; 0 only for [`UNMAPPED`] rows.
    pub line: u32,
    /// 1-based; 0 = no column.
    pub column: u32,
    /// Index into the source table, or [`UNMAPPED`].
    pub source: u32,
    /// [`RANK_EFFECTIVE`], [`RANK_OTHER`] or [`RANK_END`].
    pub rank: u8,
}

/// Rows collected in memory (tests, small inputs).
#[derive(Debug, Default)]
pub struct LineTable {
    /// Source paths, by source index.
    pub sources: Vec<String>,
    /// Sorted by (address, rank).
    pub rows: Vec<Row>,
    /// What could not be read (one line each).
    pub warnings: Vec<String>,
}

/// Source paths, numbered in order of first use.
#[derive(Debug, Default)]
pub struct Sources {
    /// The paths, by id.
    pub paths: Vec<String>,
    index: HashMap<String, u32>,
}

impl Sources {
    /// The id of `path`, numbering it when it is new.
    pub fn id(&mut self, path: &str) -> u32 {
        if let Some(&id) = self.index.get(path) {
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(path.to_string());
        self.index.insert(path.to_string(), id);
        id
    }
}

type R<'a> = EndianSlice<'a, RunTimeEndian>;

/// Which sequences are live code.
#[derive(Debug, Clone)]
enum Live {
    /// wasm: inside the code section, not 0 and not a tombstone.
    Wasm { code_size: u64 },
    /// ELF: inside an executable section (relocatable objects: always).
    Elf {
        relocatable: bool,
        text: Vec<Range<u64>>,
    },
}

impl Live {
    fn contains(&self, a: u64) -> bool {
        match self {
            Live::Wasm { code_size } => a != 0 && a < *code_size && a < 0xffff_fffe,
            Live::Elf { relocatable, text } => *relocatable || text.iter().any(|r| r.contains(&a)),
        }
    }
}

/// The DWARF of an input, ready to read.
pub struct Debug<'d> {
    sections: HashMap<String, Cow<'d, [u8]>>,
    endian: RunTimeEndian,
    live: Live,
    /// wasm: file offset of the code section payload (DWARF address 0).
    pub code_offset: u64,
    /// ELF: a relocatable object (addresses are section offsets).
    pub relocatable: bool,
    /// ELF: function symbols (start, end, name), sorted.
    pub symbols: Vec<(u64, u64, String)>,
}

/// The DWARF of a wasm module's `.debug_*` sections.
pub fn wasm_debug(bytes: &[u8]) -> Result<Debug<'_>, String> {
    let sections = crate::wasm::sections(bytes)?;
    let code = crate::wasm::code_payload(&sections).ok_or("the module has no code section")?;
    let mut debug = HashMap::new();
    for s in &sections {
        if let (true, Some(name)) = (s.is_debug(), s.name) {
            debug.insert(name.to_string(), Cow::Borrowed(&bytes[s.payload.clone()]));
        }
    }
    if !debug.contains_key(".debug_line") {
        return Err(
            "the module has no DWARF line table (.debug_line section); build it with -g".into(),
        );
    }
    Ok(Debug {
        sections: debug,
        endian: RunTimeEndian::Little,
        live: Live::Wasm {
            code_size: code.len() as u64,
        },
        code_offset: code.start as u64,
        relocatable: false,
        symbols: Vec::new(),
    })
}

/// The DWARF of an ELF object, executable or shared library.
pub fn elf_debug(bytes: &[u8], want_symbols: bool) -> Result<Debug<'_>, String> {
    use object::{Object, ObjectSection, ObjectSymbol, SectionKind};
    let file = object::File::parse(bytes).map_err(|e| format!("not a readable ELF file: {e}"))?;
    let endian = if file.is_little_endian() {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let relocatable = file.kind() == object::ObjectKind::Relocatable;
    let mut debug = HashMap::new();
    let mut text = Vec::new();
    for section in file.sections() {
        let Ok(name) = section.name() else { continue };
        if section.kind() == SectionKind::Text && section.size() > 0 {
            text.push(section.address()..section.address().saturating_add(section.size()));
        }
        let name = if let Some(rest) = name.strip_prefix(".zdebug_") {
            format!(".debug_{rest}")
        } else if name.starts_with(".debug_") {
            name.to_string()
        } else {
            continue;
        };
        let data = section
            .uncompressed_data()
            .map_err(|e| format!("section {name}: {e}"))?;
        let data = if relocatable {
            Cow::Owned(relocate(&file, &section, data.into_owned(), endian))
        } else {
            data
        };
        debug.insert(name, data);
    }
    if !debug.contains_key(".debug_line") {
        return Err(
            "the file has no DWARF line table (.debug_line section); build it with -g".into(),
        );
    }
    let mut symbols = Vec::new();
    if want_symbols {
        for s in file.symbols() {
            if s.kind() == object::SymbolKind::Text && s.size() > 0 {
                if let Ok(name) = s.name() {
                    symbols.push((
                        s.address(),
                        s.address().saturating_add(s.size()),
                        name.to_string(),
                    ));
                }
            }
        }
        symbols.sort();
        symbols.dedup_by_key(|f| f.0);
    }
    Ok(Debug {
        sections: debug,
        endian,
        live: Live::Elf { relocatable, text },
        code_offset: 0,
        relocatable,
        symbols,
    })
}

impl<'d> Debug<'d> {
    fn dwarf(&self) -> Result<gimli::Dwarf<R<'_>>, String> {
        gimli::Dwarf::load(|id| -> gimli::Result<R<'_>> {
            let data = self.sections.get(id.name()).map(|c| &c[..]).unwrap_or(&[]);
            Ok(EndianSlice::new(data, self.endian))
        })
        .map_err(|e| format!("cannot load DWARF: {e}"))
    }

    /// First pass: every unit's line program and its live sequences.
    pub fn lines(&self) -> Result<Lines<'_>, String> {
        let dwarf = self.dwarf()?;
        let mut lines = Lines {
            units: Vec::new(),
            order: Vec::new(),
            warnings: Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        let mut headers = dwarf.units();
        loop {
            let header = match headers.next() {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(e) => {
                    lines
                        .warnings
                        .push(format!("cannot read a compile unit header: {e}"));
                    break;
                }
            };
            let at = header
                .offset()
                .to_debug_info_offset(&header)
                .map(|o| o.0)
                .unwrap_or(0);
            let unit = match dwarf.unit(header) {
                Ok(u) => u,
                Err(e) => {
                    lines
                        .warnings
                        .push(format!("compile unit at .debug_info+{at:#x}: {e}; skipped"));
                    continue;
                }
            };
            let Some(program) = unit.line_program.clone() else {
                continue;
            };
            // Units sharing a line table (type units) read it once.
            if !seen.insert(program.header().offset().0) {
                continue;
            }
            let header = program.header();
            let paths: Vec<String> = (0..=header.file_names().len() as u64)
                .map(|i| file_path(&dwarf, &unit, header, i))
                .collect();
            let (program, sequences) = match program.sequences() {
                Ok(p) => p,
                Err(e) => {
                    lines.warnings.push(format!(
                        "line table of the compile unit at .debug_info+{at:#x}: {e}; skipped"
                    ));
                    continue;
                }
            };
            let u = lines.units.len() as u32;
            for (s, seq) in sequences.iter().enumerate() {
                if seq.start < seq.end && self.live.contains(seq.start) {
                    lines.order.push((seq.start, u, s as u32));
                }
            }
            lines.units.push(UnitLines {
                program,
                sequences,
                ids: vec![None; paths.len()],
                paths,
            });
        }
        // Stable: sequences starting together keep line-table order.
        lines.order.sort_by_key(|o| o.0);
        Ok(lines)
    }

    /// Concrete functions of the DWARF (subprograms with code): (start, end,
    /// name) for the live ones, sorted by start.
    pub fn functions(&self) -> Vec<(u64, u64, String)> {
        let Ok(dwarf) = self.dwarf() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut headers = dwarf.units();
        while let Ok(Some(header)) = headers.next() {
            let Ok(unit) = dwarf.unit(header) else {
                continue;
            };
            let mut entries = unit.entries();
            while let Ok(Some(entry)) = entries.next_dfs() {
                if entry.tag() != gimli::DW_TAG_subprogram
                    || (entry.attr_value(gimli::DW_AT_low_pc).is_none()
                        && entry.attr_value(gimli::DW_AT_ranges).is_none())
                {
                    continue;
                }
                let Some(name) = die_name(&dwarf, &unit, entry, 0) else {
                    continue;
                };
                let Ok(mut ranges) = dwarf.die_ranges(&unit, entry) else {
                    continue;
                };
                while let Ok(Some(r)) = ranges.next() {
                    if r.begin < r.end && self.live.contains(r.begin) {
                        out.push((r.begin, r.end, name.clone()));
                    }
                }
            }
        }
        out.sort();
        out.dedup_by_key(|f| f.0);
        out
    }
}

struct UnitLines<'a> {
    program: gimli::CompleteLineProgram<R<'a>>,
    sequences: Vec<gimli::LineSequence<R<'a>>>,
    /// Path of every file index.
    paths: Vec<String>,
    /// Source id of every file index, assigned on first use.
    ids: Vec<Option<u32>>,
}

/// The live sequences of every line table, in address order.
pub struct Lines<'a> {
    units: Vec<UnitLines<'a>>,
    /// (start, unit, sequence), sorted by start.
    order: Vec<(u64, u32, u32)>,
    /// What could not be read (one line each).
    pub warnings: Vec<String>,
}

impl Lines<'_> {
    /// How many live sequences there are.
    pub fn sequences(&self) -> usize {
        self.order.len()
    }

    /// Second pass: hands every row to `sink` in (address, rank) order.
    /// Sources get their ids in `sources` as rows first use them.  Returns
    /// the number of rows.
    pub fn stream(
        &mut self,
        sources: &mut Sources,
        sink: &mut dyn FnMut(Row) -> io::Result<()>,
    ) -> io::Result<u64> {
        let mut count = 0u64;
        let mut seq: Vec<(u64, u64, u32, u32)> = Vec::new();
        let mut pending: Vec<Row> = Vec::new();
        let mut rows_of_seq: Vec<Row> = Vec::new();
        let order = std::mem::take(&mut self.order);
        for &(start, u, s) in &order {
            let unit = &mut self.units[u as usize];
            seq.clear();
            let mut end = None;
            {
                let mut rows = unit.program.resume_from(&unit.sequences[s as usize]);
                loop {
                    match rows.next_row() {
                        Ok(Some((_, row))) => {
                            if row.end_sequence() {
                                end = Some(row.address());
                                break;
                            }
                            let line = row
                                .line()
                                .map(|l| l.get().min(u32::MAX as u64) as u32)
                                .unwrap_or(0);
                            let column = match row.column() {
                                gimli::ColumnType::LeftEdge => 0,
                                gimli::ColumnType::Column(c) => c.get().min(u32::MAX as u64) as u32,
                            };
                            seq.push((row.address(), row.file_index(), line, column));
                        }
                        Ok(None) => break,
                        Err(e) => {
                            self.warnings
                                .push(format!("a line table sequence at {start:#x}: {e}; skipped"));
                            seq.clear();
                            break;
                        }
                    }
                }
            }
            let Some(end) = end else { continue };
            rows_of_seq.clear();
            sequence_rows(&seq, end, unit, sources, &mut rows_of_seq);
            // Everything held back that starts before this sequence is final.
            let cut = pending.partition_point(|r| r.address < start);
            for r in pending.drain(..cut) {
                sink(r)?;
                count += 1;
            }
            if pending.is_empty() {
                // The common case: sequences do not overlap.
                pending.extend_from_slice(&rows_of_seq);
            } else {
                pending.extend_from_slice(&rows_of_seq);
                pending.sort_by_key(|r| (r.address, r.rank));
            }
        }
        self.order = order;
        for r in pending.drain(..) {
            sink(r)?;
            count += 1;
        }
        Ok(count)
    }

    /// Both passes into memory.
    pub fn collect(mut self) -> LineTable {
        let mut sources = Sources::default();
        let mut rows = Vec::new();
        let _ = self.stream(&mut sources, &mut |r| {
            rows.push(r);
            Ok(())
        });
        LineTable {
            sources: sources.paths,
            rows,
            warnings: self.warnings,
        }
    }
}

/// The rows of one sequence, ranked: at each address the row in effect (the
/// last one) first, then the others with a line; the end last.
fn sequence_rows(
    seq: &[(u64, u64, u32, u32)],
    end: u64,
    unit: &mut UnitLines<'_>,
    sources: &mut Sources,
    out: &mut Vec<Row>,
) {
    let mut id = |file: u64| -> u32 {
        match unit.ids.get(file as usize) {
            Some(Some(id)) => *id,
            Some(None) => {
                let id = sources.id(&unit.paths[file as usize]);
                unit.ids[file as usize] = Some(id);
                id
            }
            None => sources.id(&format!("<file {file}>")),
        }
    };
    let mut i = 0;
    while i < seq.len() {
        let address = seq[i].0;
        let mut j = i + 1;
        while j < seq.len() && seq[j].0 == address {
            j += 1;
        }
        let (_, file, line, column) = seq[j - 1];
        let effective = if line == 0 {
            (UNMAPPED, 0, 0)
        } else {
            (id(file), line, column)
        };
        let push = |out: &mut Vec<Row>, (source, line, column): (u32, u32, u32), rank| {
            out.push(Row {
                address,
                line,
                column,
                source,
                rank,
            })
        };
        push(out, effective, RANK_EFFECTIVE);
        let mut last = effective;
        for &(_, file, line, column) in &seq[i..j - 1] {
            if line == 0 {
                continue;
            }
            let r = (id(file), line, column);
            if r != last && r != effective {
                push(out, r, RANK_OTHER);
                last = r;
            }
        }
        i = j;
    }
    out.push(Row {
        address: end,
        line: 0,
        column: 0,
        source: UNMAPPED,
        rank: RANK_END,
    });
}

fn string_of<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    v: gimli::AttributeValue<R<'a>>,
) -> String {
    dwarf
        .attr_string(unit, v)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The path of file `index` of `unit`'s line table, by LLVM's rules
/// ([`innative_dwarf::paths::line_file`], normalized).
fn file_path<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    header: &gimli::LineProgramHeader<R<'a>>,
    index: u64,
) -> String {
    match line_file(dwarf, unit, header, index) {
        Some(file) => normalize(&file.path()),
        None => format!("<file {index}>"),
    }
}

/// The name of a subprogram DIE: its `DW_AT_name`, or that of the DIE its
/// `DW_AT_abstract_origin` / `DW_AT_specification` points at.
fn die_name<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    entry: &gimli::DebuggingInformationEntry<R<'a>>,
    depth: u32,
) -> Option<String> {
    if let Some(v) = entry.attr_value(gimli::DW_AT_name) {
        return Some(string_of(dwarf, unit, v)).filter(|s| !s.is_empty());
    }
    if depth > 3 {
        return None;
    }
    for at in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
        if let Some(gimli::AttributeValue::UnitRef(off)) = entry.attr_value(at) {
            let target = unit.entry(off).ok()?;
            return die_name(dwarf, unit, &target, depth + 1);
        }
    }
    None
}

/// Adds the functions of `more` that overlap none of `base` (both sorted;
/// `base` holds disjoint ranges).
pub fn merge_functions(base: &mut Vec<(u64, u64, String)>, more: Vec<(u64, u64, String)>) {
    let mut added = Vec::new();
    for f in more {
        let i = base.partition_point(|b| b.0 < f.1);
        // Only the last range starting before `f` ends can overlap it.
        if !(i > 0 && base[i - 1].1 > f.0) {
            added.push(f);
        }
    }
    base.extend(added);
    base.sort();
}

/// Applies the relocations of a DWARF section of a relocatable object to
/// its bytes: references to code become offsets in their section (address
/// 0), references to other DWARF sections offsets in them.
fn relocate(
    file: &object::File<'_>,
    section: &object::Section<'_, '_>,
    mut data: Vec<u8>,
    endian: RunTimeEndian,
) -> Vec<u8> {
    use object::{Object, ObjectSection, ObjectSymbol, RelocationKind, RelocationTarget};
    for (offset, r) in section.relocations() {
        if r.kind() != RelocationKind::Absolute {
            continue;
        }
        let target = match r.target() {
            RelocationTarget::Symbol(i) => file.symbol_by_index(i).map(|s| s.address()).ok(),
            RelocationTarget::Section(i) => file.section_by_index(i).map(|s| s.address()).ok(),
            _ => None,
        };
        let Some(target) = target else { continue };
        let at = offset as usize;
        let size = (r.size() / 8) as usize;
        if size != 4 && size != 8 {
            continue;
        }
        let Some(place) = at.checked_add(size).and_then(|end| data.get_mut(at..end)) else {
            continue;
        };
        let mut value = target.wrapping_add(r.addend() as u64);
        if r.has_implicit_addend() {
            let mut b = [0u8; 8];
            let old = match endian {
                RunTimeEndian::Little => {
                    b[..size].copy_from_slice(place);
                    u64::from_le_bytes(b)
                }
                RunTimeEndian::Big => {
                    b[8 - size..].copy_from_slice(place);
                    u64::from_be_bytes(b)
                }
            };
            value = value.wrapping_add(old);
        }
        let bytes = match endian {
            RunTimeEndian::Little => value.to_le_bytes(),
            RunTimeEndian::Big => value.to_be_bytes(),
        };
        match endian {
            RunTimeEndian::Little => place.copy_from_slice(&bytes[..size]),
            RunTimeEndian::Big => place.copy_from_slice(&bytes[8 - size..]),
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dot_components() {
        assert_eq!(normalize("././libc/./a.c"), "libc/a.c");
        assert_eq!(normalize("/src//x/./y.c"), "/src/x/y.c");
        assert_eq!(normalize("/src/../y.c"), "/src/../y.c");
        assert_eq!(normalize("."), ".");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(elf_debug(b"\x7fELF\x02\x01\x01", false).is_err());
        assert!(wasm_debug(b"\0asm\x01\0\0\0").is_err());
        assert!(elf_debug(b"", false).is_err());
    }

    #[test]
    fn sources_are_numbered_by_first_use() {
        let mut sources = Sources::default();
        assert_eq!(sources.id("b.c"), 0);
        assert_eq!(sources.id("a.c"), 1);
        assert_eq!(sources.id("b.c"), 0);
        assert_eq!(sources.paths, vec!["b.c", "a.c"]);
    }
}
