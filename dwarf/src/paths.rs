//! Source file paths of line tables — one rule for every reader of
//! innative (the DWARF reader of this crate and the line-table reader of
//! `innative-sourcemap`), so that one file never gets two names.
//!
//! LLVM's rules (`llvm-dwarfdump`, `llvm-symbolizer`): a relative include
//! directory is joined to the compilation directory, except DWARF 5's
//! directory 0, which *is* the compilation directory; DWARF 4's directory 0
//! is the compilation directory.  [`normalize`] removes `.` components.

use crate::model::SourceFile;

/// The directory and name of file `index` of a line program (`None`: no
/// such file).  The directory is as the rules above make it, not
/// normalized; [`SourceFile::path`] joins the two.
pub fn line_file<R: gimli::Reader>(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    header: &gimli::LineProgramHeader<R>,
    index: u64,
) -> Option<SourceFile> {
    let string = |v: gimli::AttributeValue<R>| -> String {
        dwarf
            .attr_string(unit, v)
            .ok()
            .and_then(|s| s.to_string_lossy().ok().map(|s| s.into_owned()))
            .unwrap_or_default()
    };
    let file = header.file(index)?;
    let name = string(file.path_name());
    let version = header.version();
    let dir_index = file.directory_index();
    let dirs = header.include_directories();
    let include = if version >= 5 {
        dirs.get(dir_index as usize)
    } else if dir_index > 0 {
        dirs.get(dir_index as usize - 1)
    } else {
        None
    };
    let include = include.map(|d| string(d.clone())).unwrap_or_default();
    let mut directory = String::new();
    if (version < 5 || dir_index != 0) && !include.starts_with('/') {
        directory = unit
            .comp_dir
            .as_ref()
            .and_then(|c| c.to_string_lossy().ok().map(|s| s.into_owned()))
            .unwrap_or_default();
    }
    Some(SourceFile {
        directory: join(&directory, &include),
        name,
    })
}

/// `a/b` (either may be empty).
pub fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        return b.to_string();
    }
    if b.is_empty() {
        return a.to_string();
    }
    format!("{}/{}", a.trim_end_matches('/'), b)
}

/// Lexically removes `.` components (and doubled slashes); `..` stays.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut out = String::with_capacity(path.len());
    if absolute {
        out.push('/');
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}
