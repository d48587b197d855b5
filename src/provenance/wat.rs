//! Provenance from WebAssembly text, for modules that carry no DWARF: the
//! user's own `.wat`, or — for a binary module — the text innative writes
//! beside the output (`OUT.wat`, as `innative serialize` prints it).
//!
//! The result is an ordinary [`Provenance`], so the debug layer treats it
//! like clang's DWARF: one compile unit named after the `.wat`, a line row
//! per instruction (line and column of the instruction in the text), one
//! subprogram per function (the name-section name, else the export name,
//! else `func[N]`), its parameters and locals as variables living in wasm
//! locals (names from the text or the name section, else `param0`/`local1`
//! — the number is the wasm local index), the wasm globals as global
//! variables (`global0` when unnamed) and the linear memory as `__memory`,
//! an array of bytes.
//!
//! How the line rows are found:
//!
//! 1. the text is encoded again with the `wast` crate's DWARF generation
//!    (line rows from every instruction's span).  When that encoding's code
//!    section equals the module's byte for byte, its addresses are the
//!    module's and its line table is used (the `wast` line program counts
//!    addresses from just after the code section's function count, so they
//!    are moved by the size of that count to be code-section offsets as
//!    clang writes them);
//! 2. otherwise (a binary whose encoding the text does not reproduce, e.g.
//!    padded LEB128s as `wasm-ld` writes them) the rows are built from the
//!    printer's own record of which module offset each line prints.
//!
//! The text is not written here: it is a [`Companion`] the driver writes.

use super::{Companion, CompanionKind};
use crate::module::ModuleInfo;
use crate::text::{self, CodeMap, Printed};
use innative_dwarf::gimli;
use innative_dwarf::{
    read_dwarf, DwarfSections, LineRow, LocOp, Location, Provenance, SourceFile, Subprogram, Type,
    TypeId, TypeKind, Unit, Variable,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use wasmparser::ValType;

const DW_ATE_FLOAT: u8 = gimli::constants::DW_ATE_float.0;
const DW_ATE_SIGNED: u8 = gimli::constants::DW_ATE_signed.0;
const DW_ATE_UNSIGNED: u8 = gimli::constants::DW_ATE_unsigned.0;
/// `DW_LANG_C99`: debuggers evaluate expressions in C.
const DW_LANG_C99: u16 = gimli::constants::DW_LANG_C99.0;

/// Where `compile -g` writes the text of module `module` whose output is
/// `output`: `OUT.wat`, or `OUT.<module>.wat` when several modules are
/// compiled together.
pub fn wat_path(output: &Path, module: &str, modules: usize) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    if modules > 1 {
        let safe: String = module
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        name.push(".");
        name.push(safe);
    }
    name.push(".wat");
    PathBuf::from(name)
}

/// The first line of the text `compile -g` writes: innative overwrites a
/// file only when it starts so.
pub const HEADER_MARK: &str = ";; innative:";

/// The text-level provenance of a module without DWARF or source map (the
/// last origin of [`super::select`]): its own text when it was read from a
/// `.wat`, else the text to be written to [`wat_path`]`(output, ...)` (a
/// [`Companion`] in `companions`).  None (after a one-line warning when
/// something failed) leaves the module with function-level debug info.
///
/// A file already at that path is overwritten only when innative wrote it
/// (its first line starts with [`HEADER_MARK`]).  Any other file there is
/// left alone: when it is the text the module was built from (it encodes to
/// the same code section — `wat2wasm prog.wat -o prog.wasm` then `-o prog`),
/// the program is debugged against it; otherwise the text goes to
/// `OUT.innative.wat` instead.
pub fn provenance_for(
    info: &ModuleInfo<'_>,
    output: Option<&Path>,
    modules: usize,
    companions: &mut Vec<Companion>,
) -> Option<Provenance> {
    if let Some(p) = from_input_text(info) {
        return Some(p);
    }
    let warn = |what: String| {
        eprintln!(
            "{}: warning: {what}; no line-level debug info",
            info.input.path.display()
        );
    };
    let mut wat = wat_path(output?, &info.name, modules);
    if let Ok(existing) = std::fs::read_to_string(&wat) {
        if !existing.starts_with(HEADER_MARK) {
            if let Ok(Some(p)) = from_text(info, &wat, &existing) {
                return Some(p);
            }
            let other = wat.with_extension("innative.wat");
            let theirs =
                |p: &Path| std::fs::read_to_string(p).is_ok_and(|t| !t.starts_with(HEADER_MARK));
            if theirs(&other) {
                warn(format!(
                    "{} and {} exist and are not innative's",
                    wat.display(),
                    other.display()
                ));
                return None;
            }
            eprintln!(
                "{}: note: {} is not the text of this module; writing it to {}",
                info.input.path.display(),
                wat.display(),
                other.display()
            );
            wat = other;
        }
    }
    let source = info
        .input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let header = format!(
        "{HEADER_MARK} the text of {source}, which the debug info of the program built from it \
         points at (innative compile -g)\n"
    );
    let printed = match text::print(&info.input.bytes, false) {
        Ok(p) => with_header(&header, p),
        Err(e) => {
            warn(format!("cannot print the module as text: {e}"));
            return None;
        }
    };
    let prov = match from_text(info, &wat, &printed.text) {
        Ok(Some(p)) => p,
        _ => synthesize(info, &wat, &printed),
    };
    companions.push(Companion {
        path: wat,
        contents: printed.text,
        kind: CompanionKind::Text,
    });
    Some(prov)
}

