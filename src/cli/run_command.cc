// SPDX-License-Identifier: Apache-2.0
// `kiln run`: one build on this machine through the engine (`kiln logs`
// reads its stored log afterwards). Only wiring: the build logic is runner's.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "cli/commands.h"
#include "cli/executor_factory.h"
#include "logs/file_log_store.h"
#include "objectstore/local_object_store.h"
#include "runner/build_json.h"
#include "runner/build_runner.h"

namespace kiln::cli {

namespace {

// Exit status per build status (documented in `kiln run --help`).
int exit_code_for(model::Status status) {
  switch (status) {
    case model::Status::kSucceeded: return 0;
    case model::Status::kFailed: return 1;
    case model::Status::kFault: return 3;
    case model::Status::kTimedOut: return 4;
    case model::Status::kStopped: return 5;
    case model::Status::kInProgress: return 3;
  }
  return 3;
}

std::string new_uuid() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  const char* digits = "0123456789abcdef";
  std::string out = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : out) {
    if (c == 'x') c = digits[hex(rd)];
    if (c == 'y') c = digits[8 + hex(rd) % 4];
  }
  return out;
}

// Build numbers count per project and are never reused (§4.2): a counter
// file in the data dir, updated under an exclusive lock.
Result<std::int64_t> next_build_number(const std::string& data_dir, const std::string& project) {
  std::string dir = data_dir + "/projects/" + project;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(ErrorCode::kIoError, dir + ": " + ec.message());
  std::string path = dir + "/build-number";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status(ErrorCode::kIoError, path + ": cannot open");
  ::flock(fd, LOCK_EX);
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::int64_t number = (n > 0 ? std::atoll(buf) : 0) + 1;
  std::string text = std::to_string(number) + "\n";
  bool ok = ::ftruncate(fd, 0) == 0 &&
            ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(ErrorCode::kIoError, path + ": cannot write");
  return number;
}

// Streams the build to the terminal: CodeBuild's [Container] lines as they
// come, phase changes, colour only on a TTY.
class TerminalObserver final : public runner::BuildObserver {
 public:
  explicit TerminalObserver(bool quiet) : quiet_(quiet), tty_(::isatty(2) == 1) {}
  void on_log_line(std::int64_t, const std::string& line) override {
    if (quiet_) return;
    bool agent = line.rfind("[Container] ", 0) == 0;
    if (tty_ && agent) {
      std::cerr << "\033[2m" << line << "\033[0m\n";
    } else {
      std::cerr << line << "\n";
    }
  }

 private:
  bool quiet_;
  bool tty_;
};

void print_summary(const model::Build& build, std::ostream& out) {
  out << "\n";
  out << "  PHASE              STATUS       DURATION\n";
  for (const auto& phase : build.phases) {
    if (phase.type == model::PhaseType::kCompleted) continue;
    char line[128];
    std::int64_t ms = phase.end_time ? *phase.end_time - phase.start_time : 0;
    std::snprintf(line, sizeof line, "  %-18s %-12s %6.3f s\n", model::to_string(phase.type),
                  phase.status ? model::to_string(*phase.status) : "-",
                  static_cast<double>(ms) / 1000.0);
    out << line;
  }
  out << "\n  build " << build.id << " " << model::to_string(build.build_status) << "\n";
  if (build.artifacts) out << "  artifacts: " << build.artifacts->location << "\n";
  for (const auto& phase : build.phases) {
    if (phase.contexts && !phase.contexts->empty() && !phase.contexts->front().status_code.empty())
      out << "  " << model::to_string(phase.type) << ": " << phase.contexts->front().status_code
          << ": " << phase.contexts->front().message << "\n";
  }
}

struct RunOptions {
  std::string source = ".";
  std::string source_version;
  int git_clone_depth = 0;
  bool no_source = false;
  std::string buildspec;
  std::string image = "kiln/standard:1.0";
  std::string executor;  // docker | shell | "" (auto)
  std::vector<std::string> env;
  std::string compute_type = "BUILD_GENERAL1_SMALL";
  bool privileged = false;
  int timeout = 60;
  int timeout_seconds = 0;
  std::string artifacts_dir;
  std::string data_dir = ".kiln";
  std::string project = "kiln-local";
  std::string region = "us-east-1";
  std::string account = "000000000000";
  bool zip = false;
  bool json = false;
  bool quiet = false;
};

