// SPDX-License-Identifier: Apache-2.0
#include "executor/shell_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/file_util.h"
#include "executor/command_script.h"
#include "executor/export_listing.h"

namespace kiln::executor {

namespace {

// Large enough for any environment the kernel would accept (ARG_MAX is 2 MiB
// of argv+envp by default) with room for quoting.
constexpr std::size_t kMaxEnvFileBytes = 16 * 1024 * 1024;
constexpr std::size_t kMaxCwdFileBytes = 64 * 1024;

Status io_error(const std::string& path, int err) {
  return Status(ErrorCode::kIoError, path + ": " + std::strerror(err));
}

// Mode 0600: env and command files may hold secrets.
Status write_file(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path, errno);
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(path, err);
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0) return io_error(path, errno);
  return Status::ok();
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

ShellState::ShellState(std::string dir, std::string source_dir, bool carry_over)
    : dir_(std::move(dir)),
      source_dir_(std::move(source_dir)),
      carry_over_(carry_over),
      workdir_(source_dir_) {}

Result<ShellState> ShellState::create(std::string dir, const model::NamedValues& variables,
                                      std::string source_dir, bool carry_over) {
  Result<std::string> listing = render_export_listing(variables);
  if (!listing.is_ok()) return listing.status();
  ShellState state(std::move(dir), std::move(source_dir), carry_over);
  Status status = write_file(state.path(kWrapperFile), wrapper_script());
  if (!status.is_ok()) return status;
  status = write_file(state.path(kEnvFile), listing.value());
  if (!status.is_ok()) return status;
  return state;
}

std::string ShellState::path(std::string_view name) const { return dir_ + "/" + std::string(name); }

void ShellState::remove_next_files() const {
  for (std::string_view name : {kEnvNextFile, kCwdNextFile, kStatusNextFile}) {
    ::unlink(path(name).c_str());
  }
}

Result<std::string> ShellState::write_command(const std::string& command) {
  remove_next_files();
  std::string name = command_file_name(++commands_);
  Status status = write_file(path(name), command_file_text(command));
  if (!status.is_ok()) return status;
  return name;
}

Result<bool> ShellState::finish_command() {
  ::unlink(path(command_file_name(commands_)).c_str());
  // 0.1 (§1.4): nothing carries over, so what the command saved is dropped.
  if (!carry_over_) {
    remove_next_files();
    return true;
  }
  // status.next is written last: without it env.next/cwd.next may be partial.
  if (!file_exists(path(kStatusNextFile))) {
    remove_next_files();
    return false;
  }
  Result<std::string> cwd = read_file_limited(path(kCwdNextFile), kMaxCwdFileBytes);
  if (!cwd.is_ok()) return cwd.status();
  std::string dir = std::move(cwd).value();
  if (!dir.empty() && dir.back() == '\n') dir.pop_back();  // pwd's newline only
  if (::rename(path(kEnvNextFile).c_str(), path(kEnvFile).c_str()) != 0) {
    return io_error(path(kEnvNextFile), errno);
  }
  // An empty cwd.next means pwd failed; the previous directory is kept.
  if (!dir.empty()) workdir_ = std::move(dir);
  remove_next_files();
  return true;
}

Result<model::NamedValues> ShellState::exported_variables() const {
  Result<std::string> text = read_file_limited(path(kEnvFile), kMaxEnvFileBytes);
  if (!text.is_ok()) return text.status();
  return parse_export_listing(text.value());
}

Status ShellState::set_variables(const model::NamedValues& variables) {
  Result<model::NamedValues> current = exported_variables();
  if (!current.is_ok()) return current.status();
  model::NamedValues merged = std::move(current).value();
  for (const auto& [name, value] : variables) {
    bool replaced = false;
    for (auto& [n, v] : merged) {
      if (n == name) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) merged.emplace_back(name, value);
  }
  Result<std::string> listing = render_export_listing(merged);
  if (!listing.is_ok()) return listing.status();
  return write_file(path(kEnvFile), listing.value());
}

}  // namespace kiln::executor