/// `printed` after a first line `header` (which ends with a newline).
fn with_header(header: &str, printed: Printed) -> Printed {
    let mut lines = vec![(0, None)];
    lines.extend(
        printed
            .lines
            .into_iter()
            .map(|(start, offset)| (start + header.len(), offset)),
    );
    Printed {
        text: format!("{header}{}", printed.text),
        lines,
    }
}

/// The provenance of a module read from a `.wat` file: positions in that
/// file.  None for binary inputs and text that does not reproduce the
/// module (e.g. `(module binary ...)`).
pub fn from_input_text(info: &ModuleInfo<'_>) -> Option<Provenance> {
    let text = info.input.text.as_deref()?;
    match from_text(info, &info.input.path, text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "{}: warning: {e}; no line-level debug info",
                info.input.path.display()
            );
            None
        }
    }
}

/// Encodes `text` (the text of `info`'s module, in file `path`) with the
/// `wast` crate's DWARF line tables.  Ok(None) when that encoding's code
/// section is not the module's.
pub fn from_text(
    info: &ModuleInfo<'_>,
    path: &Path,
    text: &str,
) -> Result<Option<Provenance>, String> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut buf = wast::parser::ParseBuffer::new(text).map_err(|e| e.message())?;
    buf.track_instr_spans(true);
    let mut wat: wast::Wat = wast::parser::parse(&buf).map_err(|e| e.message())?;
    let bytes = wast::core::EncodeOptions::new()
        .dwarf(&abs, text, wast::core::GenerateDwarf::Lines)
        .encode_wat(&mut wat)
        .map_err(|e| e.message())?;

    let mut code: Option<(&[u8], u32)> = None;
    let mut sections = DwarfSections::new();
    let mut text_names = Names::default();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::CodeSectionStart {
                unchecked_range,
                count,
                ..
            } => {
                let range = unchecked_range.start as usize..unchecked_range.end as usize;
                code = bytes.get(range).map(|c| (c, count));
            }
            wasmparser::Payload::CustomSection(c) => {
                if c.name() == "name" {
                    text_names = Names::read(c.data());
                }
                sections.add(c.name(), c.data())
            }
            _ => {}
        }
    }
    let original = info.code_section();
    let Some((code, count)) = code else {
        return Ok(None);
    };
    if code != original || !sections.has_debug_info() {
        return Ok(None);
    }
    let mut prov = read_dwarf(&sections, code.len() as u64);
    if prov.units.len() != 1 || prov.rows.is_empty() {
        return Ok(None);
    }
    // wast's addresses count from the first function's size field, not
    // from the start of the code section payload (its function count).
    let shift = leb128_len(count as u64);
    for r in &mut prov.rows {
        r.address += shift;
    }
    for s in &mut prov.subprograms {
        for range in &mut s.ranges {
            *range = range.start + shift..range.end + shift;
        }
    }
    prov.sort_rows();
    let unit = &mut prov.units[0];
    unit.language = DW_LANG_C99;
    unit.producer = "innative (from WebAssembly text)".to_string();
    // Map each subprogram to its function by where its body starts.
    let starts = body_starts(info);
    let subprograms = std::mem::take(&mut prov.subprograms);
    let mut by_func: Vec<Option<Subprogram>> = vec![None; starts.len()];
    for s in subprograms {
        let Some(start) = s.ranges.first().map(|r| r.start) else {
            continue;
        };
        if let Some(i) = starts.iter().position(|&b| b == start) {
            by_func[i] = Some(s);
        }
    }
    let subprograms = by_func
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.unwrap_or_else(|| Subprogram {
                unit: 0,
                file: Some(0),
                ranges: vec![body_range(info, i)],
                ..Default::default()
            })
        })
        .collect();
    // Names the module lacks come from the text (a binary built from this
    // very text without its name section: `wat2wasm` without --debug-names).
    finish(info, &mut prov, subprograms, &text_names);
    Ok(Some(prov))
}

