// SPDX-License-Identifier: Apache-2.0
// TarWriter: writes a root filesystem tarball (POSIX pax) for `docker import`
// with libarchive, either entry by entry or from a directory tree. libarchive
// stays inside the .cc file. Move-only; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

struct archive;

namespace kiln::images {

class TarWriter {
 public:
  // Creates (truncates) the tarball at `path`. kIoError if it cannot.
  static Result<TarWriter> create(const std::string& path);

  ~TarWriter();
  TarWriter(TarWriter&& other) noexcept;
  TarWriter& operator=(TarWriter&& other) noexcept;
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // The add_* calls write one entry owned by root:root. `path_in_tar` is
  // relative ("bin/sh"); parents are not added implicitly.
  Status add_directory(const std::string& path_in_tar, int mode);
  Status add_symlink(const std::string& path_in_tar, const std::string& target);
  Status add_text_file(const std::string& path_in_tar, const std::string& content, int mode);
  // Copies the regular file `source` into the tarball, streamed in chunks.
  Status add_file(const std::string& path_in_tar, const std::string& source, int mode);

  // Adds everything below `root` (not `root` itself) with paths relative to
  // it, keeping owners, modes, times, device nodes, symlinks, hard links and
  // extended attributes; mount points inside are not descended.
  Status add_tree(const std::string& root);

  // Finishes the tarball. Requires: called once, after the last add_*.
  Status close();

 private:
  explicit TarWriter(archive* handle, std::string path);
  Status check(int rc, const std::string& what);

  struct ArchiveDeleter {
    void operator()(archive* handle) const;
  };
  std::unique_ptr<archive, ArchiveDeleter> archive_;
  std::string path_;
};

}  // namespace kiln::images
