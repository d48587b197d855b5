//! Writing a source map v3, streaming: rows arrive in address order (from
//! [`crate::lines::Lines::stream`]) and the `mappings` string is encoded
//! straight into the output, 64 KiB at a time; `sources`, `sourcesContent`
//! and `names` follow it (JSON keys have no order).  Memory is the sources
//! and names, not the mappings.
//!
//! Conventions (emscripten's `wasm-sourcemap.py` for wasm):
//! * generated position: line 1, column = the row's address plus
//!   `column_offset` (for wasm the file offset of the code section payload,
//!   so the column is the instruction's byte offset in the `.wasm` file; 0
//!   for ELF, where it is the virtual address, or for a relocatable object
//!   the offset inside its section);
//! * original position: `source`, 0-based line = DWARF line - 1, 0-based
//!   column = DWARF column - 1 (a row without column maps to column 0);
//! * line-0 rows map to nothing; where such a row or the end of a sequence
//!   follows mapped code, a one-field segment ends the previous mapping, so
//!   that a consumer looking up an address there finds no source (as
//!   `llvm-symbolizer` reports line 0) instead of the row before;
//! * at an address with several rows, the one in effect (the last) comes
//!   first: innative's own reader takes the first mapping of a position.
//!   (The npm `source-map` library picks any one of them: its binary search
//!   stops at whichever it meets.)

use crate::lines::{LineTable, Row, RANK_END, UNMAPPED};
use std::collections::HashMap;
use std::io::{self, Write};

/// The container a map is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A wasm module: generated columns are file offsets.
    Wasm,
    /// An ELF file: generated columns are virtual addresses (in a
    /// relocatable object: section offsets).
    Elf {
        /// A relocatable object (`.o`).
        relocatable: bool,
    },
}

/// What a map is built from.
pub struct Input {
    /// The container.
    pub kind: InputKind,
    /// Its rows and sources.
    pub table: LineTable,
    /// Added to every address to get the generated column.
    pub column_offset: u64,
    /// Functions (start, end, name) in the rows' address space, sorted by
    /// start; used for `names`.
    pub functions: Vec<(u64, u64, String)>,
}

/// How a map is written.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `OLD=NEW` rewrites of the source paths written in the map (the first
    /// matching prefix applies).
    pub prefixes: Vec<(String, String)>,
    /// `OLD=NEW` rewrites of the paths sources are read from (`--sources`).
    pub load_prefixes: Vec<(String, String)>,
    /// Embed `sourcesContent`.
    pub sources_content: bool,
    /// Function names in `names`, on the first mapping of each function.
    pub names: bool,
    /// The `file` field (the generated file's name).
    pub file: Option<String>,
}

/// What a map holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildStats {
    /// Segments that map to a source position.
    pub mappings: u64,
    /// Entries of `sources`.
    pub sources: usize,
    /// Entries of `names`.
    pub names: usize,
    /// Sources `--sources` could not read (written as null).
    pub missing_sources: usize,
}

/// Parses `OLD=NEW` (or `OLD`, which strips the prefix).
pub fn parse_prefix(s: &str) -> (String, String) {
    match s.split_once('=') {
        Some((old, new)) => (old.to_string(), new.to_string()),
        None => (s.to_string(), String::new()),
    }
}

fn apply_prefix(path: &str, prefixes: &[(String, String)]) -> String {
    for (old, new) in prefixes {
        if let Some(rest) = path.strip_prefix(old.as_str()) {
            return format!("{new}{rest}");
        }
    }
    path.to_string()
}

struct Encoder<'w> {
    out: &'w mut dyn Write,
    buf: Vec<u8>,
    first: bool,
    col: i64,
    src: i64,
    line: i64,
    scol: i64,
    name: i64,
}

impl Encoder<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    fn unmapped(&mut self, col: u64) -> io::Result<()> {
        self.sep();
        crate::vlq::encode((col as i64).wrapping_sub(self.col), &mut self.buf);
        self.col = col as i64;
        self.flush_if_full()
    }

    fn mapped(
        &mut self,
        col: u64,
        src: u32,
        line: u32,
        scol: u32,
        name: Option<u32>,
    ) -> io::Result<()> {
        self.sep();
        let b = &mut self.buf;
        crate::vlq::encode((col as i64).wrapping_sub(self.col), b);
        crate::vlq::encode(src as i64 - self.src, b);
        crate::vlq::encode(line as i64 - self.line, b);
        crate::vlq::encode(scol as i64 - self.scol, b);
        if let Some(n) = name {
            crate::vlq::encode(n as i64 - self.name, b);
            self.name = n as i64;
        }
        self.col = col as i64;
        self.src = src as i64;
        self.line = line as i64;
        self.scol = scol as i64;
        self.flush_if_full()
    }

    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Writes a map as rows arrive: [`MapWriter::begin`], [`MapWriter::push`]
