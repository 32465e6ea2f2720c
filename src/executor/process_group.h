// SPDX-License-Identifier: Apache-2.0
// ProcessGroup: a child process spawned as the leader of a new process group,
// owned until reaped. The leader is deliberately left a zombie after it exits
// (its status is read with WNOWAIT) until the owner reaps it: while the zombie
// exists its pid cannot be reused, so signalling the group can never hit an
// unrelated process however long background members outlive the leader.
// Not thread-safe: owned by one executor. Requires that nothing else in the
// process reaps children it did not start (no waitpid(-1), SIGCHLD not
// SIG_IGN).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "executor/unique_fd.h"

namespace kiln::executor {

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is the program's absolute path
  std::vector<std::string> env;   // "NAME=value" entries: the whole environment
  std::string cwd;                // the child's working directory
  int stdout_fd = -1;             // dup'ed to the child's fd 1
  int stderr_fd = -1;             // dup'ed to the child's fd 2
};

class ProcessGroup {
 public:
  // Starts `request.argv` with stdin from /dev/null, default signal
  // dispositions, an empty signal mask and no other inherited descriptors, in
  // a process group of its own (pgid == pid). Fails with kIoError (spawn
  // failure, naming the program).
  static Result<ProcessGroup> spawn(const SpawnRequest& request);

  ProcessGroup(ProcessGroup&& other) noexcept;
  ProcessGroup& operator=(ProcessGroup&& other) noexcept;
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;
  // Kills the whole group with SIGKILL and reaps the leader if still owned.
  ~ProcessGroup();

  pid_t pgid() const { return pid_; }

  // A descriptor that polls readable once the leader has exited (a pidfd), or
  // -1 where the kernel has no pidfds; then poll leader_status() periodically.
  int exit_fd() const { return pidfd_.get(); }

  // The leader's status once it has exited, shell style: the exit status, or
  // 128+N when killed by signal N. Does not reap.
  std::optional<int> leader_status();

  // True if the leader was reaped behind our back (a waitpid(-1) elsewhere);
  // the group is then disowned: its id may be reused, so it is never
  // signalled again.
  bool lost() const { return lost_; }

  // Sends `signal` to every process in the group; ESRCH is not an error.
  void signal_group(int signal) const;

  // True while some process of the group is alive (not a zombie).
  bool has_live_members() const;

  // Reaps the exited leader, after which the group is no longer owned.
  // Requires: leader_status() returned a value.
  void reap();

 private:
  ProcessGroup(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  void kill_and_reap();

  pid_t pid_ = -1;  // -1 once reaped or moved from
  UniqueFd pidfd_;
  std::optional<int> status_;
  bool lost_ = false;
};

// True if some live (non-zombie) process has process group `pgid`; reads
// /proc, so it sees processes of this user (and others' unless hidepid).
bool process_group_alive(pid_t pgid);

}  // namespace kiln::executor
