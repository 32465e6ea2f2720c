// SPDX-License-Identifier: Apache-2.0
// ScratchDir: a private temporary directory for one image build, removed with
// everything in it when the object goes away, even after a failed or killed
// debootstrap left /proc or /sys mounted inside. Move-only; not thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace kiln::images {

class ScratchDir {
 public:
  // Makes a fresh directory "<parent>/<prefix>XXXXXX" (mode 0700). An empty
  // `parent` means $TMPDIR, or /var/tmp when that is unset (a rootfs is
  // large, and /tmp is often a small tmpfs). kIoError if it cannot be made.
  static Result<ScratchDir> create(const std::string& parent, const std::string& prefix);

  ~ScratchDir();
  ScratchDir(ScratchDir&& other) noexcept;
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

  // Unmounts what is mounted below path() and deletes the tree. Refuses to
  // delete (kIoError) while something stays mounted there, so a bind mount
  // of a host directory is never emptied. Idempotent.
  Status remove();

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace kiln::images
