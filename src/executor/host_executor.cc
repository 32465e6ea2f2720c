// SPDX-License-Identifier: Apache-2.0
#include "executor/host_executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "executor/command_script.h"
#include "executor/line_splitter.h"

namespace kiln::executor {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// How often a terminating group is re-checked for live members.
constexpr std::chrono::milliseconds kTick{20};
// After SIGKILL processes vanish within milliseconds unless stuck in the
// kernel (uninterruptible I/O); we stop waiting for them after this.
constexpr std::chrono::seconds kMaxWaitAfterKill{5};

Status os_error(const std::string& what, int err) {
  return Status(ErrorCode::kIoError, what + ": " + std::strerror(err));
}

int millis_until(Clock::time_point target, Clock::time_point now) {
  if (target <= now) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(target - now).count() + 1;
  return static_cast<int>(std::min<std::int64_t>(ms, INT_MAX));
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

// The build's initial variables: duplicates folded (later wins, first position
// kept), a PATH the shell and wrapper can rely on, and CODEBUILD_SRC_DIR,
// which is reserved (§1.6) and always names the source directory.
model::NamedValues initial_variables(const EnvironmentSpec& env) {
  model::NamedValues variables;
  for (const auto& [name, value] : env.variables) set_value(variables, name, value);
  bool has_path = std::any_of(variables.begin(), variables.end(),
                              [](const auto& entry) { return entry.first == "PATH"; });
  if (!has_path) variables.emplace_back("PATH", kDefaultPath);
  set_value(variables, "CODEBUILD_SRC_DIR", env.source_dir);
  return variables;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// env.shell as a program path: absolute as given, else looked up on the
// build's PATH, as the build's own shell would.
Result<std::string> resolve_shell(const std::string& shell, const model::NamedValues& variables) {
  std::string name = shell.empty() ? "sh" : shell;
  if (name.find('/') != std::string::npos) {
    if (name[0] == '/' && is_executable_file(name)) return name;
    return Status(ErrorCode::kNotFound, "shell " + name + " is not an executable file");
  }
  std::string path;
  for (const auto& [key, value] : variables) {
    if (key == "PATH") path = value;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find(':', start), path.size());
    std::string dir = path.substr(start, end - start);
    if (!dir.empty() && is_executable_file(dir + "/" + name)) return dir + "/" + name;
    start = end + 1;
  }
  return Status(ErrorCode::kNotFound, "shell '" + name + "' not found on PATH " + path);
}

Status make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return os_error("pipe", errno);
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  // Non-blocking reads let one poll loop serve both pipes, and let the final
  // drain take exactly what is buffered without waiting for writers.
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) return os_error("fcntl", errno);
  return Status::ok();
}

}  // namespace

// The poll loop of one command: output, the leader's exit, the deadline and
// stop() requests, and the SIGTERM → SIGKILL escalation.
class HostExecutor::CommandRun {
 public:
  CommandRun(HostExecutor& executor, ProcessGroup& group, OutputSink& sink, Deadline deadline)
      : executor_(executor),
        group_(group),
        deadline_(deadline),
        stdout_(OutputStream::kStdout, sink),
        stderr_(OutputStream::kStderr, sink),
        buffer_(kReadChunk) {}

  CommandOutcome run() {
    Clock::time_point start = Clock::now();
    std::optional<int> status;
    for (;;) {
      Clock::time_point now = Clock::now();
      check_termination(now);
      status = group_.leader_status();
      if (group_.lost()) break;
      if (status && is_over(now)) break;
      wait_for_events(now, status.has_value());
    }
    // Everything the shell wrote before exiting is in the pipes now; later
    // bytes come from background processes and go to the next command.
    drain(executor_.stdout_read_.get(), stdout_);
    drain(executor_.stderr_read_.get(), stderr_);
    stdout_.finish();
    stderr_.finish();
    outcome_.exit_code = status.value_or(-1);
    outcome_.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return outcome_;
  }

 private:
  void check_termination(Clock::time_point now) {
    if (!terminating_) {
      if (executor_.stop_requested_.load()) {
        outcome_.stopped = true;
        begin_termination(now);
      } else if (now >= deadline_) {
        outcome_.timed_out = true;
        begin_termination(now);
      }
    } else if (!killed_ && now >= kill_at_) {
      group_.signal_group(SIGKILL);
      killed_ = true;
      give_up_at_ = now + kMaxWaitAfterKill;
    }
  }