bool looks_like_git_url(const std::string& s) {
  return s.find("://") != std::string::npos || s.rfind("git@", 0) == 0 ||
         (s.size() > 4 && s.compare(s.size() - 4, 4, ".git") == 0 &&
          !std::filesystem::is_directory(s + "/.git"));
}

Result<runner::BuildRequest> make_request(const RunOptions& o) {
  runner::BuildRequest r;
  r.project_name = o.project;
  r.uuid = new_uuid();
  r.region = o.region;
  r.account = o.account;
  const char* user = std::getenv("USER");
  r.initiator = user && *user ? user : "kiln";
  r.buildspec = o.buildspec;
  r.image = o.image;
  r.compute_type = o.compute_type;
  r.privileged = o.privileged;
  r.timeout_minutes = o.timeout;
  r.timeout_seconds = o.timeout_seconds;
  r.zip_artifacts = o.zip;
  for (const std::string& pair : o.env) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status(ErrorCode::kInvalidInput, "--env " + pair + ": expected NAME=VALUE");
    std::string name = pair.substr(0, eq);
    if (name.rfind("CODEBUILD_", 0) == 0)
      return Status(ErrorCode::kInvalidInput,
                    "--env " + name + ": names starting with CODEBUILD_ are reserved");
    r.env_overrides.emplace_back(name, pair.substr(eq + 1));
  }
  if (o.no_source) {
    r.source.kind = source::SourceKind::kNone;
  } else if (looks_like_git_url(o.source) || !o.source_version.empty()) {
    r.source.kind = source::SourceKind::kGit;
    r.source.location = o.source;
    r.source.version = o.source_version;
    r.source.git_clone_depth = o.git_clone_depth;
  } else {
    std::error_code ec;
    auto absolute = std::filesystem::canonical(o.source, ec);
    if (ec || !std::filesystem::is_directory(absolute))
      return Status(ErrorCode::kInvalidInput,
                    "SOURCE " + o.source + ": not a directory or a git URL");
    r.source.kind = source::SourceKind::kLocalDirectory;
    r.source.location = absolute.string();
  }
  return r;
}

// SIGINT/SIGTERM stop the build: a thread waits for them (they are blocked
// everywhere else) so stop() never runs inside a signal handler.
class StopOnSignals {
 public:
  explicit StopOnSignals(runner::BuildRunner& runner) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);  // wakes the thread at the end
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::thread([set, &runner] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGUSR1) return;
        std::cerr << "\nkiln: stopping the build (signal " << sig << ")\n";
        runner.stop();
      }
    });
  }
  ~StopOnSignals() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  std::thread thread_;
};

int run_build(const RunOptions& options) {
  auto request = make_request(options);
  if (!request.is_ok()) {
    std::cerr << "kiln run: " << request.status().message() << "\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  std::string data_dir = std::filesystem::absolute(options.data_dir).string();
  auto number = next_build_number(data_dir, options.project);
  if (!number.is_ok()) {
    std::cerr << "kiln run: " << number.status().message() << "\n";
    return 3;
  }
  request->build_number = number.value();
  request->work_dir = data_dir + "/work/" + request->uuid;
  std::filesystem::create_directories(request->work_dir, ec);

  auto factory = make_executor_factory(options.executor);
  if (!factory.is_ok()) {
    std::cerr << "kiln run: " << factory.status().message() << "\n";
    return factory.status().code() == ErrorCode::kInvalidInput ? 2 : 3;
  }
  auto log_store = logs::FileLogStore::open(data_dir + "/logs");
  std::string artifacts_root =
      options.artifacts_dir.empty() ? data_dir + "/artifacts" : options.artifacts_dir;
  auto artifact_store = objectstore::LocalObjectStore::open(artifacts_root);
  if (!log_store.is_ok() || !artifact_store.is_ok()) {
    std::cerr << "kiln run: "
              << (!log_store.is_ok() ? log_store.status() : artifact_store.status()).message()
              << "\n";
    return 3;
  }

  runner::BuildRunner runner(std::move(factory).value(), *log_store.value(),
                             *artifact_store.value());
  model::Build build;
  {
    StopOnSignals signals(runner);
    TerminalObserver observer(options.quiet || options.json);
    build = runner.run(request.value(), observer);
  }
  std::filesystem::remove_all(request->work_dir, ec);
  if (options.json) {
    std::cout << runner::build_to_json(build) << "\n";
  } else {
    print_summary(build, std::cerr);
    if (build.artifacts) std::cout << build.artifacts->location << "\n";
  }
  return exit_code_for(build.build_status);
}

}  // namespace

