// SPDX-License-Identifier: Apache-2.0
// HostExecutor: runs a build's commands on this machine, each in a fresh `sh`
// or `bash` started through the command wrapper (command_script.h) in a
// process group of its own, as the user kiln runs as. Meant for trusted
// projects and for kiln's own tests: there is no isolation beyond that.
//
// Processes. Every command is a new process group; on timeout or stop() the
// group gets SIGTERM, then SIGKILL after `kill_grace`, and run_command()
// returns only when no live process of it remains. Background processes a
// command leaves (`nohup x &`) keep running and are not waited for; they stay
// in the command's group, and cleanup() kills those groups the same way.
// Processes that leave their group (setsid, setpgid, daemons that double
// fork into a new session) cannot be tracked and survive cleanup.
//
// Output. stdout and stderr are two pipes for the whole build, so background
// processes keep a live pipe after their command ended (killing them with
// SIGPIPE would break e.g. a backgrounded dockerd); their later output is
// delivered during whichever command runs next. A command ends when its
// shell exits; what it wrote until then is delivered before run_command()
// returns.
//
// Thread-safety: as Executor. stop() is also async-signal-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "executor/process_group.h"
#include "executor/shell_state.h"
#include "executor/unique_fd.h"

namespace kiln::executor {

struct HostExecutorOptions {
  // The build's scratch directory (wrapper, state and command files) is made
  // below this; empty means $TMPDIR, else /tmp.
  std::string workspace_root;
  // Time between SIGTERM and SIGKILL when a command is stopped or timed out.
  std::chrono::milliseconds kill_grace{1000};
};

// PATH given to builds whose variables do not set one.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

class HostExecutor final : public Executor {
 public:
  explicit HostExecutor(HostExecutorOptions options = {});
  ~HostExecutor() override;  // runs cleanup()
  HostExecutor(const HostExecutor&) = delete;
  HostExecutor& operator=(const HostExecutor&) = delete;

  // Also sets CODEBUILD_SRC_DIR to env.source_dir, adds PATH=kDefaultPath when
  // env.variables has no PATH, and resolves env.shell on that PATH.
  Status prepare(const EnvironmentSpec& env) override;
  Result<CommandOutcome> run_command(const std::string& command, OutputSink& sink,
                                     Deadline deadline) override;
  Status set_variables(const model::NamedValues& variables) override;
  Result<model::NamedValues> snapshot_env() override;
  void stop() override;
  Status cleanup() override;

 private:
  class CommandRun;

  void release_finished_groups();
  void terminate_groups(std::vector<ProcessGroup>& groups);

  // Set at construction.
  const HostExecutorOptions options_;
  UniqueFd stop_event_;  // an eventfd stop() writes to, waking run_command()
  std::atomic<bool> stop_requested_{false};

  // Set by prepare(); used only by the engine's thread.
  bool prepared_ = false;
  bool cleaned_up_ = false;
  std::string workspace_;
  std::string shell_path_;
  std::optional<ShellState> state_;
  UniqueFd stdout_read_, stdout_write_;
  UniqueFd stderr_read_, stderr_write_;
  // Groups whose shell exited while other members (background processes)
  // lived on; their zombie leaders keep the group ids from being reused.
  std::vector<ProcessGroup> lingering_;
};

}  // namespace kiln::executor