  // The whole group, not just the shell: the command's children (compilers,
  // `sh -c 'sleep 1000 & sleep 1000'`) must go too (style §4).
  void begin_termination(Clock::time_point now) {
    terminating_ = true;
    group_.signal_group(SIGTERM);
    group_.signal_group(SIGCONT);  // a stopped process acts on SIGTERM only once continued
    kill_at_ = now + executor_.options_.kill_grace;
  }

  // A normal command is over when its shell exits; a terminated one when no
  // process of its group is left (or SIGKILL did not help in time).
  bool is_over(Clock::time_point now) const {
    if (!terminating_) return true;
    if (killed_ && now >= give_up_at_) return true;
    return !group_.has_live_members();
  }

  void wait_for_events(Clock::time_point now, bool leader_exited) {
    pollfd fds[4];
    nfds_t count = 0;
    fds[count++] = {executor_.stdout_read_.get(), POLLIN, 0};
    fds[count++] = {executor_.stderr_read_.get(), POLLIN, 0};
    bool has_exit_fd = group_.exit_fd() >= 0;
    if (has_exit_fd && !leader_exited) fds[count++] = {group_.exit_fd(), POLLIN, 0};
    // The eventfd stays readable once written, so it is watched only until
    // it has started the termination.
    if (!terminating_) fds[count++] = {executor_.stop_event_.get(), POLLIN, 0};
    int rc = ::poll(fds, count, poll_timeout(now, leader_exited, has_exit_fd));
    if (rc <= 0) return;  // timeout or EINTR: the loop re-checks everything
    if (fds[0].revents) read_some(fds[0].fd, stdout_);
    if (fds[1].revents) read_some(fds[1].fd, stderr_);
  }

  int poll_timeout(Clock::time_point now, bool leader_exited, bool has_exit_fd) const {
    int ms = terminating_ ? (killed_ ? millis_until(give_up_at_, now) : millis_until(kill_at_, now))
                          : millis_until(deadline_, now);
    bool needs_tick = (terminating_ && leader_exited) || (!has_exit_fd && !leader_exited);
    if (needs_tick) ms = std::min<int>(ms, static_cast<int>(kTick.count()));
    return ms;
  }

  void read_some(int fd, LineSplitter& splitter) {
    ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
    if (n > 0) splitter.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
  }

  void drain(int fd, LineSplitter& splitter) {
    int pending = 0;
    if (::ioctl(fd, FIONREAD, &pending) != 0) return;
    while (pending > 0) {
      std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(pending), buffer_.size());
      ssize_t n = ::read(fd, buffer_.data(), want);
      if (n <= 0) break;
      splitter.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
      pending -= static_cast<int>(n);
    }
  }

  HostExecutor& executor_;
  ProcessGroup& group_;
  const Deadline deadline_;
  LineSplitter stdout_;
  LineSplitter stderr_;
  std::vector<char> buffer_;
  CommandOutcome outcome_;
  bool terminating_ = false;
  bool killed_ = false;
  Clock::time_point kill_at_{};
  Clock::time_point give_up_at_{};
};

HostExecutor::HostExecutor(HostExecutorOptions options)
    : options_(std::move(options)), stop_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

HostExecutor::~HostExecutor() { static_cast<void>(cleanup()); }