void register_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run",
      "Run one build here, the way CodeBuild runs it: fetch the source, read its\n"
      "buildspec, run install/pre_build/build/post_build in a clean container\n"
      "(or the host shell), upload artifacts and keep the log.\n"
      "Exit status: 0 SUCCEEDED, 1 FAILED, 2 usage error, 3 FAULT, 4 TIMED_OUT, 5 STOPPED.");
  run->add_option("source", o->source,
                  "A local directory (copied, never modified) or a git URL; default: .");
  run->add_option("--source-version", o->source_version,
                  "git: a branch, tag, commit SHA, pr/N or refs/pull/N/head");
  run->add_option("--git-clone-depth", o->git_clone_depth, "git: shallow clone depth (0 = full)")
      ->check(CLI::Range(0, 1000000));
  run->add_flag("--no-source", o->no_source, "Build from the buildspec alone (no source)");
  run->add_option("--buildspec", o->buildspec,
                  "A path relative to the source, or inline YAML; default: buildspec.yml");
  run->add_option("--image", o->image, "Build image (docker executor)")->capture_default_str();
  run->add_option("--executor", o->executor,
                  "docker or shell; default: docker when a daemon answers, else shell")
      ->check(CLI::IsMember({"docker", "shell"}));
  run->add_option("--env", o->env, "NAME=VALUE, repeatable; wins over the buildspec");
  run->add_option("--compute-type", o->compute_type, "CPU and memory limits of the container")
      ->check(CLI::IsMember({"BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM",
                             "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE",
                             "BUILD_GENERAL1_2XLARGE"}))
      ->capture_default_str();
  run->add_flag("--privileged", o->privileged, "Run the container privileged (Docker in Docker)");
  run->add_option("--timeout", o->timeout, "Build timeout in minutes (5 to 2160 on CodeBuild)")
      ->check(CLI::Range(1, 2160))
      ->capture_default_str();
  run->add_option("--timeout-seconds", o->timeout_seconds,
                  "Build timeout in seconds, replacing --timeout (for tests and quick checks)")
      ->check(CLI::Range(1, 2160 * 60));
  run->add_option("--artifacts-dir", o->artifacts_dir,
                  "Object store root for artifacts (bucket/key); default: DATA_DIR/artifacts");
  run->add_option("--data-dir", o->data_dir, "Where logs, build numbers and work files live")
      ->capture_default_str();
  run->add_option("--project-name", o->project, "Project name for ids, ARNs and log groups")
      ->capture_default_str();
  run->add_option("--region", o->region, "Region in ARNs and AWS_REGION")->capture_default_str();
  run->add_option("--account", o->account, "Account id in ARNs")->capture_default_str();
  run->add_flag("--zip", o->zip, "Package artifacts as one ZIP (packaging ZIP) instead of files");
  run->add_flag("--json", o->json,
                "Print the final record as a CodeBuild Build object (BatchGetBuilds shape)");
  run->add_flag("-q,--quiet", o->quiet, "Do not stream the build log");
  run->callback([o, &exit_code] { exit_code = run_build(*o); });
}

}  // namespace kiln::cli
