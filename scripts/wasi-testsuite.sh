#!/usr/bin/env bash
# Runs the official WASI preview 1 test suite (../shared/wasi-testsuite, see its
# README) through innative at -O0 and at -O2, each on a fresh copy of the
# suite (tests write into their directories), and fails unless every program
# passes at both levels.
#
#   scripts/wasi-testsuite.sh [SUITE_DIR]       (default ../shared/wasi-testsuite)
#
# $INNATIVE names the innative binary (default target/debug/innative);
# $LEVELS the optimization levels (default "0 2").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
suite="${1:-$here/../shared/wasi-testsuite}"
if [[ ! -f "$suite/run.py" ]]; then
  echo "== WASI test suite not found at $suite; skipping it"
  exit 0
fi
export INNATIVE="${INNATIVE:-$here/target/debug/innative}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for level in ${LEVELS:-0 2}; do
  rm -rf "$work/suite"
  cp -r "$suite" "$work/suite"
  echo "== WASI test suite at -O$level"
  out="$(INNATIVE_OPT=$level python3 "$work/suite/run.py" "$work/suite" "$here/scripts/wasi-testsuite-adapter.sh")"
  echo "$out"
  last="$(tail -n 1 <<<"$out")"
  if [[ ! "$last" =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] || [[ "${BASH_REMATCH[1]}" -eq 0 ]]; then
    echo "== WASI test suite at -O$level: FAILED ($last)"
    status=1
  fi
done
exit $status
