// SPDX-License-Identifier: Apache-2.0
// The root filesystem of kiln/busybox, written straight into a tarball (no
// staging directory, so building it needs no root). Thread-compatible.
#pragma once

#include <string>

#include "common/status.h"
#include "images/subprocess.h"
#include "images/tar_writer.h"

namespace kiln::images {

// Fails with kInvalidInput unless `path` is a statically linked ELF
// executable (a dynamic one would miss its libraries inside the image);
// kNotFound / kIoError when it cannot be read.
Status check_static_executable(const std::string& path);

// Writes into `tar`: the usual top-level directories, /bin/busybox copied
// from `busybox_path`, a symlink to it for every applet at the place
// `busybox --list-full` names (bin/sh, usr/bin/env, ...), and a minimal
// /etc/passwd and /etc/group. Requires: `busybox_path` is Debian's
// busybox-static binary or another static busybox.
Status write_busybox_rootfs(const std::string& busybox_path, TarWriter& tar,
                            const LineHandler& progress);

}  // namespace kiln::images
