//! The oracles of the source-map tests, read from LLVM's own tools:
//! `llvm-dwarfdump-19 --debug-info --debug-line` (every line-table row, with
//! the file it names) and `llvm-symbolizer-19` (file and line of an address).
//! Nothing here uses innative's DWARF or source-map code.

use crate::common::{paren_hex, quoted};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// One row of a line table, as the dump prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpRow {
    pub address: u64,
    pub line: u32,
    pub file: String,
    pub end_sequence: bool,
}

/// A line table: its rows, split into sequences.
#[derive(Debug, Default)]
pub struct Table {
    pub sequences: Vec<Vec<DumpRow>>,
}

/// `.`-free form of a path (`..` stays), as build-sourcemap writes paths.
pub fn normalize(path: &str) -> String {
    let abs = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if abs {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

fn bracket_index(l: &str) -> Option<u64> {
    let start = l.find('[')?;
    let end = l.find(']')?;
    l[start + 1..end].trim().parse().ok()
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{}/{}", a.trim_end_matches('/'), b),
    }
}

/// Runs the dump on `binary` and parses every line table.
pub fn line_tables(binary: &Path) -> Result<Vec<Table>, String> {
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

    // DW_AT_stmt_list -> DW_AT_comp_dir of the compile units.
    let mut comp_dirs: HashMap<u64, String> = HashMap::new();
    let (mut in_cu, mut stmt, mut dir) = (false, None, None);
    for l in text.lines() {
        let t = l.trim();
        if t.contains("DW_TAG_") || t.starts_with(".debug_line contents") {
            if let (Some(s), Some(d)) = (stmt.take(), dir.take()) {
                comp_dirs.insert(s, d);
            }
            in_cu = t.contains("DW_TAG_compile_unit") || t.contains("DW_TAG_skeleton_unit");
        } else if in_cu && t.starts_with("DW_AT_stmt_list") {
            stmt = paren_hex(t);
        } else if in_cu && t.starts_with("DW_AT_comp_dir") {
            dir = quoted(t);
        }
    }

    let mut tables = Vec::new();
    let lines_part = text
        .split_once(".debug_line contents:")
        .map(|(_, b)| b)
        .unwrap_or("");
    let mut cur: Option<(u64, u16, Vec<(u64, String)>, Vec<(u64, String, u64)>, Table)> = None;
    let finish =
        |cur: &mut Option<(u64, u16, Vec<(u64, String)>, Vec<(u64, String, u64)>, Table)>,
         tables: &mut Vec<Table>| {
            if let Some((_, _, _, _, t)) = cur.take() {
                tables.push(t);
            }
        };
    let mut seq: Vec<DumpRow> = Vec::new();
    let mut pending_file: Option<(u64, Option<String>)> = None;
    for l in lines_part.lines() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("debug_line[") {
            finish(&mut cur, &mut tables);
            let off = u64::from_str_radix(rest.trim_start_matches("0x").trim_end_matches(']'), 16)
                .unwrap_or(0);
            cur = Some((off, 0, Vec::new(), Vec::new(), Table::default()));
            seq.clear();
            continue;
        }
        let Some((offset, version, dirs, files, table)) = cur.as_mut() else {
            continue;
        };
        if let Some(v) = t.strip_prefix("version:") {
            *version = v.trim().parse().unwrap_or(0);
        } else if t.starts_with("include_directories[") {
            if let (Some(i), Some(d)) = (bracket_index(t), quoted(t)) {
                dirs.push((i, d));
            }
        } else if t.starts_with("file_names[") {
            pending_file = bracket_index(t).map(|i| (i, None));
        } else if let Some(n) = t.strip_prefix("name:") {
            if let Some((_, name)) = pending_file.as_mut() {
                *name = quoted(n);
            }
        } else if let Some(d) = t.strip_prefix("dir_index:") {
            if let Some((i, Some(name))) = pending_file.take() {
                files.push((i, name, d.trim().parse().unwrap_or(0)));
            }
        } else if t.starts_with("0x") {
            let f: Vec<&str> = t.split_whitespace().collect();
            if f.len() < 4 {
                continue;
            }
            let address = u64::from_str_radix(&f[0][2..], 16).unwrap_or(0);
            let line: u32 = f[1].parse().unwrap_or(0);
            let file_index: u64 = f[3].parse().unwrap_or(0);
            let end_sequence = f.contains(&"end_sequence");
            let comp_dir = comp_dirs.get(offset).cloned().unwrap_or_default();
            let file = files
                .iter()
                .find(|(i, _, _)| *i == file_index)
                .map(|(_, name, dir)| {
                    // LLVM's rules (DWARFDebugLine::Prologue::getFileNameByIndex).
                    if name.starts_with('/') {
                        return normalize(name);
                    }
                    let include = if *version >= 5 {
                        dirs.iter().find(|(i, _)| i == dir).map(|(_, d)| d.clone())
                    } else if *dir > 0 {
                        dirs.iter().find(|(i, _)| i == dir).map(|(_, d)| d.clone())
                    } else {
                        None
                    }
                    .unwrap_or_default();
                    let mut path = String::new();
                    if (*version < 5 || *dir != 0) && !include.starts_with('/') {
                        path = comp_dir.clone();
                    }
                    normalize(&join(&join(&path, &include), name))
                })
                .unwrap_or_else(|| format!("<file {file_index}>"));
            seq.push(DumpRow {
                address,
                line,
                file,
                end_sequence,
            });
            if end_sequence {
                table.sequences.push(std::mem::take(&mut seq));
            }
        }
    }
    finish(&mut cur, &mut tables);
    Ok(tables)
}

