#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Everything CI checks, from a fresh Debian 12 machine, as root: installs the
# packages, starts dockerd if needed, builds the release preset and the
# curated images, runs every ctest label (unit, docker, e2e), builds the asan
# preset and runs the unit tests under it, then fuzzes for 60 s when
# scripts/fuzz.sh exists. Exits non-zero as soon as anything fails.
#
#   bash scripts/test.sh
#   KILN_SKIP_ASAN=1 bash scripts/test.sh     # skip the sanitizer pass
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(kiln_repo_root)"
started=$SECONDS

kiln_install_packages
kiln_ensure_dockerd

kiln_log "building the release preset"
cmake --preset release
cmake --build --preset release

kiln_log "building kiln's curated images"
build/release/src/cli/kiln image build all

# The docker-labelled tests fail rather than skip without a daemon or the
# images; this check makes sure they exist and so really run.
docker_tests="$(ctest --preset release -N -L docker | sed -n 's/^Total Tests: //p')"
[ "${docker_tests:-0}" -gt 0 ] || kiln_die "no docker-labelled tests were found"
kiln_docker_answers || kiln_die "the Docker daemon stopped answering before the tests"

kiln_log "running all tests (release: unit, docker, e2e; $docker_tests need Docker)"
ctest --preset release -j2 --output-on-failure | tee build/release/ctest.log
summary() { sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$1"; }
read -r failed total < <(summary build/release/ctest.log) || true
[ "${failed:-1}" -eq 0 ] || kiln_die "$failed of $total tests failed"
passed=$total

if [ "${KILN_SKIP_ASAN:-0}" != 1 ]; then
  kiln_log "building the asan preset and running the unit tests under ASan+UBSan"
  cmake --preset asan
  cmake --build --preset asan
  ctest --preset asan -L unit -j2 --output-on-failure | tee build/asan/ctest.log
  read -r failed total < <(summary build/asan/ctest.log) || true
  [ "${failed:-1}" -eq 0 ] || kiln_die "$failed of $total tests failed under ASan+UBSan"
  passed=$((passed + total))
fi

if [ -x scripts/fuzz.sh ] || [ -f scripts/fuzz.sh ]; then
  kiln_log "fuzzing for 60 s"
  bash scripts/fuzz.sh 60
fi

kiln_log "all checks passed in $((SECONDS - started)) s"
echo "tests: $passed passed, 0 failed"
