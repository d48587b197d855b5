//! Modules as WebAssembly text (`innative serialize`, and the text a module
//! without DWARF is debugged at): printed with wasmprinter (names from the
//! name section), optionally annotated with where each function and
//! instruction came from (the provenance is chosen by the caller:
//! [`crate::driver::serialize_input`]).
//!
//! Annotations are block comments, so the text still parses:
//!
//! * with provenance (the module's DWARF, else the source map its
//!   `sourceMappingURL` names, or — for a `.wat` input — the text itself):
//!   `(; file.c:12:5 ;)` at the end of a function's header
//!   line (its declaration, `file.c:12`) and of every instruction line whose
//!   source position differs from the previous one in that function;
//! * without provenance: wasmprinter's byte offsets, `(;@1f2   ;)` at the
//!   start of every line (module offsets, as in innative's diagnostics).

use crate::module::ModuleInfo;
use innative_dwarf::Provenance;
use std::collections::{HashMap, HashSet};

/// A module printed as text, with the module byte offset of every line.
#[derive(Debug, Clone, Default)]
pub struct Printed {
    /// The text.
    pub text: String,
    /// For every line: the index in `text` where it starts, and the byte
    /// offset in the module of what it prints (None for lines that print no
    /// particular byte, such as a closing parenthesis of a section).
    pub lines: Vec<(usize, Option<u64>)>,
}

impl Printed {
    /// Line `i` (0-based) with its newline.
    pub fn line(&self, i: usize) -> &str {
        let start = self.lines[i].0;
        let end = self
            .lines
            .get(i + 1)
            .map(|l| l.0)
            .unwrap_or(self.text.len());
        &self.text[start..end]
    }
}

struct Tracking<'a>(&'a mut Printed);

impl wasmprinter::Print for Tracking<'_> {
    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        self.0.text.push_str(s);
        Ok(())
    }

    fn start_line(&mut self, binary_offset: Option<u64>) {
        let start = self.0.text.len();
        self.0.lines.push((start, binary_offset));
    }
}

/// Prints `bytes` as text (one instruction per line); with `offsets`, every
/// line starts with its byte offset in a comment, `(;@1f2   ;)`.
pub fn print(bytes: &[u8], offsets: bool) -> std::result::Result<Printed, String> {
    let mut printed = Printed::default();
    let mut config = wasmprinter::Config::new();
    config.print_offsets(offsets);
    config
        .print(bytes, &mut Tracking(&mut printed))
        .map_err(|e| format!("{e:#}"))?;
    if printed.lines.first().map(|l| l.0) != Some(0) {
        printed.lines.insert(0, (0, None));
    }
    if !printed.text.ends_with('\n') {
        printed.text.push('\n');
    }
    Ok(plain_identifiers(&printed))
}

/// wasmprinter writes names that are not valid identifiers, or that repeat
/// a name of the same kind, as quoted identifiers (`$"a b"`, and
/// `$"#func48 dummy" (@name "dummy")` for duplicates).  Both are recent
/// additions to the text format that other tools (wabt's `wat2wasm` 1.0.32)
/// reject, so they become plain identifiers: invalid characters turn into
/// `_`, a duplicate gets the index wasmprinter gave it (`$dummy_func48`),
/// and a clash with another identifier a numeric suffix.  Only names change:
/// the module the text encodes is the same.
fn plain_identifiers(printed: &Printed) -> Printed {
    if !printed.text.contains("$\"") {
        return printed.clone();
    }
    let lines: Vec<&str> = (0..printed.lines.len()).map(|i| printed.line(i)).collect();
    let mut used: HashSet<String> = HashSet::new();
    let mut quoted: Vec<String> = Vec::new();
    for line in &lines {
        scan_identifiers(line, &mut |id| match id {
            Ident::Plain(p) => {
                used.insert(p.to_string());
            }
            Ident::Quoted(q) => quoted.push(q),
        });
    }
    let mut renames: HashMap<String, String> = HashMap::new();
    for q in quoted {
        if renames.contains_key(&q) {
            continue;
        }
        let base = plain_name(&q);
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        used.insert(name.clone());
        renames.insert(q, name);
    }
    let mut out = Printed::default();
    for (line, &(_, offset)) in lines.iter().zip(&printed.lines) {
        out.lines.push((out.text.len(), offset));
        out.text.push_str(&rewrite_identifiers(line, &renames));
    }
    out
}

enum Ident<'a> {
    Plain(&'a str),
    Quoted(String),
}

fn is_idchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-./:<=>?@\\^_`|~".contains(&c)
}

/// `#func48 dummy` (wasmprinter's name for a duplicate) → `dummy_func48`;
/// any other name: its invalid characters replaced by `_`.
fn plain_name(quoted: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii() && is_idchar(c as u8) && c != '#' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    if let Some(rest) = quoted.strip_prefix('#') {
        let (tag, name) = rest.split_once(' ').unwrap_or((rest, ""));
        let name = clean(name);
        return if name.is_empty() {
            clean(tag)
        } else {
            format!("{name}_{}", clean(tag))
        };
    }
    let name = clean(quoted);
    if name.is_empty() {
        "_".into()
    } else {
        name
    }
}

