//! DWARF line tables → a flat, address-sorted list of rows, read straight
//! from the line programs with gimli (no DIE walk, no `addr2line`): the
//! input may hold many megabytes of DWARF and only `.debug_line` (plus each
//! unit's root DIE, for its compilation directory) is needed.
//!
//! Two containers: a wasm module (addresses are code-section offsets;
//! sequences starting at 0 or at a tombstone are dead code that the linker
//! discarded) and an ELF file (addresses are virtual addresses; sequences
//! starting outside every executable section are dead; in a relocatable
//! object the relocations of the DWARF sections are applied first, so an
//! address is the offset inside its code section).
//!
//! File names follow LLVM's rules (`llvm-dwarfdump`, `llvm-symbolizer`):
//! a relative include directory is joined to the compilation directory,
//! except DWARF 5's directory 0, which *is* the compilation directory.
//! `.` path components are removed.

use gimli::{EndianSlice, RunTimeEndian};
use std::borrow::Cow;
use std::collections::HashMap;
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
    pub address: u64,
    /// 1-based; 0 only for [`UNMAPPED`] rows.
    pub line: u32,
    /// 1-based; 0 = no column.
    pub column: u32,
    /// Index into [`LineTable::sources`], or [`UNMAPPED`].
    pub source: u32,
    pub rank: u8,
}

/// The live rows of every line table of an input.
#[derive(Debug, Default)]
pub struct LineTable {
    /// Source paths (compilation directory and include directory applied).
    pub sources: Vec<String>,
    /// Sorted by (address, rank); rows of one address and rank keep their
    /// line-table order.
    pub rows: Vec<Row>,
    /// Problems that were skipped over (one line each).
    pub warnings: Vec<String>,
}

type R<'a> = EndianSlice<'a, RunTimeEndian>;

/// Lexically removes `.` components (and doubled slashes); `..` stays.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut out = String::with_capacity(path.len());
    if absolute {
        out.push('/');
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        return b.to_string();
    }
    if b.is_empty() {
        return a.to_string();
    }
    format!("{}/{}", a.trim_end_matches('/'), b)
}

/// Sequences being read, rows of the current one, and the source table.
struct Collector<'l> {
    table: LineTable,
    sources: HashMap<String, u32>,
    live: &'l dyn Fn(u64) -> bool,
    /// (address, file index, line, column) of the current sequence.
    seq: Vec<(u64, u64, u32, u32)>,
}

impl<'l> Collector<'l> {
    fn source_id(&mut self, path: String) -> u32 {
        if let Some(&id) = self.sources.get(&path) {
            return id;
        }
        let id = self.table.sources.len() as u32;
        self.table.sources.push(path.clone());
        self.sources.insert(path, id);
        id
    }

    /// Ends the current sequence at `end`: keeps it when it is live.
    fn flush(&mut self, end: u64, file_id: &mut dyn FnMut(&mut Self, u64) -> u32) {
        let seq = std::mem::take(&mut self.seq);
        if seq.first().is_some_and(|r| (self.live)(r.0)) {
            let mut i = 0;
            while i < seq.len() {
                let address = seq[i].0;
                let mut j = i + 1;
                while j < seq.len() && seq[j].0 == address {
                    j += 1;
                }
                // The last row at an address is the one in effect there; it
                // goes first so that consumers that take the first mapping
                // of a position (the `source-map` library, browsers) agree
                // with DWARF consumers (llvm-symbolizer, debuggers).
                let (_, file, line, column) = seq[j - 1];
                let effective = if line == 0 {
                    (UNMAPPED, 0, 0)
                } else {
                    (file_id(self, file), line, column)
                };
                self.push(address, effective, RANK_EFFECTIVE);
                let mut last = effective;
                for &(_, file, line, column) in &seq[i..j - 1] {
                    if line == 0 {
                        continue;
                    }
                    let r = (file_id(self, file), line, column);
                    if r != last && r != effective {
                        self.push(address, r, RANK_OTHER);
                        last = r;
                    }
                }
                i = j;
            }
            self.push(end, (UNMAPPED, 0, 0), RANK_END);
        }
        self.seq = seq;
        self.seq.clear();
    }

