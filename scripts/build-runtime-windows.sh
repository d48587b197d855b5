#!/usr/bin/env bash
# Builds the innative runtime for Windows x86-64 (MinGW ABI) into OUTDIR:
#   libinnative_runtime.a  every runtime/*.c except main.c
#   libinnative_main.a     runtime/main.c (executables only)
# with the flags build.rs uses for Linux, and -Werror so that the Windows
# build stays warning-free.  Needs clang-19, llvm-ar-19 and Debian's
# mingw-w64 headers (package mingw-w64-x86-64-dev).
#
#   scripts/build-runtime-windows.sh OUTDIR [TRIPLE]
set -euo pipefail
out="${1:?usage: $0 OUTDIR [TRIPLE]}"
triple="${2:-x86_64-w64-windows-gnu}"
here="$(cd "$(dirname "$0")/.." && pwd)"
CLANG="${CLANG:-clang-19}"
AR="${AR:-llvm-ar-19}"
flags=(--target="$triple" -std=gnu11 -O2 -Wall -Wextra -Werror -fno-omit-frame-pointer)
mkdir -p "$out/obj"
core=()
for src in "$here"/runtime/*.c; do
  name="$(basename "$src" .c)"
  "$CLANG" "${flags[@]}" -c "$src" -o "$out/obj/$name.o"
  [[ "$name" == main ]] || core+=("$out/obj/$name.o")
done
rm -f "$out/libinnative_runtime.a" "$out/libinnative_main.a"
"$AR" rcs "$out/libinnative_runtime.a" "${core[@]}"
"$AR" rcs "$out/libinnative_main.a" "$out/obj/main.o"
echo "$out/libinnative_runtime.a $out/libinnative_main.a"
