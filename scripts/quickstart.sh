#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# From a fresh Debian 12 machine to a working kiln, as root: installs the
# packages, starts dockerd if needed, builds the release preset, builds the
# curated images (kiln/standard takes a few minutes the first time and is
# skipped afterwards) and checks the example buildspec.
#
#   bash scripts/quickstart.sh
#   KILN_DEBIAN_MIRROR=http://mirror.example/debian bash scripts/quickstart.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(kiln_repo_root)"

kiln_install_packages
kiln_ensure_dockerd

kiln_log "building kiln (release preset)"
cmake --preset release
cmake --build --preset release
kiln=build/release/src/cli/kiln

kiln_log "building kiln's curated images"
"$kiln" image build all
"$kiln" image list

kiln_log "checking the example buildspec"
"$kiln" buildspec check examples/hello-c/buildspec.yml

kiln_log "building the example in a kiln/standard container (kiln run)"
"$kiln" run examples/hello-c --executor docker --data-dir .kiln

kiln_log "done: kiln is $PWD/$kiln; try '$kiln --help'"
