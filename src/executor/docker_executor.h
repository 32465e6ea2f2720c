// SPDX-License-Identifier: Apache-2.0
// DockerExecutor: runs a build's commands in one Docker container per build,
// CodeBuild's way (codebuild-semantics.md §1.4): the container idles, and each
// command is a `docker exec` of the shared command wrapper (command_script.h)
// whose state directory is a host temp dir bind-mounted at kContainerStateDir.
//
// Environment. The image's ENV is the lowest layer, EnvironmentSpec.variables
// override it, then PATH (kDefaultPath) and HOME (/root) are added if missing
// and CODEBUILD_SRC_DIR is set. Every exec starts through `env -i`, so exactly
// the saved variables reach the command: one a command unset stays unset even
// if the image's ENV sets it. Commands run as root whatever the image's USER.
//
// Processes. The exec'd process is a session and group leader (runc calls
// setsid); a fixed launcher writes its pid to STATE/cmd-N.pid before exec'ing
// the wrapper. The Engine API cannot signal an exec, so on timeout or stop()
// further execs run `kill` on that process group: SIGTERM+SIGCONT, SIGKILL
// after `kill_grace`, and run_command() returns once `kill -s 0` finds no
// member left. Background processes keep running until cleanup(), which
// removes the container. Output of a background process that outlives its
// command is lost (the daemon closes the exec's stream ~2 s after the shell
// exits). The image needs /bin/sh, `env` and `kill` (any POSIX image has them).
//
// Thread-safety: as Executor; stop() is thread-safe but not
// async-signal-safe (it takes a mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "docker/docker_client.h"
#include "docker/scoped_container.h"
#include "executor/executor.h"
#include "executor/shell_state.h"

namespace kiln::docker {
class ContainerReaper;
}  // namespace kiln::docker

namespace kiln::executor {

// Where the state directory is mounted in the container.
inline constexpr char kContainerStateDir[] = "/codebuild/kiln";
// The label every build container carries, valued with the build id.
inline constexpr char kBuildLabel[] = "org.kiln.build";

struct ResourceLimits {
  std::int64_t nano_cpus = 0;  // 1e9 per CPU
  std::int64_t memory_bytes = 0;
};

// CodeBuild's Linux compute types: BUILD_GENERAL1_SMALL 2 vCPU / 4 GiB,
// MEDIUM 4 / 8, LARGE 8 / 16, XLARGE 36 / 72, 2XLARGE 72 / 144; CPUs capped at
// `host_cpus` (when > 0). kInvalidInput names an unknown type.
Result<ResourceLimits> limits_for_compute_type(std::string_view compute_type, unsigned host_cpus);

struct DockerExecutorOptions {
  std::string image;     // e.g. "kiln/standard:1.0"; required
  std::string build_id;  // value of kBuildLabel; required
  // The source checkout on the host, bind-mounted read-write at
  // container_source_dir (CodeBuild-like: /codebuild/output/src<digits>/src).
  std::string host_source_dir;
  std::string container_source_dir;
  std::string compute_type = "BUILD_GENERAL1_SMALL";
  bool privileged = false;
  std::map<std::string, std::string> labels;  // added to kBuildLabel
  // The state directory is made below this; empty means $TMPDIR, else /tmp.
  std::string state_root;
  std::chrono::milliseconds kill_grace{1000};  // between SIGTERM and SIGKILL
  bool pull_missing_image = true;
  // When set, cleanup() hands the container to this reaper instead of
  // removing it before it returns (kiln serve: the build completes ~100 ms
  // sooner; the reaper is borrowed and must outlive the executor).
  docker::ContainerReaper* reaper = nullptr;
};

class DockerExecutor final : public Executor {
 public:
  // `client` is borrowed and must outlive the executor.
  DockerExecutor(const docker::DockerClient& client, DockerExecutorOptions options);
  ~DockerExecutor() override;  // runs cleanup()
  DockerExecutor(const DockerExecutor&) = delete;
  DockerExecutor& operator=(const DockerExecutor&) = delete;

  // Pulls the image if absent, creates and starts the build's container and
  // resolves env.shell in it. env.source_dir is a path in the container (the
  // first cwd and CODEBUILD_SRC_DIR); empty means container_source_dir.
  // A missing image that cannot be pulled fails with kNotFound and a message
  // starting "unable to pull image <ref>: " (the engine records
  // PROVISIONING / BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE); a shell missing in
  // the image is kNotFound "shell ..."; a daemon failure keeps its code.
  // On failure nothing is left behind once cleanup() ran (the destructor).
  Status prepare(const EnvironmentSpec& env) override;
  Result<CommandOutcome> run_command(const std::string& command, OutputSink& sink,
                                     Deadline deadline) override;
  Status set_variables(const model::NamedValues& variables) override;
  Result<model::NamedValues> snapshot_env() override;
  void stop() override;
  // Force-removes the container (killing everything in it) and the state dir.
  Status cleanup() override;

  // The build's container id; empty before prepare() and after cleanup().
  const std::string& container_id() const { return container_.id(); }

  // Force-removes every container carrying `selector` ("key" or "key=value";
  // by default every build container of any kiln). Meant for start-up, after
  // a crash; returns how many were removed.
  static Result<int> remove_leftovers(const docker::DockerClient& client,
                                      const std::string& selector = kBuildLabel);

 private:
  class CommandRun;
  struct ExecResult {
    int exit_code = -1;
    std::string out;
  };

  Result<model::NamedValues> initial_variables(const EnvironmentSpec& env,
                                               const std::string& source_dir);
  Status ensure_image();
  Status create_container(const ResourceLimits& limits);
  Status resolve_shell(const std::string& shell, const model::NamedValues& variables);
  // Runs argv in the container to completion, keeping up to 64 KiB of stdout.
  Result<ExecResult> run_exec(const std::vector<std::string>& argv) const;
  // `kill -s signal` to process group `pgid` in the container; true if any
  // member received it.
  bool signal_group(int pgid, const char* signal) const;

  // Set at construction.
  const docker::DockerClient& client_;
  const DockerExecutorOptions options_;

  // stop() requests; the mutex and condition wake a running command's
  // terminator thread.
  std::atomic<bool> stop_requested_{false};
  std::mutex mu_;
  std::condition_variable stop_cv_;

  // Set by prepare(); used only by the engine's thread.
  bool prepared_ = false;
  bool cleaned_up_ = false;
  std::vector<std::string> image_env_;  // the image's Config.Env
  std::string state_dir_;               // host path
  std::string shell_path_;              // in the container
  std::optional<ShellState> state_;
  docker::ScopedContainer container_;
};

}  // namespace kiln::executor
