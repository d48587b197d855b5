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

/// A function name as its source language spells it, for trap reports: Rust
/// symbols (`_ZN3std9panicking...17h<hash>E`, `_R...`) without their hash,
/// C++ (Itanium) symbols demangled; anything else unchanged.
pub fn demangled(name: &str) -> String {
    if let Ok(d) = rustc_demangle::try_demangle(name) {
        return format!("{d:#}");
    }
    if name.starts_with("_Z") {
        if let Ok(sym) = cpp_demangle::Symbol::new(name) {
            if let Ok(text) = sym.demangle(&cpp_demangle::DemangleOptions::default()) {
                return text;
            }
        }
    }
    name.to_string()
}

#[cfg(test)]
mod demangle_tests {
    use super::demangled;

    #[test]
    fn rust_cpp_and_plain_names() {
        assert_eq!(
            demangled("_ZN11std_program4main17h41741f0576a9fa38E"),
            "std_program::main"
        );
        assert_eq!(demangled("_ZN4calc5Shape4areaEv"), "calc::Shape::area()");
        assert_eq!(demangled("main"), "main");
        assert_eq!(demangled("_Z"), "_Z");
    }
}
