// SPDX-License-Identifier: Apache-2.0
#include "images/busybox_rootfs.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

namespace kiln::images {

namespace {

// Reads exactly `size` bytes at `offset`.
bool read_at(int fd, void* out, std::size_t size, off_t offset) {
  return ::pread(fd, out, size, offset) == static_cast<ssize_t>(size);
}

// Whether the program headers of an ELF file of class Ehdr/Phdr name an
// interpreter (PT_INTERP), i.e. the program is dynamically linked.
template <typename Ehdr, typename Phdr>
Result<bool> has_interpreter(int fd, const std::string& path) {
  Ehdr header{};
  if (!read_at(fd, &header, sizeof header, 0)) {
    return Status(ErrorCode::kInvalidInput, path + ": truncated ELF header");
  }
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr program{};
    off_t offset = static_cast<off_t>(header.e_phoff + i * header.e_phentsize);
    if (!read_at(fd, &program, sizeof program, offset)) {
      return Status(ErrorCode::kInvalidInput, path + ": truncated ELF program headers");
    }
    if (program.p_type == PT_INTERP) return true;
  }
  return false;
}

// The top-level directories of a small Linux root, with their modes.
struct DirSpec {
  const char* path;
  int mode;
};
constexpr DirSpec kDirectories[] = {
    {"bin", 0755},      {"sbin", 0755}, {"usr", 0755},  {"usr/bin", 0755}, {"usr/sbin", 0755},
    {"etc", 0755},      {"root", 0700}, {"home", 0755}, {"tmp", 01777},    {"var", 0755},
    {"var/tmp", 01777}, {"proc", 0555}, {"sys", 0555},  {"dev", 0755},
};

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "nogroup:x:65534:\n";

}  // namespace

Status check_static_executable(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError,
                  path + ": " + std::strerror(errno));
  }
  unsigned char ident[EI_NIDENT] = {};
  Result<bool> dynamic = Status(ErrorCode::kInvalidInput, path + ": not an ELF executable");
  if (read_at(fd, ident, sizeof ident, 0) && std::memcmp(ident, ELFMAG, SELFMAG) == 0) {
    if (ident[EI_CLASS] == ELFCLASS64) dynamic = has_interpreter<Elf64_Ehdr, Elf64_Phdr>(fd, path);
    if (ident[EI_CLASS] == ELFCLASS32) dynamic = has_interpreter<Elf32_Ehdr, Elf32_Phdr>(fd, path);
  }
  ::close(fd);
  if (!dynamic.is_ok()) return dynamic.status();
  if (dynamic.value()) {
    return Status(ErrorCode::kInvalidInput,
                  path +
                      " is dynamically linked; install Debian's busybox-static package, "
                      "whose /bin/busybox needs no libraries");
  }
  return Status::ok();
}

Status write_busybox_rootfs(const std::string& busybox_path, TarWriter& tar,
                            const LineHandler& progress) {
  Status is_static = check_static_executable(busybox_path);
  if (!is_static.is_ok()) return is_static;

  std::vector<std::string> applets;
  Result<int> listed = run_process(
      {busybox_path, "--list-full"}, {},
      [&applets](std::string_view line) {
        if (!line.empty()) applets.emplace_back(line);
      },
      std::chrono::seconds(30));
  if (!listed.is_ok()) return listed.status();
  if (listed.value() != 0 || applets.empty()) {
    return Status(ErrorCode::kInvalidInput, busybox_path + " --list-full exited with " +
                                                std::to_string(listed.value()) + " and listed " +
                                                std::to_string(applets.size()) + " applets");
  }

  std::set<std::string> directories;
  for (const DirSpec& dir : kDirectories) {
    Status added = tar.add_directory(dir.path, dir.mode);
    if (!added.is_ok()) return added;
    directories.insert(dir.path);
  }
  Status status = tar.add_file("bin/busybox", busybox_path, 0755);
  if (status.is_ok()) status = tar.add_text_file("etc/passwd", kPasswd, 0644);
  if (status.is_ok()) status = tar.add_text_file("etc/group", kGroup, 0644);
  if (!status.is_ok()) return status;

  int links = 0;
  for (const std::string& applet : applets) {
    // --list-full prints relative paths such as "usr/bin/env"; anything that
    // could escape the root or replace busybox itself is skipped.
    if (applet.front() == '/' || applet.find("..") != std::string::npos ||
        applet == "bin/busybox") {
      continue;
    }
    std::size_t slash = applet.rfind('/');
    std::string dir = slash == std::string::npos ? "" : applet.substr(0, slash);
    if (!dir.empty() && directories.insert(dir).second) {
      status = tar.add_directory(dir, 0755);
      if (!status.is_ok()) return status;
    }
    status = tar.add_symlink(applet, "/bin/busybox");
    if (!status.is_ok()) return status;
    ++links;
  }
  if (progress) {
    progress("busybox rootfs: /bin/busybox and " + std::to_string(links) + " applet links");
  }
  return Status::ok();
}

}  // namespace kiln::images
