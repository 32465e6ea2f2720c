// SPDX-License-Identifier: Apache-2.0
#include "artifacts/source_file.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace kiln::artifacts {

namespace {

int open_no_symlinks(const std::string& path) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how);
  // Kernels before 5.6, and seccomp profiles that do not know openat2, say
  // ENOSYS or EPERM: fall back to guarding the last component only.
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  return static_cast<int>(fd);
}

}  // namespace

Result<SourceFile> SourceFile::open(const std::string& path) {
  int fd = open_no_symlinks(path);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP)
      return Status(ErrorCode::kInvalidInput,
                    path + ": became a symlink after artifact selection; refusing to follow it");
    ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kIoError;
    return Status(code, "cannot open " + path + ": " + std::generic_category().message(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kInvalidInput, path + ": not a regular file");
  }
  return SourceFile(fd, st);
}

SourceFile::SourceFile(SourceFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), stat_(other.stat_) {}

SourceFile::~SourceFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string SourceFile::proc_path() const { return "/proc/self/fd/" + std::to_string(fd_); }

}  // namespace kiln::artifacts
