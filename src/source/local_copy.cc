// SPDX-License-Identifier: Apache-2.0
#include "source/local_copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace kiln::source {

namespace {

constexpr int kMaxDepth = 256;

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

Status os_error(const std::string& what, const std::string& path, int err) {
  ErrorCode code = err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError;
  return Status(code, what + " " + path + ": " + std::strerror(err));
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// The entry names of the directory open as `dir_fd` (its offset is shared, so
// the names are read once, before anything in it is opened).
Result<std::vector<std::string>> list_names(int dir_fd, const std::string& rel) {
  int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return os_error("cannot read directory", rel, errno);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dup_fd);
    return os_error("cannot read directory", rel, err);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return os_error("cannot read directory", rel, err);
  return names;
}

// Copies bytes in the kernel where it can (copy_file_range also reflinks on
// filesystems that support it), else through a buffer.
Status copy_data(int in, int out, const std::string& rel) {
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) return Status::ok();
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
      return os_error("cannot copy", rel, errno);
    }
    break;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("cannot read", rel, errno);
    if (n == 0) return Status::ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return os_error("cannot write", rel, errno);
      done += w;
    }
  }
}

Status copy_file(int from_dir, int to_dir, const std::string& name, const std::string& rel) {
  // O_NOFOLLOW|O_NONBLOCK: if the entry became a link or a fifo since it was
  // stat'ed, opening fails or cannot hang; the fstat below rechecks the type.
  Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!in.valid()) return os_error("cannot open", rel, errno);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return os_error("cannot stat", rel, errno);
  if (!S_ISREG(st.st_mode)) return Status(ErrorCode::kIoError, rel + ": changed while copying");
  Fd out(::openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) return os_error("cannot create", rel, errno);
  if (Status s = copy_data(in.get(), out.get(), rel); !s.is_ok()) return s;
  // Modes after the data, so a read-only file is still writable while filled.
  if (::fchmod(out.get(), st.st_mode & 07777) != 0) return os_error("cannot chmod", rel, errno);
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(out.get(), times) != 0) return os_error("cannot set times of", rel, errno);
  return Status::ok();
}

Status copy_symlink(int from_dir, int to_dir, const std::string& name, const std::string& rel) {
  std::vector<char> target(PATH_MAX + 1);
  ssize_t n = ::readlinkat(from_dir, name.c_str(), target.data(), target.size());
  if (n < 0) return os_error("cannot read link", rel, errno);
  if (static_cast<std::size_t>(n) >= target.size()) {
    return Status(ErrorCode::kIoError, rel + ": link target too long");
  }
  target[static_cast<std::size_t>(n)] = '\0';
  if (::symlinkat(target.data(), to_dir, name.c_str()) != 0) {
    return os_error("cannot create link", rel, errno);
  }
  return Status::ok();
}

const char* special_kind(mode_t mode) {
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  return "special file";
}

Status copy_dir(int from_dir, int to_dir, const std::string& rel, int depth,
                const ProgressSink& progress);

Status copy_subdir(int from_dir, int to_dir, const std::string& name, const std::string& rel,
                   const struct stat& st, int depth, const ProgressSink& progress) {
  if (depth >= kMaxDepth) {
    return Status(ErrorCode::kLimitExceeded,
                  rel + ": directory tree deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  if (::mkdirat(to_dir, name.c_str(), 0700) != 0) return os_error("cannot create", rel, errno);
  Fd from(::openat(from_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!from.valid()) return os_error("cannot open", rel, errno);
  Fd to(::openat(to_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!to.valid()) return os_error("cannot open", rel, errno);
  if (Status s = copy_dir(from.get(), to.get(), rel, depth + 1, progress); !s.is_ok()) return s;
  // The mode last: a read-only directory must stay writable until filled.
  if (::fchmod(to.get(), st.st_mode & 07777) != 0) return os_error("cannot chmod", rel, errno);
  return Status::ok();
}

Status copy_dir(int from_dir, int to_dir, const std::string& rel, int depth,
                const ProgressSink& progress) {
  Result<std::vector<std::string>> names = list_names(from_dir, rel.empty() ? "." : rel);
  if (!names.is_ok()) return names.status();
  for (const std::string& name : names.value()) {
    std::string child = join(rel, name);
    struct stat st {};
    if (::fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return os_error("cannot stat", child, errno);
    }
    Status s;
    if (S_ISDIR(st.st_mode)) {
      s = copy_subdir(from_dir, to_dir, name, child, st, depth, progress);
    } else if (S_ISREG(st.st_mode)) {
      s = copy_file(from_dir, to_dir, name, child);
    } else if (S_ISLNK(st.st_mode)) {
      s = copy_symlink(from_dir, to_dir, name, child);
    } else if (progress) {
      progress(std::string("Skipping ") + special_kind(st.st_mode) + " " + child);
    }
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

Result<std::string> real_path(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return os_error("cannot resolve", path, errno);
  std::string out = resolved;
  std::free(resolved);
  return out;
}

// Refuses copies into the source itself, which would never end.
Status check_not_nested(const std::string& from, const std::string& to) {
  Result<std::string> real_from = real_path(from);
  if (!real_from.is_ok()) return real_from.status();
  Result<std::string> real_to = real_path(to);
  if (!real_to.is_ok()) return real_to.status();
  const std::string& f = real_from.value();
  const std::string& t = real_to.value();
  if (t == f || f == "/" || (t.size() > f.size() && t.compare(0, f.size(), f) == 0 &&
                             t[f.size()] == '/')) {
    return Status(ErrorCode::kInvalidInput, "source directory " + from +
                                                " contains the destination " + to);
  }
  return Status::ok();
}

}  // namespace

Status copy_tree(const std::string& from, const std::string& to, const ProgressSink& progress) {
  Fd from_fd(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!from_fd.valid()) return os_error("source directory", from, errno);
  Fd to_fd(::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!to_fd.valid()) return os_error("destination directory", to, errno);
  if (Status s = check_not_nested(from, to); !s.is_ok()) return s;
  Result<std::vector<std::string>> existing = list_names(to_fd.get(), to);
  if (!existing.is_ok()) return existing.status();
  if (!existing->empty()) {
    return Status(ErrorCode::kInvalidInput, "destination directory " + to + " is not empty");
  }
  return copy_dir(from_fd.get(), to_fd.get(), "", 0, progress);
}

}  // namespace kiln::source
