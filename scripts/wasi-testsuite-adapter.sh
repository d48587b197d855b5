#!/usr/bin/env bash
# The runner that ../shared/wasi-testsuite/run.py calls for one test:
#
#   wasi-testsuite-adapter.sh ROOT [K=V]... -- TEST.wasm ARGS...
#
# compiles TEST.wasm with `innative run` at $INNATIVE_OPT (default 2) and runs
# it with ROOT (when not empty) preopened as the guest's "/" and exactly the
# given variables as its environment.  Exit status and output are the
# program's.  $INNATIVE names the innative binary (default: on PATH).
set -uo pipefail
root="$1"
shift
args=(run "-O${INNATIVE_OPT:-2}")
[[ -n "$root" ]] && args+=(--dir "$root::/")
while [[ $# -gt 0 && "$1" != "--" ]]; do
  args+=(--env "$1")
  shift
done
shift
exec "${INNATIVE:-innative}" "${args[@]}" "$@"
