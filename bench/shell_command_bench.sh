#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 2 (docs/benchmarks.md, "Shell executor per-command overhead"):
# a build of 1,000 `true` commands and a build of 1 `true` command through
# `kiln run --executor shell`; (T1000 - T1) / 999 is kiln's cost per command.
# Reference: `sh -c true` spawned 1,000 times by a bash loop, likewise minus
# a 1-spawn loop, / 999.
#
#   bench/shell_command_bench.sh [RUNS]        # default 7 runs, 1 warm-up
set -euo pipefail
runs=${1:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=${KILN:-$root/build/release/src/cli/kiln}
work=$(mktemp -d /tmp/kiln-bench-shell.XXXXXX)
trap 'rm -rf "$work"' EXIT

buildspec() {  # N -> inline YAML with N `true` commands
  printf 'version: 0.2\nphases:\n  build:\n    commands:\n'
  for _ in $(seq "$1"); do printf '      - "true"\n'; done
}
export KILN_BENCH_BS1000=$(buildspec 1000) KILN_BENCH_BS1=$(buildspec 1)
run="$kiln run --no-source --executor shell --data-dir $work/data --artifacts-dir $work/artifacts -q"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/bench/pairbench.py" --runs "$runs" --json "$work/kiln.json" \
  --name-a kiln-1000 --a "$run --buildspec \"\$KILN_BENCH_BS1000\"" \
  --name-b kiln-1 --b "$run --buildspec \"\$KILN_BENCH_BS1\""
python3 "$root/bench/pairbench.py" --runs "$runs" --json "$work/sh.json" \
  --name-a sh-1000 --a "bash -c 'for i in {1..1000}; do sh -c true; done'" \
  --name-b sh-1 --b "bash -c 'for i in {1..1}; do sh -c true; done'"
python3 - "$work/kiln.json" "$work/sh.json" <<'PY'
import json, statistics, sys
k = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
def per(r, a, b):  # per-pair (A - B) / 999 in ms
    return [(x["wall"] - y["wall"]) / 999 * 1000 for x, y in zip(r[a], r[b])]
kp = per(k, "kiln-1000", "kiln-1"); sp = per(s, "sh-1000", "sh-1")
for name, v in (("kiln per command", kp), ("sh -c true per spawn", sp)):
    print(f"{name}: median {statistics.median(v):.3f} ms (min {min(v):.3f}, max {max(v):.3f})")
print(f"ratio kiln / sh per command (medians): {statistics.median(kp) / statistics.median(sp):.2f}x")
PY