/// Code-section offsets of the defined functions' bodies.
fn body_starts(info: &ModuleInfo<'_>) -> Vec<u64> {
    (0..info.bodies.len())
        .map(|i| body_range(info, i).start)
        .collect()
}

fn body_range(info: &ModuleInfo<'_>, i: usize) -> std::ops::Range<u64> {
    let r = info.bodies[i].range();
    let base = info.code_section_offset;
    r.start.saturating_sub(base)..r.end.saturating_sub(base)
}

fn leb128_len(mut v: u64) -> u64 {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// Provenance built from the printer's line offsets: `printed` is the text
/// written to `path`.
pub fn synthesize(info: &ModuleInfo<'_>, path: &Path, printed: &Printed) -> Provenance {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let directory = abs
        .parent()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "module.wat".into());
    let mut prov = Provenance {
        units: vec![Unit {
            name: name.clone(),
            comp_dir: directory.clone(),
            producer: "innative (from WebAssembly text)".into(),
            language: DW_LANG_C99,
            version: 5,
            files: vec![Some(SourceFile { directory, name })],
        }],
        ..Default::default()
    };
    let code = CodeMap::new(info);
    let base = info.code_section_offset;
    let mut header_line: Vec<u32> = vec![0; info.bodies.len()];
    let mut first_in_function = false;
    for (i, &(start, offset)) in printed.lines.iter().enumerate() {
        let Some(offset) = offset else { continue };
        let line = (i + 1) as u32;
        if let Some(&f) = code.bodies.get(&offset) {
            header_line[f] = line;
            first_in_function = true;
            continue;
        }
        if !code.operators.contains(&offset) {
            continue;
        }
        let text = printed.line(i);
        let indent = text.len() - text.trim_start().len();
        let _ = start;
        prov.rows.push(LineRow {
            address: offset.saturating_sub(base),
            unit: 0,
            file: 0,
            line,
            column: indent as u32 + 1,
            is_stmt: true,
            prologue_end: first_in_function,
            end_sequence: false,
        });
        first_in_function = false;
    }
    for i in 0..info.bodies.len() {
        let range = body_range(info, i);
        if let Some(last) = prov
            .rows
            .iter()
            .rfind(|r| range.contains(&r.address))
            .copied()
        {
            prov.rows.push(LineRow {
                address: range.end,
                end_sequence: true,
                prologue_end: false,
                ..last
            });
        }
    }
    prov.sort_rows();
    let subprograms = (0..info.bodies.len())
        .map(|i| Subprogram {
            unit: 0,
            file: Some(0),
            line: header_line[i],
            ranges: vec![body_range(info, i)],
            ..Default::default()
        })
        .collect();
    finish(info, &mut prov, subprograms, &Names::default());
    prov
}

/// The basic types the variables use, added to `prov.types`.
struct BaseTypes {
    i32: TypeId,
    i64: TypeId,
    f32: TypeId,
    f64: TypeId,
    u8: TypeId,
}

impl BaseTypes {
    fn add(prov: &mut Provenance) -> BaseTypes {
        let mut base = |name: &str, encoding: u8, byte_size: u64| {
            prov.types.push(Type {
                name: Some(name.to_string()),
                kind: TypeKind::Base {
                    encoding,
                    byte_size,
                },
                unit: 0,
                file: None,
                line: 0,
                scope: Vec::new(),
            });
            prov.types.len() - 1
        };
        BaseTypes {
            i32: base("i32", DW_ATE_SIGNED, 4),
            i64: base("i64", DW_ATE_SIGNED, 8),
            f32: base("f32", DW_ATE_FLOAT, 4),
            f64: base("f64", DW_ATE_FLOAT, 8),
            u8: base("u8", DW_ATE_UNSIGNED, 1),
        }
    }

