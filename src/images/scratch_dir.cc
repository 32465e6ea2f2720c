// SPDX-License-Identifier: Apache-2.0
#include "images/scratch_dir.h"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace kiln::images {

namespace {

// /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// Mount points at or below `dir`, deepest first.
std::vector<std::string> mounts_below(const std::string& dir) {
  std::vector<std::string> found;
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, devices, root, mount_point;
    fields >> id >> parent >> devices >> root >> mount_point;
    std::string path = unescape_mount_path(mount_point);
    if (path == dir || path.rfind(dir + "/", 0) == 0) found.push_back(path);
  }
  std::sort(found.begin(), found.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return found;
}

}  // namespace

Result<ScratchDir> ScratchDir::create(const std::string& parent, const std::string& prefix) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = tmpdir && *tmpdir ? tmpdir : "/var/tmp";
  }
  std::string tmpl = base + "/" + prefix + "XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status(ErrorCode::kIoError,
                  "cannot make a scratch directory in " + base + ": " + std::strerror(errno));
  }
  // Mount points in /proc/self/mountinfo are canonical paths; so is ours.
  std::error_code ec;
  std::string canonical = std::filesystem::canonical(tmpl, ec).string();
  return ScratchDir(ec ? std::move(tmpl) : std::move(canonical));
}

ScratchDir::~ScratchDir() { (void)remove(); }

ScratchDir::ScratchDir(ScratchDir&& other) noexcept
    : path_(std::exchange(other.path_, std::string())) {}

ScratchDir& ScratchDir::operator=(ScratchDir&& other) noexcept {
  if (this != &other) {
    (void)remove();
    path_ = std::exchange(other.path_, std::string());
  }
  return *this;
}

Status ScratchDir::remove() {
  if (path_.empty()) return Status::ok();
  // A lazy unmount detaches at once even if something still has files open.
  for (const std::string& mount_point : mounts_below(path_)) {
    ::umount2(mount_point.c_str(), MNT_DETACH);
  }
  std::vector<std::string> left = mounts_below(path_);
  if (!left.empty()) {
    return Status(ErrorCode::kIoError, "not removing " + path_ + ": " + left.front() +
                                           " is still mounted; unmount it and delete the "
                                           "directory by hand");
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) return Status(ErrorCode::kIoError, "removing " + path_ + ": " + ec.message());
  path_.clear();
  return Status::ok();
}

}  // namespace kiln::images
