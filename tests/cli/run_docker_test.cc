// SPDX-License-Identifier: Apache-2.0
// `kiln run --executor docker` as a real process against the real daemon and
// the curated images (`kiln image build all` first): a build runs inside a
// container, a missing image fails PROVISIONING, an unreachable daemon is
// reported, and no build container outlives its build.
#include "support/test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace kiln::cli {
namespace {

using kiln::testing::live_processes_with_arg;
using kiln::testing::read_file;

namespace fs = std::filesystem;
using kiln::testing::CommandResult;
using kiln::testing::TempDir;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kBusybox[] = "kiln/busybox:1.0";
constexpr char kStandard[] = "kiln/standard:1.0";
constexpr char kBuildLabel[] = "org.kiln.build";
constexpr const char* kHangGuardSeconds = "300";  // image pulls may be slow to fail



class RunDockerTest : public ::testing::Test {
 protected:
  RunDockerTest() {
    std::random_device rd;
    project_ = "dockrun-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
  }

  void SetUp() override {
    CommandResult ping = curl("/_ping");
    ASSERT_EQ(ping.exit_code, 0) << "no Docker daemon on /var/run/docker.sock: " << ping.err;
    for (const char* image : {kBusybox, kStandard}) {
      CommandResult inspect = curl(std::string("/images/") + image + "/json");
      ASSERT_EQ(inspect.exit_code, 0) << image << " is missing; run `kiln image build all` first";
    }
  }

  // No container of this test's project is left, whatever the outcome.
  void TearDown() override {
    std::vector<std::string> left = build_containers();
    EXPECT_TRUE(left.empty()) << "build containers left behind: " << left.front();
  }

  static CommandResult curl(const std::string& path) {
    return kiln::testing::run_command({"curl", "-sSf", "-g", "--max-time", "30", "--unix-socket",
                                       "/var/run/docker.sock", "http://localhost/v1.41" + path});
  }

  // Containers (any state) labelled org.kiln.build=<this test's project>:...
  std::vector<std::string> build_containers() {
    CommandResult r = curl("/containers/json?all=1&filters=%7B%22label%22%3A%5B%22" +
                           std::string(kBuildLabel) + "%22%5D%7D");
    if (r.exit_code != 0) return {"(cannot list containers: " + r.err + ")"};
    std::vector<std::string> mine;
    for (const Json& c : Json::parse(r.out)) {
      std::string value = c["Labels"].value(kBuildLabel, "");
      if (value.rfind(project_ + ":", 0) == 0) mine.push_back(c.value("Id", "?") + " " + value);
    }
    return mine;
  }

  std::vector<std::string> run_argv(const std::string& image, std::vector<std::string> extra) {
    std::vector<std::string> argv = {"timeout",
                                     "-k",
                                     "10",
                                     kHangGuardSeconds,
                                     kiln::testing::kiln_binary(),
                                     "run",
                                     src_.path(),
                                     "--executor",
                                     "docker",
                                     "--image",
                                     image,
                                     "--data-dir",
                                     data_.path(),
                                     "--artifacts-dir",
                                     artifacts_.path(),
                                     "--project-name",
                                     project_,
                                     "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  static Json parse_build(const std::string& out) {
    try {
      Json j = Json::parse(out);
      return j.is_object() ? j : Json();
    } catch (const Json::exception&) {
      return Json();
    }
  }

  static const Json* phase(const Json& build, const std::string& type) {
    if (!build.is_object() || !build.contains("phases")) return nullptr;
    for (const Json& p : build["phases"])
      if (p.value("phaseType", "") == type) return &p;
    return nullptr;
  }

  static std::optional<std::string> exported(const Json& build, const std::string& name) {
    if (!build.contains("exportedEnvironmentVariables")) return std::nullopt;
    for (const Json& v : build["exportedEnvironmentVariables"])
      if (v.value("name", "") == name) return v.value("value", "");
    return std::nullopt;
  }

  static std::string dump(const CommandResult& r) {
    return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
  }

  static pid_t spawn_kiln(const std::vector<std::string>& argv, const std::string& out_path,
                          const std::string& err_path) {
    return kiln::testing::spawn_in_background(argv, out_path, err_path);
  }

  std::string project_;
  TempDir src_, data_, artifacts_;
};

TEST_F(RunDockerTest, OneCommandBuildRunsInsideTheContainer) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "env:\n"
             "  exported-variables:\n"
             "    - SRC\n"
             "    - START_DIR\n"
             "    - IN_CONTAINER\n"
             "    - HAS_SPEC\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - export START_DIR=\"$(pwd)\" SRC=\"$CODEBUILD_SRC_DIR\"; "
             "test -f /.dockerenv && export IN_CONTAINER=yes; "
             "test -f \"$CODEBUILD_SRC_DIR/buildspec.yml\" && export HAS_SPEC=yes; "
             "echo built > out.txt\n"
             "artifacts:\n"
             "  files:\n"
             "    - out.txt\n");
  CommandResult r = kiln::testing::run_command(run_argv(kBusybox, {"-q"}));
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  Json b = parse_build(r.out);
  ASSERT_TRUE(b.is_object()) << dump(r);
  EXPECT_EQ(b.value("buildStatus", ""), "SUCCEEDED");
  std::string src = exported(b, "SRC").value_or("");
  EXPECT_FALSE(src.empty()) << b.dump(2);
  EXPECT_EQ(exported(b, "START_DIR"), src) << "the first command starts in CODEBUILD_SRC_DIR";
  EXPECT_EQ(exported(b, "IN_CONTAINER"), "yes");
  EXPECT_EQ(exported(b, "HAS_SPEC"), "yes") << "the source is mounted at CODEBUILD_SRC_DIR";
  EXPECT_EQ(src.find(src_.path()), std::string::npos) << "a host path: " << src;
  EXPECT_EQ(src.find(data_.path()), std::string::npos) << "a host path: " << src;

