//! Names, in one place: the module-name policy (an override, else the name
//! section's module name without wasm-ld's `.wasm`, else the file stem) and
//! C symbol names, compatible with inNative: the export `name` of module
//! `mod` is the C symbol `mod_WASM_name`.  Bytes outside `[A-Za-z0-9_]` are
//! escaped: a space becomes `--`, any other byte `#XX` (upper-case hex).

use crate::load::Input;

/// The name a module gets: its override (`input.name`), else the name
/// section's module name `section` (wasm-ld's `prog.wasm` is `prog`), else
/// the file stem.
pub fn module_name_from(input: &Input, section: Option<&str>) -> String {
    // wasm-ld writes the output file name ("prog.wasm") into the name
    // section: the module is "prog".
    let section = section.map(|n| n.strip_suffix(".wasm").unwrap_or(n).to_string());
    input
        .name
        .clone()
        .or(section)
        .unwrap_or_else(|| input.file_stem())
}

/// The name a module gets (see [`module_name_from`]), reading its name
/// section.
pub fn module_name(input: &Input) -> String {
    module_name_from(input, name_section_module_name(&input.bytes).as_deref())
}

/// The module name of the name section of `bytes`, if any.
pub fn name_section_module_name(bytes: &[u8]) -> Option<String> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::CustomSection(reader)) = payload else {
            if payload.is_err() {
                return None;
            }
            continue;
        };
        if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
            for name in names {
                if let Ok(wasmparser::Name::Module { name, .. }) = name {
                    return Some(name.to_string());
                }
            }
        }
    }
    None
}

/// wasm-ld (clang) writes the output file name, `mathlib.wasm`, as the name
/// section's module name; taken as is it would make the C symbols
/// `mathlib#2Ewasm_WASM_fib`, which C cannot name.  Such a name loses its
/// `.wasm` suffix, so clang-built modules get `mathlib_WASM_fib` as inNative
/// users expect.
pub fn linker_module_name(input: &Input) -> Option<String> {
    if input.name.is_some() {
        return input.name.clone();
    }
    let name = name_section_module_name(&input.bytes)?;
    let stem = name
        .len()
        .checked_sub(5)
        .filter(|&i| name.is_char_boundary(i))?;
    (name[stem..].eq_ignore_ascii_case(".wasm") && stem > 0).then(|| name[..stem].to_string())
}

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
    use std::path::Path;

    #[test]
    fn wasm_ld_module_names_lose_their_suffix() {
        // (module $mathlib.wasm) carries the module name `mathlib.wasm`, as wasm-ld writes it.
        let input = |text: &str| {
            Input::from_bytes(Path::new("dir/x.wat"), text.as_bytes().to_vec()).unwrap()
        };
        assert_eq!(
            linker_module_name(&input("(module $mathlib.wasm)")).as_deref(),
            Some("mathlib")
        );
        assert_eq!(
            linker_module_name(&input("(module $m.WASM)")).as_deref(),
            Some("m")
        );
        assert_eq!(linker_module_name(&input("(module $plain)")), None);
        assert_eq!(linker_module_name(&input("(module $.wasm)")), None);
        assert_eq!(linker_module_name(&input("(module)")), None);
        assert_eq!(module_name(&input("(module $plain)")), "plain");
        assert_eq!(module_name(&input("(module)")), "x");
    }

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
