//! C symbol names, compatible with inNative: the export `name` of module `mod`
//! is the C symbol `mod_WASM_name`.  Bytes outside `[A-Za-z0-9_]` are escaped:
//! a space becomes `--`, any other byte `#XX` (upper-case hex).

/// Escapes one name component (module or export name) for a C symbol.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for &b in name.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' => out.push(b as char),
            b' ' => out.push_str("--"),
            _ => out.push_str(&format!("#{b:02X}")),
        }
    }
    out
}

/// The C symbol of export `export` of module `module`.
pub fn export_symbol(module: &str, export: &str) -> String {
    format!("{}_WASM_{}", escape(module), escape(export))
}

/// The symbol of a module's `innative_module` descriptor.
pub fn module_descriptor_symbol(module: &str) -> String {
    format!("{}_innative_module", escape(module))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_innative() {
        assert_eq!(export_symbol("env", "add"), "env_WASM_add");
        assert_eq!(export_symbol("my mod", "a:b"), "my--mod_WASM_a#3Ab");
        assert_eq!(escape("x=/\",@"), "x#3D#2F#22#2C#40");
        assert_eq!(escape("\u{7f}é"), "#7F#C3#A9");
    }
}
