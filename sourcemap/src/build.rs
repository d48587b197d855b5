//! Writing a source map v3 from a [`LineTable`], streaming: the `mappings`
//! string is encoded straight into the output (a buffer of 64 KiB at a
//! time), so memory is the table itself plus the sources and names.
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
//!   first: consumers that pick the first mapping of a position then agree
//!   with DWARF consumers.

use crate::lines::{LineTable, RANK_END, UNMAPPED};
use std::collections::HashMap;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Wasm,
    Elf { relocatable: bool },
}

/// What a map is built from.
pub struct Input {
    pub kind: InputKind,
    pub table: LineTable,
    /// Added to every address to get the generated column.
    pub column_offset: u64,
    /// Functions (start, end, name) in the rows' address space, sorted by
    /// start; used for `names`.
    pub functions: Vec<(u64, u64, String)>,
}

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

#[derive(Debug, Clone, Copy, Default)]
pub struct BuildStats {
    /// Segments that map to a source position.
    pub mappings: u64,
    pub sources: usize,
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
        crate::vlq::encode(col as i64 - self.col, &mut self.buf);
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
        crate::vlq::encode(col as i64 - self.col, b);
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

/// Writes the map of `input` to `out` (a JSON object; `mappings` is
/// streamed).
pub fn build_map(
    input: &Input,
    opts: &BuildOptions,
    out: &mut dyn Write,
) -> io::Result<BuildStats> {
    let mut stats = BuildStats::default();
    let rows = &input.table.rows;
    out.write_all(b"{\"version\":3,")?;
    if let Some(file) = &opts.file {
        out.write_all(b"\"file\":")?;
        serde_json::to_writer(&mut *out, file)?;
        out.write_all(b",")?;
    }
    out.write_all(b"\"mappings\":\"")?;

    let mut names: Vec<&str> = Vec::new();
    let mut name_ids: HashMap<&str, u32> = HashMap::new();
    let mut func = 0usize;
    let mut named_func: Option<usize> = None;

    let mut enc = Encoder {
        out: &mut *out,
        buf: Vec::with_capacity(1 << 16 | 64),
        first: true,
        col: 0,
        src: 0,
        line: 0,
        scol: 0,
        name: 0,
    };
    // What the last written segment says (None: unmapped / nothing yet).
    let mut last: Option<(u64, u32, u32, u32)> = None;
    let mut last_unmapped_at: Option<u64> = None;
    for (i, r) in rows.iter().enumerate() {
        let col = r.address.wrapping_add(input.column_offset);
        if r.source == UNMAPPED {
            // Useless when nothing mapped precedes it, or when a mapping
            // starts at the same address anyway.
            if last.is_none() || last_unmapped_at == Some(r.address) {
                continue;
            }
            if r.rank == RANK_END {
                let same = |j: usize| {
                    rows.get(j)
                        .is_some_and(|o| o.address == r.address && o.rank != RANK_END)
                };
                if same(i + 1) || (i > 0 && same(i - 1)) {
                    continue;
                }
            }
            enc.unmapped(col)?;
            last = None;
            last_unmapped_at = Some(r.address);
            continue;
        }
        let this = (r.address, r.source, r.line, r.column);
        if last == Some(this) {
            continue;
        }
        let mut name = None;
        if opts.names {
            let f = &input.functions;
            while func < f.len() && f[func].1 <= r.address {
                func += 1;
            }
            if func < f.len() && f[func].0 <= r.address && named_func != Some(func) {
                named_func = Some(func);
                let n = f[func].2.as_str();
                let next = names.len() as u32;
                let id = *name_ids.entry(n).or_insert(next);
                if id == next {
                    names.push(n);
                }
                name = Some(id);
            }
        }
        enc.mapped(
            col,
            r.source,
            r.line.saturating_sub(1),
            r.column.saturating_sub(1),
            name,
        )?;
        stats.mappings += 1;
        last = Some(this);
        last_unmapped_at = None;
    }
    let buf = std::mem::take(&mut enc.buf);
    out.write_all(&buf)?;
    drop(buf);
    out.write_all(b"\",\"sources\":[")?;
    let sources = &input.table.sources;
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
                Ok(bytes) => serde_json::to_writer(&mut *out, &String::from_utf8_lossy(&bytes))?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{Row, RANK_EFFECTIVE, RANK_OTHER};

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
