//! A module's source map as its provenance (issue 6): found through the
//! `sourceMappingURL` custom section (a path relative to the module file,
//! an absolute path, a `file://` URL or a `data:` URL) or given with
//! `--source-map FILE`, which overrides the section.  It is read by the
//! `innative-sourcemap` crate into the same model as DWARF, so the debug
//! layer emits native line info for the original sources.
//!
//! Which provenance a module gets under `-g` is [`super::select`]'s: its
//! DWARF when it has some (the map is then not read), else its source map;
//! `--prefer-source-map` puts the map first.  A map that cannot be used — missing file, bad JSON,
//! wrong version, bad VLQ, out-of-range indices, mappings outside the
//! module's code — is one warning line naming the map, and the compile goes
//! on without it.
//!
//! Sources are resolved relative to the map (a `data:` map: the module),
//! `sourceRoot` applied; when that path does not exist but the source
//! without `sourceRoot` does, that one is used (AssemblyScript writes a
//! `sourceRoot` naming its output); a source found nowhere on disk whose
//! text is in `sourcesContent` goes under `OUT.sources/` beside the output
//! (a [`Companion`] the driver writes), and the debug info points there.

use super::{Companion, CompanionKind, Request};
use crate::module::ModuleInfo;
use innative_dwarf::Provenance;
use innative_sourcemap::lines::normalize;
use innative_sourcemap::map_in::{self, ModuleLayout, SourceChoice};
use std::path::{Path, PathBuf};

/// Where a module's map comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapSource {
    /// A file (from `--source-map`, or the section's path or `file://` URL).
    File(PathBuf),
    /// The section's `data:` URL.
    Data(String),
}

impl MapSource {
    /// The map's name in messages.
    pub fn describe(&self) -> String {
        match self {
            MapSource::File(p) => p.display().to_string(),
            MapSource::Data(_) => "(data: URL)".to_string(),
        }
    }
}

fn warn(info: &ModuleInfo<'_>, what: &str, msg: &str) {
    eprintln!(
        "{}: warning: source map {what}: {msg}; compiling without it",
        info.input.path.display()
    );
}

/// The module's map: `--source-map`, else `sourceMappingURL`.
pub fn locate(info: &ModuleInfo<'_>, request: &Request<'_>) -> Option<MapSource> {
    if let Some(p) = request.source_map {
        return Some(MapSource::File(p.to_path_buf()));
    }
    let payload = info
        .custom_sections
        .iter()
        .find(|(name, _)| *name == innative_sourcemap::SOURCE_MAPPING_URL)
        .map(|(_, data)| *data)?;
    let Some(url) = innative_sourcemap::wasm::source_mapping_url(payload) else {
        warn(info, "URL", "the sourceMappingURL section is malformed");
        return None;
    };
    let url = url.trim();
    if url.starts_with("data:") {
        return Some(MapSource::Data(url.to_string()));
    }
    let path = if let Some(p) = url.strip_prefix("file://") {
        // file:///abs/path (an empty or "localhost" host)
        let p = p.strip_prefix("localhost").unwrap_or(p);
        PathBuf::from(String::from_utf8_lossy(&map_in::percent_decode(p)).into_owned())
    } else if has_scheme(url) {
        warn(
            info,
            url,
            "only files and data: URLs are read (give the map with --source-map FILE)",
        );
        return None;
    } else {
        let p = PathBuf::from(String::from_utf8_lossy(&map_in::percent_decode(url)).into_owned());
        if p.is_absolute() {
            p
        } else {
            PathBuf::from(normalize(&module_dir(info).join(p).to_string_lossy()))
        }
    };
    Some(MapSource::File(path))
}

/// `scheme:` with a scheme of two or more letters (so `C:` is not one).
fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i >= 2 => s[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)),
        _ => false,
    }
}

fn module_dir(info: &ModuleInfo<'_>) -> PathBuf {
    match info.input.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Reads the map and turns it into provenance; None (after a warning) when
/// it cannot be used.
pub(super) fn read_map(
    info: &ModuleInfo<'_>,
    request: &Request<'_>,
    source: &MapSource,
    companions: &mut Vec<Companion>,
) -> Option<Provenance> {
    let what = source.describe();
    let (bytes, base) = match source {
        MapSource::File(p) => match std::fs::read(p) {
            Ok(b) => (b, p.parent().map(Path::to_path_buf).unwrap_or_default()),
            Err(e) => {
                warn(info, &what, &format!("cannot read it: {e}"));
                return None;
            }
        },
        MapSource::Data(url) => match map_in::data_url_bytes(url) {
            Ok(b) => (b, module_dir(info)),
            Err(e) => {
                warn(info, &what, &e);
                return None;
            }
        },
    };
    let base = absolute(if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &base
    });
    let map = match map_in::parse_map(&bytes) {
        Ok(m) => m,
        Err(e) => {
            warn(info, &what, &e);
            return None;
        }
    };
    let sources_dir = request.output.map(|out| {
        let mut s = out.as_os_str().to_owned();
        s.push(".sources");
        absolute(Path::new(&s))
    });
    let files: Vec<SourceChoice> = (0..map.sources.len())
        .map(|i| choose_source(&map, i, &base, sources_dir.as_deref(), companions))
        .collect();
    let layout = ModuleLayout {
        code_offset: innative_dwarf::ModuleOffset(info.code_section_offset),
        bodies: info.bodies.iter().map(|b| b.range()).collect(),
        names: (0..info.bodies.len() as u32)
            .map(|i| {
                info.func_names
                    .get(&(info.num_imported_funcs + i))
                    .map(|n| n.to_string())
            })
            .collect(),
    };
    let producer = format!("source map {what}");
    match map_in::to_provenance(&map, &layout, &files, &base.to_string_lossy(), &producer) {
        Ok(p) => {
            if request.verbose {
                eprintln!(
                    "{}: note: debug info from source map {what} ({} functions, {} rows, {} sources)",
                    info.input.path.display(),
                    p.subprograms.len(),
                    p.rows.len(),
                    map.sources.len()
                );
            }
            Some(p)
        }
        Err(e) => {
            warn(info, &what, &e);
            None
        }
    }
}