    fn of(&self, ty: ValType) -> Option<TypeId> {
        match ty {
            ValType::I32 => Some(self.i32),
            ValType::I64 => Some(self.i64),
            ValType::F32 => Some(self.f32),
            ValType::F64 => Some(self.f64),
            // v128 and references have no C-like type to show them as.
            _ => None,
        }
    }
}

/// Names from a name section: functions, locals (by function) and globals.
#[derive(Default)]
struct Names {
    funcs: HashMap<u32, String>,
    locals: HashMap<u32, HashMap<u32, String>>,
    globals: HashMap<u32, String>,
}

impl Names {
    /// Reads the payload of a `name` section; what is malformed is skipped.
    fn read(data: &[u8]) -> Names {
        let mut names = Names::default();
        let reader = wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(data, 0));
        for subsection in reader.flatten() {
            match subsection {
                wasmparser::Name::Function(map) => {
                    for n in map.into_iter().flatten() {
                        names.funcs.insert(n.index, n.name.to_string());
                    }
                }
                wasmparser::Name::Local(map) => {
                    for f in map.into_iter().flatten() {
                        let locals = names.locals.entry(f.index).or_default();
                        for n in f.names.flatten() {
                            locals.insert(n.index, n.name.to_string());
                        }
                    }
                }
                wasmparser::Name::Global(map) => {
                    for n in map.into_iter().flatten() {
                        names.globals.insert(n.index, n.name.to_string());
                    }
                }
                _ => {}
            }
        }
        names
    }

    /// The module's own names.
    fn of(info: &ModuleInfo<'_>) -> Names {
        info.custom_sections
            .iter()
            .find(|(name, _)| *name == "name")
            .map(|(_, data)| Names::read(data))
            .unwrap_or_default()
    }
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.filter(|s| !s.is_empty()).cloned()
}

/// Fills in what does not depend on where the lines came from: function
/// names, result types, parameters and locals, wasm globals and the memory.
/// Names come from the module's name section, else from `fallback` (the
/// name section of the text's own encoding), else are made up.
fn finish(
    info: &ModuleInfo<'_>,
    prov: &mut Provenance,
    mut subprograms: Vec<Subprogram>,
    fallback: &Names,
) {
    let own = Names::of(info);
    let types = BaseTypes::add(prov);
    for (i, sp) in subprograms.iter_mut().enumerate() {
        let func = info.num_imported_funcs + i as u32;
        let ty = info.func_type(func);
        sp.unit = 0;
        sp.name = Some(match own.funcs.get(&func) {
            Some(_) => info.display_func_name(func),
            None => {
                non_empty(fallback.funcs.get(&func)).unwrap_or_else(|| info.display_func_name(func))
            }
        });
        sp.linkage_name = None;
        sp.external = info
            .exports
            .iter()
            .any(|e| e.kind == wasmparser::ExternalKind::Func && e.index == func);
        sp.result = match ty.results() {
            [one] => types.of(*one),
            _ => None,
        };
        sp.scopes.clear();
        sp.frame_base = None;
        let name_of = |n: u32, default: &str| -> String {
            [&own, fallback]
                .iter()
                .find_map(|names| non_empty(names.locals.get(&func)?.get(&n)))
                .unwrap_or_else(|| format!("{default}{n}"))
        };
        let mut variables = Vec::new();
        let mut index = 0u32;
        for p in ty.params() {
            variables.push(local_variable(
                name_of(index, "param"),
                types.of(*p),
                index,
                true,
                sp.line,
            ));
            index += 1;
        }
        if let Ok(locals) = info.bodies[i].get_locals_reader() {
            for group in locals.into_iter() {
                let Ok((count, ty)) = group else { break };
                for _ in 0..count.min(100_000) {
                    variables.push(local_variable(
                        name_of(index, "local"),
                        types.of(ty),
                        index,
                        false,
                        sp.line,
                    ));
                    index += 1;
                }
            }
        }
        // Variables without a type cannot be shown; drop them.
        variables.retain(|v| v.ty.is_some());
        sp.variables = variables;
    }
    prov.subprograms = subprograms;
    add_globals(info, prov, &types, [&own, fallback]);
}

