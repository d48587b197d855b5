//! External DWARF (`external_debug_info`, the tool-conventions / emscripten
//! `-gseparate-dwarf` layout): the module carries no `.debug_*` sections but
//! a custom section `external_debug_info` whose payload is one wasm name
//! (LEB128 length + UTF-8) — the path or URL of a separate wasm file that
//! holds them.  That file may also carry the module's code (emscripten
//! writes the whole module), or only the custom sections.
//!
//! Its DWARF addresses are code offsets of the *main* module only if both
//! were made from the same code: [`check_external`] verifies that before the
//! DWARF is trusted.

use crate::model::Provenance;
use std::path::{Path, PathBuf};

/// The custom section that names the separate debug file.
pub const EXTERNAL_DEBUG_INFO: &str = "external_debug_info";

/// Resolves the name in an `external_debug_info` section: an absolute path,
/// a `file://` URL, or a path relative to the module's directory.  Other
/// URLs (`http://`...) cannot be fetched by a compiler.
pub fn external_debug_path(module_path: &Path, name: &str) -> Result<PathBuf, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the external_debug_info section names no file".into());
    }
    let path = if let Some(rest) = name.strip_prefix("file://") {
        // file:///abs/path or file://localhost/abs/path
        rest.strip_prefix("localhost").unwrap_or(rest).to_string()
    } else if let Some((scheme, _)) = name.split_once("://") {
        return Err(format!("{name}: {scheme} URLs are not supported"));
    } else {
        name.to_string()
    };
    let path = Path::new(&path);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let dir = module_path.parent().unwrap_or(Path::new(""));
    Ok(dir.join(path))
}

/// Checks that DWARF read from a separate debug file describes the main
/// module's code.  `main_code` is the main module's code section payload,
/// `debug_code` the debug file's (if it has one), `body_starts` the code
/// offsets where the main module's function bodies start (after their size
/// field, where clang's `DW_AT_low_pc` points).
///
/// With a code section in the debug file, the two must be identical.
/// Without one, every function the DWARF describes must start at a body
/// start and end inside the code section.
pub fn check_external(
    main_code: &[u8],
    debug_code: Option<&[u8]>,
    prov: &Provenance,
    body_starts: &[u64],
) -> Result<(), String> {
    if let Some(code) = debug_code {
        if code != main_code {
            return Err(format!(
                "its code section ({} bytes) differs from the module's ({} bytes)",
                code.len(),
                main_code.len()
            ));
        }
        return Ok(());
    }
    let code_size = main_code.len() as u64;
    let mut checked = 0;
    for s in &prov.subprograms {
        let Some(first) = s.ranges.iter().map(|r| r.start).min() else {
            continue;
        };
        let end = s.ranges.iter().map(|r| r.end).max().unwrap_or(first);
        if body_starts.binary_search(&first).is_err() || end > code_size {
            return Err(format!(
                "function {} at code offset {first:#x} is not a function of the module; \
                 made from a different build?",
                s.name.as_deref().unwrap_or("(unnamed)")
            ));
        }
        checked += 1;
    }
    if checked == 0 && !prov.rows.is_empty() {
        return Err("it describes no function of the module".into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::model::Subprogram;

    #[test]
    fn paths_resolve_against_the_module() {
        let m = Path::new("/w/out/prog.wasm");
        assert_eq!(
            external_debug_path(m, "prog.debug.wasm").unwrap(),
            PathBuf::from("/w/out/prog.debug.wasm")
        );
        assert_eq!(
            external_debug_path(m, "/abs/d.wasm").unwrap(),
            PathBuf::from("/abs/d.wasm")
        );
        assert_eq!(
            external_debug_path(m, "file:///abs/d.wasm").unwrap(),
            PathBuf::from("/abs/d.wasm")
        );
        assert_eq!(
            external_debug_path(Path::new("prog.wasm"), "d.wasm").unwrap(),
            PathBuf::from("d.wasm")
        );
        assert!(external_debug_path(m, "http://example.com/d.wasm").is_err());
        assert!(external_debug_path(m, "").is_err());
    }

    #[test]
    fn compatibility() {
        let mut prov = Provenance::default();
        prov.subprograms.push(Subprogram {
            name: Some("f".into()),
            ranges: vec![0x1f..0x40],
            ..Default::default()
        });
        let code = [0u8; 0x50];
        assert!(check_external(&code, Some(&code), &prov, &[]).is_ok());
        assert!(check_external(&code, Some(&code[..10]), &prov, &[]).is_err());
        assert!(check_external(&code, None, &prov, &[2, 0x1f]).is_ok());
        assert!(check_external(&code, None, &prov, &[2, 0x20]).is_err());
        assert!(check_external(&code[..0x30], None, &prov, &[0x1f]).is_err());
    }
}