  // The artifact made in the container reaches the object store.
  std::string location = b.contains("artifacts") ? b["artifacts"].value("location", "") : "";
  ASSERT_EQ(location.rfind("arn:aws:s3:::", 0), 0u) << b.dump(2);
  fs::path object = fs::path(artifacts_.path()) / location.substr(13) / "out.txt";
  EXPECT_EQ(read_file(object), "built\n") << object;
}

TEST_F(RunDockerTest, StandardImageHasBashAndGcc) {
  src_.write("hello.c",
             "#include <stdio.h>\nint main(void) { puts(\"hi from gcc\"); return 0; }\n");
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "env:\n"
             "  shell: bash\n"
             "  exported-variables:\n"
             "    - OUTPUT\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - '[[ -n \"$BASH_VERSION\" ]]'\n"
             "      - gcc -o hello hello.c\n"
             "      - export OUTPUT=\"$(./hello)\"\n");
  CommandResult r = kiln::testing::run_command(run_argv(kStandard, {"-q"}));
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_EQ(exported(parse_build(r.out), "OUTPUT"), "hi from gcc");
}

TEST_F(RunDockerTest, CommandSemanticsHoldInTheContainer) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "env:\n"
             "  exported-variables:\n"
             "    - CARRIED\n"
             "    - WHERE\n"
             "    - SUCCEEDING\n"
             "    - FROM_CLI\n"
             "    - AFTER_EXIT\n"
             "phases:\n"
             "  install:\n"
             "    commands:\n"
             "      - mkdir -p sub && cd sub\n"
             "      - export CARRIED=yes\n"
             "  build:\n"
             "    commands:\n"
             "      - export WHERE=\"$(pwd)\" FROM_CLI=\"$CLI_VAR\"\n"
             "      - exit 3\n"
             "      - export AFTER_EXIT=ran\n"
             "  post_build:\n"
             "    commands:\n"
             "      - export SUCCEEDING=\"$CODEBUILD_BUILD_SUCCEEDING\"\n");
  CommandResult r =
      kiln::testing::run_command(run_argv(kBusybox, {"-q", "--env", "CLI_VAR=from cli"}));
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  Json b = parse_build(r.out);
  ASSERT_TRUE(b.is_object()) << dump(r);
  const Json* build = phase(b, "BUILD");
  ASSERT_NE(build, nullptr) << b.dump(2);
  EXPECT_EQ(build->value("phaseStatus", ""), "FAILED");
  ASSERT_TRUE(build->contains("contexts") && !(*build)["contexts"].empty());
  EXPECT_EQ((*build)["contexts"][0].value("statusCode", ""), "COMMAND_EXECUTION_ERROR");
  EXPECT_EQ((*build)["contexts"][0].value("message", ""),
            "Error while executing command: exit 3. Reason: exit status 3");
  EXPECT_EQ(exported(b, "CARRIED"), "yes");
  EXPECT_EQ(exported(b, "FROM_CLI"), "from cli");
  std::string where = exported(b, "WHERE").value_or("");
  EXPECT_TRUE(where.size() > 4 && where.compare(where.size() - 4, 4, "/sub") == 0) << where;
  EXPECT_EQ(exported(b, "SUCCEEDING"), "0");
  EXPECT_NE(exported(b, "AFTER_EXIT"), "ran");
}

