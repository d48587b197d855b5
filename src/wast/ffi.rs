//! The native side: the runtime shared library (loaded once per process with
//! RTLD_GLOBAL so every module resolves its `innative_*` calls against it),
//! compiled module `.so`s (each loaded RTLD_LOCAL), and the C structs of
//! `runtime/include/innative.h` the harness reads.

use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_LOCAL, RTLD_NOW};
use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::Path;

/// `innative_module` (innative.h, ABI version 1).
#[repr(C)]
pub struct Descriptor {
    pub abi_version: u32,
    pub num_imports: u32,
    pub name: *const c_char,
    pub imports: *mut *mut *mut c_void,
    pub num_exports: u32,
    pub num_functions: u32,
    pub exports: *mut *mut c_void,
    pub invokers: *const Option<Invoker>,
    pub init: Option<unsafe extern "C" fn()>,
    pub start: Option<unsafe extern "C" fn()>,
    pub func_code: *const *const c_void,
    pub func_names: *const *const c_char,
}

pub const ABI_VERSION: u32 = 1;

/// `innative_memory`.
#[repr(C)]
pub struct RawMemory {
    pub base: *mut u8,
    pub size: u64,
    pub max_pages: u32,
    pub flags: u32,
    pub reserved: u64,
}

/// `innative_table`.
#[repr(C)]
pub struct RawTable {
    pub elems: *mut *mut c_void,
    pub size: u32,
    pub max: u32,
}

pub const PAGE_SIZE: u64 = 65536;

/// `innative_invoker`.
pub type Invoker = unsafe extern "C" fn(*mut u64);

/// `INNATIVE_TRAP_STACK_EXHAUSTED`.
pub const TRAP_STACK_EXHAUSTED: i32 = 10;
/// `INNATIVE_TRAP_EXCEPTION`: an exception nobody caught.
pub const TRAP_EXCEPTION: i32 = 16;

/// A trap caught by the runtime.
#[derive(Debug, Clone)]
pub struct Trap {
    pub kind: i32,
    /// `innative_trap_message(kind)`.
    pub message: String,
    /// `innative_last_trap_report()` (names the function when known).
    pub report: String,
}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.report.is_empty() {
            write!(f, "trap {}: {}", self.kind, self.message)
        } else {
            write!(f, "trap {}: {} [{}]", self.kind, self.message, self.report)
        }
    }
}

type InvokeFn = unsafe extern "C" fn(Invoker, *mut u64) -> c_int;
type Call0Fn = unsafe extern "C" fn(unsafe extern "C" fn()) -> c_int;
type MessageFn = unsafe extern "C" fn(c_int) -> *const c_char;
type ReportFn = unsafe extern "C" fn() -> *const c_char;
type RegisterFn = unsafe extern "C" fn(*const Descriptor);

/// The runtime library and the host entry points the harness calls.
pub struct Runtime {
    _lib: std::mem::ManuallyDrop<Library>,
    invoke: InvokeFn,
    call0: Call0Fn,
    message: MessageFn,
    report: Option<ReportFn>,
    register: Option<RegisterFn>,
}

unsafe fn sym<T: Copy>(lib: &Library, name: &str) -> Result<T, String> {
    lib.get::<T>(name)
        .map(|s| *s)
        .map_err(|e| format!("runtime: {name}: {e}"))
}

impl Runtime {
    /// Loads the runtime `.so` (RTLD_NOW | RTLD_GLOBAL) and calls
    /// `innative_runtime_init`.
    pub fn load(path: &Path) -> Result<Runtime, String> {
        unsafe {
            let lib = Library::open(Some(path.as_os_str()), RTLD_NOW | RTLD_GLOBAL)
                .map_err(|e| format!("cannot load runtime {}: {e}", path.display()))?;
            let init: unsafe extern "C" fn() = sym(&lib, "innative_runtime_init")?;
            let rt = Runtime {
                invoke: sym(&lib, "innative_invoke")?,
                call0: sym(&lib, "innative_call0")?,
                message: sym(&lib, "innative_trap_message")?,
                report: sym(&lib, "innative_last_trap_report").ok(),
                register: sym(&lib, "innative_register_module").ok(),
                _lib: std::mem::ManuallyDrop::new(lib),
            };
            init();
            Ok(rt)
        }
    }

