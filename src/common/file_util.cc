// SPDX-License-Identifier: Apache-2.0
#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln {

namespace {

Status os_error(const std::string& path, int err) {
  ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kIoError;
  return Status(code, path + ": " + std::strerror(err));
}

}  // namespace

Result<std::string> read_file_limited(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return os_error(path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kInvalidInput, path + ": is a directory, expected a file");
  }
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status(ErrorCode::kLimitExceeded,
                  path + ": file is " + std::to_string(st.st_size) + " bytes; the limit is " +
                      std::to_string(max_bytes) + " bytes");
  }
  // Read in chunks so pipes and growing files still honour the limit.
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return os_error(path, err);
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return Status(ErrorCode::kLimitExceeded,
                    path + ": file is larger than the limit of " + std::to_string(max_bytes) +
                        " bytes");
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

}  // namespace kiln
