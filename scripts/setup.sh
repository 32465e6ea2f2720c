#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepares a Debian 12 machine for kiln, as root: installs every package of
# scripts/packages.txt (apt is skipped when all are there) and makes sure a
# Docker daemon answers on /var/run/docker.sock. Safe to run again.
#
#   bash scripts/setup.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kiln_install_packages
kiln_ensure_dockerd
