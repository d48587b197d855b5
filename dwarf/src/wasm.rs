//! The wasm *container* — its sections, found with wasmparser's
//! [`BinaryReader`] without parsing their contents: enough for the side
//! files split DWARF lives in (`.dwo`/`.dwp` objects, `external_debug_info`
//! files), for the `sourceMappingURL` section and for the source-map
//! builder's rewriting (the `innative-sourcemap` crate uses this reader
//! too).  Every length is checked; bad input is an error, never a panic.

use std::ops::Range;
use wasmparser::BinaryReader;

/// The id of the code section.
pub const CODE_SECTION: u8 = 10;

/// One section of a wasm file.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    /// The section id (0: custom).
    pub id: u8,
    /// The whole section, header included (file offsets).
    pub whole: Range<usize>,
    /// The payload (for a custom section: after its name).
    pub payload: Range<usize>,
    /// Custom sections: the name.
    pub name: Option<&'a str>,
}

impl Section<'_> {
    /// Whether this is a `.debug_*` custom section.
    pub fn is_debug(&self) -> bool {
        self.name.is_some_and(|n| n.starts_with(".debug_"))
    }
}

/// Whether `bytes` start like a wasm binary.
pub fn is_wasm(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}

/// Splits a wasm binary into its sections; every length is checked.
pub fn sections(bytes: &[u8]) -> Result<Vec<Section<'_>>, String> {
    if bytes.len() < 8 || !is_wasm(bytes) {
        return Err("not a wasm binary".into());
    }
    if bytes[4..8] != [1, 0, 0, 0] {
        return Err("unsupported wasm version (only 1 is)".into());
    }
    let mut reader = BinaryReader::new(&bytes[8..], 8);
    let mut out = Vec::new();
    while !reader.eof() {
        let start = reader.original_position() as usize;
        let id = reader
            .read_u8()
            .map_err(|_| format!("bad section id at byte {start:#x}"))?;
        let size = reader
            .read_var_u32()
            .map_err(|_| format!("bad section size at byte {start:#x}"))?
            as usize;
        let pos = reader.original_position() as usize;
        let data = reader
            .read_bytes(size)
            .map_err(|_| format!("section at byte {start:#x} runs past the end of the file"))?;
        let end = pos + size;
        let mut payload = pos..end;
        let mut name = None;
        if id == 0 {
            let mut custom = BinaryReader::new(data, pos as u64);
            name = Some(
                custom
                    .read_unlimited_string()
                    .map_err(|_| format!("bad custom section name at byte {start:#x}"))?,
            );
            payload = custom.original_position() as usize..end;
        }
        out.push(Section {
            id,
            whole: start..end,
            payload,
            name,
        });
    }
    Ok(out)
}

/// The code section's payload (file offsets), if the module has one.
pub fn code_payload(sections: &[Section<'_>]) -> Option<Range<usize>> {
    sections
        .iter()
        .find(|s| s.id == CODE_SECTION)
        .map(|s| s.payload.clone())
}

/// The sections of a wasm file this crate cares about.
#[derive(Debug, Default, Clone)]
pub struct WasmContainer<'a> {
    /// Custom sections (name, payload), in file order.
    pub custom_sections: Vec<(&'a str, &'a [u8])>,
    /// The code section's payload, when the file has one.
    pub code: Option<&'a [u8]>,
}

impl<'a> WasmContainer<'a> {
    /// The payload of the first custom section called `name`.
    pub fn custom(&self, name: &str) -> Option<&'a [u8]> {
        self.custom_sections
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| *d)
    }
}

/// Reads the payload of a section that holds a single name, such as
/// `external_debug_info` or `sourceMappingURL` (of any length: a `data:`
/// URL can be long).  Trailing bytes are ignored.
pub fn name_payload(payload: &[u8]) -> Option<&str> {
    BinaryReader::new(payload, 0).read_unlimited_string().ok()
}

/// A wasm binary's custom sections and code section.
pub fn parse_container(bytes: &[u8]) -> Result<WasmContainer<'_>, String> {
    let mut out = WasmContainer::default();
    for s in sections(bytes)? {
        let payload = &bytes[s.payload.clone()];
        match (s.id, s.name) {
            (0, Some(name)) => out.custom_sections.push((name, payload)),
            (CODE_SECTION, _) => out.code = Some(payload),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str, data: &[u8]) -> Vec<u8> {
        let mut payload = vec![name.len() as u8];
        payload.extend_from_slice(name.as_bytes());
        payload.extend_from_slice(data);
        let mut s = vec![0, payload.len() as u8];
        s.extend(payload);
        s
    }

    #[test]
    fn reads_custom_and_code_sections() {
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend(custom(".debug_info.dwo", b"abc"));
        bytes.extend([10, 2, 0xaa, 0xbb]);
        bytes.extend(custom("external_debug_info", b"\x06a.wasm"));
        let c = parse_container(&bytes).unwrap();
        assert_eq!(c.custom(".debug_info.dwo"), Some(&b"abc"[..]));
        assert_eq!(c.code, Some(&[0xaa, 0xbb][..]));
        assert_eq!(
            name_payload(c.custom("external_debug_info").unwrap()),
            Some("a.wasm")
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(parse_container(b"").is_err());
        assert!(parse_container(b"\x7fELF\x02\x01\x01\0").is_err());
        assert!(parse_container(b"\0asm\x02\0\0\0").is_err());
        // Section longer than the file.
        assert!(parse_container(b"\0asm\x01\0\0\0\x00\x10\x01a").is_err());
        // Unterminated LEB.
        assert!(parse_container(b"\0asm\x01\0\0\0\x00\xff\xff").is_err());
        // Name longer than the section.
        assert!(parse_container(b"\0asm\x01\0\0\0\x00\x02\x09a").is_err());
        assert_eq!(name_payload(b"\x05ab"), None);
        assert_eq!(name_payload(b"\x02\xff\xfe"), None);
        for n in 0..40 {
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            bytes.extend(custom(".debug_str.dwo", &[7; 20]));
            bytes.truncate(n);
            let _ = parse_container(&bytes);
        }
    }
}
