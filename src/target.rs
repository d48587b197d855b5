//! The machine a compile is for: architecture, operating system (with its
//! ABI), CPU and CPU features — `--target TRIPLE`, `--cpu NAME|native`,
//! `--cpu-feature [+-]F` (inNative: `-arch`, `-abi`, `-cpu`, `-cpu-feature`).
//!
//! Three targets are supported, each named by its canonical triple:
//!
//! | name | LLVM triple | output |
//! |---|---|---|
//! | `x86_64-linux-gnu` (the default) | `x86_64-unknown-linux-gnu` | ELF, DWARF |
//! | `aarch64-linux-gnu` | `aarch64-unknown-linux-gnu` | ELF, DWARF |
//! | `x86_64-windows-gnu` | `x86_64-w64-windows-gnu` | PE/COFF (MinGW ABI), PDB |
//!
//! A target is a plain value; what depends on it lives where it is used
//! (`emit` builds the LLVM target machine, `link` the runtime and the linker
//! command).

use std::fmt;

/// A CPU architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// x86-64 (`x86_64`, `amd64`, `x64`).
    X86_64,
    /// 64-bit ARM (`aarch64`, `arm64`).
    Aarch64,
}

/// An operating system and its C ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    /// Linux with glibc.
    Linux,
    /// Windows with the MinGW-w64 ABI (PE/COFF, the Win64 calling convention).
    Windows,
}

/// What a compile targets.  `Default` is the machine innative runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The architecture.
    pub arch: Arch,
    /// The operating system.
    pub os: Os,
    /// `--cpu`: an LLVM CPU name, or `native` (the host's CPU and features).
    /// `None`: a baseline every machine of the architecture runs
    /// (`x86-64`, `generic`).
    pub cpu: Option<String>,
    /// `--cpu-feature`: LLVM feature names, each `+F` or `-F` (a bare `F`
    /// means `+F`).
    pub features: Vec<String>,
}

impl Default for Target {
    fn default() -> Target {
        Target::host()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The triples `--target` accepts, for error messages.
pub const TARGET_NAMES: &str = "x86_64-linux-gnu, aarch64-linux-gnu, x86_64-windows-gnu";

impl Target {
    /// The machine innative itself runs on.
    pub fn host() -> Target {
        let arch = if cfg!(target_arch = "aarch64") {
            Arch::Aarch64
        } else {
            Arch::X86_64
        };
        let os = if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        };
        Target {
            arch,
            os,
            cpu: None,
            features: Vec::new(),
        }
    }

    /// Parses a target triple.  Vendor and environment may be left out or
    /// spelled as LLVM, clang, Debian and Rust do: `aarch64-linux-gnu`,
    /// `aarch64-unknown-linux-gnu`, `x86_64-pc-windows-gnu`,
    /// `x86_64-w64-mingw32`, `x86_64-w64-windows-gnu`.
    pub fn parse_triple(triple: &str) -> Result<Target, String> {
        let lower = triple.to_ascii_lowercase();
        let mut parts = lower.split('-');
        let arch = parts.next().unwrap_or_default();
        let arch = parse_arch(arch).ok_or_else(|| {
            format!("unknown target '{triple}': unknown architecture '{arch}' (targets: {TARGET_NAMES})")
        })?;
        let rest: Vec<&str> = parts.collect();
        let os = match rest.as_slice() {
            ["linux", "gnu"] | ["unknown" | "pc", "linux", "gnu"] | ["linux"] => Os::Linux,
            ["windows", "gnu"]
            | ["w64" | "pc" | "unknown", "windows", "gnu"]
            | ["w64", "mingw32"]
            | ["mingw32"] => Os::Windows,
            [.., "msvc"] => {
                return Err(format!(
                    "unsupported target '{triple}': the MSVC ABI needs Microsoft's SDK; \
                     use the MinGW ABI, x86_64-windows-gnu"
                ))
            }
            _ => {
                return Err(format!(
                    "unknown target '{triple}' (targets: {TARGET_NAMES})"
                ))
            }
        };
        let target = Target {
            arch,
            os,
            cpu: None,
            features: Vec::new(),
        };
        target.check()?;
        Ok(target)
    }

    /// inNative's `-arch`: replaces the architecture.
    pub fn set_arch(&mut self, name: &str) -> Result<(), String> {
        self.arch = parse_arch(&name.to_ascii_lowercase()).ok_or_else(|| {
            format!("unknown architecture '{name}' (architectures: x86_64, aarch64)")
        })?;
        self.check()
    }

    /// inNative's `-abi`: replaces the operating system / ABI.
    pub fn set_abi(&mut self, name: &str) -> Result<(), String> {
        self.os = match name.to_ascii_lowercase().as_str() {
            "linux" | "gnu" | "sysv" | "elf" => Os::Linux,
            "windows" | "win32" | "win64" | "mingw" | "mingw32" | "mingw64" => Os::Windows,
            "msvc" => {
                return Err(
                    "unsupported ABI 'msvc': it needs Microsoft's SDK; use 'windows' (MinGW)"
                        .into(),
                )
            }
            _ => return Err(format!("unknown ABI '{name}' (ABIs: linux, windows)")),
        };
        self.check()
    }

    /// Adds `--cpu-feature` values (`+avx2`, `-sse4.1`, `avx2`; a value may
    /// hold several separated by commas).
    pub fn add_features(&mut self, spec: &str) -> Result<(), String> {
        for f in spec.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let (sign, name) = match f.as_bytes()[0] {
                b'+' | b'-' => (&f[..1], &f[1..]),
                _ => ("+", f),
            };
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid {
                return Err(format!(
                    "invalid CPU feature '{f}' (expected e.g. +avx2 or -sse4.1)"
                ));
            }
            self.features
                .push(format!("{sign}{}", name.to_ascii_lowercase()));
        }
        Ok(())
    }

