#!/usr/bin/env bash
# Windows smoke test: WASI C fixtures and trap fixtures compiled by innative
# for x86_64-w64-windows-gnu and run under Wine.
#
# For each WASI fixture (fixtures/wasi/*.c) and case (arguments, stdin,
# environment, files):
#   C --clang-19 wasm32-wasi--> .wasm --innative--> LLVM IR (Windows triple)
#     --llc-19--> COFF object --clang-19 -fuse-ld=lld + runtime--> .exe
# run under `wine`, and compared (stdout and exit status) with a reference:
#   win    the same C built natively by clang-19 for x86_64-w64-windows-gnu,
#          run under wine (its stdout in text mode: CRLF becomes LF before
#          comparing, since a WASI guest writes raw bytes);
#   linux  the same C built natively for Linux, where the fixture uses what
#          MinGW lacks (poll.h, d_type, sockets), or prints the whole
#          environment (Wine gives every Windows process its own variables).
# Trap fixtures (fixtures/trap_*.wat, and exitcode's abort) must print the
# same trap line on stderr, with the same exit status (134), as the Linux
# executable innative makes.
#
#   scripts/windows-smoke.sh [FIXTURE...]
# Environment: INNATIVE (the compiler; default target/debug/innative),
# KEEP=1 keeps the work directory.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
INNATIVE="${INNATIVE:-$here/target/debug/innative}"
export WINEDEBUG="${WINEDEBUG:--all}"
for tool in clang-19 llc-19 llvm-ar-19 wine "$INNATIVE"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "windows-smoke: skipped: $tool not found" >&2
    exit 0
  fi
done

work="$(mktemp -d /tmp/win_smoke.XXXXXX)"
[[ "${KEEP:-}" == 1 ]] && echo "windows-smoke: work directory $work" || trap 'rm -rf "$work"' EXIT
rt="$work/runtime"
"$here/scripts/build-runtime-windows.sh" "$rt" >/dev/null || { echo "windows-smoke: runtime build failed" >&2; exit 1; }

# The link every Windows executable needs (runtime/WINDOWS.md).
link_exe() { # OBJ EXE
  clang-19 --target=x86_64-w64-windows-gnu -fuse-ld=lld -static -Wl,--stack,8388608 \
    "$1" "$rt/libinnative_main.a" "$rt/libinnative_runtime.a" -lpthread -o "$2"
}

# innative's LLVM IR for Windows: with --target when the compiler has it
# (the IR is written before the link, which may fail here), else the Linux
# IR with the Windows triple and data layout.
to_exe() { # WASM EXE
  local ll="${2%.exe}.ll" obj="${2%.exe}.obj"
  if "$INNATIVE" compile --help | grep -q -- '--target'; then
    "$INNATIVE" compile --target x86_64-windows-gnu --emit-llvm "$ll" "$1" -o "$work/discard.exe" \
      >/dev/null 2>&1
  else
    "$INNATIVE" compile --emit-llvm "$ll" "$1" -o "$work/discard" >/dev/null 2>&1
    sed -i -e 's/^target triple = .*/target triple = "x86_64-w64-windows-gnu"/' \
      -e 's/^target datalayout = .*/target datalayout = "e-m:w-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"/' "$ll"
  fi
  [[ -s "$ll" ]] || { echo "innative wrote no IR for $1"; return 1; }
  llc-19 -O2 -relocation-model=pic -filetype=obj "$ll" -o "$obj" && link_exe "$obj" "$2"
}

pass=0 fail=0 failed=()
ok() { pass=$((pass + 1)); echo "  ok    $1"; }
bad() { fail=$((fail + 1)); failed+=("$1"); echo "  FAIL  $1"; [[ -n "${2:-}" ]] && echo "$2" | head -20 | sed 's/^/        /'; }

