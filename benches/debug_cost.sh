#!/usr/bin/env bash
# What `-g` costs `innative compile`: CPU time (user + sys) and peak RSS of
# the same compile with and without -g, at -O0 and -O2, on a generated C
# program (benches/gen_big_c.py) built with clang-19 -g to wasm32-wasi.
#
#   benches/debug_cost.sh                FILES=4 FUNCS=100 RUNS=3 by default
#   PROFILE=release benches/debug_cost.sh
#
# Prints, per -O level, the best CPU seconds of RUNS runs each way, their
# ratio (-g / no -g) and the peak RSS ratio.  Timing lives here, never in a
# test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
FILES="${FILES:-4}"
FUNCS="${FUNCS:-100}"
RUNS="${RUNS:-3}"
PROFILE="${PROFILE:-dev}"

for t in clang-19 python3 /usr/bin/time; do
  command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not found (scripts/setup.sh)" >&2; exit 1; }
done
if [[ "$PROFILE" == release ]]; then
  (cd "$root" && cargo build --quiet --release --bin innative)
  bin="$root/target/release/innative"
else
  (cd "$root" && cargo build --quiet --bin innative)
  bin="$root/target/debug/innative"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_big_c.py" "$work/src" "$FILES" "$FUNCS"

# best "cpu_seconds rss_kib" of RUNS runs of the command
best() {
  local best_cpu="" best_rss=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S %M" -o "$work/t" "$@" >/dev/null 2>&1
    read -r u s m <"$work/t"
    local cpu
    cpu=$(python3 -c "print(f'{$u + $s:.3f}')")
    if [[ -z "$best_cpu" ]] || python3 -c "import sys; sys.exit(0 if $cpu < $best_cpu else 1)"; then
      best_cpu=$cpu
      best_rss=$m
    fi
  done
  echo "$best_cpu $best_rss"
}

echo "innative compile, -g against none ($FILES x $FUNCS functions, best of $RUNS, $PROFILE build)"
for opt in -O0 -O2; do
  clang-19 --target=wasm32-wasi -g "$opt" "$work"/src/*.c -I"$work/src" -o "$work/big$opt.wasm"
  read -r plain_cpu plain_rss < <(best "$bin" compile "$opt" "$work/big$opt.wasm" -o "$work/plain")
  read -r dbg_cpu dbg_rss < <(best "$bin" compile -g "$opt" "$work/big$opt.wasm" -o "$work/dbg")
  python3 - "$opt" "$plain_cpu" "$dbg_cpu" "$plain_rss" "$dbg_rss" <<'EOF'
import sys
opt, pc, dc, pr, dr = sys.argv[1], *map(float, sys.argv[2:])
print(f"{opt}: CPU {pc:.2f} s -> {dc:.2f} s with -g (x{dc / pc:.2f}); "
      f"peak RSS {pr / 1024:.0f} -> {dr / 1024:.0f} MiB (x{dr / pr:.2f})")
EOF
done
