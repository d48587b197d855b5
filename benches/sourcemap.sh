#!/usr/bin/env bash
# Benchmark of `innative build-sourcemap` against `llvm-dwarfdump-19
# --debug-line` (the text emscripten's wasm-sourcemap.py parses) on the same
# large inputs: a generated C program (benches/gen_big_c.py) built with
# clang-19 -g -O0 to wasm32-wasi and to a native executable.
#
#   benches/sourcemap.sh                 FILES=80 FUNCS=150 by default
#   FILES=40 FUNCS=100 RUNS=5 benches/sourcemap.sh
#   PROFILE=release benches/sourcemap.sh (cargo build --release first)
#
# For each input it prints the DWARF size, the map size, the best wall time
# of RUNS runs and the peak RSS (/usr/bin/time -v) of both tools, their
# ratios, and each tool's RSS above its own start-up RSS (`--version`: both
# map libLLVM).  Timing lives here, never in a test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
FILES="${FILES:-80}"
FUNCS="${FUNCS:-150}"
RUNS="${RUNS:-3}"
PROFILE="${PROFILE:-dev}"

for t in clang-19 llvm-dwarfdump-19 python3 /usr/bin/time; do
  command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not found (scripts/setup.sh)" >&2; exit 1; }
done

if [[ "$PROFILE" == release ]]; then
  (cd "$root" && cargo build --quiet --release --bin innative)
  bin="$root/target/release/innative"
else
  (cd "$root" && cargo build --quiet --bin innative)
  bin="$root/target/debug/innative"
fi

work="$root/target/bench-sourcemap/${FILES}x${FUNCS}"
mkdir -p "$work"
if [[ ! -f "$work/big.wasm" || ! -f "$work/big.native" ]]; then
  echo "bench: generating ${FILES} files x ${FUNCS} functions and building them (once)..."
  python3 "$here/gen_big_c.py" "$work/src" "$FILES" "$FUNCS"
  (cd "$work/src" && clang-19 --target=wasm32-wasi -g -O0 ./*.c -o "$work/big.wasm")
  (cd "$work/src" && clang-19 -g -O0 ./*.c -o "$work/big.native")
fi

python3 - "$bin" "$work" "$RUNS" <<'EOF'
import re, subprocess, sys, time, os

bin, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def measure(cmd, stdout=subprocess.DEVNULL):
    """(best wall seconds, peak RSS KiB) over `runs` runs."""
    best, rss = None, 0
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=stdout,
                           stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t
        if p.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{p.stderr}")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss = max(rss, int(m.group(1)))
        best = wall if best is None else min(best, wall)
    return best, rss

def dwarf_size(path):
    out = subprocess.run(["llvm-objdump-19", "-h", path], capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1].startswith(".debug_"):
            total += int(f[2], 16)
    return total

base_inn = measure([bin, "--version"])[1]
base_dump = measure(["llvm-dwarfdump-19", "--version"])[1]
print(f"start-up RSS: innative {base_inn} KiB, llvm-dwarfdump-19 {base_dump} KiB "
      f"(both load libLLVM-19)")
print()
hdr = f"{'input':<12} {'DWARF':>9} {'map':>9} | {'build-sourcemap':>22} | {'dwarfdump --debug-line':>24} | {'time':>6} {'RSS':>6} {'RSS>start':>9}"
print(hdr)
print("-" * len(hdr))
for name in ["big.wasm", "big.native"]:
    path = os.path.join(work, name)
    out = os.path.join(work, name + ".map")
    t_ours, m_ours = measure([bin, "build-sourcemap", path, "-o", out])
    t_dump, m_dump = measure(["llvm-dwarfdump-19", "--debug-line", path])
    mb = lambda b: f"{b / 1e6:.1f} MB"
    above = (m_ours - base_inn) / max(1, m_dump - base_dump)
    print(f"{name:<12} {mb(dwarf_size(path)):>9} {mb(os.path.getsize(out)):>9} | "
          f"{t_ours:8.3f} s {m_ours / 1024:8.1f} MiB | {t_dump:9.3f} s {m_dump / 1024:9.1f} MiB | "
          f"{t_ours / t_dump:6.2f} {m_ours / m_dump:6.2f} {above:9.2f}")
print()
print("ratios are build-sourcemap / llvm-dwarfdump-19 (below 1: build-sourcemap is faster / smaller);")
print("RSS>start compares the RSS each tool adds above its own start-up RSS.")
print(f"(the dump's text goes to /dev/null; build-sourcemap writes the map; best of {runs} runs)")
EOF
