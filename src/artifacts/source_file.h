// SPDX-License-Identifier: Apache-2.0
// SourceFile: a selected file opened for reading without following any
// symlink, so a build that swaps a path for a link between selection and
// packaging cannot make kiln read outside the source tree. Move-only owner
// of one fd; thread-compatible.
#pragma once

#include <sys/stat.h>

#include <string>

#include "common/status.h"

namespace kiln::artifacts {

class SourceFile {
 public:
  // Opens the canonical path `path` (SelectedFile::source_path) read-only.
  // With openat2(2), no component may be a symlink (RESOLVE_NO_SYMLINKS);
  // on kernels without it only the last one (O_NOFOLLOW). Fails with
  // kInvalidInput if the path now contains a symlink or is not a regular
  // file, kNotFound / kIoError from the OS.
  static Result<SourceFile> open(const std::string& path);

  SourceFile(SourceFile&& other) noexcept;
  SourceFile& operator=(SourceFile&&) = delete;
  SourceFile(const SourceFile&) = delete;
  ~SourceFile();

  int fd() const { return fd_; }
  const struct stat& stat() const { return stat_; }
  // "/proc/self/fd/<fd>": reopening it reaches this very file with no path
  // lookup, for APIs that take a path (ObjectStore::put_file).
  std::string proc_path() const;

 private:
  SourceFile(int fd, const struct stat& st) : fd_(fd), stat_(st) {}

  int fd_;
  struct stat stat_;
};

}  // namespace kiln::artifacts
