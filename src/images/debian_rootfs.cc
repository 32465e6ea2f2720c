// SPDX-License-Identifier: Apache-2.0
#include "images/debian_rootfs.h"

#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <set>

namespace kiln::images {

namespace {

namespace fs = std::filesystem;

// Deletes what is inside `dir` (not `dir` itself), keeping the names in
// `keep`; a missing `dir` is fine.
Status empty_directory(const fs::path& dir, std::initializer_list<std::string_view> keep = {}) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::ok();
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    bool kept = false;
    for (std::string_view k : keep) kept = kept || name == k;
    if (kept) continue;
    fs::remove_all(entry.path(), ec);
    if (ec) return Status(ErrorCode::kIoError, entry.path().string() + ": " + ec.message());
  }
  if (ec) return Status(ErrorCode::kIoError, dir.string() + ": " + ec.message());
  return Status::ok();
}

Status truncate_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) return Status::ok();
  // A symlink (systemd-resolved style) is replaced by an empty file.
  if (fs::is_symlink(fs::symlink_status(file, ec))) fs::remove(file, ec);
  std::ofstream out(file, std::ios::trunc);
  if (!out) return Status(ErrorCode::kIoError, file.string() + ": cannot truncate");
  return Status::ok();
}

// debootstrap prints a line per package and step ("I: Retrieving libc6",
// "I: Validating libc6", ...); a person wants the steps. Passes on the first
// line of each step (its first two words) and every warning or error.
class StepFilter {
 public:
  explicit StepFilter(const LineHandler& out) : out_(out) {}
  void operator()(std::string_view line) {
    tail_.emplace_back(line);
    if (tail_.size() > 25) tail_.pop_front();
    if (!out_) return;
    std::size_t first_space = line.find(' ');
    std::size_t second_space =
        first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
    std::string step(line.substr(0, second_space));
    bool info = line.substr(0, 3) == "I: ";
    if (info && !steps_seen_.insert(step).second) return;
    out_("debootstrap: " + std::string(line));
  }
  std::string tail() const {
    std::string text;
    for (const std::string& line : tail_) text += "\n  " + line;
    return text;
  }

 private:
  const LineHandler& out_;
  std::set<std::string> steps_seen_;
  std::deque<std::string> tail_;
};

// The end of debootstrap's own log, which holds the reason of a failure the
// console only points to; the scratch directory holding it is about to go.
std::string log_tail(const std::string& target) {
  std::ifstream log(target + "/debootstrap/debootstrap.log");
  if (!log) return "";
  std::deque<std::string> lines;
  for (std::string line; std::getline(log, line);) {
    lines.push_back(line);
    if (lines.size() > 15) lines.pop_front();
  }
  std::string text = "\ndebootstrap.log ends with:";
  for (const std::string& line : lines) text += "\n  " + line;
  return text;
}

}  // namespace

Status check_mirror_url(const std::string& mirror) {
  for (std::string_view scheme : {"http://", "https://", "file:/"}) {
    if (mirror.rfind(scheme, 0) == 0 && mirror.size() > scheme.size()) return Status::ok();
  }
  return Status(
      ErrorCode::kInvalidInput,
      "Debian mirror '" + mirror +
          "' must be an http://, https:// or file:/ URL, e.g. http://deb.debian.org/debian");
}

Status make_debian_rootfs(const std::string& target, const DebianRootfsOptions& options,
                          const LineHandler& progress) {
  Status mirror_ok = check_mirror_url(options.mirror);
  if (!mirror_ok.is_ok()) return mirror_ok;
  if (::geteuid() != 0) {
    return Status(ErrorCode::kInvalidInput,
                  "building a Debian root filesystem needs root: debootstrap creates device "
                  "nodes, mounts /proc and runs chroot; run kiln as root");
  }
  Result<std::string> debootstrap = find_program("debootstrap");
  if (!debootstrap.is_ok()) {
    return Status(ErrorCode::kNotFound,
                  debootstrap.status().message() + "; install it: apt-get install debootstrap");
  }
  std::vector<std::string> argv = {
      debootstrap.value(), "--variant=minbase", "--include=" + options.packages,
      "--components=main", options.suite,       target,
      options.mirror};
  if (progress) progress("running debootstrap " + options.suite + " from " + options.mirror);
  StepFilter filter(progress);
  // debootstrap calls chroot, mount and dpkg from the sbin directories.
  Result<int> exit_code = run_process(
      argv, {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"},
      [&filter](std::string_view line) { filter(line); }, options.timeout);
  if (!exit_code.is_ok()) {
    return Status(exit_code.status().code(),
                  exit_code.status().message() + "; debootstrap's last lines:" + filter.tail());
  }
  if (exit_code.value() != 0) {
    return Status(ErrorCode::kUnavailable,
                  "debootstrap exited with " + std::to_string(exit_code.value()) +
                      "; its last lines:" + filter.tail() + log_tail(target));
  }
  return clean_debian_rootfs(target);
}

Status clean_debian_rootfs(const std::string& target) {
  fs::path root(target);
  // apt-get update in a build fetches fresh lists; stale ones only cost space.
  Status status = empty_directory(root / "var/lib/apt/lists", {"partial", "lock"});
  if (status.is_ok()) status = empty_directory(root / "var/lib/apt/lists/partial");
  if (status.is_ok())
    status = empty_directory(root / "var/cache/apt/archives", {"partial", "lock"});
  if (status.is_ok()) status = empty_directory(root / "var/cache/apt/archives/partial");
  if (status.is_ok()) status = empty_directory(root / "var/cache/apt", {"archives"});
  if (status.is_ok()) status = empty_directory(root / "tmp");
  if (status.is_ok()) status = empty_directory(root / "var/tmp");
  if (status.is_ok()) status = truncate_file(root / "etc/resolv.conf");
  if (status.is_ok()) status = truncate_file(root / "etc/hostname");
  if (!status.is_ok()) return status;
  std::error_code ec;
  fs::remove(root / "var/log/bootstrap.log", ec);
  fs::remove_all(root / "debootstrap", ec);
  return Status::ok();
}

}  // namespace kiln::images
