//! The wasm container as far as source maps care: where each section is
//! (read by [`innative_dwarf::wasm`], the one container reader; the code
//! section's payload offset turns DWARF code offsets into file offsets),
//! the functions' bodies and names, and rewriting a module with a new
//! `sourceMappingURL` section and without its `.debug_*` sections.

pub use innative_dwarf::wasm::{code_payload, is_wasm, sections, Section, CODE_SECTION};
use std::ops::Range;

fn put_leb(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
}

/// A defined function: its body (file offsets, after the size prefix) and
/// its name-section name.
#[derive(Debug, Clone)]
pub struct Function {
    /// The body, after its size prefix (file offsets).
    pub body: Range<u64>,
    /// Its name-section name.
    pub name: Option<String>,
}

/// The defined functions of a module, in order, with their names.
pub fn functions(bytes: &[u8]) -> Result<Vec<Function>, String> {
    use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};
    let mut imported = 0u32;
    let mut out = Vec::new();
    let mut names = std::collections::HashMap::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import.map_err(|e| e.to_string())?.ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let r = body.range();
                out.push(Function {
                    body: r.start..r.end,
                    name: None,
                });
            }
            Payload::CustomSection(reader) => {
                if let KnownCustom::Name(reader) = reader.as_known() {
                    for name in reader.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            for n in map.into_iter().flatten() {
                                names.insert(n.index, n.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (i, f) in out.iter_mut().enumerate() {
        f.name = names.remove(&(imported + i as u32));
    }
    Ok(out)
}

/// A custom section: name, then data.
pub fn custom_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(name.len() + data.len() + 5);
    put_leb(name.len() as u64, &mut payload);
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    let mut out = vec![0u8];
    put_leb(payload.len() as u64, &mut out);
    out.extend(payload);
    out
}

/// The `sourceMappingURL` section payload: the URL as a wasm name.
pub fn url_payload(url: &str) -> Vec<u8> {
    let mut out = Vec::new();
    put_leb(url.len() as u64, &mut out);
    out.extend_from_slice(url.as_bytes());
    out
}

/// The URL a module's `sourceMappingURL` section holds.
pub fn source_mapping_url(payload: &[u8]) -> Option<&str> {
    innative_dwarf::wasm::name_payload(payload)
}

/// A plan for rewriting a module: which sections are kept, and what is
/// appended.  The code section may move (when a section before it is
/// dropped); `code_offset` is where its payload lands in the new file.
pub struct Rewrite<'a> {
    bytes: &'a [u8],
    keep: Vec<Range<usize>>,
    tail: Vec<u8>,
    /// Where the code section's payload lands in the new file.
    pub code_offset: Option<u64>,
}

/// Plans the module `bytes` without its old `sourceMappingURL` section,
/// without `.debug_*` sections when `strip`, and with a `sourceMappingURL`
/// section for `url` appended (when given).
pub fn rewrite<'a>(
    bytes: &'a [u8],
    sections: &[Section<'_>],
    url: Option<&str>,
    strip: bool,
) -> Rewrite<'a> {
    let mut keep = vec![0..8];
    let mut size = 8usize;
    let mut code_offset = None;
    for s in sections {
        let drop =
            (url.is_some() && s.name == Some(crate::SOURCE_MAPPING_URL)) || (strip && s.is_debug());
        if drop {
            continue;
        }
        if s.id == CODE_SECTION {
            code_offset = Some((size + (s.payload.start - s.whole.start)) as u64);
        }
        size += s.whole.len();
        keep.push(s.whole.clone());
    }
    let tail = url
        .map(|u| custom_section(crate::SOURCE_MAPPING_URL, &url_payload(u)))
        .unwrap_or_default();
    Rewrite {
        bytes,
        keep,
        tail,
        code_offset,
    }
}

impl Rewrite<'_> {
    /// Writes the rewritten module.
    pub fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        for r in &self.keep {
            w.write_all(&self.bytes[r.clone()])?;
        }
        w.write_all(&self.tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend(custom_section("sourceMappingURL", &url_payload("old.map")));
        m.extend([10, 4, 1, 2, 0, 0x0b]);
        m.extend(custom_section(".debug_line", b"xyz"));
        m
    }

    #[test]
    fn scans_and_rewrites() {
        let m = module();
        let s = sections(&m).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(
            source_mapping_url(&m[s[0].payload.clone()]),
            Some("old.map")
        );
        let code = code_payload(&s).unwrap();
        assert_eq!(&m[code.clone()], &[1, 2, 0, 0x0b]);
        let plan = rewrite(&m, &s, Some("new.map"), true);
        let mut out = Vec::new();
        plan.write_to(&mut out).unwrap();
        let s2 = sections(&out).unwrap();
        assert_eq!(s2.len(), 2);
        assert_eq!(s2[0].id, 10);
        assert_eq!(plan.code_offset, Some(s2[0].payload.start as u64));
        assert_eq!(
            source_mapping_url(&out[s2[1].payload.clone()]),
            Some("new.map")
        );
        // Without a URL the old section stays.
        let plan = rewrite(&m, &s, None, false);
        assert_eq!(plan.code_offset, Some(code.start as u64));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(sections(b"").is_err());
        assert!(sections(b"\0asm\x02\0\0\0").is_err());
        assert!(sections(b"\0asm\x01\0\0\0\x00\x10\x01a").is_err());
        assert!(sections(b"\0asm\x01\0\0\0\x00\x02\x09a").is_err());
        let m = module();
        for n in 0..m.len() {
            let _ = sections(&m[..n]);
        }
    }
}
