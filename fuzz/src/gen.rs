//! Test-case generation: a deterministic byte stream per seed, the
//! wasm-smith configuration limited to what innative supports (WebAssembly
//! 2.0, SIMD with `--simd`), and the memory-hash export appended to generated
//! modules so that the final linear-memory state can be compared.

use arbitrary::Unstructured;

/// Name of the export that [`add_memory_hash`] appends.
pub const HASH_EXPORT: &str = "__innative_fuzz_memhash";

/// Fuel given to `ensure_termination`: bounds loop iterations and call
/// depth (so recursion stays far below both engines' stack limits).
pub const FUEL: u32 = 1000;

/// splitmix64: a tiny, well-mixed generator, so a seed names a case forever
/// (no dependency on a `rand` version's stream).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        Rng(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Generate SIMD too (`--simd`): a separate stream of cases, so that seeds
/// without it keep naming the modules they always did.
pub static SIMD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// wasm-smith's configuration: WebAssembly 2.0 (SIMD only with `--simd`;
/// never relaxed SIMD, whose results may differ between engines), no imports,
/// small memories and tables with a declared maximum, NaNs canonicalized
/// (NaN payloads are nondeterministic, and they reach memory and integers
/// through `reinterpret`).
pub fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: SIMD.load(std::sync::atomic::Ordering::Relaxed),
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        memory64_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        compact_imports_enabled: false,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        canonicalize_nans: true,
        export_everything: true,
        max_memories: 1,
        max_tables: 2,
        max_imports: 0,
        max_funcs: 30,
        max_instructions: 200,
        max_exports: 30,
        max_memory32_bytes: 32 * 65536,
        memory_max_size_required: true,
        max_table_elements: 1000,
        table_max_size_required: true,
        max_data_segments: 10,
        max_element_segments: 10,
        max_type_size: 100,
        ..wasm_smith::Config::default()
    }
}

/// The module of `seed` (terminating), or `None` when wasm-smith gives up.
pub fn module(seed: u64) -> Option<Vec<u8>> {
    let data = Rng::new(seed, 1).bytes(8192);
    let mut u = Unstructured::new(&data);
    let mut m = wasm_smith::Module::new(config(), &mut u).ok()?;
    m.ensure_termination(FUEL).ok()?;
    Some(m.to_bytes())
}

/// Reads an unsigned LEB128 at `b[*pos..]`.
fn read_leb(b: &[u8], pos: &mut usize) -> Option<u32> {
    let mut v: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(v).ok();
        }
    }
    None
}

fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Canonical position of a section id in a module (custom sections: none).
fn order(id: u8) -> u32 {
    match id {
        1 => 10,
        2 => 20,
        3 => 30,
        4 => 40,
        5 => 50,
        13 => 55,
        6 => 60,
        7 => 70,
        8 => 80,
        9 => 90,
        12 => 95,
        10 => 100,
        11 => 110,
        _ => 1000,
    }
}

/// Appends `(func (export HASH_EXPORT) (result i64))`, an FNV-style hash of
/// memory 0 over whole 8-byte words, to a module with a defined memory and
/// no imports.  Returns `None` when the module has no memory (or a shape
/// this does not handle: custom sections, imports).
pub fn add_memory_hash(wasm: &[u8]) -> Option<Vec<u8>> {
    use wasm_encoder::{Encode, Function, Instruction as I, MemArg, ValType};
    let mut sections: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut pos = 8;
    if wasm.get(..8)? != b"\0asm\x01\0\0\0" {
        return None;
    }
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let len = read_leb(wasm, &mut pos)? as usize;
        let body = wasm.get(pos..pos + len)?.to_vec();
        pos += len;
        if id == 0 || id == 2 {
            return None;
        }
        sections.push((id, body));
    }
    let count = |id: u8| -> u32 {
        sections
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, b)| read_leb(b, &mut 0))
            .unwrap_or(0)
    };
    if count(5) == 0 {
        return None;
    }
    let type_index = count(1);
    let func_index = count(3);
    let mut f = Function::new([(1, ValType::I32), (1, ValType::I64)]);
    let load = MemArg {
        offset: 0,
        align: 0,
        target: wasm_encoder::MemArgTarget::Memory(0),
        ordering: None,
    };
    for ins in [
        I::I64Const(0xcbf2_9ce4_8422_2325u64 as i64),
        I::LocalSet(1),
        I::Block(wasm_encoder::BlockType::Empty),
        I::Loop(wasm_encoder::BlockType::Empty),
        I::LocalGet(0),
        I::MemorySize(0),
        I::I32Const(16),
        I::I32Shl,
        I::I32GeU,
        I::BrIf(1),
        I::LocalGet(1),
        I::LocalGet(0),
        I::I64Load(load),
        I::I64Xor,
        I::I64Const(0x0100_0000_01b3),
        I::I64Mul,
        I::LocalSet(1),
        I::LocalGet(0),
        I::I32Const(8),
        I::I32Add,
        I::LocalSet(0),
        I::Br(0),
        I::End,
        I::End,
        I::LocalGet(1),
        I::End,
    ] {
        f.instruction(&ins);
    }
    let mut body = Vec::new();
    f.encode(&mut body);
    let mut export = Vec::new();
    HASH_EXPORT.encode(&mut export);
    export.push(0);
    leb(func_index, &mut export);
    let additions: [(u8, Vec<u8>); 4] = [
        (1, vec![0x60, 0x00, 0x01, 0x7e]),
        (3, {
            let mut v = Vec::new();
            leb(type_index, &mut v);
            v
        }),
        (7, export),
        (10, body),
    ];
    for (id, entry) in additions {
        if !sections.iter().any(|(i, _)| *i == id) {
            sections.push((id, vec![0]));
        }
        let (_, b) = sections.iter_mut().find(|(i, _)| *i == id)?;
        let mut p = 0;
        let n = read_leb(b, &mut p)?;
        let mut nb = Vec::new();
        leb(n + 1, &mut nb);
        nb.extend_from_slice(&b[p..]);
        nb.extend_from_slice(&entry);
        *b = nb;
    }
    sections.sort_by_key(|(id, _)| order(*id));
    let mut out = wasm[..8].to_vec();
    for (id, b) in sections {
        out.push(id);
        leb(b.len() as u32, &mut out);
        out.extend_from_slice(&b);
    }
    Some(out)
}
