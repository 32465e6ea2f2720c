#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the `fuzz` preset and runs kiln_buildspec_fuzzer for SECONDS (default 60)
# with bounded memory, per-input time and input size. Exits 0 when the run ends
# clean; otherwise non-zero, printing where the crashing input was saved and how
# to replay it. Needs clang and libclang-rt-14-dev. Run from anywhere in the repo.
#
#   scripts/fuzz.sh [SECONDS [LIBFUZZER_ARG...]]
#   KILN_FUZZ_KEEP=1 scripts/fuzz.sh 600     # keep the grown corpus afterwards
#   scripts/fuzz.sh 300 -len_control=0 /tmp/kiln-fuzz.X/corpus   # long inputs at once,
#                                            # reading (not writing) an older corpus
#   build/fuzz/fuzz/kiln_buildspec_fuzzer CRASH_FILE   # replay one input
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "usage: scripts/fuzz.sh [SECONDS [LIBFUZZER_ARG...]]   (whole seconds, default 60)" >&2
  exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

cmake --preset fuzz
cmake --build --preset fuzz --target kiln_buildspec_fuzzer
fuzzer="$repo/build/fuzz/fuzz/kiln_buildspec_fuzzer"

# libFuzzer writes new inputs into the first corpus directory, so that one is a
# scratch copy in a temp dir; the repo's seeds, and any directory given after
# SECONDS, are only read.
work="$(mktemp -d "${TMPDIR:-/tmp}/kiln-fuzz.XXXXXX")"
mkdir -p "$work/corpus" "$work/artifacts" "$work/shared-seeds"
seed_dirs=("$repo/fuzz/seeds")
# Real-world buildspecs, when the shared corpus sits beside the checkout. They
# are copied by name because that directory also holds a MANIFEST.tsv.
shared="$repo/../shared/corpus/buildspecs"
if compgen -G "$shared/*.yml" >/dev/null; then
  cp "$shared"/*.yml "$work/shared-seeds/"
  seed_dirs+=("$work/shared-seeds")
fi

# Leaks are reported by LeakSanitizer at exit of each run; UBSan must stop on
# the first report (the preset builds with -fno-sanitize-recover=all) and print
# a stack like ASan does.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

log="$work/fuzz.log"
echo "fuzz: running $seconds s; scratch dir $work"
status=0
"$fuzzer" \
  -max_total_time="$seconds" \
  -rss_limit_mb=1024 \
  -timeout=10 \
  -max_len=65536 \
  -detect_leaks=1 \
  -dict="$repo/fuzz/yaml.dict" \
  -artifact_prefix="$work/artifacts/" \
  -print_final_stats=1 \
  "$work/corpus" "${seed_dirs[@]}" "$@" 2>&1 | tee "$log" || status=$?

# A summary a person can paste: the last status line carries execs and coverage.
echo "fuzz: ---- summary ----"
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true

mapfile -t found < <(find "$work/artifacts" -type f \
  \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) | sort)
if (( status != 0 || ${#found[@]} > 0 )); then
  echo "fuzz: FAILED (fuzzer exit status $status); log: $log" >&2
  for artifact in "${found[@]}"; do
    echo "fuzz: artifact: $artifact" >&2
    echo "fuzz: replay:   $fuzzer $artifact" >&2
  done
  exit $(( status != 0 ? status : 1 ))
fi

echo "fuzz: clean run of $seconds s"
if [[ "${KILN_FUZZ_KEEP:-0}" == 1 ]]; then
  echo "fuzz: corpus kept in $work/corpus"
else
  rm -rf "$work"
fi
