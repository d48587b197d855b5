#!/usr/bin/env bash
# Compares innative's PDB with clang-19's native PDB for the debugger
# fixtures (fixtures/debug/*), for Windows x86-64 (MinGW ABI).
#
#   scripts/pdb-compare.sh [-O LEVEL] [FIXTURE...]     (default: all, -O0)
#
# For each fixture, in a fresh directory ($PDB_COMPARE_DIR, default
# /tmp/pdb_compare/<fixture>):
#   native:   clang-19 --target=x86_64-w64-windows-gnu -fuse-ld=lld -g -gcodeview
#             -O0 *.c -Wl,--pdb=native.pdb -o native.exe
#   innative: clang-19 --target=wasm32-wasi -g -O0 *.c -o prog.wasm, then
#             innative compile --target x86_64-w64-windows-gnu -g -O0 prog.wasm -o prog.exe
#             (prog.pdb beside it) when the CLI has --target; otherwise the manual
#             pipeline: INNATIVE_CODEVIEW=1 innative compile -g --object --emit-llvm prog.ll,
#             the triple set to x86_64-w64-windows-gnu, llc-19 -filetype=obj, and
#             clang-19 --target=x86_64-w64-windows-gnu -fuse-ld=lld -g -Wl,--pdb=prog.pdb
#             prog.obj -Wl,-Xlink=-force:unresolved (the runtime is not linked: the
#             comparison is static)
# then scripts/pdb_compare.py native.pdb prog.pdb (functions, lines, parameters,
# locals, types).  Exit status: 0 when every fixture matches.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
opt=-O0
if [[ ${1:-} == -O* ]]; then
    opt=$1
    shift
    [[ $opt == -O ]] && { opt="-O$1"; shift; }
fi
innative=${INNATIVE:-$here/target/debug/innative}
[ -x "$innative" ] || { echo "pdb-compare: build innative first (cargo build): $innative" >&2; exit 2; }
for t in clang-19 clang++-19 llc-19 llvm-pdbutil-19 lld-link-19 python3; do
    command -v "$t" >/dev/null || { echo "pdb-compare: $t is missing (scripts/setup.sh)" >&2; exit 2; }
done
triple=x86_64-w64-windows-gnu
fixtures=("$@")
if [ ${#fixtures[@]} -eq 0 ]; then
    for d in "$here"/fixtures/debug/*/; do fixtures+=("$(basename "$d")"); done
fi
has_target=0
"$innative" compile --help 2>/dev/null | grep -q -- '--target' && has_target=1

status=0
for name in "${fixtures[@]}"; do
    src=$here/fixtures/debug/$name
    dir=${PDB_COMPARE_DIR:-/tmp/pdb_compare}/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src"/* "$dir"/
    cd "$dir"
    sources=()
    for f in *.c *.cpp; do [ -e "$f" ] && sources+=("$f"); done
    cc=clang-19
    extra=()
    if ls *.cpp >/dev/null 2>&1; then
        cc=clang++-19
        extra=(-fno-exceptions -fno-rtti -nostdlib++)
    fi
    log=$dir/log
    {
        $cc --target=$triple -fuse-ld=lld -g -gcodeview "$opt" "${extra[@]}" "${sources[@]}" \
            -Wl,--pdb=native.pdb -o native.exe
        $cc --target=wasm32-wasi -g "$opt" "${extra[@]}" "${sources[@]}" -o prog.wasm
        if [ $has_target = 1 ]; then
            "$innative" compile --target $triple -g "$opt" prog.wasm -o prog.exe
        else
            INNATIVE_CODEVIEW=1 "$innative" compile -g "$opt" prog.wasm --object -o prog.o \
                --emit-llvm prog.ll
            sed -e "s/^target triple = .*/target triple = \"$triple\"/" -e '/^target datalayout/d' \
                prog.ll >prog.win.ll
            llc-19 "$opt" -filetype=obj prog.win.ll -o prog.obj
            # Undefined: the innative runtime (not linked: the PDB is compared, not run).
            clang-19 --target=$triple -fuse-ld=lld -g prog.obj -o prog.exe \
                -Wl,--pdb=prog.pdb -Wl,-Xlink=-force:unresolved 2>&1 |
                grep -v -e 'undefined symbol' -e '>>> referenced by' -e '^$' || true
        fi
    } >"$log" 2>&1 || { echo "== $name: build failed, see $log"; tail -5 "$log"; status=1; continue; }
    headers=()
    for f in *.h *.hpp; do [ -e "$f" ] && headers+=("$f"); done
    python3 "$here/scripts/pdb_compare.py" native.pdb prog.pdb --name "$name" --wasm prog.wasm \
        --sources "${sources[@]}" "${headers[@]}" || status=1
    python3 "$here/scripts/pdb_compare.py" native.pdb prog.pdb --json --wasm prog.wasm \
        --sources "${sources[@]}" "${headers[@]}" >report.json || true
done
exit $status
