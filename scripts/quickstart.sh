#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# From a fresh Debian 12 machine to a working kiln, as root: installs the
# packages, starts dockerd if needed, builds the release preset, builds the
# curated images (kiln/standard takes a few minutes the first time and is
# skipped afterwards), checks the example buildspec, builds the example with
# `kiln run`, then starts `kiln serve` and runs a build through the aws CLI
# and `kiln builds start --follow`.
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

kiln_log "kiln serve: the CodeBuild API, driven by the aws CLI and by kiln's own client"
data=$(mktemp -d)
"$kiln" serve --listen 127.0.0.1:0 --data-dir "$data" --executor docker >"$data/serve.log" 2>&1 &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do [[ -s "$data/endpoint" ]] && break; sleep 0.1; done
endpoint=$(cat "$data/endpoint")
export AWS_SHARED_CREDENTIALS_FILE="$data/credentials"
aws="aws --region us-east-1 --endpoint-url $endpoint"
cat >"$data/project.json" <<'JSON'
{"name": "hello", "serviceRole": "arn:aws:iam::000000000000:role/kiln",
 "source": {"type": "NO_SOURCE",
            "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"hello from $CODEBUILD_BUILD_ID\"\n      - uname -a\n"},
 "artifacts": {"type": "NO_ARTIFACTS"},
 "environment": {"type": "LINUX_CONTAINER", "image": "kiln/busybox:1.0", "computeType": "BUILD_GENERAL1_SMALL"}}
JSON
$aws codebuild create-project --cli-input-json "file://$data/project.json" --query project.arn --output text
"$kiln" builds start hello --follow --endpoint-url "$endpoint"
$aws codebuild batch-get-builds --ids "$($aws codebuild list-builds-for-project --project-name hello --query 'ids[0]' --output text)" \
  --query 'builds[0].{id: id, status: buildStatus, phases: join(`, `, phases[].phaseType)}'

kiln_log "done: kiln is $PWD/$kiln; try '$kiln --help'"
