#!/usr/bin/env bash
# Installs what innative needs to build, test and run its demo on Debian 12.
# Idempotent: a machine that already has everything does no apt work.
#
#   scripts/setup.sh          (as root, or as a user with sudo)
#
# The Rust toolchain is not installed here: it must already be on the machine
# (see README.md).
set -euo pipefail

PACKAGES=(
  llvm-19 llvm-19-dev libpolly-19-dev libzstd-dev   # LLVM 19 (static link needs polly + zstd)
  clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32  # C -> wasm for fixtures
  lldb-19 gdb                                        # debugger tests
  wabt                                               # wat2wasm / wasm-validate / wasm2wat
  build-essential pkg-config                         # cc, c++, make: the runtime's C, src/lower/di_arglist.cpp
  nodejs                                             # source-map tests (npm `source-map`, AssemblyScript)
  python3                                            # the WASI test suite's runner (run.py)
  rustc libstd-rust-dev-wasm32 lld-14                # Rust fixtures for wasm32-wasi (rustc 1.63 links with rust-lld = lld-14)
  qemu-user gdb-multiarch                            # --target aarch64-linux-gnu: run and debug under qemu-aarch64
  libc6-dev-arm64-cross libgcc-12-dev-arm64-cross    # aarch64 C library + crt files (runtime and native references)
  mingw-w64 wine64 wine                              # --target x86_64-windows-gnu: MinGW C library; programs run under wine
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing missing Debian packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup: error: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be empty on a fresh image: update once, then install.
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  echo "setup: Debian packages present"
fi

# tests/sourcemap.rs installs npm packages (source-map, assemblyscript) into
# target/npm.  Debian's nodejs comes without npm (NodeSource's includes it).
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing npm"
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup: error: need root (or sudo) to install npm" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends npm </dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    echo "setup: error: cargo is installed in $HOME/.cargo/bin but not on PATH;" >&2
    echo "       run: export PATH=\"\$HOME/.cargo/bin:\$PATH\"" >&2
  else
    echo "setup: error: cargo (Rust) not found.  Install the Rust toolchain, e.g.:" >&2
    echo "       curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y" >&2
    echo "       then: export PATH=\"\$HOME/.cargo/bin:\$PATH\"" >&2
  fi
  exit 1
fi
echo "setup: $(cargo --version)"