TEST_F(RunDockerTest, LocalSourceDirectoryIsNotModified) {
  src_.write("existing.txt", "original\n");
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - echo changed > existing.txt\n"
             "      - echo new > new.txt\n");
  CommandResult r = kiln::testing::run_command(run_argv(kBusybox, {"-q"}));
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_EQ(read_file(fs::path(src_.path()) / "existing.txt"), "original\n");
  EXPECT_FALSE(fs::exists(fs::path(src_.path()) / "new.txt"));
}

TEST_F(RunDockerTest, BackgroundProcessDoesNotHoldTheBuild) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - nohup sleep 1236.1 > /dev/null 2>&1 &\n"
             "      - echo after\n");
  CommandResult r =
      kiln::testing::run_command(run_argv(kBusybox, {"-q", "--timeout-seconds", "60"}));
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_EQ(live_processes_with_arg("1236.1"), std::vector<int>());
}

TEST_F(RunDockerTest, TimeoutEndsTheBuildAndTheContainer) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - trap '' TERM; sleep 1236.2\n"
             "  post_build:\n"
             "    commands:\n"
             "      - echo post\n");
  CommandResult r =
      kiln::testing::run_command(run_argv(kBusybox, {"-q", "--timeout-seconds", "3"}));
  EXPECT_EQ(r.exit_code, 4) << dump(r);
  Json b = parse_build(r.out);
  ASSERT_TRUE(b.is_object()) << dump(r);
  EXPECT_EQ(b.value("buildStatus", ""), "TIMED_OUT");
  const Json* build = phase(b, "BUILD");
  ASSERT_NE(build, nullptr) << b.dump(2);
  EXPECT_EQ(build->value("phaseStatus", ""), "TIMED_OUT");
  EXPECT_EQ(phase(b, "POST_BUILD"), nullptr);
  EXPECT_EQ(b["phases"].back().value("phaseType", ""), "COMPLETED");
  EXPECT_EQ(live_processes_with_arg("1236.2"), std::vector<int>());
}

TEST_F(RunDockerTest, SigintStopsTheBuildAndRemovesTheContainer) {
  const std::string marker = "1236.3";
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - sleep " +
                 marker +
                 "\n"
                 "  post_build:\n"
                 "    commands:\n"
                 "      - echo post\n");
  // kiln itself (no `timeout` wrapper), so that the signal reaches it.
  std::vector<std::string> argv = run_argv(kBusybox, {"-q"});
  argv.erase(argv.begin(), argv.begin() + 4);
  TempDir out_dir;
  std::string out_path = out_dir.path() + "/out", err_path = out_dir.path() + "/err";
  pid_t pid = spawn_kiln(argv, out_path, err_path);
  ASSERT_GT(pid, 0);

  // Wait (hang guard 60 s) until the container runs the command.
  auto guard = std::chrono::steady_clock::now() + 60s;
  int status = 0;
  bool exited = false;
  while (live_processes_with_arg(marker).empty() && std::chrono::steady_clock::now() < guard) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(exited) << "kiln ended before the command started\n" << read_file(err_path);
  ::kill(pid, SIGINT);
  guard = std::chrono::steady_clock::now() + 60s;
  while (!exited && std::chrono::steady_clock::now() < guard) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      exited = true;
    else
      std::this_thread::sleep_for(50ms);
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "kiln did not exit after SIGINT\n" << read_file(err_path);
  }
  std::string out = read_file(out_path), err = read_file(err_path);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 5) << out << err;
  Json b = parse_build(out);
  ASSERT_TRUE(b.is_object()) << out << err;
  EXPECT_EQ(b.value("buildStatus", ""), "STOPPED");
  const Json* build = phase(b, "BUILD");
  ASSERT_NE(build, nullptr) << b.dump(2);
  EXPECT_EQ(build->value("phaseStatus", ""), "STOPPED");
  EXPECT_EQ(phase(b, "POST_BUILD"), nullptr);
  EXPECT_EQ(b["phases"].back().value("phaseType", ""), "COMPLETED");
  EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>());
}

