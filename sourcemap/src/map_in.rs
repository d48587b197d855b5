//! Source map → provenance.
//!
//! [`parse_map`] reads a source map v3 or an index map (`sections`, nested
//! maps embedded; `url` sections are not fetched) and checks it: JSON,
//! `version: 3`, VLQ, segment sizes, source and name indices (each embedded
//! map is decoded by the `sourcemap` crate, which applies `sourceRoot`).
//! Mappings are also decoded here, in file order, because the crate sorts
//! them without keeping that order: when several mappings share a generated
//! position, the first one is the one in effect (as for the `source-map`
//! library and browsers).
//!
//! [`to_provenance`] turns the mappings that fall inside the module's
//! function bodies into [`Provenance`] rows (keyed by code offset), one
//! sequence per function, and one subprogram per function that has a
//! mapping: named by the map's name on its first mapping (else from the
//! name section), declared at its first mapping.  Functions are grouped into
//! units by the source of their first mapping, so a unit stands for a
//! source file much as a DWARF compile unit does (and the WASI C library's
//! units can be recognised and left out as for DWARF).

use innative_dwarf::{LineRow, ModuleOffset, Provenance, SourceFile, Subprogram, Unit};
use serde_json::Value;
use std::collections::HashMap;
use std::ops::Range;

/// One mapping, in map order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Generated line (0-based).
    pub dst_line: u32,
    /// Generated column (0-based; for wasm, the module file offset).
    pub dst_col: u64,
    /// Source index, or `None` for a one-field segment (unmapped code).
    pub src: Option<u32>,
    /// 0-based.
    pub src_line: u32,
    /// 0-based.
    pub src_col: u32,
    /// Index into `names`.
    pub name: Option<u32>,
}

/// A checked map, index maps flattened.
#[derive(Debug, Default)]
pub struct ParsedMap {
    /// Sources with `sourceRoot` applied.
    pub sources: Vec<String>,
    /// The sources as written (without `sourceRoot`).
    pub raw_sources: Vec<String>,
    /// `sourcesContent`, by source index.
    pub contents: Vec<Option<String>>,
    /// `names`.
    pub names: Vec<String>,
    /// In map order (sorted by generated position only where the map is).
    pub mappings: Vec<Mapping>,
}

fn what(e: &sourcemap::Error) -> String {
    use sourcemap::Error as E;
    match e {
        E::VlqLeftover | E::VlqNoValues | E::VlqOverflow | E::InvalidBase64(_) => {
            format!("bad VLQ in mappings ({e})")
        }
        E::BadSegmentSize(n) => format!("a mapping segment has {n} fields (1, 4 or 5 expected)"),
        E::BadSourceReference(i) => {
            format!("a mapping refers to source #{i}, which does not exist")
        }
        E::BadNameReference(i) => format!("a mapping refers to name #{i}, which does not exist"),
        E::BadJson(j) => format!("not a source map: {j}"),
        other => other.to_string(),
    }
}

/// Reads and checks a source map.
pub fn parse_map(bytes: &[u8]) -> Result<ParsedMap, String> {
    let body = strip_header(bytes);
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("not a source map (bad JSON: {e})"))?;
    let mut out = ParsedMap::default();
    flatten(&value, bytes, 0, 0, &mut out, 0)?;
    Ok(out)
}

/// The bytes of a `data:` URL: `data:[<type>][;charset=..][;base64],<data>`
/// (base64, or percent-encoded text).
pub fn data_url_bytes(url: &str) -> Result<Vec<u8>, String> {
    let rest = url.strip_prefix("data:").ok_or("not a data: URL")?;
    let (head, data) = rest
        .split_once(',')
        .ok_or("malformed data: URL (no comma)")?;
    if head.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        base64(data).ok_or_else(|| "malformed data: URL (bad base64)".to_string())
    } else {
        Ok(percent_decode(data))
    }
}

fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes `%XX` escapes (anything malformed stays as written).
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && s.is_char_boundary(i + 3) {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Skips a UTF-8 byte-order mark and an XSSI guard line (`)]}'`).
fn strip_header(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if b.starts_with(b")]}") {
        match b.iter().position(|&c| c == b'\n') {
            Some(i) => &b[i + 1..],
            None => &[],
        }
    } else {
        b
    }
}

fn version_ok(map: &Value) -> Result<(), String> {
    match map.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(3) => Ok(()),
        Some(v) => Err(format!(
            "unsupported source map version {v} (only version 3 is supported)"
        )),
        None => Err("not a source map (no \"version\" field)".into()),
    }
}

fn flatten(
    map: &Value,
    original: &[u8],
    line_off: u32,
    col_off: u64,
    out: &mut ParsedMap,
    depth: u32,
) -> Result<(), String> {
    if !map.is_object() {
        return Err("not a source map (not a JSON object)".into());
    }
    if depth > 8 {
        return Err("index map sections are nested too deeply".into());
    }
    version_ok(map)?;
    if let Some(sections) = map.get("sections") {
        let sections = sections
            .as_array()
            .ok_or("index map: \"sections\" is not an array")?;
        for (i, s) in sections.iter().enumerate() {
            let offset = s.get("offset");
            let line = offset
                .and_then(|o| o.get("line"))
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("index map section {i}: no offset line"))?;
            let column = offset
                .and_then(|o| o.get("column"))
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("index map section {i}: no offset column"))?;
            let Some(inner) = s.get("map") else {
                let url = s.get("url").and_then(Value::as_str).unwrap_or("?");
                return Err(format!(
                    "index map section {i} refers to {url}; only embedded maps are supported"
                ));
            };
            let line = u32::try_from(line)
                .ok()
                .and_then(|l| l.checked_add(line_off))
                .ok_or_else(|| format!("index map section {i}: offset out of range"))?;
            let col = if line == line_off {
                col_off.saturating_add(column)
            } else {
                column
            };
            flatten(inner, &[], line, col, out, depth + 1)
                .map_err(|e| format!("index map section {i}: {e}"))?;
        }
        return Ok(());
    }
    // A regular map: the crate checks it and applies sourceRoot.
    let reencoded;
    let bytes = if depth == 0 && !original.is_empty() {
        original
    } else {
        reencoded = serde_json::to_vec(map).map_err(|e| e.to_string())?;
        &reencoded
    };
    let decoded = sourcemap::decode_slice(bytes).map_err(|e| what(&e))?;
    let sm: &sourcemap::SourceMap = match &decoded {
        sourcemap::DecodedMap::Regular(sm) => sm,
        sourcemap::DecodedMap::Hermes(h) => h,
        sourcemap::DecodedMap::Index(_) => return Err("unexpected index map".into()),
    };
    let src_base = out.sources.len() as u32;
    let name_base = out.names.len() as u32;
    let raw: Vec<String> = map
        .get("sources")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    for i in 0..sm.get_source_count() {
        out.sources
            .push(sm.get_source(i).unwrap_or_default().to_string());
        out.raw_sources
            .push(raw.get(i as usize).cloned().unwrap_or_default());
        out.contents
            .push(sm.get_source_contents(i).map(str::to_string));
    }
    out.names.extend(sm.names().map(str::to_string));
    let mappings = map.get("mappings").and_then(Value::as_str).unwrap_or("");
    decode_mappings(
        mappings,
        line_off,
        col_off,
        src_base,
        name_base,
        &mut out.mappings,
    )?;
    let n_sources = out.sources.len() as u64;
    let n_names = out.names.len() as u64;
    for m in &out.mappings {
        if m.src.is_some_and(|s| s as u64 >= n_sources)
            || m.name.is_some_and(|n| n as u64 >= n_names)
        {
            return Err("a mapping refers to a source or name that does not exist".into());
        }
    }
    Ok(())
}

