// SPDX-License-Identifier: Apache-2.0
#include "executor/orphan_processes.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace kiln::executor {

namespace {

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

bool cmdline_mentions(const std::string& proc_dir, const std::string& dir) {
  std::ifstream in(proc_dir + "/cmdline", std::ios::binary);
  std::string args((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t start = 0;
  while (start < args.size()) {
    std::size_t end = args.find('\0', start);
    if (end == std::string::npos) end = args.size();
    if (args.compare(start, dir.size(), dir) == 0 &&
        (end - start == dir.size() || args[start + dir.size()] == '/'))
      return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

int kill_processes_under(const std::string& dir) {
  if (dir.empty() || dir.front() != '/') return 0;
  const pid_t self = ::getpid();
  const pid_t own_group = ::getpgrp();
  std::set<pid_t> groups;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    const std::string proc = entry.path().string();
    std::error_code link_ec;
    std::string cwd = std::filesystem::read_symlink(proc + "/cwd", link_ec).string();
    // A removed directory reads as "<path> (deleted)".
    const std::string deleted = " (deleted)";
    if (cwd.size() > deleted.size() &&
        cwd.compare(cwd.size() - deleted.size(), deleted.size(), deleted) == 0)
      cwd.resize(cwd.size() - deleted.size());
    if (!under(cwd, dir) && !cmdline_mentions(proc, dir)) continue;
    pid_t group = ::getpgid(static_cast<pid_t>(pid));
    if (group > 0 && group != own_group) groups.insert(group);
  }
  for (pid_t group : groups) ::kill(-group, SIGKILL);
  return static_cast<int>(groups.size());
}

}  // namespace kiln::executor