    fn push(&mut self, address: u64, (source, line, column): (u32, u32, u32), rank: u8) {
        self.table.rows.push(Row {
            address,
            line,
            column,
            source,
            rank,
        });
    }
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

/// The path of file `index` of `unit`'s line table, by LLVM's rules.
fn file_path<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    header: &gimli::LineProgramHeader<R<'a>>,
    index: u64,
) -> String {
    let Some(file) = header.file(index) else {
        return format!("<file {index}>");
    };
    let name = string_of(dwarf, unit, file.path_name());
    if name.starts_with('/') {
        return normalize(&name);
    }
    let version = header.version();
    let dir_index = file.directory_index();
    let dirs = header.include_directories();
    let include = if version >= 5 {
        dirs.get(dir_index as usize)
    } else if dir_index > 0 {
        dirs.get(dir_index as usize - 1)
    } else {
        None
    };
    let include = include
        .map(|d| string_of(dwarf, unit, d.clone()))
        .unwrap_or_default();
    let comp_dir = unit
        .comp_dir
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut path = String::new();
    if (version < 5 || dir_index != 0) && !include.starts_with('/') {
        path = comp_dir;
    }
    path = join(&path, &include);
    normalize(&join(&path, &name))
}

/// Reads every unit's line program.
fn read_units<'a>(dwarf: &gimli::Dwarf<R<'a>>, live: &dyn Fn(u64) -> bool) -> LineTable {
    let mut c = Collector {
        table: LineTable::default(),
        sources: HashMap::new(),
        live,
        seq: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    let mut headers = dwarf.units();
    loop {
        let header = match headers.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                c.table
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
                c.table
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
        if let Err(e) = read_program(dwarf, &unit, program, &mut c) {
            c.seq.clear();
            c.table
                .warnings
                .push(format!("line table of the compile unit at .debug_info+{at:#x}: {e}; the rest of it is skipped"));
        }
    }
    let mut table = c.table;
    // Usually sorted already (sequences in address order): the sort is
    // then a single pass.
    table.rows.sort_by_key(|r| (r.address, r.rank));
    table
}

fn read_program<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    program: gimli::IncompleteLineProgram<R<'a>>,
    c: &mut Collector<'_>,
) -> gimli::Result<()> {
    let header = program.header().clone();
    let mut ids: Vec<Option<u32>> = vec![None; header.file_names().len() + 1];
    let mut file_id = |c: &mut Collector<'_>, index: u64| -> u32 {
        if let Some(Some(id)) = ids.get(index as usize) {
            return *id;
        }
        let id = c.source_id(file_path(dwarf, unit, &header, index));
        if let Some(slot) = ids.get_mut(index as usize) {
            *slot = Some(id);
        }
        id
    };
    let mut rows = program.rows();
    while let Some((_, row)) = rows.next_row()? {
        if row.end_sequence() {
            c.flush(row.address(), &mut file_id);
            continue;
        }
        let line = row
            .line()
            .map(|l| l.get().min(u32::MAX as u64) as u32)
            .unwrap_or(0);
        let column = match row.column() {
            gimli::ColumnType::LeftEdge => 0,
            gimli::ColumnType::Column(c) => c.get().min(u32::MAX as u64) as u32,
        };
        c.seq.push((row.address(), row.file_index(), line, column));
    }
    // A sequence without its end row is dropped.
    c.seq.clear();
    Ok(())
}

fn load<'a>(
    sections: &'a HashMap<String, Cow<'a, [u8]>>,
    endian: RunTimeEndian,
) -> Result<gimli::Dwarf<R<'a>>, String> {
    gimli::Dwarf::load(|id| -> gimli::Result<R<'a>> {
        let data = sections.get(id.name()).map(|c| &c[..]).unwrap_or(&[]);
        Ok(EndianSlice::new(data, endian))
    })
    .map_err(|e| format!("cannot load DWARF: {e}"))
}

/// What a wasm module's line tables need.
pub struct WasmLines {
    pub table: LineTable,
    /// File offset of the code section's payload (DWARF address 0).
    pub code_offset: u64,
}