# run_case NAME REF STDIN_FILE FILES_DIR ENV ARGS...   (ENV: "K=V;K=V")
run_case() {
  local name="$1" ref="$2" stdin="$3" files="$4" env="$5"
  shift 5
  local tag="$name ${*:-(no args)}" d="$work/$name"
  [[ -s "$stdin" ]] && tag="$tag <$(basename "$stdin")"
  local -a envs=() names=()
  if [[ -n "$env" ]]; then
    IFS=';' read -r -a envs <<<"$env"
    for kv in "${envs[@]}"; do names+=("${kv%%=*}"); done
  fi
  local wenv
  wenv="$(IFS=,; echo "${names[*]:-}")"
  # A fresh copy of the case's files for each run (the program writes there).
  fresh() { rm -rf "$d/run"; mkdir -p "$d/run"; [[ -n "$files" ]] && cp -r "$files/." "$d/run/"; true; }
  fresh
  # LANG tells Wine how to decode the Unix command line (UTF-8 "é"); the
  # programs see only the case's variables (WASI) or Wine's own.
  (cd "$d/run" && env -i PATH="$PATH" HOME="$HOME" WINEDEBUG="$WINEDEBUG" LANG=C.UTF-8 "${envs[@]}" \
     INNATIVE_WASI_ENV="$wenv" INNATIVE_WASI_DIRS=".::." \
     timeout 120 wine "$d/$name.exe" "$@" <"$stdin" >"$d/wasm.out" 2>"$d/wasm.err")
  local wasm_rc=$?
  fresh
  if [[ "$ref" == win ]]; then
    (cd "$d/run" && env -i PATH="$PATH" HOME="$HOME" WINEDEBUG="$WINEDEBUG" LANG=C.UTF-8 "${envs[@]}" \
       timeout 120 wine "$d/${name}_native.exe" "$@" <"$stdin" >"$d/ref.out" 2>"$d/ref.err")
  else
    (cd "$d/run" && env -i "${envs[@]}" timeout 120 "$d/$name.native" "$@" <"$stdin" >"$d/ref.out" 2>"$d/ref.err")
  fi
  local ref_rc=$?
  sed -i 's/\r$//' "$d/ref.out"
  if [[ -n "${FILTER:-}" ]]; then
    sed -i -E "$FILTER" "$d/ref.out" "$d/wasm.out"
    tag="$tag, $FILTER_WHY"
  fi
  if [[ $wasm_rc -ne $ref_rc ]]; then
    bad "$tag [$ref]" "exit status $wasm_rc, reference $ref_rc; stderr: $(head -3 "$d/wasm.err")"
  elif ! cmp -s "$d/wasm.out" "$d/ref.out"; then
    bad "$tag [$ref]" "$(diff "$d/ref.out" "$d/wasm.out" | head -20)"
  else
    ok "$tag [$ref] (status $wasm_rc)"
  fi
}

build_fixture() { # NAME -> $work/NAME/{NAME.exe, NAME_native.exe, NAME.native}
  local name="$1" src="$here/fixtures/wasi/$1.c" d="$work/$1"
  mkdir -p "$d"
  local -a simd=()
  [[ "$name" == simd* ]] && simd=(-msimd128)
  clang-19 --target=wasm32-wasi -g -O2 "${simd[@]}" "$src" -o "$d/$name.wasm" 2>/dev/null || return 1
  to_exe "$d/$name.wasm" "$d/$name.exe" >"$d/build.log" 2>&1 || { cat "$d/build.log"; return 1; }
  clang-19 --target=x86_64-w64-windows-gnu -fuse-ld=lld -O2 "$src" -o "$d/${name}_native.exe" 2>/dev/null
  clang-19 -g -O2 "$src" -o "$d/$name.native" -lm 2>/dev/null
}

# What tests/wasi.rs runs, per fixture.
fixture_cases() { # NAME
  local n="$1" empty="$work/empty.in"
  : >"$empty"
  case "$n" in
  strings | sort | float | simd | memops | strops) run_case "$n" win "$empty" "" "" ;;
  # Its "order" lines follow glibc's qsort, which innative's builtin sort
  # reproduces (runtime/sort.c); msvcrt's qsort is another algorithm.
  sorting) run_case "$n" linux "$empty" "" "" ;;
  stdin)
    printf 'hello world\nsecond line, longer than the first\n\n  spaced   out  \n\xc3\xa9t\xc3\xa9\nno newline at the end' >"$work/stdin.in"
    run_case "$n" win "$work/stdin.in" "" ""
    run_case "$n" win "$empty" "" ""
    ;;
  exitcode)
    run_case "$n" win "$empty" "" ""
    run_case "$n" win "$empty" "" "" 7
    run_case "$n" win "$empty" "" "" 300
    run_case "$n" win "$empty" "" "" 0 return
    ;;
  args_env)
    run_case "$n" linux "$empty" "" "GREETING=hello there;EMPTY=" one "two words" "" -x -- é
    run_case "$n" linux "$empty" "" ""
    ;;
  misc) run_case "$n" linux "$empty" "" "" ;;
  filecopy)
    mkdir -p "$work/filecopy.files"
    for i in $(seq 0 399); do echo "line $i: the quick brown fox jumps over the lazy dog"; done \
      >"$work/filecopy.files/input.txt"
    # Symlinks are not supported on Windows (runtime/WINDOWS.md): the lines
    # about the one it makes are left out of the comparison.
    FILTER='/^(symlink|readlink|open via link):/d; s/ \[l link\]//; s/^unlink: [A-Z]+ /unlink: - /' \
      FILTER_WHY="symlink lines excluded" \
      run_case "$n" linux "$empty" "$work/filecopy.files" "" input.txt output.txt
    ;;
  *) echo "  skip  $n (see runtime/WINDOWS.md)" ;;
  esac
}

