//! A minimal reader for the wasm *container*: enough to find the custom
//! sections (and the code section) of the side files split DWARF lives in —
//! `.dwo`/`.dwp` objects and `external_debug_info` files — without a full
//! wasm parser.  Every length is checked; bad input is an error, never a
//! panic.

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

/// Reads an unsigned LEB128 `u32` at `*pos`, advancing it.
fn leb_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result: u64 = 0;
    for i in 0..5 {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        result |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(result).ok();
        }
    }
    None
}

/// A wasm `name`: LEB128 byte length, then UTF-8.  Returns the string and
/// the position after it.
fn name_at(bytes: &[u8], mut pos: usize) -> Option<(&str, usize)> {
    let len = leb_u32(bytes, &mut pos)? as usize;
    let end = pos.checked_add(len)?;
    let s = std::str::from_utf8(bytes.get(pos..end)?).ok()?;
    Some((s, end))
}

/// Reads the payload of a section that holds a single name, such as
/// `external_debug_info` or `sourceMappingURL`.  Trailing bytes are ignored.
pub fn name_payload(payload: &[u8]) -> Option<&str> {
    name_at(payload, 0).map(|(s, _)| s)
}

/// Splits a wasm binary into its sections.
pub fn parse_container(bytes: &[u8]) -> Result<WasmContainer<'_>, String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err("not a wasm file".into());
    }
    if bytes[4..8] != [1, 0, 0, 0] {
        return Err("unsupported wasm version".into());
    }
    let mut out = WasmContainer::default();
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let size = leb_u32(bytes, &mut pos)
            .ok_or_else(|| format!("bad section size at byte {pos:#x}"))?
            as usize;
        let end = pos
            .checked_add(size)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| format!("section at byte {pos:#x} runs past the end of the file"))?;
        let payload = &bytes[pos..end];
        match id {
            0 => {
                let (name, data_start) = name_at(payload, 0)
                    .ok_or_else(|| format!("bad custom section name at byte {pos:#x}"))?;
                out.custom_sections.push((name, &payload[data_start..]));
            }
            10 => out.code = Some(payload),
            _ => {}
        }
        pos = end;
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
