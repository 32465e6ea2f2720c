// SPDX-License-Identifier: Apache-2.0
// The kiln CLI as a client: `kiln projects`, `kiln builds` and `kiln logs`
// run as real processes against a real `kiln serve --executor shell` on a
// loopback port in a temp dir, with the admin key the server wrote. What
// they print (tables, --json) and their exit codes are checked, and every
// effect is read back through the API.
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace kiln::cli {
namespace {

using kiln::testing::CommandResult;
using kiln::testing::live_processes_with_arg;
using kiln::testing::read_file;
using kiln::testing::TempDir;
using Json = nlohmann::json;
using namespace std::chrono_literals;

// Every kiln client runs under coreutils `timeout`, so a hang fails the
// test instead of blocking ctest. Generous: no test asserts timings.
constexpr const char* kHangGuardSeconds = "120";
constexpr auto kPollLimit = 60s;
constexpr auto kPollInterval = 50ms;

// A `sleep` argument no other test process uses (ctest runs them in
// parallel), so that the sleeping processes of this test's builds can be
// found in /proc and must be gone at the end. Days long: only a stop ends it.
std::string sleep_marker() {
  static int counter = 0;
  return "9" + std::to_string(::getpid()) + "." + std::to_string(++counter);
}

std::string buildspec(const std::vector<std::string>& commands) {
  std::string out = "version: 0.2\nphases:\n  build:\n    commands:\n";
  for (const std::string& c : commands) out += "      - " + c + "\n";
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string dump(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

// Runs `kiln serve` for one test: starts it on port 0 with the shell
// executor, and stops it (SIGTERM, then SIGKILL) when the test ends,
// whatever happened.
class ClientCommandsTest : public ::testing::Test {
 protected:
  ~ClientCommandsTest() override { stop_server(); }

  ::testing::AssertionResult start_server(const std::vector<std::string>& flags = {}) {
    data_dir_ = dir_.path() + "/server";
    std::vector<std::string> argv = {kiln::testing::kiln_binary(), "serve", "--listen",
                                     "127.0.0.1:0", "--data-dir", data_dir_, "--executor", "shell",
                                     "--shutdown-grace", "0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    pid_ = kiln::testing::spawn_in_background(argv, dir_.path() + "/serve.out",
                                              dir_.path() + "/serve.err");
    if (pid_ < 0) return ::testing::AssertionFailure() << "cannot spawn kiln serve";
    // The server writes DATA_DIR/endpoint (by rename, so never half-written)
    // once it listens, after the credentials file.
    auto deadline = std::chrono::steady_clock::now() + kPollLimit;
    while (std::chrono::steady_clock::now() < deadline) {
      endpoint_ = trim(read_file(data_dir_ + "/endpoint"));
      if (!endpoint_.empty()) return ::testing::AssertionSuccess();
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return ::testing::AssertionFailure()
               << "kiln serve exited: " << read_file(dir_.path() + "/serve.err");
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    return ::testing::AssertionFailure() << "kiln serve wrote no endpoint file";
  }

  // SIGTERM, and SIGKILL if it has not exited within the poll limit. Checks
  // that no process of the server is left.
  void stop_server() {
    if (pid_ < 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + kPollLimit;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "kiln serve ignored SIGTERM; killing it";
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    pid_ = -1;
    EXPECT_EQ(live_processes_with_arg(data_dir_), std::vector<int>()) << "kiln serve is left";
  }

  // The kiln binary with `args`, then --endpoint-url (unless `endpoint` is
  // false), in an environment that holds only the server's credentials file
  // plus `env` (NAME=VALUE): no KILN_*/AWS_* variables of the machine, and
  // HOME in the temp dir so no ~/.config/kiln/config or ~/.aws applies.
  // Runs in `cwd` when given.
  CommandResult kiln(std::vector<std::string> args, const std::vector<std::string>& env = {},
                     bool endpoint = true, const std::string& cwd = "") {
    std::vector<std::string> argv = {"timeout", kHangGuardSeconds, "env"};
    if (!cwd.empty()) {
      argv.push_back("-C");
      argv.push_back(cwd);
    }
    for (const char* name : {"KILN_ENDPOINT", "KILN_CONFIG", "AWS_ACCESS_KEY_ID",
                             "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                             "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE"}) {
      argv.push_back("-u");
      argv.push_back(name);
    }
    argv.push_back("HOME=" + dir_.path() + "/home");
    if (!data_dir_.empty())
      argv.push_back("AWS_SHARED_CREDENTIALS_FILE=" + data_dir_ + "/credentials");
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(kiln::testing::kiln_binary());
    argv.insert(argv.end(), args.begin(), args.end());
    if (endpoint) {
      argv.push_back("--endpoint-url");
      argv.push_back(endpoint_);
    }
    return kiln::testing::run_command(argv);
  }

  // `kiln args... --json`, which must succeed and print one JSON object.
  Json kiln_json(std::vector<std::string> args) {
    args.push_back("--json");
    CommandResult r = kiln(args);
    EXPECT_EQ(r.exit_code, 0) << dump(r);
    Json out = Json::parse(r.out, nullptr, false);
    EXPECT_TRUE(out.is_object()) << dump(r);
    return out;
  }

  void create_project(const std::string& name, const std::vector<std::string>& commands) {
    CommandResult r = kiln({"projects", "create", "--name", name, "--image", "kiln/busybox:1.0",
                            "--buildspec-inline", buildspec(commands)});
    ASSERT_EQ(r.exit_code, 0) << dump(r);
  }

  // `kiln builds start PROJECT` without --follow: the id it prints.
  std::string start_build(const std::string& project) {
    CommandResult r = kiln({"builds", "start", project});
    EXPECT_EQ(r.exit_code, 0) << dump(r);
    return trim(r.out);
  }

  Json get_build(const std::string& id) {
    Json out = kiln_json({"builds", "get", id});
    if (!out.contains("builds") || out["builds"].size() != 1) return Json::object();
    return out["builds"][0];
  }

  // Polls `builds get` until `done` holds for the build; the last record.
  Json wait_for_build(const std::string& id, const std::function<bool(const Json&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + kPollLimit;
    Json build;
    while (std::chrono::steady_clock::now() < deadline) {
      build = get_build(id);
      if (done(build)) return build;
      std::this_thread::sleep_for(kPollInterval);
    }
    ADD_FAILURE() << "build " << id << " never got there: " << build.dump();
    return build;
  }

  static bool running(const Json& build) {
    return build.value("currentPhase", "") == "BUILD";
  }

  TempDir dir_;
  std::string data_dir_;
  std::string endpoint_;
  int pid_ = -1;
};

TEST_F(ClientCommandsTest, ProjectLifecycle) {
  ASSERT_TRUE(start_server());
  CommandResult created = kiln({"projects", "create", "--name", "web", "--image",
                                "kiln/busybox:1.0", "--buildspec-inline",
                                buildspec({"echo one"}), "--env", "STAGE=dev", "--timeout", "30"});
  ASSERT_EQ(created.exit_code, 0) << dump(created);
  EXPECT_NE(created.out.find("name:"), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("web"), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("kiln/busybox:1.0"), std::string::npos) << created.out;

  CommandResult again = kiln({"projects", "create", "--name", "web", "--buildspec-inline", "x"});
  EXPECT_EQ(again.exit_code, 1) << dump(again);
  EXPECT_EQ(again.err.rfind("kiln projects create: ResourceAlreadyExistsException", 0), 0u)
      << again.err;
  EXPECT_EQ(lines_of(again.err).size(), 1u) << again.err;

  Json got = kiln_json({"projects", "get", "web"});
  ASSERT_EQ(got["projects"].size(), 1u) << got.dump();
  const Json& project = got["projects"][0];
  EXPECT_EQ(project["name"], "web");
  EXPECT_EQ(project["source"]["type"], "NO_SOURCE");
  EXPECT_EQ(project["source"]["buildspec"], buildspec({"echo one"}));
  EXPECT_EQ(project["environment"]["image"], "kiln/busybox:1.0");
  EXPECT_EQ(project["environment"]["computeType"], "BUILD_GENERAL1_SMALL");
  EXPECT_EQ(project["environment"]["environmentVariables"],
            Json::parse(R"([{"name":"STAGE","value":"dev","type":"PLAINTEXT"}])"));
  EXPECT_EQ(project["timeoutInMinutes"], 30);
  EXPECT_EQ(project["artifacts"]["type"], "NO_ARTIFACTS");

  // Only the given fields change: the buildspec and STAGE survive an image
  // and variable update.
  CommandResult updated = kiln({"projects", "update", "web", "--description", "the site",
                                "--image", "kiln/standard:1.0", "--env", "REGION=eu"});
  ASSERT_EQ(updated.exit_code, 0) << dump(updated);
  EXPECT_NE(updated.out.find("the site"), std::string::npos) << updated.out;
  Json after = kiln_json({"projects", "get", "web"})["projects"][0];
  EXPECT_EQ(after["description"], "the site");
  EXPECT_EQ(after["environment"]["image"], "kiln/standard:1.0");
  EXPECT_EQ(after["source"]["buildspec"], buildspec({"echo one"}));
  EXPECT_EQ(after["timeoutInMinutes"], 30);
  EXPECT_EQ(after["environment"]["environmentVariables"].size(), 2u) << after.dump();

  create_project("api", {"echo two"});
  Json listed = kiln_json({"projects", "list", "--sort-by", "NAME"});
  EXPECT_EQ(listed["projects"], Json::parse(R"(["api","web"])"));
  CommandResult table = kiln({"projects", "list", "--sort-by", "NAME"});
  ASSERT_EQ(table.exit_code, 0) << dump(table);
  std::vector<std::string> rows = lines_of(table.out);
  ASSERT_EQ(rows.size(), 3u) << table.out;
  EXPECT_EQ(rows[0].rfind("NAME", 0), 0u) << table.out;
  EXPECT_EQ(rows[1].rfind("api ", 0), 0u) << table.out;
  EXPECT_EQ(rows[2].rfind("web ", 0), 0u) << table.out;
  // Aligned: every row's second column starts where the header's does.
  std::size_t column = rows[0].find("SOURCE");
  EXPECT_EQ(rows[1].find("NO_SOURCE"), column) << table.out;
  EXPECT_EQ(rows[2].find("NO_SOURCE"), column) << table.out;

  CommandResult deleted = kiln({"projects", "delete", "web"});
  ASSERT_EQ(deleted.exit_code, 0) << dump(deleted);
  CommandResult gone = kiln({"projects", "get", "web", "api"});
  EXPECT_EQ(gone.exit_code, 1) << dump(gone);
  EXPECT_NE(gone.err.find("kiln projects get: project not found: web"), std::string::npos)
      << gone.err;
  EXPECT_NE(gone.out.find("api"), std::string::npos) << gone.out;
  EXPECT_EQ(kiln_json({"projects", "list"})["projects"], Json::parse(R"(["api"])"));

  CommandResult missing_update = kiln({"projects", "update", "web", "--description", "x"});
  EXPECT_EQ(missing_update.exit_code, 1) << dump(missing_update);
}

TEST_F(ClientCommandsTest, CreateFromJsonWithFlagsOnTop) {
  ASSERT_TRUE(start_server());
  Json input = {{"name", "from-file"},
                {"description", "from the file"},
                {"source", {{"type", "NO_SOURCE"}, {"buildspec", buildspec({"echo file"})}}},
                {"artifacts", {{"type", "NO_ARTIFACTS"}}},
                {"environment",
                 {{"type", "LINUX_CONTAINER"},
                  {"image", "kiln/busybox:1.0"},
                  {"computeType", "BUILD_GENERAL1_SMALL"}}},
                {"serviceRole", "arn:aws:iam::000000000000:role/other"}};
  std::string path = dir_.write("project.json", input.dump());
  CommandResult r =
      kiln({"projects", "create", "--from-json", path, "--name", "renamed", "--json"});
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  Json answer = Json::parse(r.out, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << r.out;
  EXPECT_EQ(answer["project"]["name"], "renamed");
  EXPECT_EQ(answer["project"]["description"], "from the file");
  EXPECT_EQ(answer["project"]["serviceRole"], "arn:aws:iam::000000000000:role/other");

  std::string bad = dir_.write("bad.json", "[1,2]");
  CommandResult refused = kiln({"projects", "create", "--from-json", bad});
  EXPECT_EQ(refused.exit_code, 2) << dump(refused);
  EXPECT_NE(refused.err.find("not a JSON object"), std::string::npos) << refused.err;
}

TEST_F(ClientCommandsTest, FollowedBuildsExitWithTheirStatus) {
  ASSERT_TRUE(start_server());
  create_project("ok", {"echo hello-from-build", "echo second-line"});
  create_project("broken", {"echo before-failure", "exit 3", "echo never-printed"});

  CommandResult passed = kiln({"builds", "start", "ok", "--follow"});
  EXPECT_EQ(passed.exit_code, 0) << dump(passed);
  std::vector<std::string> lines = lines_of(passed.out);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "hello-from-build"), lines.end())
      << passed.out;
  EXPECT_NE(std::find(lines.begin(), lines.end(), "second-line"), lines.end()) << passed.out;
  EXPECT_NE(passed.err.find("SUCCEEDED"), std::string::npos) << passed.err;

  CommandResult failed = kiln({"builds", "start", "broken", "--follow"});
  EXPECT_EQ(failed.exit_code, 1) << dump(failed);
  lines = lines_of(failed.out);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "before-failure"), lines.end()) << failed.out;
  EXPECT_EQ(failed.out.find("never-printed\n"), std::string::npos) << failed.out;
  // The summary names the failed phase and the reason.
  EXPECT_NE(failed.err.find("COMMAND_EXECUTION_ERROR"), std::string::npos) << failed.err;

  // With --json stdout holds only the final record; the log goes to stderr.
  CommandResult json = kiln({"builds", "start", "broken", "--follow", "--json"});
  EXPECT_EQ(json.exit_code, 1) << dump(json);
  Json build = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(build.is_object()) << json.out;
  EXPECT_EQ(build["build"]["buildStatus"], "FAILED");
  EXPECT_EQ(build["build"]["buildComplete"], true);
  EXPECT_NE(json.err.find("before-failure"), std::string::npos) << json.err;

  CommandResult unknown = kiln({"builds", "start", "no-such-project"});
  EXPECT_EQ(unknown.exit_code, 1) << dump(unknown);
  EXPECT_EQ(unknown.err.rfind("kiln builds start: ResourceNotFoundException", 0), 0u)
      << unknown.err;
}

TEST_F(ClientCommandsTest, StartPrintsTheIdAndOverridesApply) {
  ASSERT_TRUE(start_server());
  create_project("vars", {"echo greeting=$GREETING"});
  CommandResult r = kiln({"builds", "start", "vars", "--env", "GREETING=hi there"});
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  std::string id = trim(r.out);
  EXPECT_TRUE(std::regex_match(id, std::regex("vars:[0-9a-f-]{36}"))) << r.out;
  Json build = wait_for_build(id, [](const Json& b) { return b.value("buildComplete", false); });
  EXPECT_EQ(build["buildStatus"], "SUCCEEDED");
  CommandResult log = kiln({"logs", id});
  EXPECT_EQ(log.exit_code, 0) << dump(log);
  EXPECT_NE(log.out.find("greeting=hi there\n"), std::string::npos) << log.out;

  std::string spec = dir_.write("override.yml", buildspec({"echo overridden"}));
  CommandResult overridden =
      kiln({"builds", "start", "vars", "--buildspec-override", spec, "--follow"});
  EXPECT_EQ(overridden.exit_code, 0) << dump(overridden);
  EXPECT_NE(overridden.out.find("overridden\n"), std::string::npos) << overridden.out;

  CommandResult bad_env = kiln({"builds", "start", "vars", "--env", "NOEQUALS"});
  EXPECT_EQ(bad_env.exit_code, 2) << dump(bad_env);
  EXPECT_NE(bad_env.err.find("--env NOEQUALS: expected NAME=VALUE"), std::string::npos)
      << bad_env.err;
}

TEST_F(ClientCommandsTest, StopEndsARunningBuildStopped) {
  ASSERT_TRUE(start_server());
  const std::string marker = sleep_marker();
  create_project("slow", {"echo started-sleeping", "sleep " + marker, "echo woke-up"});
  std::string id = start_build("slow");
  ASSERT_FALSE(id.empty());
  wait_for_build(id, running);

  CommandResult stopped = kiln({"builds", "stop", id});
  ASSERT_EQ(stopped.exit_code, 0) << dump(stopped);
  EXPECT_NE(stopped.out.find(id), std::string::npos) << stopped.out;

  // Following returns once the build is over.
  CommandResult log = kiln({"logs", id, "--follow"});
  EXPECT_EQ(log.exit_code, 0) << dump(log);
  EXPECT_NE(log.out.find("started-sleeping\n"), std::string::npos) << log.out;
  EXPECT_EQ(log.out.find("woke-up\n"), std::string::npos) << log.out;

  Json build = wait_for_build(id, [](const Json& b) { return b.value("buildComplete", false); });
  EXPECT_EQ(build["buildStatus"], "STOPPED");
  EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>()) << "sleep survived the stop";

  CommandResult table = kiln({"builds", "get", id});
  ASSERT_EQ(table.exit_code, 0) << dump(table);
  EXPECT_NE(table.out.find("PHASE"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("STOPPED"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("PROVISIONING"), std::string::npos) << table.out;

  CommandResult unknown = kiln({"builds", "stop", "slow:00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(unknown.exit_code, 1) << dump(unknown);
}

TEST_F(ClientCommandsTest, RetryRunsTheBuildAgainWithItsOverrides) {
  ASSERT_TRUE(start_server());
  create_project("again", {"echo value=$V"});
  CommandResult first = kiln({"builds", "start", "again", "--env", "V=42", "--follow"});
  ASSERT_EQ(first.exit_code, 0) << dump(first);
  Json builds = kiln_json({"builds", "list", "--project", "again"});
  ASSERT_EQ(builds["builds"].size(), 1u) << builds.dump();
  std::string first_id = builds["builds"][0]["id"];

  CommandResult retried = kiln({"builds", "retry", first_id, "--follow"});
  EXPECT_EQ(retried.exit_code, 0) << dump(retried);
  EXPECT_NE(retried.out.find("value=42\n"), std::string::npos) << retried.out;

  builds = kiln_json({"builds", "list", "--project", "again"});
  ASSERT_EQ(builds["builds"].size(), 2u) << builds.dump();
  EXPECT_NE(builds["builds"][0]["id"], first_id);  // newest first
  EXPECT_EQ(builds["builds"][0]["buildNumber"], 2);
  EXPECT_EQ(builds["builds"][1]["id"], first_id);

  CommandResult table = kiln({"builds", "list"});
  ASSERT_EQ(table.exit_code, 0) << dump(table);
  std::vector<std::string> rows = lines_of(table.out);
  ASSERT_EQ(rows.size(), 3u) << table.out;
  EXPECT_EQ(rows[0].rfind("BUILD ID", 0), 0u) << table.out;
  EXPECT_NE(rows[2].find(first_id), std::string::npos) << table.out;
  EXPECT_NE(rows[2].find("SUCCEEDED"), std::string::npos) << table.out;

  CommandResult limited = kiln({"builds", "list", "--limit", "1", "--json"});
  EXPECT_EQ(Json::parse(limited.out, nullptr, false)["builds"].size(), 1u) << dump(limited);
}

TEST_F(ClientCommandsTest, QueuedBuildsShowTheirPositions) {
  ASSERT_TRUE(start_server({"--max-concurrent-builds", "1"}));
  const std::string marker = sleep_marker();
  create_project("hog", {"sleep " + marker});
  create_project("small", {"echo small"});
  create_project("tiny", {"echo tiny"});
  std::string hog = start_build("hog");
  wait_for_build(hog, running);
  std::vector<std::string> queued = {start_build("small"), start_build("tiny"),
                                     start_build("small")};

  Json listed = kiln_json({"builds", "list", "--queued"});
  ASSERT_EQ(listed["queuedBuilds"].size(), 3u) << listed.dump();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(listed["queuedBuilds"][i]["position"], i + 1) << listed.dump();
    EXPECT_EQ(listed["queuedBuilds"][i]["build"]["id"], queued[i]) << listed.dump();
  }

  CommandResult table = kiln({"builds", "list", "--queued"});
  ASSERT_EQ(table.exit_code, 0) << dump(table);
  std::vector<std::string> rows = lines_of(table.out);
  ASSERT_EQ(rows.size(), 4u) << table.out;
  EXPECT_EQ(rows[0].rfind("POSITION", 0), 0u) << table.out;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i + 1].rfind(std::to_string(i + 1) + " ", 0), 0u) << table.out;
    EXPECT_NE(rows[i + 1].find(queued[i]), std::string::npos) << table.out;
  }

  // Positions are in the server's one queue, whatever the project.
  Json small = kiln_json({"builds", "list", "--queued", "--project", "small"});
  ASSERT_EQ(small["queuedBuilds"].size(), 2u) << small.dump();
  EXPECT_EQ(small["queuedBuilds"][0]["position"], 1);
  EXPECT_EQ(small["queuedBuilds"][1]["position"], 3);
  EXPECT_EQ(small["queuedBuilds"][1]["build"]["id"], queued[2]);

  // A stopped queued build leaves the queue and the others move up.
  ASSERT_EQ(kiln({"builds", "stop", queued[0]}).exit_code, 0);
  listed = kiln_json({"builds", "list", "--queued"});
  ASSERT_EQ(listed["queuedBuilds"].size(), 2u) << listed.dump();
  EXPECT_EQ(listed["queuedBuilds"][0]["build"]["id"], queued[1]);
  EXPECT_EQ(listed["queuedBuilds"][0]["position"], 1);

  ASSERT_EQ(kiln({"builds", "stop", hog}).exit_code, 0);
  wait_for_build(hog, [](const Json& b) { return b.value("buildComplete", false); });
  EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>()) << "sleep survived the stop";
}

TEST_F(ClientCommandsTest, LogsWithAndWithoutFollow) {
  ASSERT_TRUE(start_server());
  create_project("talk", {"echo line-one", "echo line-two"});
  CommandResult followed = kiln({"builds", "start", "talk", "--follow"});
  ASSERT_EQ(followed.exit_code, 0) << dump(followed);
  std::string id = kiln_json({"builds", "list"})["builds"][0]["id"];

  CommandResult whole = kiln({"logs", id});
  ASSERT_EQ(whole.exit_code, 0) << dump(whole);
  EXPECT_EQ(whole.out, followed.out) << "the followed log and the stored log differ";
  std::vector<std::string> lines = lines_of(whole.out);
  auto one = std::find(lines.begin(), lines.end(), "line-one");
  EXPECT_NE(one, lines.end()) << whole.out;
  EXPECT_LT(one, std::find(lines.begin(), lines.end(), "line-two")) << whole.out;
  CommandResult again = kiln({"logs", id, "--follow"});
  EXPECT_EQ(again.exit_code, 0) << dump(again);
  EXPECT_EQ(again.out, whole.out);

  // A build ARN names the build too.
  CommandResult by_arn =
      kiln({"logs", "arn:aws:codebuild:us-east-1:000000000000:build/" + id});
  EXPECT_EQ(by_arn.exit_code, 0) << dump(by_arn);
  EXPECT_EQ(by_arn.out, whole.out);

  CommandResult missing = kiln({"logs", "talk:00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(missing.exit_code, 1) << dump(missing);
  EXPECT_EQ(missing.err.rfind("kiln logs: ResourceNotFoundException", 0), 0u) << missing.err;

  // A log follows a build that has not started yet, and ends with it.
  create_project("later", {"echo from-later"});
  std::string later = start_build("later");
  CommandResult live = kiln({"logs", later, "--follow"});
  EXPECT_EQ(live.exit_code, 0) << dump(live);
  EXPECT_NE(live.out.find("from-later\n"), std::string::npos) << live.out;
  EXPECT_EQ(get_build(later)["buildComplete"], true);
}

// `kiln logs ID` right after `kiln run` keeps working without a server.
TEST_F(ClientCommandsTest, LogsReadsAKilnRunDataDirWhenNoServerIsConfigured) {
  const std::string work = dir_.path() + "/work";
  CommandResult run = kiln({"run", "--no-source", "--executor", "shell", "--buildspec",
                            buildspec({"echo local-line"}), "--data-dir", work + "/.kiln",
                            "--json", "-q"},
                           {}, /*endpoint=*/false);
  ASSERT_EQ(run.exit_code, 0) << dump(run);
  std::string id = Json::parse(run.out, nullptr, false).value("id", "");
  ASSERT_FALSE(id.empty()) << run.out;

  CommandResult local = kiln({"logs", id}, {}, /*endpoint=*/false, work);
  EXPECT_EQ(local.exit_code, 0) << dump(local);
  EXPECT_NE(local.out.find("\nlocal-line\n"), std::string::npos) << local.out;
  CommandResult by_flag = kiln({"logs", id, "--data-dir", work + "/.kiln"}, {}, false);
  EXPECT_EQ(by_flag.exit_code, 0) << dump(by_flag);
  EXPECT_EQ(by_flag.out, local.out);

  // Following needs a server, and none is configured.
  CommandResult follow = kiln({"logs", id, "--follow"}, {}, /*endpoint=*/false, work);
  EXPECT_EQ(follow.exit_code, 2) << dump(follow);
  EXPECT_EQ(follow.err.rfind("kiln logs: no kiln endpoint", 0), 0u) << follow.err;
}

TEST_F(ClientCommandsTest, UnreachableServerAndMissingConfiguration) {
  ASSERT_TRUE(start_server());
  // Port 1 on loopback: nothing listens there.
  CommandResult refused =
      kiln({"projects", "list", "--endpoint-url", "http://127.0.0.1:1"}, {}, false);
  EXPECT_EQ(refused.exit_code, 3) << dump(refused);
  EXPECT_EQ(refused.err.rfind("kiln projects list: cannot connect to the kiln server at "
                              "http://127.0.0.1:1",
                              0),
            0u)
      << refused.err;
  EXPECT_EQ(lines_of(refused.err).size(), 1u) << refused.err;
  EXPECT_EQ(refused.out, "");

  CommandResult no_endpoint = kiln({"builds", "list"}, {}, false);
  EXPECT_EQ(no_endpoint.exit_code, 2) << dump(no_endpoint);
  EXPECT_EQ(no_endpoint.err.rfind("kiln builds list: no kiln endpoint", 0), 0u)
      << no_endpoint.err;

  CommandResult not_url = kiln({"builds", "list", "--endpoint-url", "ftp://x"}, {}, false);
  EXPECT_EQ(not_url.exit_code, 2) << dump(not_url);

  CommandResult wrong_key =
      kiln({"projects", "list", "--access-key-id", "AKIAWRONG", "--secret-access-key", "nope"});
  EXPECT_EQ(wrong_key.exit_code, 1) << dump(wrong_key);
  EXPECT_EQ(wrong_key.err.rfind("kiln projects list: UnrecognizedClientException", 0), 0u)
      << wrong_key.err;

  CommandResult usage = kiln({"builds", "frobnicate"});
  EXPECT_EQ(usage.exit_code, 2) << dump(usage);
}

TEST_F(ClientCommandsTest, FlagsBeatEnvironmentBeatsConfigFile) {
  ASSERT_TRUE(start_server());
  const std::string dead = "http://127.0.0.1:1";
  // The flag wins over KILN_ENDPOINT...
  CommandResult flag_wins =
      kiln({"projects", "list", "--json"}, {"KILN_ENDPOINT=" + dead}, /*endpoint=*/true);
  EXPECT_EQ(flag_wins.exit_code, 0) << dump(flag_wins);
  CommandResult flag_loses_too =
      kiln({"projects", "list", "--endpoint-url", dead}, {"KILN_ENDPOINT=" + endpoint_}, false);
  EXPECT_EQ(flag_loses_too.exit_code, 3) << dump(flag_loses_too);
  // ... KILN_ENDPOINT over the config file ...
  std::string config = dir_.write("kiln.conf", "endpoint = " + dead + "\n");
  CommandResult env_wins = kiln({"projects", "list", "--config", config},
                                {"KILN_ENDPOINT=" + endpoint_}, false);
  EXPECT_EQ(env_wins.exit_code, 0) << dump(env_wins);
  // ... and the config file is used when nothing else says.
  std::string good = dir_.write("good.conf", "[default]\nendpoint = " + endpoint_ + "\n");
  CommandResult from_file = kiln({"projects", "list"}, {"KILN_CONFIG=" + good}, false);
  EXPECT_EQ(from_file.exit_code, 0) << dump(from_file);

  // Key flags beat the credentials file: a wrong pair is refused even
  // though the file holds a good one.
  CommandResult key_flags = kiln(
      {"projects", "list", "--access-key-id", "AKIAWRONG", "--secret-access-key", "x"});
  EXPECT_EQ(key_flags.exit_code, 1) << dump(key_flags);
  // A region the server does not sign for is refused: the flag is used.
  CommandResult region = kiln({"projects", "list", "--region", "eu-west-3"});
  EXPECT_EQ(region.exit_code, 1) << dump(region);
  EXPECT_NE(kiln({"projects", "list"}, {"AWS_REGION=eu-west-3"}).exit_code, 0);
  EXPECT_EQ(kiln({"projects", "list", "--region", "us-east-1"}, {"AWS_REGION=eu-west-3"})
                .exit_code,
            0);
}

}  // namespace
}  // namespace kiln::cli