# Trap fixtures: the Windows executable's stderr and status equal the
# Linux executable's (CRLF aside).
trap_case() { # TAG WASM ARGS...
  local tag="$1" wasm="$2" d="$work/traps"
  shift 2
  mkdir -p "$d"
  local stem
  stem="$(basename "${wasm%.*}")"
  "$INNATIVE" compile "$wasm" -o "$d/$stem.linux" >/dev/null 2>&1 || { bad "trap $tag" "Linux compile failed"; return; }
  [[ -e "$d/$stem.exe" ]] || to_exe "$wasm" "$d/$stem.exe" >"$d/$stem.log" 2>&1 || { bad "trap $tag" "$(cat "$d/$stem.log")"; return; }
  "$d/$stem.linux" "$@" >"$d/l.out" 2>"$d/l.err" </dev/null
  local lrc=$?
  wine "$d/$stem.exe" "$@" >"$d/w.out" 2>"$d/w.err" </dev/null
  local wrc=$?
  sed -i 's/\r$//' "$d/w.err" "$d/w.out"
  if [[ $wrc -ne $lrc ]]; then
    bad "trap $tag" "status $wrc, Linux $lrc; stderr: $(head -3 "$d/w.err")"
  elif ! cmp -s "$d/l.err" "$d/w.err" || ! cmp -s "$d/l.out" "$d/w.out"; then
    bad "trap $tag" "$(diff "$d/l.err" "$d/w.err" | head -10)"
  else
    ok "trap $tag: $(head -1 "$d/w.err") (status $wrc)"
  fi
}

fixtures=("$@")
if [[ ${#fixtures[@]} -eq 0 ]]; then
  fixtures=(args_env exitcode filecopy float memops misc simd sort sorting stdin strings strops sandbox sockets traps)
fi
echo "windows-smoke: $INNATIVE, $(wine --version)"
for n in "${fixtures[@]}"; do
  if [[ "$n" == traps ]]; then
    echo "traps"
    for t in oob unreachable div_zero stack; do
      trap_case "$t" "$here/fixtures/trap_$t.wat"
    done
    continue
  fi
  echo "$n"
  case "$n" in sandbox | sockets) fixture_cases "$n"; continue ;; esac
  if ! build_fixture "$n"; then
    bad "$n (build)"
    continue
  fi
  fixture_cases "$n"
  # Traps inside the C library builtins (tests/libc_builtins.rs): memcpy
  # compiled inline, the host's strlen/memcmp (a fault in msvcrt reported at
  # its wasm caller), qsort with a null comparator or past the end.
  case "$n" in
  exitcode) trap_case "exitcode abort" "$work/exitcode/exitcode.wasm" abort ;;
  memops) trap_case "memops oob" "$work/memops/memops.wasm" oob ;;
  strops)
    trap_case "strops strlen" "$work/strops/strops.wasm" strlen
    trap_case "strops memcmp" "$work/strops/strops.wasm" memcmp
    trap_case "strops memcmp_early" "$work/strops/strops.wasm" memcmp_early
    ;;
  sorting)
    trap_case "sorting null" "$work/sorting/sorting.wasm" null
    trap_case "sorting oob" "$work/sorting/sorting.wasm" oob
    ;;
  esac
done
echo "windows-smoke: $pass passed, $fail failed${failed:+: ${failed[*]}}"
[[ $fail -eq 0 ]]