    pub fn trap_message(&self, kind: i32) -> String {
        unsafe { c_string((self.message)(kind)) }
    }

    fn trap(&self, kind: c_int) -> Result<(), Trap> {
        if kind == 0 {
            return Ok(());
        }
        let report = self
            .report
            .map(|r| unsafe { c_string(r()) })
            .unwrap_or_default();
        Err(Trap {
            kind,
            message: self.trap_message(kind),
            report,
        })
    }

    /// Runs a module's `init`/`start` under the runtime's trap handler.
    pub fn call0(&self, f: unsafe extern "C" fn()) -> Result<(), Trap> {
        let kind = unsafe { (self.call0)(f) };
        self.trap(kind)
    }

    /// Calls an export's invoker on `slots` under the trap handler.
    pub fn invoke(&self, f: Invoker, slots: &mut [u64]) -> Result<(), Trap> {
        let kind = unsafe { (self.invoke)(f, slots.as_mut_ptr()) };
        self.trap(kind)
    }

    /// Makes a module known to the runtime for trap reports (idempotent).
    ///
    /// # Safety
    /// `d` must point to a loaded module's descriptor that stays loaded.
    pub unsafe fn register(&self, d: *const Descriptor) {
        if let Some(r) = self.register {
            unsafe { r(d) }
        }
    }
}

unsafe fn c_string(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// A compiled module loaded into the process.  Never unloaded (not even when
/// its instantiation fails): its functions may already sit in another
/// instance's table, and its exports may be imported until the process ends.
pub struct LoadedModule {
    _lib: std::mem::ManuallyDrop<Library>,
    pub desc: *mut Descriptor,
}

impl LoadedModule {
    /// Loads `path` (RTLD_NOW | RTLD_LOCAL) and finds the descriptor `symbol`.
    pub fn load(path: &Path, symbol: &str) -> Result<LoadedModule, String> {
        unsafe {
            let lib = Library::open(Some(path.as_os_str()), RTLD_NOW | RTLD_LOCAL)
                .map_err(|e| format!("dlopen {}: {e}", path.display()))?;
            let desc: *mut Descriptor = lib
                .get::<*mut Descriptor>(symbol)
                .map(|s| *s)
                .map_err(|e| format!("module descriptor {symbol}: {e}"))?;
            if desc.is_null() {
                return Err(format!("module descriptor {symbol} is null"));
            }
            if (*desc).abi_version != ABI_VERSION {
                return Err(format!(
                    "module ABI version {} (expected {ABI_VERSION})",
                    (*desc).abi_version
                ));
            }
            Ok(LoadedModule {
                _lib: std::mem::ManuallyDrop::new(lib),
                desc,
            })
        }
    }

    pub fn desc(&self) -> &Descriptor {
        unsafe { &*self.desc }
    }

    /// Writes `value` into import slot `i`.
    ///
    /// # Safety
    /// `i` must be below `num_imports` and `value` must point to an entity of
    /// the import's kind and type that outlives this module.
    pub unsafe fn set_import(&self, i: usize, value: *mut c_void) {
        let slot = *self.desc().imports.add(i);
        *slot = value;
    }

    /// `exports[i]` (valid after init).
    pub fn export(&self, i: usize) -> *mut c_void {
        unsafe { *self.desc().exports.add(i) }
    }

    /// `invokers[i]`.
    pub fn invoker(&self, i: usize) -> Option<Invoker> {
        let inv = self.desc().invokers;
        if inv.is_null() {
            None
        } else {
            unsafe { *inv.add(i) }
        }
    }
}
