#!/usr/bin/env bash
# The demo behind `make demo`: compiles two bundled fixtures with innative and
# runs the results.
#   1. fixtures/demo.wat, a hand-written program that prints through libc's
#      putchar, becomes a native executable;
#   2. fixtures/mathlib.c, built to wasm by clang-19, becomes a native shared
#      library that a C host program links against and calls.
# Expects `cargo build` and fixtures/build.sh to have run (the Makefile does).
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures/build
mkdir -p "$out"
innative() { cargo run --quiet --bin innative -- "$@"; }

echo "== innative compile -O2 --sys env fixtures/demo.wat -o $out/demo"
innative compile -O2 --sys env fixtures/demo.wat -o "$out/demo"
echo "== $out/demo"
"$out/demo" | tee "$out/demo.out"
if diff -u fixtures/demo.expected "$out/demo.out" >/dev/null; then
  echo "== output matches fixtures/demo.expected"
else
  echo "== output differs from fixtures/demo.expected:" >&2
  diff -u fixtures/demo.expected "$out/demo.out" >&2 || true
  exit 1
fi

echo
echo "== innative compile --shared $out/mathlib.wasm -o $out/libmathlib.so"
innative compile --shared "$out/mathlib.wasm" -o "$out/libmathlib.so"
echo "== cc fixtures/host/mathlib_host.c $out/libmathlib.so -o $out/mathlib_host"
cc -O1 fixtures/host/mathlib_host.c "$PWD/$out/libmathlib.so" -Wl,-rpath,"$PWD/$out" \
  -o "$out/mathlib_host"
echo "== $out/mathlib_host"
"$out/mathlib_host"