/// A source string as a path on disk, if it is one (`file://` stripped;
/// other URLs are not).
fn disk_path(s: &str) -> Option<String> {
    if let Some(p) = s.strip_prefix("file://") {
        return Some(p.strip_prefix("localhost").unwrap_or(p).to_string());
    }
    (!has_scheme(s)).then(|| s.to_string())
}

/// A relative path safe to create under a directory: no scheme, no root,
/// no `.`/`..` components.
fn sanitized(s: &str) -> String {
    let s = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s,
    };
    let parts: Vec<&str> = s
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    if parts.is_empty() {
        "source".to_string()
    } else {
        parts.join("/")
    }
}

/// Where the debugger finds a source at `path`.  The unit a function
/// starting there belongs to is named like the file (relative to the
/// compilation directory `base` when it is under it), so that the debugger
/// sees one file, and the WASI C library's units are recognised by their
/// relative names as with DWARF.
fn choice_for(path: &Path, base: &Path) -> SourceChoice {
    if let Ok(rel) = path.strip_prefix(base) {
        if !rel.as_os_str().is_empty() {
            let rel = rel.to_string_lossy().into_owned();
            return SourceChoice {
                directory: base.to_string_lossy().into_owned(),
                name: rel.clone(),
                unit_name: rel,
            };
        }
    }
    SourceChoice {
        directory: path
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        unit_name: path.to_string_lossy().into_owned(),
    }
}

fn choose_source(
    map: &map_in::ParsedMap,
    i: usize,
    base: &Path,
    sources_dir: Option<&Path>,
    companions: &mut Vec<Companion>,
) -> SourceChoice {
    let source = &map.sources[i];
    let resolve = |s: &str| -> Option<PathBuf> {
        let p = PathBuf::from(normalize(&disk_path(s)?));
        Some(if p.is_absolute() { p } else { base.join(p) })
    };
    let primary = resolve(source);
    if let Some(p) = primary.as_ref().filter(|p| p.is_file()) {
        return choice_for(p, base);
    }
    if let Some(raw) = map
        .raw_sources
        .get(i)
        .filter(|r| !r.is_empty() && *r != source)
    {
        if let Some(p) = resolve(raw).filter(|p| p.is_file()) {
            return choice_for(&p, base);
        }
    }
    if let (Some(text), Some(dir)) = (map.contents.get(i).and_then(|c| c.as_ref()), sources_dir) {
        // Named as the map writes it, without its sourceRoot.
        let raw = map.raw_sources.get(i).filter(|r| !r.is_empty());
        let rel = sanitized(raw.unwrap_or(source));
        let path = dir.join(&rel);
        let choice = SourceChoice {
            directory: dir.to_string_lossy().into_owned(),
            unit_name: path.to_string_lossy().into_owned(),
            name: rel,
        };
        companions.push(Companion {
            path,
            contents: text.clone(),
            kind: CompanionKind::Source,
        });
        return choice;
    }
    match primary {
        Some(p) => choice_for(&p, base),
        None => SourceChoice {
            directory: String::new(),
            name: source.clone(),
            unit_name: normalize(source),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_sanitizing() {
        assert!(has_scheme("http://x/a.map"));
        assert!(has_scheme("webpack:///src/a.ts"));
        assert!(!has_scheme("C:\\a.map"));
        assert!(!has_scheme("dir/a.map"));
        assert_eq!(disk_path("file:///abs/a.ts").as_deref(), Some("/abs/a.ts"));
        assert_eq!(disk_path("webpack:///a.ts"), None);
        assert_eq!(sanitized("webpack:///src/../a.ts"), "src/a.ts");
        assert_eq!(sanitized("~lib/rt/common.ts"), "~lib/rt/common.ts");
        assert_eq!(sanitized("/abs/./x.ts"), "abs/x.ts");
        assert_eq!(sanitized(".."), "source");
    }
}
