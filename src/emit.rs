//! Optimization (LLVM's new pass manager at the requested level) and emission
//! of a relocatable object (ELF or COFF) for the compile's target.  The debug layer's
//! post-passes run between the two ([`crate::debuginfo::post_pass`], called
//! by the driver).

use crate::error::{Error, Result};
use crate::options::{OptLevel, Options};
use crate::target::Arch;
use inkwell::attributes::AttributeLoc;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;
use std::path::Path;

/// LLVM's process-wide options, set once:
/// - no DWARF accelerator tables (`.debug_names`), as clang does for gdb on
///   Linux — gdb trusts such an index completely and misses inlined
///   functions that it does not list;
/// - no line-0 rows for code without a location (register reloads the fast
///   register allocator puts at block starts when wasm values cross blocks):
///   they would make gdb stop twice on one source line while stepping.
///
/// These are process-wide LLVM options: the first compile in a process
/// decides (the CLI compiles once per process).
fn configure_llvm() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let args = [
            c"innative".as_ptr(),
            c"-accel-tables=Disable".as_ptr(),
            c"-use-unknown-locations=Disable".as_ptr(),
        ];
        // SAFETY: two valid NUL-terminated strings, parsed once before any
        // other LLVM use in this process.
        unsafe {
            llvm_sys::support::LLVMParseCommandLineOptions(
                args.len() as i32,
                args.as_ptr(),
                std::ptr::null(),
            );
        }
    });
}

/// The LLVM target machine for `target` at level `opt`.  Without `--cpu`,
/// the architecture's baseline CPU (outputs run on any machine of it);
/// `--cpu native` is the host's CPU with its features.
pub fn target_machine(target: &crate::target::Target, opt: OptLevel) -> Result<TargetMachine> {
    configure_llvm();
    let config = InitializationConfig::default();
    match target.arch {
        Arch::X86_64 => Target::initialize_x86(&config),
        Arch::Aarch64 => Target::initialize_aarch64(&config),
    }
    let triple = TargetTriple::create(target.llvm_triple());
    let llvm_target = Target::from_triple(&triple).map_err(|e| {
        Error::new(format!(
            "LLVM has no backend for {}: {}",
            target.name(),
            e.to_string_lossy()
        ))
    })?;
    let level = match opt {
        OptLevel::O0 => OptimizationLevel::None,
        OptLevel::O1 => OptimizationLevel::Less,
        OptLevel::O2 | OptLevel::Os => OptimizationLevel::Default,
        OptLevel::O3 => OptimizationLevel::Aggressive,
    };
    let (cpu, mut features) = if target.is_native_cpu() {
        if target.arch != crate::target::Target::host().arch {
            return Err(Error::new(format!(
                "--cpu native describes this machine's CPU; it cannot be used for {}",
                target.name()
            )));
        }
        (
            TargetMachine::get_host_cpu_name().to_string(),
            TargetMachine::get_host_cpu_features().to_string(),
        )
    } else {
        (target.baseline_cpu().to_string(), String::new())
    };
    for f in &target.features {
        if !features.is_empty() {
            features.push(',');
        }
        features.push_str(f);
    }
    check_cpu(target.llvm_triple(), &cpu, &features)?;
    llvm_target
        .create_target_machine(
            &triple,
            &cpu,
            &features,
            level,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| {
            Error::new(format!(
                "cannot create an LLVM target machine for {} (cpu '{cpu}')",
                target.name()
            ))
        })
}

extern "C" {
    /// `src/late_passes.cpp`.
    fn innative_set_dso_local(global: llvm_sys::prelude::LLVMValueRef);
    /// `src/late_passes.cpp`: moves i32-to-i64 extensions of linear-memory
    /// indices to where the values are defined (free there on x86-64).
    fn innative_widen_zext(module: llvm_sys::prelude::LLVMModuleRef) -> u32;
    /// `src/target_cpu.cpp`.
    fn innative_check_cpu(
        triple: *const std::ffi::c_char,
        cpu: *const std::ffi::c_char,
        features: *const std::ffi::c_char,
        message: *mut std::ffi::c_char,
        size: usize,
    ) -> i32;
}

