// SPDX-License-Identifier: Apache-2.0
#include "executor/process_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kiln::executor {

namespace {

// posix_spawn attributes and file actions, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Own group (so the whole command can be signalled at once, style §4);
  // default dispositions and an empty mask, because a server commonly ignores
  // SIGPIPE or blocks signals, and a build must not inherit that.
  int configure(const SpawnRequest& request) {
    sigset_t all, none;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    sigemptyset(&none);
    int rc = 0;
    rc = rc ? rc : posix_spawnattr_setpgroup(&attr_, 0);
    rc = rc ? rc : posix_spawnattr_setsigdefault(&attr_, &all);
    rc = rc ? rc : posix_spawnattr_setsigmask(&attr_, &none);
    rc = rc ? rc
            : posix_spawnattr_setflags(
                  &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    rc = rc ? rc : posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions_, request.stdout_fd, 1);
    rc = rc ? rc : posix_spawn_file_actions_adddup2(&actions_, request.stderr_fd, 2);
    rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    rc = rc ? rc : posix_spawn_file_actions_addchdir_np(&actions_, request.cwd.c_str());
    return rc;
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Fields after "pid (comm)" in /proc/<pid>/stat: state ppid pgrp ...
bool stat_in_live_group(const char* stat, pid_t pgid) {
  const char* close_paren = std::strrchr(stat, ')');
  if (!close_paren) return false;
  char state = 0;
  int ppid = 0, pgrp = 0;
  if (std::sscanf(close_paren + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) return false;
  return pgrp == pgid && state != 'Z' && state != 'X';
}

}  // namespace

Result<ProcessGroup> ProcessGroup::spawn(const SpawnRequest& request) {
  if (request.argv.empty()) return Status(ErrorCode::kInternal, "spawn: empty argv");
  SpawnSetup setup;
  int rc = setup.configure(request);
  if (rc != 0) {
    return Status(ErrorCode::kIoError, std::string("spawn setup: ") + std::strerror(rc));
  }
  std::vector<char*> argv = c_strings(request.argv);
  std::vector<char*> envp = c_strings(request.env);
  pid_t pid = -1;
  rc = ::posix_spawn(&pid, argv[0], setup.actions(), setup.attr(), argv.data(), envp.data());
  if (rc != 0) {
    return Status(ErrorCode::kIoError,
                  "cannot start " + request.argv[0] + ": " + std::strerror(rc));
  }
  // Without pidfds (Linux < 5.3) the caller polls leader_status() instead.
  // The raw syscall: glibc 2.36's <sys/pidfd.h> lacks C++ linkage guards.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  return ProcessGroup(pid, std::move(pidfd));
}

ProcessGroup::ProcessGroup(ProcessGroup&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      status_(other.status_),
      lost_(other.lost_) {}

ProcessGroup& ProcessGroup::operator=(ProcessGroup&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    status_ = other.status_;
    lost_ = other.lost_;
  }
  return *this;
}

ProcessGroup::~ProcessGroup() { kill_and_reap(); }

void ProcessGroup::kill_and_reap() {
  if (pid_ < 0) return;
  signal_group(SIGKILL);
  reap();
}

std::optional<int> ProcessGroup::leader_status() {
  if (status_ || pid_ < 0) return status_;
  siginfo_t info{};
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno == ECHILD) {
    lost_ = true;
    pid_ = -1;
    pidfd_.reset();
  }
  if (rc < 0 || info.si_pid == 0) return std::nullopt;
  status_ = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  return status_;
}

void ProcessGroup::signal_group(int signal) const {
  if (pid_ > 0) ::kill(-pid_, signal);
}

bool ProcessGroup::has_live_members() const { return pid_ > 0 && process_group_alive(pid_); }

void ProcessGroup::reap() {
  if (pid_ < 0) return;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  pidfd_.reset();
}

bool process_group_alive(pid_t pgid) {
  // The common case after a command: nothing left in the group at all. Only
  // when kill() finds members (zombies count) is /proc read to tell live
  // ones from zombies; that scan costs ~80 opens per command on this host.
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return false;
  DIR* proc = ::opendir("/proc");
  if (!proc) return ::kill(-pgid, 0) == 0;  // no /proc: zombies count as alive
  bool alive = false;
  char path[320];
  char stat[512];
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // the process ended meanwhile
    ssize_t n = ::read(fd, stat, sizeof stat - 1);
    ::close(fd);
    if (n <= 0) continue;
    stat[n] = '\0';
    if (stat_in_live_group(stat, pgid)) {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
}

}  // namespace kiln::executor