/// Where the string literal starting at `start` (its opening quote) ends
/// (just after the closing quote).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The value of a string literal's contents (between the quotes).
fn unescape(s: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'"' | b'\'' | b'\\' => out.push(c),
            b'u' => {
                let end = s[i..].find('}').map(|e| i + e).unwrap_or(b.len());
                let hex = s.get(i + 1..end).unwrap_or("");
                if let Some(ch) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                i = end + 1;
            }
            _ => {
                let hex = s.get(i - 1..i + 1).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(hex, 16) {
                    out.push(v);
                }
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Calls `f` for every identifier of `line` outside strings and comments.
fn scan_identifiers<'a>(line: &'a str, f: &mut dyn FnMut(Ident<'a>)) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i),
            b'(' if b.get(i + 1) == Some(&b';') => i = comment_end(b, i),
            b';' if b.get(i + 1) == Some(&b';') => return,
            b'$' if b.get(i + 1) == Some(&b'"') => {
                let end = string_end(b, i + 1);
                let contents = line.get(i + 2..end.saturating_sub(1)).unwrap_or("");
                f(Ident::Quoted(unescape(contents)));
                i = end;
            }
            b'$' => {
                let mut end = i + 1;
                while end < b.len() && is_idchar(b[end]) {
                    end += 1;
                }
                f(Ident::Plain(&line[i + 1..end]));
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// Where the block comment starting at `start` (`(;`) ends; comments nest.
fn comment_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < b.len() {
        if b[i] == b'(' && b[i + 1] == b';' {
            depth += 1;
            i += 2;
        } else if b[i] == b';' && b[i + 1] == b')' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// `line` with quoted identifiers renamed and `(@name "...")` dropped.
fn rewrite_identifiers(line: &str, renames: &HashMap<String, String>) -> String {
    let b = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i),
            b'(' if b.get(i + 1) == Some(&b';') => i = comment_end(b, i),
            b';' if b.get(i + 1) == Some(&b';') => break,
            b'(' if line[i..].starts_with("(@name \"") => {
                let end = string_end(b, i + 7);
                let close = line[end..]
                    .find(')')
                    .map(|c| end + c + 1)
                    .unwrap_or(b.len());
                out.push_str(line[copied..i].trim_end_matches(' '));
                i = close;
                copied = i;
            }
            b'$' if b.get(i + 1) == Some(&b'"') => {
                let end = string_end(b, i + 1);
                let contents = unescape(line.get(i + 2..end.saturating_sub(1)).unwrap_or(""));
                out.push_str(&line[copied..i]);
                out.push('$');
                out.push_str(renames.get(&contents).map(String::as_str).unwrap_or("_"));
                i = end;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&line[copied..]);
    out
}

/// Module offsets of every operator of every function body, and where each
/// body starts (→ defined-function index).
pub(crate) struct CodeMap {
    pub operators: HashSet<u64>,
    pub bodies: HashMap<u64, usize>,
}

impl CodeMap {
    pub fn new(info: &ModuleInfo<'_>) -> CodeMap {
        let mut operators = HashSet::new();
        let mut bodies = HashMap::new();
        for (i, body) in info.bodies.iter().enumerate() {
            bodies.insert(body.range().start, i);
            let Ok(mut reader) = body.get_operators_reader() else {
                continue;
            };
            while !reader.eof() {
                match reader.read_with_offset() {
                    Ok((_, offset)) => {
                        operators.insert(offset);
                    }
                    Err(_) => break,
                }
            }
        }
        CodeMap { operators, bodies }
    }
}

/// `printed` with `(; file:line:col ;)` comments from `prov` (see the module
/// documentation).
pub fn annotate(printed: &Printed, info: &ModuleInfo<'_>, prov: &Provenance) -> String {
    let code = CodeMap::new(info);
    let base = info.code_section_offset;
    let mut out = String::with_capacity(printed.text.len() * 3 / 2);
    let mut last: Option<(usize, usize, u32, u32)> = None;
    for i in 0..printed.lines.len() {
        let line = printed.line(i);
        let Some(offset) = printed.lines[i].1 else {
            out.push_str(line);
            continue;
        };
        let note = if code.bodies.contains_key(&offset) {
            last = None;
            function_position(prov, offset.saturating_sub(base))
        } else if code.operators.contains(&offset) {
            match prov.row_at(offset.saturating_sub(base)) {
                Some(r) if r.line != 0 => {
                    let here = (r.unit, r.file, r.line, r.column);
                    if last == Some(here) {
                        None
                    } else {
                        last = Some(here);
                        Some(position(prov, r.unit, r.file, r.line, r.column))
                    }
                }
                _ => None,
            }
        } else {
            None
        };
        match note {
            Some(note) => out.push_str(&with_comment(line, &note)),
            None => out.push_str(line),
        }
    }
    out
}

/// Where the function whose body starts at code address `address` was
/// declared (its subprogram), else its first line row.
fn function_position(prov: &Provenance, address: u64) -> Option<String> {
    if let Some(sp) = prov.subprogram_at(address) {
        if let (Some(file), true) = (sp.file, sp.line != 0) {
            return Some(position(prov, sp.unit, file, sp.line, 0));
        }
    }
    let sp = prov.subprogram_at(address)?;
    let end = sp.ranges.iter().map(|r| r.end).max()?;
    let r = prov
        .rows_in(address..end)
        .iter()
        .find(|r| r.line != 0 && !r.end_sequence)?;
    Some(position(prov, r.unit, r.file, r.line, 0))
}

/// `file:line:column` (`file:line` when the column is 0); the file relative
/// to its unit's compilation directory when it lies inside it.
fn position(prov: &Provenance, unit: usize, file: usize, line: u32, column: u32) -> String {
    let name = match prov.file(unit, file) {
        Some(f) => {
            let path = f.path();
            let comp_dir = prov
                .units
                .get(unit)
                .map(|u| u.comp_dir.trim_end_matches('/').to_string())
                .unwrap_or_default();
            match path.strip_prefix(&format!("{comp_dir}/")) {
                Some(rest) if !comp_dir.is_empty() => rest.to_string(),
                _ => path,
            }
        }
        None => "?".to_string(),
    };
    // Block comments nest in WebAssembly text: keep the name from opening
    // or closing one.
    let name = name.replace("(;", "( ;").replace(";)", "; )");
    if column == 0 {
        format!("{name}:{line}")
    } else {
        format!("{name}:{line}:{column}")
    }
}

/// `line` with `(; note ;)` added at its end (before a `;;` comment).
fn with_comment(line: &str, note: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    let newline = &line[body.len()..];
    match body.find(";;") {
        Some(i) => format!(
            "{}  (; {note} ;) {}{newline}",
            body[..i].trim_end(),
            &body[i..]
        ),
        None => format!("{body}  (; {note} ;){newline}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_before_line_comments() {
        assert_eq!(
            with_comment("    block ;; label = @1\n", "a.c:3:1"),
            "    block  (; a.c:3:1 ;) ;; label = @1\n"
        );
        assert_eq!(
            with_comment("    i32.add\n", "a.c:3"),
            "    i32.add  (; a.c:3 ;)\n"
        );
        assert_eq!(with_comment("  )", "x:1"), "  )  (; x:1 ;)");
    }

    #[test]
    fn quoted_identifiers_become_plain() {
        // Two functions named "dummy", one named "a b", one "a_b" already.
        let bytes = wat::parse_str(
            r#"(module
                 (func (@name "dummy") (call 1))
                 (func (@name "dummy"))
                 (func (@name "a b") (call 3))
                 (func $a_b (drop (i32.const 0))
                   (data.drop 0))
                 (data "$\"(; ;;"))"#,
        )
        .unwrap();
        let raw = {
            let mut p = Printed::default();
            wasmprinter::Config::new()
                .print(&bytes, &mut Tracking(&mut p))
                .unwrap();
            p.text
        };
        assert!(raw.contains("$\""), "{raw}");
        let p = print(&bytes, false).unwrap();
        assert!(!p.text.contains("$\""), "{}", p.text);
        assert!(!p.text.contains("@name"), "{}", p.text);
        assert!(p.text.contains("$dummy_func1"), "{}", p.text);
        assert!(p.text.contains("$a_b_2"), "{}", p.text);
        assert!(p.text.contains(r#"(data (;0;) "$\22(; ;;")"#), "{}", p.text);
        // Same module, apart from the names.
        let again = wat::parse_str(&p.text).unwrap();
        let strip = |b: &[u8]| -> Vec<Vec<u8>> {
            wasmparser::Parser::new(0)
                .parse_all(b)
                .filter_map(|p| match p.unwrap() {
                    wasmparser::Payload::CustomSection(_) => None,
                    p => p.as_section().map(|(id, r)| {
                        let mut v = vec![id];
                        v.extend_from_slice(&b[r.start as usize..r.end as usize]);
                        v
                    }),
                })
                .collect()
        };
        assert_eq!(strip(&again), strip(&bytes));
        for i in 0..p.lines.len() {
            assert!(p.lines[i].0 <= p.text.len());
        }
    }

    #[test]
    fn printed_lines_carry_offsets() {
        let bytes = wat::parse_str(
            "(module (func $f (param $x i32) (result i32) local.get $x i32.const 1 i32.add))",
        )
        .unwrap();
        let p = print(&bytes, false).unwrap();
        let adds: Vec<usize> = (0..p.lines.len())
            .filter(|&i| p.line(i).contains("i32.add"))
            .collect();
        assert_eq!(adds.len(), 1);
        assert!(p.lines[adds[0]].1.is_some());
        assert!(p.text.contains("(func $f"));
        assert_eq!(wat::parse_str(&p.text).unwrap(), bytes);
        let with_offsets = print(&bytes, true).unwrap();
        assert!(with_offsets.text.contains("(;@"));
        wat::parse_str(&with_offsets.text).unwrap();
    }
}
