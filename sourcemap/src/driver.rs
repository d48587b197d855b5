//! `build-sourcemap` from file to file: reads the input (memory-mapped: only
//! the pages of the DWARF sections actually read are touched), builds the
//! map, and writes the outputs through temporary files that are renamed
//! into place, so a failure leaves no partial output.

use crate::build::{BuildOptions, BuildStats, InputKind, MapWriter};
use crate::lines::Sources;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One `build-sourcemap` job.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The wasm module or ELF file.
    pub input: PathBuf,
    /// Where the map goes.
    pub output: PathBuf,
    /// How the map is written.
    pub opts: BuildOptions,
    /// Write the wasm input back here (with `url`, without DWARF if `strip`).
    pub wasm_out: Option<PathBuf>,
    /// The `sourceMappingURL` of `wasm_out`; default: the map's path
    /// relative to `wasm_out`'s directory (its file name when they share it).
    pub url: Option<String>,
    /// Without the `.debug_*` sections in `wasm_out`.
    pub strip: bool,
}

/// What a job did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The container read.
    pub kind: InputKind,
    /// What the map holds.
    pub stats: BuildStats,
    /// Rows of live sequences read (all ranks).
    pub rows: u64,
    /// The `sourceMappingURL` written into `wasm_out`.
    pub url: Option<String>,
    /// What could not be read (one line each).
    pub warnings: Vec<String>,
}

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

fn read_input(path: &Path) -> Result<Bytes, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read input: {e}"))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > 0 {
        // SAFETY: the map is read-only and lives as long as the job; a file
        // changed underneath it by another process gives wrong output, not
        // undefined behaviour in safe code that only reads bytes.
        if let Ok(m) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(m));
        }
    }
    std::fs::read(path)
        .map(Bytes::Owned)
        .map_err(|e| format!("cannot read input: {e}"))
}

/// Writes `path` through a temporary file in its directory.
pub fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let show = |e: &dyn std::fmt::Display| format!("{}: cannot write: {e}", path.display());
    let tmp = tempfile::Builder::new()
        .prefix(".innative-")
        .tempfile_in(dir)
        .map_err(|e| show(&e))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file());
        f(&mut w).map_err(|e| show(&e))?;
        w.flush().map_err(|e| show(&e))?;
    }
    // tempfile creates 0600; a map is no secret.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path).map_err(|e| show(&e.error))?;
    Ok(())
}

/// The URL of `map` as seen from a wasm file in `wasm_dir`.
fn default_url(map: &Path, wasm_out: &Path) -> String {
    let dir_of = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let canon = |p: PathBuf| p.canonicalize().unwrap_or(p);
    if canon(dir_of(map)) == canon(dir_of(wasm_out)) {
        if let Some(name) = map.file_name() {
            return name.to_string_lossy().into_owned();
        }
    }
    std::path::absolute(map)
        .unwrap_or_else(|_| map.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

fn file_name(p: &Path) -> Option<String> {
    p.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Runs one job.
pub fn run(req: &Request) -> Result<Report, String> {
    let bytes = read_input(&req.input)?;
    let mut opts = req.opts.clone();
    let mut url = None;
    let (kind, debug, column_offset, functions) = if crate::wasm::is_wasm(&bytes) {
        let debug = crate::lines::wasm_debug(&bytes)?;
        let mut column_offset = debug.code_offset;
        if let Some(out) = &req.wasm_out {
            let sections = crate::wasm::sections(&bytes)?;
            let u = req
                .url
                .clone()
                .unwrap_or_else(|| default_url(&req.output, out));
            let plan = crate::wasm::rewrite(&bytes, &sections, Some(&u), req.strip);
            column_offset = plan.code_offset.unwrap_or(column_offset);
            write_atomically(out, |w| plan.write_to(w))?;
            url = Some(u);
        }
        if opts.file.is_none() {
            opts.file = file_name(req.wasm_out.as_deref().unwrap_or(&req.input));
        }
        // DWARF names (source-level: `main`, not `__original_main`), then
        // the name section's for functions the DWARF does not describe.
        let mut functions = Vec::new();
        if opts.names {
            functions = debug.functions();
            let code = debug.code_offset;
            let section = crate::wasm::functions(&bytes)?
                .into_iter()
                .filter_map(|f| {
                    let name = f.name?;
                    Some((f.body.start - code, f.body.end - code, name))
                })
                .collect();
            crate::lines::merge_functions(&mut functions, section);
        }
        (InputKind::Wasm, debug, column_offset, functions)
    } else if bytes.starts_with(b"\x7fELF") {
        if req.wasm_out.is_some() || req.url.is_some() || req.strip {
            return Err(
                "--wasm-out, --source-map-url and --strip apply to wasm inputs only".into(),
            );
        }
        let mut debug = crate::lines::elf_debug(&bytes, opts.names)?;
        if opts.file.is_none() {
            opts.file = file_name(&req.input);
        }
        let mut functions = Vec::new();
        if opts.names {
            // Relocatable objects: symbol values are section offsets, like
            // the rows.  The DWARF's names come first.
            functions = debug.functions();
            crate::lines::merge_functions(&mut functions, std::mem::take(&mut debug.symbols));
        }
        let kind = InputKind::Elf {
            relocatable: debug.relocatable,
        };
        (kind, debug, 0, functions)
    } else {
        return Err("not a wasm module or an ELF file".into());
    };
    let mut lines = debug.lines()?;
    let mut stats = BuildStats::default();
    let mut rows = 0;
    write_atomically(&req.output, |w| {
        let mut sources = Sources::default();
        let mut writer = MapWriter::begin(w, &opts, &functions, column_offset)?;
        rows = lines.stream(&mut sources, &mut |r| writer.push(r))?;
        stats = writer.finish(&sources.paths)?;
        Ok(())
    })?;
    Ok(Report {
        kind,
        stats,
        rows,
        url,
        warnings: std::mem::take(&mut lines.warnings),
    })
}
