// SPDX-License-Identifier: Apache-2.0
#include "executor/docker_executor.h"

#include "docker/container_reaper.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/file_util.h"
#include "executor/command_script.h"
#include "executor/host_executor.h"
#include "executor/line_splitter.h"

namespace kiln::executor {

namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;
constexpr std::int64_t kNanoPerCpu = 1'000'000'000;
// How often a terminating group is probed, and how long SIGKILL may take.
constexpr auto kProbeInterval = 50ms;
constexpr auto kMaxWaitAfterKill = 5s;
// The daemon closes an exec's stream ~2 s after its process exits; beyond
// this after the group is gone the stream is abandoned.
constexpr auto kMaxStreamLinger = 5s;
constexpr std::size_t kMaxExecCapture = 64 * 1024;

// The container's PID 1 under docker-init: it only has to stay alive. A fixed
// argv: nothing from the build is in it.
const std::vector<std::string> kKeepaliveArgv = {"/bin/sh", "-c",
                                                 "while :; do sleep 86400; done"};

// Runs as `sh -c LAUNCHER kiln-launch PIDFILE SHELL WRAPPER ARGS...`: records
// its pid (the exec'd process is a session and group leader, so this is the
// group id kill uses) and replaces itself with the wrapper in an empty
// environment, so the image's ENV cannot bring back a variable a command
// unset. The build's data only arrives as positional parameters.
constexpr const char* kLauncher =
    "printf '%s\\n' \"$$\" > \"$1\" || exit 125\nshift\nexec env -i \"$@\"";

// `kill -s SIG -- -PGID`: dash needs the `--` before a negative pid, busybox
// ash rejects it (but signals the group anyway), so the plain form follows
// for ash. Either way the status is 0 iff some member got the signal.
constexpr const char* kKillGroup =
    "kill -s \"$1\" -- \"-$2\" 2>/dev/null || kill -s \"$1\" \"-$2\" 2>/dev/null";

// Prints the absolute path of shell $1 on $PATH (as given by `env -i`). A
// PATH walk rather than `command -v`: busybox ash answers that with the bare
// name of its builtin applets.
constexpr const char* kResolveShell =
    "case $1 in /*) [ -f \"$1\" ] && [ -x \"$1\" ] && printf '%s\\n' \"$1\"; exit ;; esac\n"
    "set -f; IFS=:\n"
    "for d in $PATH; do\n"
    "  if [ -n \"$d\" ] && [ -f \"$d/$1\" ] && [ -x \"$d/$1\" ]; then printf '%s\\n' \"$d/$1\"; exit 0; fi\n"
    "done\n"
    "exit 1";

Status os_error(const std::string& what, int err) {
  return Status(ErrorCode::kIoError, what + ": " + std::strerror(err));
}

bool is_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void set_value(model::NamedValues& variables, const std::string& name, const std::string& value) {
  for (auto& entry : variables) {
    if (entry.first == name) {
      entry.second = value;
      return;
    }
  }
  variables.emplace_back(name, value);
}

bool has_name(const model::NamedValues& variables, const std::string& name) {
  return std::any_of(variables.begin(), variables.end(),
                     [&name](const auto& entry) { return entry.first == name; });
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string ms_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

Result<ResourceLimits> limits_for_compute_type(std::string_view compute_type, unsigned host_cpus) {
  struct Row {
    std::string_view name;
    std::int64_t cpus;
    std::int64_t gib;
  };
  static constexpr Row kRows[] = {{"BUILD_GENERAL1_SMALL", 2, 4},
                                  {"BUILD_GENERAL1_MEDIUM", 4, 8},
                                  {"BUILD_GENERAL1_LARGE", 8, 16},
                                  {"BUILD_GENERAL1_XLARGE", 36, 72},
                                  {"BUILD_GENERAL1_2XLARGE", 72, 144}};
  for (const Row& row : kRows) {
    if (row.name != compute_type) continue;
    std::int64_t cpus = row.cpus;
    if (host_cpus > 0) cpus = std::min<std::int64_t>(cpus, host_cpus);
    return ResourceLimits{cpus * kNanoPerCpu, row.gib * kGiB};
  }
  return Status(ErrorCode::kInvalidInput,
                "compute type '" + std::string(compute_type) +
                    "' is not one of BUILD_GENERAL1_SMALL, _MEDIUM, _LARGE, _XLARGE, _2XLARGE");
}

// One command's exec: the output stream on the engine's thread, and a
// terminator thread that waits for the deadline or stop() and then kills the
// command's process group from inside the container.
class DockerExecutor::CommandRun {
 public:
  CommandRun(DockerExecutor& executor, std::string pid_file, OutputSink& sink, Deadline deadline)
      : executor_(executor),
        pid_file_(std::move(pid_file)),
        deadline_(deadline),
        stdout_(OutputStream::kStdout, sink),
        stderr_(OutputStream::kStderr, sink) {}

  Result<CommandOutcome> run(const std::string& exec_id) {
    Clock::time_point start = Clock::now();
    std::thread terminator([this] { watch(); });
    Status streamed = executor_.client_.start_exec(
        exec_id,
        [this](docker::StreamKind kind, std::string_view bytes) {
          (kind == docker::StreamKind::kStderr ? stderr_ : stdout_).feed(bytes);
        },
        [this] { return abandon_.load(); });
    {
      std::lock_guard<std::mutex> lock(executor_.mu_);
      stream_done_ = true;
    }
    executor_.stop_cv_.notify_all();
    terminator.join();
    stdout_.finish();
    stderr_.finish();
    if (!streamed.is_ok() && !abandon_.load()) return streamed;
    outcome_.exit_code = exit_code(exec_id);
    outcome_.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return outcome_;
  }

 private:
  // The terminator thread: sleeps until the deadline, stop() or the end of
  // the stream; only the first two lead to killing.
  void watch() {
    std::unique_lock<std::mutex> lock(executor_.mu_);
    auto woken = [this] { return stream_done_ || executor_.stop_requested_.load(); };
    if (deadline_ == kNoDeadline) {
      executor_.stop_cv_.wait(lock, woken);
    } else {
      executor_.stop_cv_.wait_until(lock, deadline_, woken);
    }
    if (stream_done_) return;
    if (executor_.stop_requested_.load()) {
      outcome_.stopped = true;
    } else {
      outcome_.timed_out = true;
    }
    lock.unlock();
    terminate();
    // The stream ends by itself once the shell is gone; if something keeps
    // it open regardless, it is abandoned so run_command() returns.
    lock.lock();
    executor_.stop_cv_.wait_for(lock, kMaxStreamLinger, [this] { return stream_done_; });
    if (!stream_done_) abandon_.store(true);
  }

  // The whole group, not just the shell, as HostExecutor does (style §4):
  // `sleep 1000 & sleep 1000` must go entirely.
  void terminate() {
    int pgid = wait_for_pid();
    if (pgid <= 0) return;
    executor_.signal_group(pgid, "TERM");
    executor_.signal_group(pgid, "CONT");  // a stopped process acts on SIGTERM once continued
    if (wait_until_gone(pgid, Clock::now() + executor_.options_.kill_grace)) return;
    executor_.signal_group(pgid, "KILL");
    static_cast<void>(wait_until_gone(pgid, Clock::now() + kMaxWaitAfterKill));
  }

  // The launcher writes the pid first thing; before that nothing of the
  // command runs. 0 if the stream ended or the file never appeared.
  int wait_for_pid() {
    Clock::time_point limit = Clock::now() + kMaxWaitAfterKill;
    while (Clock::now() < limit) {
      Result<std::string> text = read_file_limited(pid_file_, 64);
      if (text.is_ok() && !text->empty() && text->back() == '\n') return std::atoi(text->c_str());
      if (is_stream_done()) return 0;
      std::this_thread::sleep_for(10ms);
    }
    return 0;
  }

  bool wait_until_gone(int pgid, Clock::time_point limit) {
    for (;;) {
      if (!executor_.signal_group(pgid, "0")) return true;
      if (Clock::now() >= limit) return false;
      std::this_thread::sleep_for(kProbeInterval);
    }
  }

  bool is_stream_done() {
    std::lock_guard<std::mutex> lock(executor_.mu_);
    return stream_done_;
  }

  // The daemon may flag the exec as ended a moment after its stream closed.
  int exit_code(const std::string& exec_id) const {
    Clock::time_point limit = Clock::now() + 2s;
    for (;;) {
      Result<docker::ExecInfo> info = executor_.client_.inspect_exec(exec_id);
      if (!info.is_ok()) return -1;
      if (info->exit_code) return *info->exit_code;
      if (Clock::now() >= limit) return -1;
      std::this_thread::sleep_for(10ms);
    }
  }

  DockerExecutor& executor_;
  const std::string pid_file_;  // host path
  const Deadline deadline_;
  LineSplitter stdout_;
  LineSplitter stderr_;
  std::atomic<bool> abandon_{false};
  bool stream_done_ = false;  // guarded by executor_.mu_
  CommandOutcome outcome_;    // flags written by the terminator before join()
};

DockerExecutor::DockerExecutor(const docker::DockerClient& client, DockerExecutorOptions options)
    : client_(client), options_(std::move(options)) {}

DockerExecutor::~DockerExecutor() { static_cast<void>(cleanup()); }

Status DockerExecutor::prepare(const EnvironmentSpec& env) {
  if (prepared_ || cleaned_up_ || !state_dir_.empty()) {
    return Status(ErrorCode::kInternal, "DockerExecutor::prepare called twice");
  }
  // Every failure below leaves nothing behind: no container, no state dir.
  auto fail = [this](Status status) {
    static_cast<void>(cleanup());
    return status;
  };
  if (options_.image.empty() || options_.build_id.empty()) {
    return fail(Status(ErrorCode::kInvalidInput, "DockerExecutor needs an image and a build id"));
  }
  for (const std::string* path : {&options_.host_source_dir, &options_.container_source_dir}) {
    // ':' would split the bind specification.
    if (path->empty() || (*path)[0] != '/' || path->find(':') != std::string::npos) {
      return fail(Status(ErrorCode::kInvalidInput,
                         "source directory '" + *path + "' must be an absolute path without ':'"));
    }
  }
  if (!is_directory(options_.host_source_dir)) {
    return fail(Status(ErrorCode::kInvalidInput,
                       "source directory '" + options_.host_source_dir + "' does not exist"));
  }
  std::string source_dir = env.source_dir.empty() ? options_.container_source_dir : env.source_dir;
  if (source_dir[0] != '/') {
    return fail(Status(ErrorCode::kInvalidInput,
                       "source directory '" + source_dir + "' must be an absolute path"));
  }
  Result<ResourceLimits> limits =
      limits_for_compute_type(options_.compute_type, std::thread::hardware_concurrency());
  if (!limits.is_ok()) return fail(limits.status());
  Status status = ensure_image();
  if (!status.is_ok()) return fail(status);
  Result<model::NamedValues> variables = initial_variables(env, source_dir);
  if (!variables.is_ok()) return fail(variables.status());

  std::string root = options_.state_root;
  if (root.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    root = tmpdir && *tmpdir ? tmpdir : "/tmp";
  }
  std::string dir = root + "/kiln-docker-XXXXXX";
  if (!::mkdtemp(dir.data())) return fail(os_error("cannot create a state dir in " + root, errno));
  state_dir_ = dir;
  if (state_dir_.find(':') != std::string::npos) {
    return fail(Status(ErrorCode::kInvalidInput, "state dir " + state_dir_ + " contains ':'"));
  }
  Result<ShellState> state = ShellState::create(state_dir_, variables.value(), source_dir,
                                                env.version == model::BuildSpecVersion::k0_2);
  if (!state.is_ok()) return fail(state.status());
  state_.emplace(std::move(state).value());
  status = create_container(limits.value());
  if (status.is_ok()) status = resolve_shell(env.shell, variables.value());
  if (!status.is_ok()) return fail(status);
  prepared_ = true;
  return Status::ok();
}

// A missing image is pulled, as CodeBuild does in PROVISIONING; if that fails
// the engine records BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE, so the message
// carries a fixed prefix it can recognise.
Status DockerExecutor::ensure_image() {
  Result<std::optional<docker::ImageInfo>> info = client_.inspect_image(options_.image);
  if (!info.is_ok()) return info.status();
  if (!info->has_value()) {
    std::string prefix = "unable to pull image " + options_.image + ": ";
    if (!options_.pull_missing_image) {
      return Status(ErrorCode::kNotFound, prefix + "it is not present and pulling is disabled");
    }
    Status pulled = client_.pull_image(options_.image);
    if (!pulled.is_ok()) return Status(ErrorCode::kNotFound, prefix + pulled.message());
    info = client_.inspect_image(options_.image);
    if (!info.is_ok()) return info.status();
    if (!info->has_value()) {
      return Status(ErrorCode::kNotFound, prefix + "the daemon does not list it after the pull");
    }
  }
  image_env_ = info.value()->env;
  return Status::ok();
}

// CodeBuild's precedence: the image's ENV lowest, then the build's variables;
// PATH and HOME (root's, as commands run as root) only when neither sets
// them; CODEBUILD_SRC_DIR always names the source directory (§3).
Result<model::NamedValues> DockerExecutor::initial_variables(const EnvironmentSpec& env,
                                                             const std::string& source_dir) {
  model::NamedValues variables;
  for (const std::string& entry : image_env_) {
    std::size_t eq = entry.find('=');
    if (eq == std::string::npos || !is_identifier(std::string_view(entry).substr(0, eq))) continue;
    set_value(variables, entry.substr(0, eq), entry.substr(eq + 1));
  }
  for (const auto& [name, value] : env.variables) set_value(variables, name, value);
  if (!has_name(variables, "PATH")) variables.emplace_back("PATH", kDefaultPath);
  if (!has_name(variables, "HOME")) variables.emplace_back("HOME", "/root");
  set_value(variables, "CODEBUILD_SRC_DIR", source_dir);
  return variables;
}

Status DockerExecutor::create_container(const ResourceLimits& limits) {
  docker::ContainerOptions container;
  container.image = options_.image;
  container.cmd = kKeepaliveArgv;
  container.labels = options_.labels;
  container.labels[kBuildLabel] = options_.build_id;
  // CodeBuild runs commands as root even when the image sets USER.
  container.user = "0:0";
  container.working_dir = options_.container_source_dir;
  container.binds = {options_.host_source_dir + ":" + options_.container_source_dir,
                     state_dir_ + ":" + kContainerStateDir};
  container.privileged = options_.privileged;
  // docker-init as PID 1 reaps the orphans background processes leave.
  container.init = true;
  container.nano_cpus = limits.nano_cpus;
  container.memory_bytes = limits.memory_bytes;
  Result<docker::ScopedContainer> created = docker::ScopedContainer::create(client_, container);
  if (!created.is_ok()) return created.status();
  container_ = std::move(created).value();
  return client_.start_container(container_.id());
}

Status DockerExecutor::resolve_shell(const std::string& shell, const model::NamedValues& variables) {
  std::string name = shell.empty() ? "sh" : shell;
  std::string path;
  for (const auto& [key, value] : variables) {
    if (key == "PATH") path = value;
  }
  if (name[0] == '-') return Status(ErrorCode::kInvalidInput, "shell '" + name + "' is not a name");
  // The default needs no look-up: CodeBuild requires images to have sh, at
  // /bin/sh in every Linux image. Skipping the exec saves ~50 ms per build.
  if (name == "sh" || name == "/bin/sh") {
    shell_path_ = "/bin/sh";
    return Status::ok();
  }
  Result<ExecResult> found = run_exec(
      {"env", "-i", "PATH=" + path, "/bin/sh", "-c", kResolveShell, "kiln-resolve", name});
  if (!found.is_ok()) return found.status();
  std::string out = found->out.substr(0, found->out.find('\n'));
  if (found->exit_code != 0 || out.empty() || out[0] != '/') {
    return Status(ErrorCode::kNotFound, "shell '" + name + "' not found on PATH " + path +
                                            " in image " + options_.image);
  }
  shell_path_ = out;
  return Status::ok();
}

Result<DockerExecutor::ExecResult> DockerExecutor::run_exec(
    const std::vector<std::string>& argv) const {
  docker::ExecOptions exec;
  exec.cmd = argv;
  exec.working_dir = "/";
  Result<std::string> id = client_.create_exec(container_.id(), exec);
  if (!id.is_ok()) return id.status();
  ExecResult result;
  Status streamed = client_.start_exec(id.value(), [&result](docker::StreamKind kind,
                                                            std::string_view bytes) {
    if (kind != docker::StreamKind::kStdout) return;
    result.out.append(bytes.substr(0, kMaxExecCapture - std::min(kMaxExecCapture, result.out.size())));
  });
  if (!streamed.is_ok()) return streamed;
  Clock::time_point limit = Clock::now() + 2s;
  for (;;) {
    Result<docker::ExecInfo> info = client_.inspect_exec(id.value());
    if (!info.is_ok()) return info.status();
    if (info->exit_code) {
      result.exit_code = *info->exit_code;
      return result;
    }
    if (Clock::now() >= limit) {
      return Status(ErrorCode::kInternal, "exec " + argv[0] + " reports no exit code after " +
                                              ms_text(std::chrono::milliseconds(2000)));
    }
    std::this_thread::sleep_for(10ms);
  }
}

bool DockerExecutor::signal_group(int pgid, const char* signal) const {
  Result<ExecResult> result =
      run_exec({"/bin/sh", "-c", kKillGroup, "kiln-kill", signal, std::to_string(pgid)});
  return result.is_ok() && result->exit_code == 0;
}

Result<CommandOutcome> DockerExecutor::run_command(const std::string& command, OutputSink& sink,
                                                   Deadline deadline) {
  if (!prepared_ || cleaned_up_) {
    return Status(ErrorCode::kInternal, "DockerExecutor::run_command outside prepare()..cleanup()");
  }
  CommandOutcome outcome;
  if (stop_requested_.load()) {
    outcome.stopped = true;
    return outcome;
  }
  if (Clock::now() >= deadline) {
    outcome.timed_out = true;
    return outcome;
  }
  Result<std::string> file = state_->write_command(command);
  if (!file.is_ok()) return file.status();
  std::string pid_name = file.value().substr(0, file->size() - 3) + ".pid";  // cmd-N.sh → cmd-N.pid
  std::string in_state = std::string(kContainerStateDir) + "/";
  docker::ExecOptions exec;
  exec.cmd = {"/bin/sh", "-c", kLauncher, "kiln-launch", in_state + pid_name};
  for (std::string& arg : wrapper_argv(shell_path_, kContainerStateDir, in_state + file.value(),
                                       state_->workdir(), state_->source_dir())) {
    exec.cmd.push_back(std::move(arg));
  }
  exec.working_dir = kContainerStateDir;
  Result<std::string> exec_id = client_.create_exec(container_.id(), exec);
  Result<CommandOutcome> ran = exec_id.is_ok()
                                   ? CommandRun(*this, state_dir_ + "/" + pid_name, sink, deadline)
                                         .run(exec_id.value())
                                   : Result<CommandOutcome>(exec_id.status());
  ::unlink((state_dir_ + "/" + pid_name).c_str());
  Result<bool> saved = state_->finish_command();
  if (!ran.is_ok()) return ran.status();
  if (!saved.is_ok()) return saved.status();
  outcome = ran.value();
  if (!saved.value() && !outcome.timed_out && !outcome.stopped) {
    sink.on_line(OutputStream::kStderr, kUnsavedStateWarning, LineEnd::kNewline);
  }
  return outcome;
}

Status DockerExecutor::set_variables(const model::NamedValues& variables) {
  if (!prepared_ || cleaned_up_) {
    return Status(ErrorCode::kInternal, "DockerExecutor::set_variables outside prepare()..cleanup()");
  }
  return state_->set_variables(variables);
}

Result<model::NamedValues> DockerExecutor::snapshot_env() {
  if (!prepared_ || cleaned_up_) {
    return Status(ErrorCode::kInternal, "DockerExecutor::snapshot_env outside prepare()..cleanup()");
  }
  return state_->exported_variables();
}

void DockerExecutor::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_.store(true);
  }
  stop_cv_.notify_all();
}

Status DockerExecutor::cleanup() {
  if (cleaned_up_) return Status::ok();
  cleaned_up_ = true;
  Status result;
  if (!container_.id().empty() && options_.reaper != nullptr) {
    options_.reaper->remove(container_.release());
  } else if (!container_.id().empty()) {
    Status removed = container_.remove();
    if (!removed.is_ok() && removed.code() != ErrorCode::kNotFound) result = removed;
  }
  state_.reset();
  if (!state_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(state_dir_, ec);
    if (ec && result.is_ok()) result = Status(ErrorCode::kIoError, state_dir_ + ": " + ec.message());
  }
  return result;
}

Result<int> DockerExecutor::remove_leftovers(const docker::DockerClient& client,
                                             const std::string& selector) {
  Result<std::vector<docker::ContainerSummary>> containers = client.list_containers(selector);
  if (!containers.is_ok()) return containers.status();
  int removed = 0;
  for (const docker::ContainerSummary& container : containers.value()) {
    Status status = client.remove_container(container.id, /*force=*/true);
    if (status.is_ok()) {
      ++removed;
    } else if (status.code() != ErrorCode::kNotFound) {
      return status;
    }
  }
  return removed;
}

}  // namespace kiln::executor