/// Decodes a `mappings` string in order; every running value is checked
/// (a negative line, column or index is an error).
fn decode_mappings(
    mappings: &str,
    line_off: u32,
    col_off: u64,
    src_base: u32,
    name_base: u32,
    out: &mut Vec<Mapping>,
) -> Result<(), String> {
    let (mut src, mut sline, mut scol, mut name) = (0i64, 0i64, 0i64, 0i64);
    for (line_no, line) in mappings.split(';').enumerate() {
        let mut col = 0i64;
        for seg in line.split(',') {
            if seg.is_empty() {
                continue;
            }
            let n = sourcemap::vlq::parse_vlq_segment(seg)
                .map_err(|e| format!("bad VLQ in mappings ({e}) at segment \"{seg}\""))?;
            if !matches!(n.len(), 1 | 4 | 5) {
                return Err(format!(
                    "a mapping segment has {} fields (1, 4 or 5 expected)",
                    n.len()
                ));
            }
            col = col.saturating_add(n[0]);
            let dst_line = line_off as u64 + line_no as u64;
            if col < 0 || dst_line > u32::MAX as u64 {
                return Err("a mapping has a negative generated column".into());
            }
            let mut m = Mapping {
                dst_line: dst_line as u32,
                dst_col: (col as u64).saturating_add(if line_no == 0 { col_off } else { 0 }),
                src: None,
                src_line: 0,
                src_col: 0,
                name: None,
            };
            if n.len() >= 4 {
                src = src.saturating_add(n[1]);
                sline = sline.saturating_add(n[2]);
                scol = scol.saturating_add(n[3]);
                let fits = |v: i64| (0..=u32::MAX as i64 / 2).contains(&v);
                if !fits(src) || !fits(sline) || !fits(scol) {
                    return Err(
                        "a mapping has a negative (or huge) source index, line or column".into(),
                    );
                }
                m.src = Some(src as u32 + src_base);
                m.src_line = sline as u32;
                m.src_col = scol as u32;
                if n.len() == 5 {
                    name = name.saturating_add(n[4]);
                    if !fits(name) {
                        return Err("a mapping has a negative name index".into());
                    }
                    m.name = Some(name as u32 + name_base);
                }
            }
            out.push(m);
        }
    }
    Ok(())
}

/// Where the module's code is.
#[derive(Debug, Clone, Default)]
pub struct ModuleLayout {
    /// File offset of the code section payload (code offset 0).
    pub code_offset: ModuleOffset,
    /// Function bodies (file offsets), in order.
    pub bodies: Vec<Range<u64>>,
    /// Name-section names of the defined functions, in order.
    pub names: Vec<Option<String>>,
}

/// Where the debugger finds a map source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceChoice {
    /// The directory the debugger looks in.
    pub directory: String,
    /// The file name, relative to `directory` (or absolute).
    pub name: String,
    /// The name of the unit whose functions start in this source (a path,
    /// relative to the unit's compilation directory or absolute).
    pub unit_name: String,
}

/// `DW_LANG_*` for a source file name, by extension (0: unknown).
fn language_of(name: &str) -> u16 {
    let ext = name.rsplit('.').next().unwrap_or("");
    match ext {
        "c" | "h" => 0x0c,
        "cc" | "cpp" | "cxx" | "hpp" | "hh" => 0x04,
        "rs" => 0x1c,
        _ => 0,
    }
}

/// Where a function's prologue ends, as an index into its mappings.
///
/// DWARF marks it (`prologue_end`); a source map cannot.  clang's wasm code
/// starts each function with a row for the function's opening line with no
/// column (the frame setup), and emscripten's convention and
/// `build-sourcemap` write that as the function's first mapping at column
/// 0.  Such a function's prologue ends at its next mapping of another line,
/// so that a breakpoint on the function (or a `step` into it) stops at its
/// first statement as in a DWARF-driven build.  Mappings from other
/// producers carry real columns (AssemblyScript: the statement's) and are
/// left as they are.
fn prologue_end(inside: &[&Mapping]) -> Option<usize> {
    let first = inside.first()?;
    if first.src.is_none() || first.src_col != 0 {
        return None;
    }
    inside
        .iter()
        .position(|m| m.src.is_some() && (m.src != first.src || m.src_line != first.src_line))
}