fn local_variable(
    name: String,
    ty: Option<TypeId>,
    index: u32,
    is_parameter: bool,
    line: u32,
) -> Variable {
    Variable {
        name: Some(name),
        linkage_name: None,
        ty,
        // The local's value (DWARF: `DW_OP_WASM_location 0 N` alone would be
        // the linear-memory address held in the local).
        location: Location::Expr(vec![LocOp::WasmLocal(index), LocOp::StackValue]),
        const_value: None,
        file: Some(0),
        line,
        is_parameter,
        artificial: false,
        external: true,
    }
}

/// The wasm globals (`WasmGlobal` locations; names from the name section,
/// else `global<N>`) and `__memory`, the first linear memory as an array of
/// bytes of its initial size (`DW_OP_addr 0`: linear-memory address 0).
fn add_globals(
    info: &ModuleInfo<'_>,
    prov: &mut Provenance,
    types: &BaseTypes,
    names: [&Names; 2],
) {
    let variable = |name: String, ty: TypeId, location: LocOp, artificial: bool| Variable {
        name: Some(name),
        linkage_name: None,
        ty: Some(ty),
        location: Location::Expr(vec![location]),
        const_value: None,
        file: Some(0),
        line: 0,
        is_parameter: false,
        artificial,
        external: true,
    };
    let mut globals = Vec::new();
    for (g, global) in info.globals.iter().enumerate() {
        let Some(ty) = types.of(global.ty.content_type) else {
            continue;
        };
        let name = names
            .iter()
            .find_map(|n| non_empty(n.globals.get(&(g as u32))))
            .unwrap_or_else(|| format!("global{g}"));
        globals.push((0, variable(name, ty, LocOp::WasmGlobal(g as u32), false)));
    }
    if let Some(memory) = info.memories.first() {
        let page = 1u64 << memory.page_size_log2.unwrap_or(16);
        let bytes = memory.initial.saturating_mul(page).clamp(1, 1 << 32);
        prov.types.push(Type {
            name: None,
            kind: TypeKind::Array {
                element: Some(types.u8),
                dims: vec![Some(bytes)],
                vector: false,
            },
            unit: 0,
            file: None,
            line: 0,
            scope: Vec::new(),
        });
        let array = prov.types.len() - 1;
        globals.push((0, variable("__memory".into(), array, LocOp::Addr(0), true)));
    }
    prov.globals = globals;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Input;

    const TEXT: &str = r#"(module $m
  (memory 1)
  (global $g (mut i32) (i32.const 7))
  (global i64 (i64.const 1))
  (func $add (param $a i32) (param i32) (result i32)
    (local $sum i32) (local f64)
    local.get $a
    local.get 1
    i32.add
    local.set $sum
    local.get $sum)
  (func (export "main") (result i32)
    i32.const 1
    i32.const 2
    call $add))