/// Reads the line tables of a wasm module's `.debug_*` sections.
pub fn read_wasm(bytes: &[u8]) -> Result<WasmLines, String> {
    let sections = crate::wasm::sections(bytes)?;
    let code = crate::wasm::code_payload(&sections).ok_or("the module has no code section")?;
    let mut debug: HashMap<String, Cow<[u8]>> = HashMap::new();
    for s in &sections {
        if s.is_debug() {
            debug.insert(
                s.name.unwrap().to_string(),
                Cow::Borrowed(&bytes[s.payload.clone()]),
            );
        }
    }
    if !debug.contains_key(".debug_line") {
        return Err(
            "the module has no DWARF line table (.debug_line section); build it with -g".into(),
        );
    }
    let dwarf = load(&debug, RunTimeEndian::Little)?;
    let code_size = code.len() as u64;
    // wasm-ld leaves discarded functions' sequences at 0 or at -1/-2.
    let live = move |a: u64| a != 0 && a < code_size && a < 0xffff_fffe;
    Ok(WasmLines {
        table: read_units(&dwarf, &live),
        code_offset: code.start as u64,
    })
}

/// What an ELF file's line tables need.
pub struct ElfLines {
    pub table: LineTable,
    pub relocatable: bool,
    /// Function symbols: (start, end, name), sorted by start.
    pub functions: Vec<(u64, u64, String)>,
}

/// Reads the line tables of an ELF object, executable or shared library.
pub fn read_elf(bytes: &[u8], want_functions: bool) -> Result<ElfLines, String> {
    use object::{Object, ObjectSection, ObjectSymbol, SectionKind};
    let file = object::File::parse(bytes).map_err(|e| format!("not a readable ELF file: {e}"))?;
    let endian = if file.is_little_endian() {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let relocatable = file.kind() == object::ObjectKind::Relocatable;
    let mut debug: HashMap<String, Cow<[u8]>> = HashMap::new();
    let mut text: Vec<Range<u64>> = Vec::new();
    for section in file.sections() {
        let Ok(name) = section.name() else { continue };
        if section.kind() == SectionKind::Text && section.size() > 0 {
            text.push(section.address()..section.address() + section.size());
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
            Cow::Owned(relocate(&file, &section, data.into_owned(), endian)?)
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
    let dwarf = load(&debug, endian)?;
    let live = move |a: u64| relocatable || text.iter().any(|r| r.contains(&a));
    let table = read_units(&dwarf, &live);
    let mut functions = Vec::new();
    if want_functions {
        for s in file.symbols() {
            if s.kind() == object::SymbolKind::Text && s.size() > 0 {
                if let Ok(name) = s.name() {
                    functions.push((s.address(), s.address() + s.size(), name.to_string()));
                }
            }
        }
        functions.sort();
        functions.dedup_by_key(|f| f.0);
    }
    Ok(ElfLines {
        table,
        relocatable,
        functions,
    })
}

/// Applies the relocations of a DWARF section of a relocatable object to
/// its bytes: references to code become offsets in their section (address
/// 0), references to other DWARF sections offsets in them.
fn relocate<'d>(
    file: &object::File<'d>,
    section: &object::Section<'d, '_>,
    mut data: Vec<u8>,
    endian: RunTimeEndian,
) -> Result<Vec<u8>, String> {
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
        let Some(place) = at.checked_add(size).and_then(|end| data.get_mut(at..end)) else {
            continue;
        };
        let read = |p: &[u8]| -> u64 {
            let mut b = [0u8; 8];
            match endian {
                RunTimeEndian::Little => {
                    b[..p.len()].copy_from_slice(p);
                    u64::from_le_bytes(b)
                }
                RunTimeEndian::Big => {
                    b[8 - p.len()..].copy_from_slice(p);
                    u64::from_be_bytes(b)
                }
            }
        };
        let mut value = target.wrapping_add(r.addend() as u64);
        if r.has_implicit_addend() {
            value = value.wrapping_add(read(place));
        }
        match (size, endian) {
            (4, RunTimeEndian::Little) => place.copy_from_slice(&(value as u32).to_le_bytes()),
            (4, RunTimeEndian::Big) => place.copy_from_slice(&(value as u32).to_be_bytes()),
            (8, RunTimeEndian::Little) => place.copy_from_slice(&value.to_le_bytes()),
            (8, RunTimeEndian::Big) => place.copy_from_slice(&value.to_be_bytes()),
            _ => {}
        }
    }
    Ok(data)
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
        assert!(read_elf(b"\x7fELF\x02\x01\x01", false).is_err());
        assert!(read_wasm(b"\0asm\x01\0\0\0").is_err());
        assert!(read_elf(b"", false).is_err());
    }
}
