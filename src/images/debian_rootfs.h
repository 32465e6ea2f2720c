// SPDX-License-Identifier: Apache-2.0
// The root filesystem of kiln/standard: debootstrap of Debian minbase plus
// build tools, then cleaned of what an image should not carry.
// Thread-compatible; needs root (debootstrap mounts /proc and runs chroot).
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "images/subprocess.h"

namespace kiln::images {

struct DebianRootfsOptions {
  std::string mirror;    // http(s):// or file:/ URL of a Debian mirror
  std::string suite;     // "bookworm"
  std::string packages;  // comma-separated, for --include
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
};

// Fails with kInvalidInput unless `mirror` is an http://, https:// or
// file:/ URL (debootstrap would read anything else as an option or a path).
Status check_mirror_url(const std::string& mirror);

// Runs `debootstrap --variant=minbase --include=PACKAGES SUITE TARGET MIRROR`
// by argv and then clean_debian_rootfs(target). Reports debootstrap's
// progress through `progress`, one line per step rather than per package.
// Fails with kInvalidInput when not run as root or for a bad mirror,
// kNotFound without debootstrap, and kUnavailable (with debootstrap's last
// lines) when it fails or outlives options.timeout.
// Requires: `target` does not exist yet or is empty.
Status make_debian_rootfs(const std::string& target, const DebianRootfsOptions& options,
                          const LineHandler& progress);

// Removes apt's package lists and caches, logs of the bootstrap and the
// copies of the host's /etc/resolv.conf and /etc/hostname (Docker mounts
// its own at run time), so the image is smaller and leaks nothing of the
// machine that built it.
Status clean_debian_rootfs(const std::string& target);

}  // namespace kiln::images