    /// The combinations innative supports (aarch64 Windows is not one).
    fn check(&self) -> Result<(), String> {
        if self.arch == Arch::Aarch64 && self.os == Os::Windows {
            return Err(format!(
                "unsupported target aarch64 Windows (targets: {TARGET_NAMES})"
            ));
        }
        Ok(())
    }

    /// The canonical short name, as `--target` takes it.
    pub fn name(&self) -> &'static str {
        match (self.arch, self.os) {
            (Arch::X86_64, Os::Linux) => "x86_64-linux-gnu",
            (Arch::Aarch64, Os::Linux) => "aarch64-linux-gnu",
            (Arch::X86_64, Os::Windows) | (Arch::Aarch64, Os::Windows) => "x86_64-windows-gnu",
        }
    }

    /// The triple given to LLVM and to `clang-19 --target`.
    pub fn llvm_triple(&self) -> &'static str {
        match (self.arch, self.os) {
            (Arch::X86_64, Os::Linux) => "x86_64-unknown-linux-gnu",
            (Arch::Aarch64, Os::Linux) => "aarch64-unknown-linux-gnu",
            (_, Os::Windows) => "x86_64-w64-windows-gnu",
        }
    }

    /// Whether outputs run on the machine innative runs on.
    pub fn is_host(&self) -> bool {
        let host = Target::host();
        self.arch == host.arch && self.os == host.os
    }

    /// Whether `--cpu native` was asked for.
    pub fn is_native_cpu(&self) -> bool {
        self.cpu.as_deref() == Some("native")
    }

    /// The LLVM CPU name when not `native`: the one given, else the
    /// architecture's baseline, so outputs run on any machine of it.
    pub fn baseline_cpu(&self) -> &str {
        match (&self.cpu, self.arch) {
            (Some(c), _) if c != "native" => c,
            (_, Arch::X86_64) => "x86-64",
            (_, Arch::Aarch64) => "generic",
        }
    }

    /// Whether outputs are Windows PE/COFF files (with PDB debug info).
    pub fn is_windows(&self) -> bool {
        self.os == Os::Windows
    }

    /// What a file name needs at the end: `.exe` / `.dll` on Windows, none /
    /// `.so` elsewhere; `.o` objects everywhere (clang's MinGW convention).
    pub fn executable_suffix(&self) -> &'static str {
        if self.is_windows() {
            ".exe"
        } else {
            ""
        }
    }

    /// See [`Target::executable_suffix`].
    pub fn shared_library_suffix(&self) -> &'static str {
        if self.is_windows() {
            ".dll"
        } else {
            ".so"
        }
    }

    /// The program that runs this target's executables here, with its
    /// arguments, when they do not run natively: `qemu-aarch64` with the
    /// Debian cross sysroot, or `wine`.  `None` for the host.
    pub fn emulator(&self) -> Option<Vec<String>> {
        if self.is_host() {
            return None;
        }
        Some(match (self.arch, self.os) {
            (Arch::Aarch64, Os::Linux) => {
                vec!["qemu-aarch64".into(), "-L".into(), AARCH64_SYSROOT.into()]
            }
            (_, Os::Windows) => vec!["wine".into()],
            (Arch::X86_64, Os::Linux) => vec!["qemu-x86_64".into()],
        })
    }

    /// Where the Debian packages that link this target put its C library,
    /// and the package that provides it (`None`: the host's, or MinGW's,
    /// which clang finds itself).
    pub fn sysroot(&self) -> Option<(&'static str, &'static str)> {
        if self.is_host() {
            return None;
        }
        match (self.arch, self.os) {
            (Arch::Aarch64, Os::Linux) => Some((AARCH64_SYSROOT, "libc6-dev-arm64-cross")),
            (_, Os::Windows) => Some(("/usr/x86_64-w64-mingw32", "mingw-w64")),
            (Arch::X86_64, Os::Linux) => None,
        }
    }
}