// A kiln killed with SIGKILL cannot remove its container; the next run does
// (containers whose owning kiln process is gone), and leaves live ones alone.
TEST_F(RunDockerTest, NextRunRemovesTheContainerOfACrashedRun) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - sleep 1237.3\n");
  std::vector<std::string> argv = run_argv(kBusybox, {"-q"});
  argv.erase(argv.begin(), argv.begin() + 4);  // no `timeout` wrapper
  TempDir out_dir;
  pid_t pid = spawn_kiln(argv, out_dir.path() + "/out", out_dir.path() + "/err");
  ASSERT_GT(pid, 0);
  auto guard = std::chrono::steady_clock::now() + 60s;
  while (live_processes_with_arg("1237.3").empty() && std::chrono::steady_clock::now() < guard)
    std::this_thread::sleep_for(50ms);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_EQ(build_containers().size(), 1u) << "the crashed run's container should still be there";

  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - echo again\n");
  CommandResult second = kiln::testing::run_command(run_argv(kBusybox, {"-q"}));
  EXPECT_EQ(second.exit_code, 0) << dump(second);
  EXPECT_NE(second.err.find("left behind by an earlier run"), std::string::npos) << second.err;
  EXPECT_TRUE(build_containers().empty());
  EXPECT_TRUE(live_processes_with_arg("1237.3").empty());
}

// The buildspec lives in the container's source tree: a symlink to a file of
// the host (outside the source) must not be followed on the host.
TEST_F(RunDockerTest, BuildspecSymlinkToAHostFileIsRefused) {
  TempDir host;
  std::string host_spec = host.write("host-only.yml",
                                     "version: 0.2\n"
                                     "phases:\n"
                                     "  build:\n"
                                     "    commands:\n"
                                     "      - echo host-file-spec-ran\n");
  fs::create_symlink(host_spec, fs::path(src_.path()) / "buildspec.yml");
  CommandResult r = kiln::testing::run_command(run_argv(kBusybox, {"-q"}));
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  Json b = parse_build(r.out);
  const Json* download = phase(b, "DOWNLOAD_SOURCE");
  ASSERT_NE(download, nullptr) << dump(r);
  EXPECT_EQ(download->value("phaseStatus", ""), "FAILED");
  EXPECT_EQ(phase(b, "BUILD"), nullptr) << "the host file's commands ran in the container";
}

TEST_F(RunDockerTest, MissingImageFailsProvisioning) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - echo never\n");
  CommandResult r = kiln::testing::run_command(run_argv("kiln/nope:1", {"-q"}));
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  Json b = parse_build(r.out);
  ASSERT_TRUE(b.is_object()) << dump(r);
  EXPECT_EQ(b.value("buildStatus", ""), "FAILED");
  const Json* provisioning = phase(b, "PROVISIONING");
  ASSERT_NE(provisioning, nullptr) << b.dump(2);
  EXPECT_EQ(provisioning->value("phaseStatus", ""), "FAILED");
  ASSERT_TRUE(provisioning->contains("contexts") && !(*provisioning)["contexts"].empty());
  EXPECT_EQ((*provisioning)["contexts"][0].value("statusCode", ""),
            "BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE");
  EXPECT_EQ(phase(b, "BUILD"), nullptr) << "no buildspec phase after a failed PROVISIONING";
  EXPECT_EQ(b["phases"].back().value("phaseType", ""), "COMPLETED");
}

TEST_F(RunDockerTest, UnreachableDaemonIsReportedWithItsSocket) {
  src_.write("buildspec.yml",
             "version: 0.2\n"
             "phases:\n"
             "  build:\n"
             "    commands:\n"
             "      - echo never\n");
  std::vector<std::string> argv = run_argv(kBusybox, {});
  argv.insert(argv.begin(), {"env", "DOCKER_HOST=unix:///nonexistent.sock"});
  CommandResult r = kiln::testing::run_command(argv);
  EXPECT_NE(r.exit_code, 0) << dump(r);
  EXPECT_NE((r.out + r.err).find("/nonexistent.sock"), std::string::npos) << dump(r);
}

}  // namespace
}  // namespace kiln::cli