Status HostExecutor::prepare(const EnvironmentSpec& env) {
  if (prepared_ || cleaned_up_ || !workspace_.empty()) {
    return Status(ErrorCode::kInternal, "HostExecutor::prepare called twice");
  }
  if (!stop_event_.valid()) return Status(ErrorCode::kIoError, "eventfd could not be created");
  struct stat st {};
  if (env.source_dir.empty() || env.source_dir[0] != '/' ||
      ::stat(env.source_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(ErrorCode::kInvalidInput, "source directory '" + env.source_dir +
                                                "' is not an absolute path to a directory");
  }
  model::NamedValues variables = initial_variables(env);
  Result<std::string> shell = resolve_shell(env.shell, variables);
  if (!shell.is_ok()) return shell.status();
  shell_path_ = std::move(shell).value();

  std::string root = options_.workspace_root;
  if (root.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    root = tmpdir && *tmpdir ? tmpdir : "/tmp";
  }
  std::string dir = root + "/kiln-host-XXXXXX";
  if (!::mkdtemp(dir.data())) return os_error("cannot create a workspace in " + root, errno);
  workspace_ = dir;  // from here on cleanup() removes it

  Result<ShellState> state = ShellState::create(workspace_, variables, env.source_dir,
                                                env.version == model::BuildSpecVersion::k0_2);
  if (!state.is_ok()) return state.status();
  state_.emplace(std::move(state).value());
  Status status = make_pipe(stdout_read_, stdout_write_);
  if (status.is_ok()) status = make_pipe(stderr_read_, stderr_write_);
  if (!status.is_ok()) return status;
  prepared_ = true;
  return Status::ok();
}

Result<CommandOutcome> HostExecutor::run_command(const std::string& command, OutputSink& sink,
                                                 Deadline deadline) {
  if (!prepared_ || cleaned_up_) {
    return Status(ErrorCode::kInternal, "HostExecutor::run_command outside prepare()..cleanup()");
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
  release_finished_groups();
  Result<std::string> file = state_->write_command(command);
  if (!file.is_ok()) return file.status();
  SpawnRequest request;
  request.argv = wrapper_argv(shell_path_, state_->dir(), state_->dir() + "/" + file.value(),
                              state_->workdir(), state_->source_dir());
  // An empty environment: the wrapper exports exactly the saved variables, so
  // a variable a command unset stays unset and nothing of kiln's leaks in.
  request.cwd = state_->dir();
  request.stdout_fd = stdout_write_.get();
  request.stderr_fd = stderr_write_.get();
  Result<ProcessGroup> group = ProcessGroup::spawn(request);
  if (!group.is_ok()) {
    static_cast<void>(state_->finish_command());
    return group.status();
  }
  outcome = CommandRun(*this, group.value(), sink, deadline).run();
  if (group->lost()) {
    static_cast<void>(state_->finish_command());
    return Status(ErrorCode::kInternal,
                  "the command's shell was reaped by someone else (waitpid(-1) in this process?)");
  }
  if (group->has_live_members()) {
    lingering_.push_back(std::move(group).value());
  } else {
    group->reap();
  }
  Result<bool> saved = state_->finish_command();
  if (!saved.is_ok()) return saved.status();
  if (!saved.value() && !outcome.timed_out && !outcome.stopped) {
    sink.on_line(OutputStream::kStderr, kUnsavedStateWarning, LineEnd::kNewline);
  }
  return outcome;
}

Status HostExecutor::set_variables(const model::NamedValues& variables) {
  if (!prepared_ || cleaned_up_) {
    return Status(ErrorCode::kInternal, "HostExecutor::set_variables outside prepare()..cleanup()");
  }
  return state_->set_variables(variables);
}

Result<model::NamedValues> HostExecutor::snapshot_env() {
  if (!prepared_ || cleaned_up_) {
    return Status(ErrorCode::kInternal, "HostExecutor::snapshot_env outside prepare()..cleanup()");
  }
  return state_->exported_variables();
}

void HostExecutor::stop() {
  // Only an atomic store and write(2): safe from a signal handler.
  stop_requested_.store(true);
  if (stop_event_.valid()) {
    std::uint64_t one = 1;
    ssize_t ignored = ::write(stop_event_.get(), &one, sizeof one);
    static_cast<void>(ignored);
  }
}

Status HostExecutor::cleanup() {
  if (cleaned_up_) return Status::ok();
  cleaned_up_ = true;
  terminate_groups(lingering_);
  stdout_read_.reset();
  stdout_write_.reset();
  stderr_read_.reset();
  stderr_write_.reset();
  state_.reset();
  if (workspace_.empty()) return Status::ok();
  std::error_code ec;
  std::filesystem::remove_all(workspace_, ec);
  if (ec) return Status(ErrorCode::kIoError, workspace_ + ": " + ec.message());
  return Status::ok();
}

// Groups whose background processes have all ended hold only a zombie
// leader; reaping it now keeps long builds from piling up zombies.
void HostExecutor::release_finished_groups() {
  std::erase_if(lingering_, [](ProcessGroup& group) { return !group.has_live_members(); });
}

// What a build left running gets the same treatment as a stopped command:
// SIGTERM to every group, SIGKILL after the grace period, then the leaders
// are reaped (by ~ProcessGroup).
void HostExecutor::terminate_groups(std::vector<ProcessGroup>& groups) {
  std::erase_if(groups, [](ProcessGroup& group) { return !group.has_live_members(); });
  auto any_alive = [&groups] {
    return std::any_of(groups.begin(), groups.end(),
                       [](const ProcessGroup& group) { return group.has_live_members(); });
  };
  auto wait_until = [&any_alive](Clock::time_point limit) {
    while (any_alive() && Clock::now() < limit) std::this_thread::sleep_for(kTick);
  };
  for (auto& group : groups) {
    group.signal_group(SIGTERM);
    group.signal_group(SIGCONT);
  }
  wait_until(Clock::now() + options_.kill_grace);
  for (auto& group : groups) group.signal_group(SIGKILL);
  wait_until(Clock::now() + kMaxWaitAfterKill);
  groups.clear();
}

}  // namespace kiln::executor
