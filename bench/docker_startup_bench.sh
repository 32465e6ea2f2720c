#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 1 (docs/benchmarks.md, "Docker build start-up"): a one-command
# build (`echo hello`) through `kiln run --executor docker`, paired run by run
# with a raw `docker run --rm IMAGE sh -c 'echo hello'`, for both images;
# then the per-phase durations kiln itself reports in --json.
#
#   bench/docker_startup_bench.sh [RUNS]        # default 11 runs, 1 warm-up
#
# Needs a release build (build/release/src/cli/kiln), a Docker daemon and the
# images kiln/busybox:1.0 and kiln/standard:1.0.
set -euo pipefail
runs=${1:-11}
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=${KILN:-$root/build/release/src/cli/kiln}
export DOCKER_API_VERSION=${DOCKER_API_VERSION:-1.41}
work=$(mktemp -d /tmp/kiln-bench-docker.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Inline YAML (with --no-source a buildspec path is refused), handed to the
# timed shell through the environment.
export KILN_BENCH_BUILDSPEC=$'version: 0.2\nphases:\n  build:\n    commands:\n      - echo hello\n'

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), load $(cut -d' ' -f1-3 /proc/loadavg)"
for image in kiln/busybox:1.0 kiln/standard:1.0; do
  echo "== $image"
  kiln_cmd="$kiln run --no-source --executor docker --image $image --buildspec \"\$KILN_BENCH_BUILDSPEC\" \
--data-dir $work/data --artifacts-dir $work/artifacts -q --json"
  python3 "$root/bench/pairbench.py" --runs "$runs" --name-a kiln --name-b docker-run \
    --a "$kiln_cmd" --b "docker run --rm $image sh -c 'echo hello'"
  rm -f "$work"/phases-*.json
  for i in $(seq "$runs"); do sh -c "$kiln_cmd" >"$work/phases-$i.json" || true; done
  python3 "$root/bench/phase_times.py" "$work"/phases-*.json
done