/// Debian's aarch64 cross C library (`libc6-dev-arm64-cross`).
const AARCH64_SYSROOT: &str = "/usr/aarch64-linux-gnu";

fn parse_arch(s: &str) -> Option<Arch> {
    match s {
        "x86_64" | "x86-64" | "amd64" | "x64" => Some(Arch::X86_64),
        "aarch64" | "arm64" => Some(Arch::Aarch64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples() {
        for (s, name) in [
            ("x86_64-linux-gnu", "x86_64-linux-gnu"),
            ("x86_64-unknown-linux-gnu", "x86_64-linux-gnu"),
            ("aarch64-linux-gnu", "aarch64-linux-gnu"),
            ("arm64-unknown-linux-gnu", "aarch64-linux-gnu"),
            ("x86_64-w64-mingw32", "x86_64-windows-gnu"),
            ("x86_64-pc-windows-gnu", "x86_64-windows-gnu"),
            ("X86_64-W64-Windows-GNU", "x86_64-windows-gnu"),
        ] {
            assert_eq!(Target::parse_triple(s).unwrap().name(), name, "{s}");
        }
        for (s, msg) in [
            ("riscv64-linux-gnu", "unknown architecture 'riscv64'"),
            ("x86_64-pc-windows-msvc", "MSVC ABI"),
            ("aarch64-w64-mingw32", "unsupported target aarch64 Windows"),
            ("x86_64-apple-darwin", "unknown target"),
        ] {
            let e = Target::parse_triple(s).unwrap_err();
            assert!(e.contains(msg), "{s}: {e}");
        }
    }

    #[test]
    fn inative_spellings() {
        let mut t = Target::host();
        t.set_arch("arm64").unwrap();
        assert_eq!(t.name(), "aarch64-linux-gnu");
        assert!(t.set_abi("windows").is_err(), "aarch64 windows");
        t.set_arch("x64").unwrap();
        t.set_abi("windows").unwrap();
        assert_eq!(t.name(), "x86_64-windows-gnu");
        assert!(t.set_abi("msvc").unwrap_err().contains("MinGW"));
        assert!(t.set_arch("mips").is_err());
    }

    #[test]
    fn features() {
        let mut t = Target::host();
        t.add_features("avx2,-SSE4.1").unwrap();
        t.add_features("+bmi2").unwrap();
        assert_eq!(t.features, vec!["+avx2", "-sse4.1", "+bmi2"]);
        assert!(t.add_features("+").is_err());
        assert!(t.add_features("a b").is_err());
    }

    #[test]
    fn baselines() {
        let mut t = Target::parse_triple("aarch64-linux-gnu").unwrap();
        assert_eq!(t.baseline_cpu(), "generic");
        assert!(!t.is_host() || cfg!(target_arch = "aarch64"));
        t.cpu = Some("cortex-a72".into());
        assert_eq!(t.baseline_cpu(), "cortex-a72");
        assert_eq!(
            Target::parse_triple("x86_64-linux-gnu")
                .unwrap()
                .baseline_cpu(),
            "x86-64"
        );
    }
}