/// Executable sections (address ranges) of an ELF file, from
/// `llvm-readelf-19 -S`.
pub fn elf_text_ranges(binary: &Path) -> Result<Vec<std::ops::Range<u64>>, String> {
    let o = Command::new("llvm-readelf-19")
        .args(["-S", "--wide"])
        .arg(binary)
        .output()
        .map_err(|e| format!("llvm-readelf-19: {e}"))?;
    let text = String::from_utf8_lossy(&o.stdout);
    let mut out = Vec::new();
    for l in text.lines() {
        let Some(rest) = l.trim_start().strip_prefix('[') else {
            continue;
        };
        let Some((_, rest)) = rest.split_once(']') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // Name Type Address Off Size ES Flg ...
        if f.len() < 7 {
            continue;
        }
        let (Ok(addr), Ok(size)) = (u64::from_str_radix(f[2], 16), u64::from_str_radix(f[4], 16))
        else {
            continue;
        };
        if f[6].contains('X') && size > 0 {
            out.push(addr..addr + size);
        }
    }
    Ok(out)
}

/// What `llvm-symbolizer-19` says about `addresses` of `binary`: (file,
/// line), or None where it knows no line.
pub fn symbolize(binary: &Path, addresses: &[u64]) -> Result<Vec<Option<(String, u32)>>, String> {
    use std::io::Write;
    let mut child = Command::new("llvm-symbolizer-19")
        .arg(format!("--obj={}", binary.display()))
        .args(["--output-style=JSON", "--no-inlines"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("llvm-symbolizer-19: {e}"))?;
    {
        let mut stdin = child.stdin.take().unwrap();
        let mut text = String::new();
        for a in addresses {
            text.push_str(&format!("{a:#x}\n"));
        }
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let o = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&o.stdout);
    let mut out = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(l).map_err(|e| format!("llvm-symbolizer output {l}: {e}"))?;
        let sym = &v["Symbol"][0];
        let line = sym["Line"].as_u64().unwrap_or(0) as u32;
        let file = sym["FileName"].as_str().unwrap_or("");
        out.push((line > 0 && !file.is_empty()).then(|| (normalize(file), line)));
    }
    if out.len() != addresses.len() {
        return Err(format!(
            "llvm-symbolizer-19 answered {} of {} addresses: {}",
            out.len(),
            addresses.len(),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(out)
}
