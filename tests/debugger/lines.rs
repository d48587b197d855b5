//! Which source lines of the own files a binary's line table can stop at
//! (rows with `is_stmt`), read with `llvm-dwarfdump-19 --debug-info
//! --debug-line`.  Comparing the native executable, the wasm module and the
//! innative executable tells whether a stepping difference comes from the
//! wasm's own DWARF (clang's wasm code has no instruction for the line) or
//! from innative.

use crate::common::{paren_hex, quoted};
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// (file basename, line) of every `is_stmt` row in an own file.
pub type Lines = BTreeSet<(String, u32)>;

/// Lexically normalizes `p` (`.` and `..` components), without touching
/// the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `own`: full canonical paths of the own files.
pub fn stmt_lines(binary: &Path, own: &[String]) -> Result<Lines, String> {
    let o = Command::new("llvm-dwarfdump-19")
        .args(["--debug-info", "--debug-line"])
        .arg(binary)
        .output()
        .map_err(|e| format!("llvm-dwarfdump-19: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "llvm-dwarfdump-19 {}: {}",
            binary.display(),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let own: Vec<PathBuf> = own.iter().map(PathBuf::from).collect();

    // stmt_list offset -> comp_dir, from the compile units.
    let mut comp_dirs: HashMap<u64, String> = HashMap::new();
    let mut in_cu = false;
    let (mut stmt, mut dir): (Option<u64>, Option<String>) = (None, None);
    let flush =
        |stmt: &mut Option<u64>, dir: &mut Option<String>, map: &mut HashMap<u64, String>| {
            if let (Some(s), Some(d)) = (stmt.take(), dir.take()) {
                map.insert(s, d);
            }
        };
    for l in text.lines() {
        let t = l.trim();
        if t.contains("DW_TAG_") {
            if in_cu {
                flush(&mut stmt, &mut dir, &mut comp_dirs);
            }
            in_cu = t.contains("DW_TAG_compile_unit");
            stmt = None;
            dir = None;
        } else if in_cu && t.starts_with("DW_AT_stmt_list") {
            stmt = paren_hex(t);
        } else if in_cu && t.starts_with("DW_AT_comp_dir") {
            dir = quoted(t);
        }
    }
    flush(&mut stmt, &mut dir, &mut comp_dirs);

    let mut lines = Lines::new();
    let mut comp_dir = String::new();
    let mut version = 4;
    let mut dirs: HashMap<u64, String> = HashMap::new();
    let mut files: HashMap<u64, (String, u64)> = HashMap::new();
    let mut current_file: Option<u64> = None;
    // file index -> basename, for the own files of the current table
    let mut own_files: HashMap<u64, String> = HashMap::new();
    let mut rows = false;
    for l in text.lines() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("debug_line[") {
            let off = u64::from_str_radix(rest.trim_end_matches(']').trim_start_matches("0x"), 16)
                .unwrap_or(u64::MAX);
            comp_dir = comp_dirs.get(&off).cloned().unwrap_or_default();
            dirs.clear();
            files.clear();
            own_files.clear();
            rows = false;
            current_file = None;
            continue;
        }
        if let Some(v) = t.strip_prefix("version:") {
            version = v.trim().parse().unwrap_or(4);
        } else if let Some(rest) = t.strip_prefix("include_directories[") {
            if let (Some((idx, _)), Some(d)) = (rest.split_once(']'), quoted(t)) {
                dirs.insert(idx.trim().parse().unwrap_or(0), d);
            }
        } else if let Some(rest) = t.strip_prefix("file_names[") {
            if let Some((idx, _)) = rest.split_once(']') {
                current_file = idx.trim().parse().ok();
            }
        } else if t.starts_with("name:") {
            if let (Some(i), Some(n)) = (current_file, quoted(t)) {
                files.insert(i, (n, 0));
            }
        } else if let Some(d) = t.strip_prefix("dir_index:") {
            if let Some(f) = current_file.and_then(|i| files.get_mut(&i)) {
                f.1 = d.trim().parse().unwrap_or(0);
            }
        } else if t.starts_with("Address") {
            // The header is complete: resolve the file table.
            for (i, (name, d)) in &files {
                let dir = if *d == 0 && version < 5 {
                    comp_dir.clone()
                } else {
                    dirs.get(d).cloned().unwrap_or_default()
                };
                let mut p = PathBuf::from(name);
                if p.is_relative() {
                    let mut base = PathBuf::from(&dir);
                    if base.is_relative() {
                        base = Path::new(&comp_dir).join(base);
                    }
                    p = base.join(p);
                }
                let p = normalize(&p);
                let p = p.canonicalize().unwrap_or(p);
                if own.contains(&p) {
                    let base = p
                        .file_name()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    own_files.insert(*i, base);
                }
            }
            rows = true;
        } else if rows && t.starts_with("0x") {
            let f: Vec<&str> = t.split_whitespace().collect();
            if f.len() >= 4 && t.contains("is_stmt") && !t.contains("end_sequence") {
                let line: u32 = f[1].parse().unwrap_or(0);
                let file: u64 = f[3].parse().unwrap_or(u64::MAX);
                if let (Some(base), true) = (own_files.get(&file), line != 0) {
                    lines.insert((base.clone(), line));
                }
            }
        }
    }
    Ok(lines)
}

/// `a` minus `b`, as "file:line file:line ..." grouped by file.
pub fn missing(a: &Lines, b: &Lines) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut last = String::new();
    for (file, line) in a.difference(b) {
        if *file != last {
            out.push(format!("{file}:{line}"));
            last = file.clone();
        } else {
            out.push(line.to_string());
        }
    }
    if out.is_empty() {
        "none".into()
    } else {
        out.join(" ")
    }
}