/// Turns the mappings of `map` into provenance for a module laid out as
/// `layout`.  `files[i]` says where source `i` is.  An error when no
/// mapping falls inside the module's code.
pub fn to_provenance(
    map: &ParsedMap,
    layout: &ModuleLayout,
    files: &[SourceChoice],
    comp_dir: &str,
    producer: &str,
) -> Result<Provenance, String> {
    // Mappings of generated line 1, sorted by column (stable: the first of
    // a column stays first), one per column.
    let mut ms: Vec<&Mapping> = map.mappings.iter().filter(|m| m.dst_line == 0).collect();
    ms.sort_by_key(|m| m.dst_col);
    ms.dedup_by_key(|m| m.dst_col);

    let mut prov = Provenance::default();
    let mut unit_of_source: HashMap<u32, usize> = HashMap::new();
    let mut local_files: Vec<HashMap<u32, usize>> = Vec::new();
    let cso = layout.code_offset.0;
    let mut landed = 0usize;
    let mut k = 0usize;
    for (fi, body) in layout.bodies.iter().enumerate() {
        while k < ms.len() && ms[k].dst_col < body.start {
            k += 1;
        }
        let start = k;
        while k < ms.len() && ms[k].dst_col < body.end {
            k += 1;
        }
        let inside = &ms[start..k];
        landed += inside.len();
        let Some(first) = inside.iter().find(|m| m.src.is_some()) else {
            continue;
        };
        let primary = first.src.unwrap();
        let unit = *unit_of_source.entry(primary).or_insert_with(|| {
            let choice = files.get(primary as usize).cloned().unwrap_or_default();
            prov.units.push(Unit {
                name: choice.unit_name.clone(),
                comp_dir: comp_dir.to_string(),
                producer: producer.to_string(),
                language: language_of(&choice.name),
                version: 5,
                files: Vec::new(),
            });
            local_files.push(HashMap::new());
            prov.units.len() - 1
        });
        let mut local = |src: u32, prov: &mut Provenance| -> usize {
            *local_files[unit].entry(src).or_insert_with(|| {
                let files_of_unit = &mut prov.units[unit].files;
                let choice = files.get(src as usize).cloned().unwrap_or_default();
                files_of_unit.push(Some(SourceFile {
                    directory: choice.directory,
                    name: choice.name,
                }));
                files_of_unit.len() - 1
            })
        };
        let primary_file = local(primary, &mut prov);
        let prologue_end = prologue_end(inside);
        let mut last_file = primary_file;
        for (j, m) in inside.iter().enumerate() {
            let (file, line, column) = match m.src {
                Some(s) => (local(s, &mut prov), m.src_line + 1, m.src_col + 1),
                None => (last_file, 0, 0),
            };
            last_file = file;
            prov.rows.push(LineRow {
                address: m.dst_col - cso,
                unit,
                file,
                line,
                column,
                is_stmt: true,
                prologue_end: prologue_end == Some(j),
                end_sequence: false,
            });
        }
        prov.rows.push(LineRow {
            address: body.end - cso,
            unit,
            file: last_file,
            line: 0,
            column: 0,
            is_stmt: true,
            prologue_end: false,
            end_sequence: true,
        });
        // The map's name on the function's first mapping is its source-level
        // name (emscripten's and build-sourcemap's `--names`); else the
        // name section's.
        let name = inside
            .first()
            .and_then(|m| m.name)
            .and_then(|n| map.names.get(n as usize).cloned())
            .or_else(|| layout.names.get(fi).cloned().flatten());
        prov.subprograms.push(Subprogram {
            unit,
            name,
            file: Some(primary_file),
            line: first.src_line + 1,
            ranges: vec![body.start - cso..body.end - cso],
            external: true,
            ..Default::default()
        });
    }
    if landed == 0 {
        let total = map.mappings.len();
        let other_lines = total - map.mappings.iter().filter(|m| m.dst_line == 0).count();
        return Err(if total == 0 {
            "the map has no mappings".to_string()
        } else if other_lines == total {
            "no mapping is on generated line 1 (a wasm map's positions are line 1, column = byte offset in the .wasm file)".to_string()
        } else {
            format!(
                "none of its {total} mappings falls inside the module's function bodies (file offsets {}..{}): is it the map of this module?",
                layout.bodies.first().map(|b| b.start).unwrap_or(0),
                layout.bodies.last().map(|b| b.end).unwrap_or(0)
            )
        });
    }
    prov.sort_rows();
    Ok(prov)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = r#"{"version":3,"sourceRoot":"root","sources":["a.ts","/abs/b.ts"],"sourcesContent":["let a = 1;\n",null],"names":["main"],"mappings":"UAAAA,EAAC,CCCC;AAAA"}"#;

    #[test]
    fn data_urls() {
        assert_eq!(
            data_url_bytes("data:application/json;base64,eyJhIjoxfQ==").unwrap(),
            b"{\"a\":1}"
        );
        assert_eq!(
            data_url_bytes("data:application/json;charset=utf-8;base64,eyJhIjoxfQ").unwrap(),
            b"{\"a\":1}"
        );
        assert_eq!(
            data_url_bytes("data:application/json,%7B%7D").unwrap(),
            b"{}"
        );
        assert!(data_url_bytes("data:application/json;base64,!!").is_err());
        assert!(data_url_bytes("data:nocomma").is_err());
        assert_eq!(percent_decode("a%2"), b"a%2");
        assert_eq!(percent_decode("%zz%41"), b"%zzA");
    }

    #[test]
    fn parses_in_order_with_root() {
        let m = parse_map(MAP.as_bytes()).unwrap();
        assert_eq!(m.sources, vec!["root/a.ts", "/abs/b.ts"]);
        assert_eq!(m.raw_sources, vec!["a.ts", "/abs/b.ts"]);
        assert_eq!(m.contents[0].as_deref(), Some("let a = 1;\n"));
        assert_eq!(m.names, vec!["main"]);
        let cols: Vec<_> = m
            .mappings
            .iter()
            .map(|m| (m.dst_line, m.dst_col, m.src, m.src_line, m.src_col))
            .collect();
        assert_eq!(
            cols,
            vec![
                (0, 10, Some(0), 0, 0),
                (0, 12, Some(0), 0, 1),
                (0, 13, Some(1), 1, 2),
                (1, 0, Some(1), 1, 2)
            ]
        );
        assert_eq!(m.mappings[0].name, Some(0));
    }

    #[test]
    fn index_maps_are_flattened() {
        let idx = format!(
            r#"{{"version":3,"sections":[{{"offset":{{"line":0,"column":100}},"map":{MAP}}},{{"offset":{{"line":0,"column":200}},"map":{{"version":3,"sources":["c.ts"],"names":[],"mappings":"AAAA,CAAC"}}}}]}}"#
        );
        let m = parse_map(idx.as_bytes()).unwrap();
        assert_eq!(m.sources.len(), 3);
        let cols: Vec<_> = m
            .mappings
            .iter()
            .map(|m| (m.dst_line, m.dst_col, m.src))
            .collect();
        assert_eq!(
            cols,
            vec![
                (0, 110, Some(0)),
                (0, 112, Some(0)),
                (0, 113, Some(1)),
                (1, 0, Some(1)),
                (0, 200, Some(2)),
                (0, 201, Some(2)),
            ]
        );
    }

    #[test]
    fn mangled_maps_never_panic() {
        let idx = format!(
            r#"{{"version":3,"sections":[{{"offset":{{"line":0,"column":100}},"map":{MAP}}}]}}"#
        );
        for text in [MAP.to_string(), idx] {
            let b = text.as_bytes();
            for cut in 0..b.len() {
                let _ = parse_map(&b[..cut]);
            }
            for i in 0..b.len() {
                for c in [b'"', b'{', b'9', b'-', b'/', b'g', 0xff] {
                    let mut m = b.to_vec();
                    m[i] = c;
                    let _ = parse_map(&m);
                }
            }
        }
        // Huge VLQ values saturate instead of overflowing.
        let _ = parse_map(br#"{"version":3,"sources":["a"],"names":[],"mappings":"//////////////B,//////////////B"}"#);
    }

    #[test]
    fn malformed_maps_are_errors() {
        let cases = [
            ("", "bad JSON"),
            ("[1,2]", "not a JSON object"),
            (r#"{"sources":[],"mappings":""}"#, "no \"version\""),
            (r#"{"version":2,"sources":[],"mappings":""}"#, "version 2"),
            (
                r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAAA,!!"}"#,
                "VLQ",
            ),
            (
                r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAAAg"}"#,
                "VLQ",
            ),
            (
                r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAA"}"#,
                "fields",
            ),
            (
                r#"{"version":3,"sources":["a"],"names":[],"mappings":"ACAA"}"#,
                "source #1",
            ),
            (
                r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAAAC"}"#,
                "name #1",
            ),
            (
                r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAFA"}"#,
                "negative",
            ),
            (
                r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"x.map"}]}"#,
                "only embedded",
            ),
            (
                r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":4}}]}"#,
                "version 4",
            ),
        ];
        for (text, needle) in cases {
            let e = parse_map(text.as_bytes()).expect_err(text);
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn mappings_become_rows_and_subprograms() {
        let map = ParsedMap {
            sources: vec!["a.ts".into(), "b.ts".into()],
            raw_sources: vec![],
            contents: vec![],
            names: vec!["fromMap".into()],
            mappings: vec![
                Mapping {
                    dst_line: 0,
                    dst_col: 5,
                    src: Some(0),
                    src_line: 0,
                    src_col: 0,
                    name: None,
                },
                Mapping {
                    dst_line: 0,
                    dst_col: 21,
                    src: Some(0),
                    src_line: 4,
                    src_col: 2,
                    name: Some(0),
                },
                Mapping {
                    dst_line: 0,
                    dst_col: 21,
                    src: Some(1),
                    src_line: 9,
                    src_col: 0,
                    name: None,
                },
                Mapping {
                    dst_line: 0,
                    dst_col: 24,
                    src: Some(1),
                    src_line: 6,
                    src_col: 0,
                    name: None,
                },
                Mapping {
                    dst_line: 0,
                    dst_col: 26,
                    src: None,
                    src_line: 0,
                    src_col: 0,
                    name: None,
                },
                Mapping {
                    dst_line: 0,
                    dst_col: 32,
                    src: Some(1),
                    src_line: 1,
                    src_col: 0,
                    name: None,
                },
            ],
        };
        let layout = ModuleLayout {
            code_offset: ModuleOffset(10),
            bodies: vec![20..30, 30..40],
            names: vec![None, Some("g".into())],
        };
        let files: Vec<SourceChoice> = ["a.ts", "b.ts"]
            .iter()
            .map(|n| SourceChoice {
                directory: "/d".into(),
                name: n.to_string(),
                unit_name: n.to_string(),
            })
            .collect();
        let p = to_provenance(&map, &layout, &files, "/d", "test").unwrap();
        assert_eq!(p.units.len(), 2);
        assert_eq!(p.subprograms.len(), 2);
        let f = &p.subprograms[0];
        assert_eq!(
            (f.name.as_deref(), f.line, f.ranges.clone()),
            (Some("fromMap"), 5, vec![10..20])
        );
        assert_eq!(p.subprograms[1].name.as_deref(), Some("g"));
        assert_eq!(p.subprograms[1].unit, 1);
        // The first mapping of column 21 wins.
        assert_eq!(p.row_at(11).map(|r| r.line), Some(5));
        assert_eq!(
            p.row_at(14).map(|r| (
                r.line,
                p.units[r.unit].files[r.file].as_ref().unwrap().name.clone()
            )),
            Some((7, "b.ts".into()))
        );
        assert_eq!(p.row_at(17).map(|r| r.line), Some(0));
        assert_eq!(p.row_at(20), None);
        assert_eq!(p.row_at(22).map(|r| r.line), Some(2));
        assert_eq!(p.row_at(30), None);

        let elsewhere = ModuleLayout {
            code_offset: ModuleOffset(1000),
            bodies: vec![1000..1010],
            names: vec![],
        };
        assert!(to_provenance(&map, &elsewhere, &files, "/d", "t")
            .unwrap_err()
            .contains("is it the map"));
    }
}