/// for every row in (address, rank) order, [`MapWriter::finish`] with the
/// sources.  Holds one row back (an end-of-sequence row is dropped when
/// another row starts at the same address).
pub struct MapWriter<'w, 'o> {
    enc: Encoder<'w>,
    opts: &'o BuildOptions,
    functions: &'o [(u64, u64, String)],
    column_offset: u64,
    func: usize,
    named_func: Option<usize>,
    names: Vec<String>,
    name_ids: HashMap<String, u32>,
    /// What the last written segment says (None: unmapped / nothing yet).
    last: Option<(u64, u32, u32, u32)>,
    last_unmapped_at: Option<u64>,
    prev: Option<Row>,
    held: Option<Row>,
    stats: BuildStats,
}

impl<'w, 'o> MapWriter<'w, 'o> {
    /// Writes the start of the map (up to the `mappings` string).
    pub fn begin(
        out: &'w mut dyn Write,
        opts: &'o BuildOptions,
        functions: &'o [(u64, u64, String)],
        column_offset: u64,
    ) -> io::Result<Self> {
        out.write_all(b"{\"version\":3,")?;
        if let Some(file) = &opts.file {
            out.write_all(b"\"file\":")?;
            serde_json::to_writer(&mut *out, file)?;
            out.write_all(b",")?;
        }
        out.write_all(b"\"mappings\":\"")?;
        Ok(MapWriter {
            enc: Encoder {
                out,
                buf: Vec::with_capacity((1 << 16) + 64),
                first: true,
                col: 0,
                src: 0,
                line: 0,
                scol: 0,
                name: 0,
            },
            opts,
            functions,
            column_offset,
            func: 0,
            named_func: None,
            names: Vec::new(),
            name_ids: HashMap::new(),
            last: None,
            last_unmapped_at: None,
            prev: None,
            held: None,
            stats: BuildStats::default(),
        })
    }

    /// Adds one row (in address order).
    pub fn push(&mut self, row: Row) -> io::Result<()> {
        if let Some(r) = self.held.replace(row) {
            self.write(r, Some(row))?;
        }
        Ok(())
    }

    fn write(&mut self, r: Row, next: Option<Row>) -> io::Result<()> {
        let prev = self.prev.replace(r);
        let col = r.address.wrapping_add(self.column_offset);
        if r.source == UNMAPPED {
            // Useless when nothing mapped precedes it, or when a mapping
            // ends at the same address anyway.
            if self.last.is_none() || self.last_unmapped_at == Some(r.address) {
                return Ok(());
            }
            if r.rank == RANK_END {
                let same = |o: Option<Row>| {
                    o.is_some_and(|o| o.address == r.address && o.rank != RANK_END)
                };
                if same(next) || same(prev) {
                    return Ok(());
                }
            }
            self.enc.unmapped(col)?;
            self.last = None;
            self.last_unmapped_at = Some(r.address);
            return Ok(());
        }
        let this = (r.address, r.source, r.line, r.column);
        if self.last == Some(this) {
            return Ok(());
        }
        let mut name = None;
        if self.opts.names {
            let f = self.functions;
            while self.func < f.len() && f[self.func].1 <= r.address {
                self.func += 1;
            }
            let i = self.func;
            if i < f.len() && f[i].0 <= r.address && self.named_func != Some(i) {
                self.named_func = Some(i);
                let next_id = self.names.len() as u32;
                let id = *self.name_ids.entry(f[i].2.clone()).or_insert(next_id);
                if id == next_id {
                    self.names.push(f[i].2.clone());
                }
                name = Some(id);
            }
        }
        self.enc.mapped(
            col,
            r.source,
            r.line.saturating_sub(1),
            r.column.saturating_sub(1),
            name,
        )?;
        self.stats.mappings += 1;
        self.last = Some(this);
        self.last_unmapped_at = None;
        Ok(())
    }