"#;

    fn operator_offsets(info: &ModuleInfo<'_>) -> Vec<u64> {
        let mut v: Vec<u64> = CodeMap::new(info)
            .operators
            .into_iter()
            .map(|o| o - info.code_section_offset)
            .collect();
        v.sort_unstable();
        v
    }

    /// The line of `needle` in `text` (1-based), and its column.
    fn line_of(text: &str, needle: &str) -> (u32, u32) {
        let (i, l) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .unwrap();
        ((i + 1) as u32, (l.find(needle).unwrap() + 1) as u32)
    }

    #[test]
    fn text_input_lines_point_at_the_instructions() {
        let input = Input::from_bytes(Path::new("dir/m.wat"), TEXT.as_bytes().to_vec()).unwrap();
        let info = ModuleInfo::parse(&input).unwrap();
        let prov = from_input_text(&info).expect("text provenance");
        assert_eq!(prov.units.len(), 1);
        assert_eq!(prov.units[0].name, "m.wat");
        assert!(
            prov.units[0].comp_dir.ends_with("/dir"),
            "{}",
            prov.units[0].comp_dir
        );
        // Every row sits on an operator, and `i32.add` is where the text says.
        let ops = operator_offsets(&info);
        for r in prov.rows.iter().filter(|r| !r.end_sequence) {
            assert!(
                ops.contains(&r.address),
                "row at {} is not an operator",
                r.address
            );
        }
        let add = prov
            .rows
            .iter()
            .find(|r| r.line == line_of(TEXT, "i32.add").0)
            .expect("a row for i32.add");
        assert_eq!(add.column, line_of(TEXT, "i32.add").1);
        // Subprograms cover the bodies, with names, results and variables.
        assert_eq!(prov.subprograms.len(), 2);
        let add_sp = &prov.subprograms[0];
        assert_eq!(add_sp.name.as_deref(), Some("add"));
        assert_eq!(add_sp.ranges, vec![body_range(&info, 0)]);
        assert_eq!(add_sp.line, line_of(TEXT, "(func $add").0);
        let names: Vec<&str> = add_sp
            .variables
            .iter()
            .map(|v| v.name.as_deref().unwrap())
            .collect();
        assert_eq!(names, ["a", "param1", "sum", "local3"]);
        assert_eq!(
            add_sp.variables[2].location,
            Location::Expr(vec![LocOp::WasmLocal(2), LocOp::StackValue])
        );
        assert!(add_sp.variables[0].is_parameter && !add_sp.variables[2].is_parameter);
        assert!(add_sp.result.is_some());
        assert_eq!(prov.subprograms[1].name.as_deref(), Some("main"));
        // Globals and the memory.
        let globals: Vec<&str> = prov
            .globals
            .iter()
            .map(|(_, v)| v.name.as_deref().unwrap())
            .collect();
        assert_eq!(globals, ["g", "global1", "__memory"]);
        let (_, memory) = &prov.globals[2];
        match &prov.types[memory.ty.unwrap()].kind {
            TypeKind::Array { dims, .. } => assert_eq!(dims, &vec![Some(65536)]),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn canonical_binary_uses_the_printed_text_dwarf() {
        let bytes = wat::parse_str(TEXT).unwrap();
        let input = Input::from_bytes(Path::new("m.wasm"), bytes).unwrap();
        let info = ModuleInfo::parse(&input).unwrap();
        assert!(from_input_text(&info).is_none());
        let printed = text::print(&input.bytes, false).unwrap();
        let prov = from_text(&info, Path::new("out.wat"), &printed.text)
            .unwrap()
            .expect("the printed text encodes the same code section");
        let line = line_of(&printed.text, "i32.add").0;
        assert!(prov.rows.iter().any(|r| r.line == line));
        // The same rows as the printer's offsets give.
        // (wast gives a function's closing `end` the line of the instruction
        // before it; the printer puts it on the line of the closing `)`.)
        let synthesized = synthesize(&info, Path::new("out.wat"), &printed);
        let ends: Vec<u64> = (0..info.bodies.len())
            .map(|i| body_range(&info, i).end - 1)
            .collect();
        let key = |p: &Provenance| -> Vec<(u64, u32, u32)> {
            p.rows
                .iter()
                .filter(|r| !r.end_sequence && !ends.contains(&r.address))
                .map(|r| (r.address, r.line, r.column))
                .collect()
        };
        assert_eq!(key(&prov), key(&synthesized));
    }

    /// `(func (result i32) i32.const 1)` with the constant as a padded
    /// LEB128 (`41 81 00`), as wasm-ld writes relocated values.
    fn padded_module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f]);
        m.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]);
        m.extend_from_slice(&[0x07, 0x08, 0x01, 0x04, b'm', b'a', b'i', b'n', 0x00, 0x00]);
        m.extend_from_slice(&[0x0a, 0x07, 0x01, 0x05, 0x00, 0x41, 0x81, 0x00, 0x0b]);
        m
    }

    /// [`provenance_for`] of one module, and its text written as the
    /// driver writes it.
    fn provenance_and_text(info: &ModuleInfo<'_>, out: Option<&Path>) -> Option<Provenance> {
        let mut companions = Vec::new();
        let prov = provenance_for(info, out, 1, &mut companions);
        for c in &companions {
            c.write(&info.input.path);
        }
        prov
    }

    #[test]
    fn non_canonical_binary_gets_rows_from_the_printer() {
        let dir = tempfile::tempdir().unwrap();
        let input = Input::from_bytes(Path::new("p.wasm"), padded_module()).unwrap();
        crate::validate::validate(&input).unwrap();
        let info = ModuleInfo::parse(&input).unwrap();
        let out = dir.path().join("p");
        let printed = text::print(&input.bytes, false).unwrap();
        assert!(from_text(&info, Path::new("p.wat"), &printed.text)
            .unwrap()
            .is_none());
        let prov = provenance_and_text(&info, Some(&out)).expect("provenance");
        let wat = dir.path().join("p.wat");
        let written = std::fs::read_to_string(&wat).unwrap();
        assert!(written.starts_with(HEADER_MARK), "{written}");
        assert!(written.ends_with(&printed.text), "{written}");
        assert_eq!(prov.units[0].name, "p.wat");
        let (line, column) = line_of(&written, "i32.const 1");
        let r = prov.row_at(operator_offsets(&info)[0]).unwrap();
        assert_eq!((r.line, r.column), (line, column));
        assert!(r.prologue_end);
        assert_eq!(prov.subprograms[0].name.as_deref(), Some("main"));
        assert_eq!(prov.subprograms[0].line, line_of(&written, "(func (;0;)").0);
        assert!(prov.rows.last().unwrap().end_sequence);
        // Written again (it is innative's) on the next build.
        std::fs::write(&wat, format!("{HEADER_MARK} old\n(module)")).unwrap();
        provenance_and_text(&info, Some(&out)).expect("provenance");
        assert_eq!(std::fs::read_to_string(&wat).unwrap(), written);
    }

    #[test]
    fn the_users_own_text_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        // The text the binary was built from, where OUT.wat would go: the
        // program is debugged against it.
        let source = dir.path().join("m.wat");
        std::fs::write(&source, TEXT).unwrap();
        // Built without a name section (`wat2wasm` without --debug-names):
        // the names come from the text.
        let bytes = wat::parse_str(TEXT).unwrap();
        let mut stripped = bytes[..8].to_vec();
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            let payload = payload.unwrap();
            if matches!(&payload, wasmparser::Payload::CustomSection(c) if c.name() == "name") {
                continue;
            }
            if let Some((id, range)) = payload.as_section() {
                let body = &bytes[range.start as usize..range.end as usize];
                assert!(body.len() < 128);
                stripped.extend_from_slice(&[id, body.len() as u8]);
                stripped.extend_from_slice(body);
            }
        }
        let input = Input::from_bytes(Path::new("m.wasm"), stripped).unwrap();
        let info = ModuleInfo::parse(&input).unwrap();
        assert!(info.func_names.is_empty());
        let prov = provenance_and_text(&info, Some(&dir.path().join("m"))).expect("provenance");
        assert_eq!(std::fs::read_to_string(&source).unwrap(), TEXT);
        assert_eq!(prov.units[0].name, "m.wat");
        assert_eq!(prov.subprograms[0].name.as_deref(), Some("add"));
        let names: Vec<&str> = prov.subprograms[0]
            .variables
            .iter()
            .map(|v| v.name.as_deref().unwrap())
            .collect();
        assert_eq!(names, ["a", "param1", "sum", "local3"]);
        assert_eq!(prov.globals[0].1.name.as_deref(), Some("g"));
        let line = line_of(TEXT, "i32.add").0;
        assert!(prov.rows.iter().any(|r| r.line == line));
        assert!(!dir.path().join("m.innative.wat").exists());
        // Some other text there: left alone, ours goes beside it.
        std::fs::write(&source, "(module)\n").unwrap();
        let prov = provenance_and_text(&info, Some(&dir.path().join("m"))).expect("provenance");
        assert_eq!(std::fs::read_to_string(&source).unwrap(), "(module)\n");
        assert_eq!(prov.units[0].name, "m.innative.wat");
        let ours = std::fs::read_to_string(dir.path().join("m.innative.wat")).unwrap();
        assert!(ours.starts_with(HEADER_MARK));
    }

    #[test]
    fn text_files_beside_the_output() {
        assert_eq!(
            wat_path(Path::new("out/app"), "app", 1),
            Path::new("out/app.wat")
        );
        assert_eq!(
            wat_path(Path::new("lib.so"), "m", 1),
            Path::new("lib.so.wat")
        );
        assert_eq!(
            wat_path(Path::new("app"), "my mod", 2),
            Path::new("app.my_mod.wat")
        );
    }
}