/// An error unless LLVM knows `cpu` and every feature for `triple` (LLVM
/// only warns and ignores an unknown one — and aborts on some, as a 32-bit
/// CPU for x86-64).
fn check_cpu(triple: &str, cpu: &str, features: &str) -> Result<()> {
    let c =
        |s: &str| std::ffi::CString::new(s).map_err(|_| Error::new("a NUL byte in a CPU option"));
    let (t, p, f) = (c(triple)?, c(cpu)?, c(features)?);
    let mut message = [0 as std::ffi::c_char; 256];
    // SAFETY: NUL-terminated strings and a buffer of the size given; the
    // target was initialized by the caller.
    let failed = unsafe {
        innative_check_cpu(
            t.as_ptr(),
            p.as_ptr(),
            f.as_ptr(),
            message.as_mut_ptr(),
            message.len(),
        )
    };
    if failed == 0 {
        return Ok(());
    }
    // SAFETY: snprintf wrote a NUL-terminated string into `message`.
    let text = unsafe { std::ffi::CStr::from_ptr(message.as_ptr()) };
    Err(Error::new(text.to_string_lossy().into_owned()))
}

/// Optimizes `module` for the host at `opts.opt_level`; returns the target
/// machine [`object`] then uses.
pub fn optimize(module: &Module, opts: &Options) -> Result<TargetMachine> {
    let tm = target_machine(&opts.target, opts.opt_level)?;
    module.set_triple(&tm.get_triple());
    module.set_data_layout(&tm.get_target_data().get_data_layout());

    // Frame pointers everywhere: cheap, and they give the runtime and
    // debuggers reliable backtraces through wasm frames.  No tail calls
    // except wasm's own `return_call*`: wasm recursion must exhaust the
    // stack (and trap) rather than become a loop, and every wasm frame stays
    // visible in backtraces.  A function with a `return_call*` (marked by
    // `lower/tail_call.rs`) keeps tail calls enabled for those, and every
    // other call — its own and any inlined into it — is `notail`.
    let context = module.get_context();
    for f in module.get_functions() {
        if f.count_basic_blocks() > 0 {
            f.add_attribute(
                AttributeLoc::Function,
                context.create_string_attribute("frame-pointer", "all"),
            );
            mark_plain_calls_notail(f);
            if f.get_string_attribute(AttributeLoc::Function, crate::lower::WASM_TAIL_CALLS)
                .is_none()
            {
                f.add_attribute(
                    AttributeLoc::Function,
                    context.create_string_attribute("disable-tail-calls", "true"),
                );
            }
        }
    }

    let passes = match opts.opt_level {
        OptLevel::O0 => "default<O0>",
        OptLevel::O1 => "default<O1>",
        OptLevel::O2 => "default<O2>",
        OptLevel::O3 => "default<O3>",
        OptLevel::Os => "default<Os>",
    };
    if opts.kind == crate::options::OutputKind::Executable && !opts.target.is_windows() {
        mark_dso_local(module);
    }
    module
        .run_passes(passes, &tm, PassBuilderOptions::create())
        .map_err(|e| Error::new(format!("LLVM optimization failed: {}", e.to_string_lossy())))?;
    if opts.opt_level != OptLevel::O0 && !opts.debug && opts.target.arch == Arch::X86_64 {
        // SAFETY: a valid module, not used elsewhere during the call.
        unsafe { innative_widen_zext(module.as_mut_ptr()) };
    }
    Ok(tm)
}

/// An executable's own data (the linear memories' descriptors, tables,
/// globals) and the runtime's `innative_stack_limit`, which is linked into
/// it, cannot be preempted: marking them `dso_local` lets PIC code address
/// them directly (`mov sym(%rip)`) instead of loading the address from the
/// GOT first — one instruction fewer wherever a function first touches
/// linear memory or checks the stack.  Shared libraries keep the GOT (a
/// host's copy relocation may move their exported data), and so do
/// declarations, whose definitions may be in a shared library.
fn mark_dso_local(module: &Module) {
    use inkwell::module::Linkage;
    use inkwell::values::AsValueRef;
    for g in module.get_globals() {
        let local = matches!(g.get_linkage(), Linkage::Internal | Linkage::Private);
        let defined = g.get_initializer().is_some();
        let runtime = g.get_name().to_bytes() == b"innative_stack_limit";
        if (defined && !local) || runtime {
            // SAFETY: a global of a valid module.
            unsafe { innative_set_dso_local(g.as_value_ref()) };
        }
    }
}