    /// Ends `mappings` and writes `sources` (rewritten by the prefixes),
    /// `sourcesContent` and `names`.
    pub fn finish(mut self, sources: &[String]) -> io::Result<BuildStats> {
        if let Some(r) = self.held.take() {
            self.write(r, None)?;
        }
        let opts = self.opts;
        let mut stats = self.stats;
        let names = std::mem::take(&mut self.names);
        let out = &mut *self.enc.out;
        out.write_all(&self.enc.buf)?;
        out.write_all(b"\",\"sources\":[")?;
        for (i, s) in sources.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &apply_prefix(s, &opts.prefixes))?;
        }
        out.write_all(b"]")?;
        stats.sources = sources.len();
        if opts.sources_content {
            out.write_all(b",\"sourcesContent\":[")?;
            for (i, s) in sources.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                let path = apply_prefix(s, &opts.load_prefixes);
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        serde_json::to_writer(&mut *out, &String::from_utf8_lossy(&bytes))?
                    }
                    Err(_) => {
                        stats.missing_sources += 1;
                        out.write_all(b"null")?
                    }
                }
            }
            out.write_all(b"]")?;
        }
        out.write_all(b",\"names\":")?;
        serde_json::to_writer(&mut *out, &names)?;
        stats.names = names.len();
        out.write_all(b"}\n")?;
        Ok(stats)
    }
}

/// Writes the map of an in-memory `input` to `out`.
pub fn build_map(
    input: &Input,
    opts: &BuildOptions,
    out: &mut dyn Write,
) -> io::Result<BuildStats> {
    let mut w = MapWriter::begin(out, opts, &input.functions, input.column_offset)?;
    for r in &input.table.rows {
        w.push(*r)?;
    }
    w.finish(&input.table.sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{RANK_EFFECTIVE, RANK_OTHER};

    fn row(address: u64, source: u32, line: u32, column: u32, rank: u8) -> Row {
        Row {
            address,
            line,
            column,
            source,
            rank,
        }
    }

    fn build(rows: Vec<Row>, names: bool) -> sourcemap::SourceMap {
        let input = Input {
            kind: InputKind::Wasm,
            table: LineTable {
                sources: vec!["/src/a.c".into(), "/src/b \"q\".h".into()],
                rows,
                warnings: vec![],
            },
            column_offset: 100,
            functions: vec![(0, 10, "f".into()), (10, 30, "g".into())],
        };
        let opts = BuildOptions {
            names,
            prefixes: vec![parse_prefix("/src/=src/")],
            ..Default::default()
        };
        let mut out = Vec::new();
        build_map(&input, &opts, &mut out).unwrap();
        match sourcemap::decode_slice(&out).unwrap() {
            sourcemap::DecodedMap::Regular(m) => m,
            _ => panic!("not a regular map"),
        }
    }

    #[test]
    fn writes_rows_markers_and_names() {
        let m = build(
            vec![
                row(2, 0, 5, 0, RANK_EFFECTIVE),
                row(4, 1, 7, 3, RANK_EFFECTIVE),
                row(4, 0, 6, 2, RANK_OTHER),
                row(8, UNMAPPED, 0, 0, RANK_EFFECTIVE),
                row(10, UNMAPPED, 0, 0, RANK_END),
                row(12, 0, 9, 1, RANK_EFFECTIVE),
                row(20, UNMAPPED, 0, 0, RANK_END),
                row(20, 0, 11, 1, RANK_EFFECTIVE),
                row(25, UNMAPPED, 0, 0, RANK_END),
            ],
            true,
        );
        let toks: Vec<_> = m
            .tokens()
            .map(|t| {
                (
                    t.get_dst_col(),
                    t.get_source().map(str::to_string),
                    t.get_src_line(),
                    t.get_src_col(),
                    t.get_name().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(
            toks,
            vec![
                (102, Some("src/a.c".into()), 4, 0, Some("f".into())),
                (104, Some("src/b \"q\".h".into()), 6, 2, None),
                (104, Some("src/a.c".into()), 5, 1, None),
                (108, None, !0, !0, None),
                (112, Some("src/a.c".into()), 8, 0, Some("g".into())),
                (120, Some("src/a.c".into()), 10, 0, None),
                (125, None, !0, !0, None),
            ]
        );
        assert_eq!(m.get_name_count(), 2);
    }

    #[test]
    fn empty_table_is_a_valid_map() {
        let m = build(vec![], false);
        assert_eq!(m.get_token_count(), 0);
    }
}