/// Marks every call of `f` that is not already a (must)tail call `notail`,
/// so that only wasm's `return_call*` ever become tail calls.
fn mark_plain_calls_notail(f: inkwell::values::FunctionValue) {
    use inkwell::values::{InstructionOpcode, LLVMTailCallKind};
    for block in f.get_basic_block_iter() {
        let mut next = block.get_first_instruction();
        while let Some(inst) = next {
            next = inst.get_next_instruction();
            if inst.get_opcode() != InstructionOpcode::Call {
                continue;
            }
            if let Ok(call) = inkwell::values::CallSiteValue::try_from(inst) {
                if call.get_tail_call_kind() == LLVMTailCallKind::LLVMTailCallKindNone {
                    call.set_tail_call_kind(LLVMTailCallKind::LLVMTailCallKindNoTail);
                }
            }
        }
    }
}

/// `--emit-llvm`: writes the module's LLVM IR to `path`.
pub fn write_llvm(module: &Module, path: &Path) -> Result<()> {
    module.print_to_file(path).map_err(|e| {
        Error::new(format!(
            "{}: cannot write the LLVM IR: {}",
            path.display(),
            e.to_string_lossy()
        ))
    })
}

/// The relocatable object (ELF, or COFF for Windows) of an optimized `module`.
/// With `debug`, LLVM's same pipeline plus a pass that only moves debug
/// locations (`src/debuginfo/inlined_entry.cpp`: an inlined function that is
/// a rotated loop gets the jump that enters it, so that `break FUNC` stops
/// where it is entered); without, LLVM-C's own entry point.
pub fn object(module: &Module, tm: &TargetMachine, debug: bool, verbose: bool) -> Result<Vec<u8>> {
    if debug {
        return object_debug(module, tm, verbose);
    }
    let buffer = tm
        .write_to_memory_buffer(module, FileType::Object)
        .map_err(|e| {
            Error::new(format!(
                "LLVM code generation failed: {}",
                e.to_string_lossy()
            ))
        })?;
    Ok(buffer.as_slice().to_vec())
}

extern "C" {
    /// `src/debuginfo/inlined_entry.cpp`.
    fn innative_emit_object_debug(
        machine: llvm_sys::target_machine::LLVMTargetMachineRef,
        module: llvm_sys::prelude::LLVMModuleRef,
        data: *mut *mut std::ffi::c_char,
        size: *mut usize,
        error: *mut *mut std::ffi::c_char,
        moved: *mut u32,
    ) -> i32;
    fn innative_free_buffer(p: *mut std::ffi::c_char);
}

/// [`object`] with `-g`.
fn object_debug(module: &Module, tm: &TargetMachine, verbose: bool) -> Result<Vec<u8>> {
    let mut data = std::ptr::null_mut();
    let mut size = 0usize;
    let mut error = std::ptr::null_mut();
    let mut moved = 0u32;
    // SAFETY: a live target machine and module; the out-pointers are valid
    // and the C++ side fills either `data`/`size` or `error`, malloc'd.
    let failed = unsafe {
        innative_emit_object_debug(
            tm.as_mut_ptr(),
            module.as_mut_ptr(),
            &mut data,
            &mut size,
            &mut error,
            &mut moved,
        )
    };
    if failed != 0 {
        // SAFETY: a NUL-terminated malloc'd message.
        let text = unsafe { std::ffi::CStr::from_ptr(error) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: malloc'd by the C++ side.
        unsafe { innative_free_buffer(error) };
        return Err(Error::new(format!("LLVM code generation failed: {text}")));
    }
    // SAFETY: `size` bytes at `data`, malloc'd by the C++ side.
    let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, size) }.to_vec();
    // SAFETY: as above.
    unsafe { innative_free_buffer(data) };
    if verbose && moved > 0 {
        eprintln!("innative: debug info: {moved} inlined function(s) entered by a jump past their lowest address now start at that jump");
    }
    Ok(bytes)
}
