// SPDX-License-Identifier: Apache-2.0
// `kiln run` with the shell executor, run as a real process: one test per
// CodeBuild rule of codebuild-semantics.md §1.4–§1.8, §2 and §3, read back
// from the `--json` Build record, from files the buildspec writes into a
// probe directory, from the local object store and from `kiln logs`.
#include "support/test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
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

// Every kiln process runs under coreutils `timeout`, so a hang fails the test
// instead of blocking ctest. Generous: no test asserts timings.
constexpr const char* kHangGuardSeconds = "120";
constexpr auto kHangGuard = 60s;

const std::vector<std::string> kAllPhases = {
    "SUBMITTED", "QUEUED",     "PROVISIONING",     "DOWNLOAD_SOURCE", "INSTALL",  "PRE_BUILD",
    "BUILD",     "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING",      "COMPLETED"};


std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}


struct RunResult {
  CommandResult process;
  Json build;  // null unless stdout was exactly one JSON object
};

class RunTest : public ::testing::Test {
 protected:
  // `kiln run` with the shell executor, this test's data and artifact dirs,
  // --json and -q, then `args` (the source, options).
  RunResult run(std::vector<std::string> args, const std::string& project = "proj") {
    std::vector<std::string> argv = {
        "timeout", "-k", "10", kHangGuardSeconds, kiln::testing::kiln_binary(), "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const char* a : {"--executor", "shell", "--json", "-q"}) argv.push_back(a);
    argv.insert(argv.end(), {"--data-dir", data_.path(), "--artifacts-dir", artifacts_.path(),
                             "--project-name", project});
    RunResult result;
    result.process = kiln::testing::run_command(argv);
    result.build = parse_build(result.process.out);
    return result;
  }

  // Runs the buildspec `spec` (with @P@ replaced by the probe dir) from the
  // source directory.
  RunResult run_spec(const std::string& spec, std::vector<std::string> extra = {}) {
    write_spec(spec);
    extra.insert(extra.begin(), src_.path());
    return run(extra);
  }

  void write_spec(const std::string& spec, const std::string& name = "buildspec.yml") {
    src_.write(name, with_probe(spec));
  }

  std::string with_probe(const std::string& text) const {
    return replace_all(text, "@P@", probe_.path());
  }

  static Json parse_build(const std::string& out) {
    try {
      Json j = Json::parse(out);
      return j.is_object() ? j : Json();
    } catch (const Json::exception&) {
      return Json();
    }
  }

  // A file the buildspec wrote into the probe dir, without its trailing newline.
  std::optional<std::string> probe(const std::string& name) const {
    fs::path path = fs::path(probe_.path()) / name;
    if (!fs::exists(path)) return std::nullopt;
    std::string text = read_file(path);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  static std::string dump(const RunResult& r) {
    return "exit " + std::to_string(r.process.exit_code) + "\nstdout:\n" + r.process.out +
           "\nstderr:\n" + r.process.err;
  }

  static const Json* phase(const Json& build, const std::string& type) {
    if (!build.is_object() || !build.contains("phases")) return nullptr;
    for (const Json& p : build["phases"])
      if (p.value("phaseType", "") == type) return &p;
    return nullptr;
  }

  static std::vector<std::string> phase_types(const Json& build) {
    std::vector<std::string> types;
    if (!build.is_object() || !build.contains("phases")) return types;
    for (const Json& p : build["phases"]) types.push_back(p.value("phaseType", "?"));
    return types;
  }

  // "<absent>" when the phase is not recorded, "<none>" when it has no status.
  static std::string phase_status(const Json& build, const std::string& type) {
    const Json* p = phase(build, type);
    if (!p) return "<absent>";
    return p->value("phaseStatus", "<none>");
  }

  static std::string context_code(const Json& build, const std::string& type) {
    const Json* p = phase(build, type);
    if (!p || !p->contains("contexts") || (*p)["contexts"].empty()) return "<no context>";
    return (*p)["contexts"][0].value("statusCode", "<no code>");
  }

  static std::string context_message(const Json& build, const std::string& type) {
    const Json* p = phase(build, type);
    if (!p || !p->contains("contexts") || (*p)["contexts"].empty()) return "<no context>";
    return (*p)["contexts"][0].value("message", "<no message>");
  }

  static std::string uuid_of(const Json& build) {
    std::string id = build.value("id", "");
    auto colon = id.find(':');
    return colon == std::string::npos ? "" : id.substr(colon + 1);
  }

  static std::optional<std::string> exported(const Json& build, const std::string& name) {
    if (!build.contains("exportedEnvironmentVariables")) return std::nullopt;
    for (const Json& v : build["exportedEnvironmentVariables"])
      if (v.value("name", "") == name) return v.value("value", "");
    return std::nullopt;
  }

  // The object-store path of the build's artifact (a directory for NONE
  // packaging, a file for ZIP), from artifacts.location.
  fs::path artifact_path(const Json& build) const {
    std::string location =
        build.contains("artifacts") ? build["artifacts"].value("location", "") : "";
    const std::string prefix = "arn:aws:s3:::";
    if (location.rfind(prefix, 0) != 0) return {};
    return fs::path(artifacts_.path()) / location.substr(prefix.size());
  }

  // Relative paths of the regular files under the artifact prefix.
  std::set<std::string> artifact_files(const Json& build) const {
    std::set<std::string> files;
    fs::path root = artifact_path(build);
    if (root.empty() || !fs::is_directory(root)) return files;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) files.insert(fs::relative(e.path(), root).string());
    return files;
  }

  // Every regular file in the object store, data only (no .meta/.tmp).
  std::vector<fs::path> all_stored_objects() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(artifacts_.path())) {
      std::string rel = fs::relative(e.path(), artifacts_.path()).string();
      if (rel.rfind(".meta", 0) == 0 || rel.rfind(".tmp", 0) == 0 || rel == ".lock") continue;
      if (e.is_regular_file()) files.push_back(e.path());
    }
    return files;
  }

  TempDir src_;        // the SOURCE directory
  TempDir data_;       // --data-dir
  TempDir artifacts_;  // --artifacts-dir
  TempDir probe_;      // where buildspecs leave observations (@P@)
};

// ---------------------------------------------------------------- record shape

TEST_F(RunTest, SucceededBuildHasBuildShape) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo hi > out.txt\n"
      "artifacts:\n"
      "  files:\n"
      "    - out.txt\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  const Json& b = r.build;
  ASSERT_TRUE(b.is_object()) << "stdout is not one JSON object\n" << dump(r);

  std::string uuid = uuid_of(b);
  EXPECT_TRUE(std::regex_match(b.value("id", ""),
                               std::regex("proj:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                          "[0-9a-f]{12}")))
      << b.value("id", "");
  EXPECT_TRUE(std::regex_match(
      b.value("arn", ""), std::regex("arn:aws:codebuild:[a-z0-9-]+:[0-9]{12}:build/proj:" + uuid)))
      << b.value("arn", "");
  EXPECT_EQ(b.value("buildNumber", -1), 1);
  EXPECT_EQ(b.value("buildStatus", ""), "SUCCEEDED");
  EXPECT_EQ(b.value("currentPhase", ""), "COMPLETED");
  EXPECT_EQ(b.value("buildComplete", false), true);
  EXPECT_EQ(phase_types(b), kAllPhases);

  ASSERT_TRUE(b.contains("phases") && b["phases"].is_array());
  double previous_start = 0;
  for (const Json& p : b["phases"]) {
    std::string type = p.value("phaseType", "");
    SCOPED_TRACE(type);
    ASSERT_TRUE(p.contains("startTime") && p["startTime"].is_number()) << p.dump();
    double start = p["startTime"].get<double>();
    EXPECT_GE(start, previous_start);
    previous_start = start;
    if (type == "COMPLETED") {
      EXPECT_EQ(p.size(), 2u) << "COMPLETED has only phaseType and startTime: " << p.dump();
      continue;
    }
    EXPECT_EQ(p.value("phaseStatus", ""), "SUCCEEDED");
    ASSERT_TRUE(p.contains("endTime") && p["endTime"].is_number()) << p.dump();
    double end = p["endTime"].get<double>();
    EXPECT_GE(end, start);
    ASSERT_TRUE(p.contains("durationInSeconds") && p["durationInSeconds"].is_number_integer())
        << p.dump();
    std::int64_t ms = std::llround(end * 1000) - std::llround(start * 1000);
    EXPECT_EQ(p["durationInSeconds"].get<std::int64_t>(), ms / 1000);
    if (type == "SUBMITTED" || type == "QUEUED") {
      EXPECT_FALSE(p.contains("contexts")) << p.dump();
    } else {
      ASSERT_TRUE(p.contains("contexts")) << p.dump();
      EXPECT_EQ(p["contexts"], Json::parse(R"([{"statusCode":"","message":""}])")) << p.dump();
    }
  }
  if (b.contains("phases") && !b["phases"].empty()) {
    EXPECT_EQ(b.value("startTime", -1.0), b["phases"].front().value("startTime", -2.0));
    EXPECT_EQ(b.value("endTime", -1.0), b["phases"].back().value("startTime", -2.0));
  }

  ASSERT_TRUE(b.contains("logs")) << b.dump();
  EXPECT_EQ(b["logs"].value("groupName", ""), "/aws/codebuild/proj");
  EXPECT_EQ(b["logs"].value("streamName", ""), uuid);
  ASSERT_TRUE(b.contains("artifacts")) << b.dump();
  EXPECT_EQ(b["artifacts"].value("location", ""), "arn:aws:s3:::artifacts/proj/" + uuid + "/proj");
  EXPECT_FALSE(b["artifacts"].contains("md5sum")) << "md5sum only for ZIP packaging";
  EXPECT_EQ(artifact_files(b), std::set<std::string>({"out.txt"}));
  EXPECT_EQ(read_file(artifact_path(b) / "out.txt"), "hi\n");
}

TEST_F(RunTest, ProvidesCodebuildVariables) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - pwd > @P@/pwd\n"
      "      - echo \"$CODEBUILD_BUILD_ID\" > @P@/id\n"
      "      - echo \"$CODEBUILD_BUILD_NUMBER\" > @P@/number\n"
      "      - echo \"$CODEBUILD_SRC_DIR\" > @P@/srcdir\n"
      "      - echo \"$CODEBUILD_START_TIME\" > @P@/start\n"
      "      - echo \"$AWS_REGION\" > @P@/region\n"
      "      - test -f \"$CODEBUILD_SRC_DIR/buildspec.yml\" && echo yes > @P@/has_spec\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  ASSERT_TRUE(r.build.is_object()) << dump(r);
  EXPECT_EQ(probe("id"), r.build.value("id", "?"));
  EXPECT_EQ(probe("number"), "1");
  ASSERT_TRUE(probe("srcdir").has_value());
  EXPECT_FALSE(probe("srcdir")->empty());
  EXPECT_EQ(probe("pwd"), probe("srcdir")) << "the first command starts in CODEBUILD_SRC_DIR";
  EXPECT_EQ(probe("has_spec"), "yes") << "the source is in CODEBUILD_SRC_DIR";
  std::string region = probe("region").value_or("");
  EXPECT_FALSE(region.empty());
  EXPECT_NE(r.build.value("arn", "").find(":" + region + ":"), std::string::npos);
  std::string start = probe("start").value_or("");
  ASSERT_TRUE(std::regex_match(start, std::regex("[0-9]{13}"))) << "epoch ms: " << start;
  double build_start = r.build.value("startTime", 0.0);
  EXPECT_LT(std::abs(std::stod(start) / 1000.0 - build_start), 60.0)
      << start << " vs startTime " << build_start;
}

// ------------------------------------------------------ command semantics §1.4

TEST_F(RunTest, Version02CarriesCdAndExportAcrossCommandsAndPhases) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    commands:\n"
      "      - mkdir -p sub/dir\n"
      "      - cd sub\n"
      "      - export FOO=bar\n"
      "      - echo \"$FOO\" > @P@/same_phase_var\n"
      "      - pwd > @P@/same_phase_pwd\n"
      "  build:\n"
      "    commands:\n"
      "      - cd dir\n"
      "      - FOO=\"$FOO-baz\"; export FOO\n"
      "  post_build:\n"
      "    commands:\n"
      "      - echo \"$FOO\" > @P@/var\n"
      "      - pwd > @P@/pwd\n"
      "      - echo \"$CODEBUILD_SRC_DIR\" > @P@/src\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  std::string src = probe("src").value_or("?");
  EXPECT_EQ(probe("same_phase_var"), "bar");
  EXPECT_EQ(probe("same_phase_pwd"), src + "/sub");
  EXPECT_EQ(probe("var"), "bar-baz");
  EXPECT_EQ(probe("pwd"), src + "/sub/dir");
}

TEST_F(RunTest, Version01RunsEveryCommandIndependently) {
  RunResult r = run_spec(
      "version: 0.1\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p sub && cd sub && export X=1\n"
      "      - pwd > @P@/pwd\n"
      "      - echo \"${X:-unset}\" > @P@/x\n"
      "      - echo \"$CODEBUILD_SRC_DIR\" > @P@/src\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("pwd"), probe("src").value_or("?"));
  EXPECT_EQ(probe("x"), "unset");
}

TEST_F(RunTest, ExitInACommandFailsOnlyThatCommand) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - export KEPT=yes\n"
      "      - exit 1\n"
      "      - echo after > @P@/after\n"
      "  post_build:\n"
      "    commands:\n"
      "      - echo \"$KEPT\" > @P@/post\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "FAILED");
  EXPECT_EQ(context_code(r.build, "BUILD"), "COMMAND_EXECUTION_ERROR");
  EXPECT_EQ(context_message(r.build, "BUILD"),
            "Error while executing command: exit 1. Reason: exit status 1");
  EXPECT_FALSE(probe("after")) << "the rest of the phase's commands is skipped";
  EXPECT_EQ(probe("post"), "yes") << "later phases run, in the carried state";
}

TEST_F(RunTest, FinallyRunsAfterAFailedCommand) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo one > @P@/one\n"
      "      - false\n"
      "      - echo two > @P@/two\n"
      "    finally:\n"
      "      - echo fin > @P@/finally\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(probe("one"), "one");
  EXPECT_FALSE(probe("two"));
  EXPECT_EQ(probe("finally"), "fin");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "FAILED");
  EXPECT_EQ(context_message(r.build, "BUILD"),
            "Error while executing command: false. Reason: exit status 1");
}

TEST_F(RunTest, FailureContextNamesTheCommandAndItsExitStatus) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - sh -c 'exit 7'\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(context_message(r.build, "BUILD"),
            "Error while executing command: sh -c 'exit 7'. Reason: exit status 7");
}

TEST_F(RunTest, CommandsReadAnEmptyStdin) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - cat > @P@/stdin\n",
      {"--timeout-seconds", "30"});
  EXPECT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("stdin"), "");
}

TEST_F(RunTest, BackgroundProcessDoesNotHoldTheBuildAndEndsWithIt) {
  const std::string marker = "1234.8";
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - nohup sleep " +
          marker +
          " > /dev/null 2>&1 &\n"
          "      - echo after > @P@/after\n",
      {"--timeout-seconds", "30"});
  EXPECT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("after"), "after");
  EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>())
      << "a background process outlived its build";
}

TEST_F(RunTest, DefaultShellIsPosixShAndEnvShellSelectsBash) {
  RunResult posix = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - '[[ 1 == 1 ]]'\n");
  EXPECT_EQ(posix.process.exit_code, 1) << "dash has no [[\n" << dump(posix);
  RunResult bash = run_spec(
      "version: 0.2\n"
      "env:\n"
      "  shell: bash\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - '[[ 1 == 1 ]]'\n"
      "      - echo \"$BASH_VERSION\" > @P@/bash\n");
  EXPECT_EQ(bash.process.exit_code, 0) << dump(bash);
  EXPECT_FALSE(probe("bash").value_or("").empty());
}

// ---------------------------------------------------- failure handling §1.5

TEST_F(RunTest, FailedBuildStillRunsPostBuildAndUploadWithSucceedingZero) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    commands:\n"
      "      - echo \"$CODEBUILD_BUILD_SUCCEEDING\" > @P@/install\n"
      "  build:\n"
      "    commands:\n"
      "      - echo partial > out.txt\n"
      "      - false\n"
      "  post_build:\n"
      "    commands:\n"
      "      - echo \"$CODEBUILD_BUILD_SUCCEEDING\" > @P@/post\n"
      "artifacts:\n"
      "  files:\n"
      "    - out.txt\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(probe("install"), "1");
  EXPECT_EQ(probe("post"), "0");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "FAILED");
  EXPECT_EQ(phase_status(r.build, "POST_BUILD"), "SUCCEEDED");
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "SUCCEEDED");
  EXPECT_EQ(artifact_files(r.build), std::set<std::string>({"out.txt"}));
}

TEST_F(RunTest, FailedPostBuildStillUploadsArtifacts) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo out > out.txt\n"
      "  post_build:\n"
      "    commands:\n"
      "      - false\n"
      "artifacts:\n"
      "  files:\n"
      "    - out.txt\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(phase_status(r.build, "POST_BUILD"), "FAILED");
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "SUCCEEDED");
  EXPECT_EQ(artifact_files(r.build), std::set<std::string>({"out.txt"}));
}

TEST_F(RunTest, FailedInstallSkipsToFinalizing) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    commands:\n"
      "      - false\n"
      "  pre_build:\n"
      "    commands:\n"
      "      - echo pre > @P@/pre\n"
      "  build:\n"
      "    commands:\n"
      "      - echo build > @P@/build\n"
      "  post_build:\n"
      "    commands:\n"
      "      - echo post > @P@/post\n"
      "artifacts:\n"
      "  files:\n"
      "    - buildspec.yml\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_types(r.build),
            std::vector<std::string>({"SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE",
                                      "INSTALL", "FINALIZING", "COMPLETED"}));
  EXPECT_EQ(phase_status(r.build, "INSTALL"), "FAILED");
  EXPECT_EQ(context_code(r.build, "INSTALL"), "COMMAND_EXECUTION_ERROR");
  EXPECT_FALSE(probe("pre"));
  EXPECT_FALSE(probe("build"));
  EXPECT_FALSE(probe("post"));
  EXPECT_TRUE(all_stored_objects().empty());
}

TEST_F(RunTest, FailedPreBuildSkipsToFinalizing) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  pre_build:\n"
      "    commands:\n"
      "      - false\n"
      "  build:\n"
      "    commands:\n"
      "      - echo build > @P@/build\n"
      "  post_build:\n"
      "    commands:\n"
      "      - echo post > @P@/post\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(phase_types(r.build),
            std::vector<std::string>({"SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE",
                                      "INSTALL", "PRE_BUILD", "FINALIZING", "COMPLETED"}));
  EXPECT_EQ(phase_status(r.build, "PRE_BUILD"), "FAILED");
  EXPECT_FALSE(probe("build"));
  EXPECT_FALSE(probe("post"));
}

TEST_F(RunTest, OnFailureAbortEndsTheBuildAfterThePhase) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    on-failure: ABORT\n"
      "    commands:\n"
      "      - false\n"
      "  post_build:\n"
      "    commands:\n"
      "      - echo post > @P@/post\n"
      "artifacts:\n"
      "  files:\n"
      "    - buildspec.yml\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "FAILED");
  EXPECT_EQ(phase_status(r.build, "POST_BUILD"), "<absent>");
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "<absent>");
  EXPECT_EQ(phase_status(r.build, "FINALIZING"), "SUCCEEDED");
  EXPECT_FALSE(probe("post"));
  EXPECT_TRUE(all_stored_objects().empty());
}

TEST_F(RunTest, OnFailureContinueRunsTheNextPhasesAndFailsTheBuild) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    on-failure: CONTINUE\n"
      "    commands:\n"
      "      - false\n"
      "  pre_build:\n"
      "    commands:\n"
      "      - echo pre > @P@/pre\n"
      "  build:\n"
      "    commands:\n"
      "      - echo build > @P@/build\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "INSTALL"), "FAILED");
  EXPECT_EQ(phase_status(r.build, "PRE_BUILD"), "SUCCEEDED");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "SUCCEEDED");
  EXPECT_EQ(phase_status(r.build, "POST_BUILD"), "SUCCEEDED");
  EXPECT_EQ(probe("pre"), "pre");
  EXPECT_EQ(probe("build"), "build");
}

// ------------------------------------------------------------ variables §1.6–§1.7

TEST_F(RunTest, ExportsVariablesSetInTheBuildPhase) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "env:\n"
      "  exported-variables:\n"
      "    - MY_VAR\n"
      "    - FROM_SPEC\n"
      "  variables:\n"
      "    FROM_SPEC: spec-value\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - export MY_VAR=\"hello world\"\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(exported(r.build, "MY_VAR"), "hello world") << r.build.dump();
  EXPECT_EQ(exported(r.build, "FROM_SPEC"), "spec-value") << r.build.dump();
}

TEST_F(RunTest, EnvOptionWinsOverBuildspecVariables) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "env:\n"
      "  variables:\n"
      "    A: from-spec\n"
      "    B: from-spec\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo \"$A\" > @P@/a\n"
      "      - echo \"$B\" > @P@/b\n"
      "      - echo \"$C\" > @P@/c\n",
      {"--env", "A=from-cli", "--env", "C=only-cli"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("a"), "from-cli");
  EXPECT_EQ(probe("b"), "from-spec");
  EXPECT_EQ(probe("c"), "only-cli");
}

TEST_F(RunTest, EnvValuesReachCommandsLiterally) {
  const std::string tricky = "a  b \"q\" 'p' $HOME `id` \\ ; | & *";
  RunResult r = run_spec(
      "version: 0.2\n"
      "env:\n"
      "  variables:\n"
      "    SPACED: \"x  y 'z' \\\"w\\\"\"\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - printf '%s' \"$TRICKY\" > @P@/tricky\n"
      "      - printf '%s' \"$MULTI\" > @P@/multi\n"
      "      - printf '%s' \"$SPACED\" > @P@/spaced\n",
      {"--env", "TRICKY=" + tricky, "--env", "MULTI=line1\nline2"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(read_file(fs::path(probe_.path()) / "tricky"), tricky);
  EXPECT_EQ(read_file(fs::path(probe_.path()) / "multi"), "line1\nline2");
  EXPECT_EQ(read_file(fs::path(probe_.path()) / "spaced"), "x  y 'z' \"w\"");
}

// ------------------------------------------------------- timeout and stop §2.4

TEST_F(RunTest, TimeoutEndsTheBuildTimedOutAndKillsTheCommand) {
  const std::string marker = "1234.5";
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo started > @P@/started\n"
      "      - sleep " +
          marker +
          "\n"
          "  post_build:\n"
          "    commands:\n"
          "      - echo post > @P@/post\n",
      {"--timeout-seconds", "2"});
  EXPECT_EQ(r.process.exit_code, 4) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "TIMED_OUT");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "TIMED_OUT");
  std::vector<std::string> types = phase_types(r.build);
  ASSERT_GE(types.size(), 3u) << r.build.dump();
  EXPECT_EQ(std::vector<std::string>(types.end() - 3, types.end()),
            std::vector<std::string>({"BUILD", "FINALIZING", "COMPLETED"}));
  EXPECT_EQ(r.build.value("currentPhase", ""), "COMPLETED");
  EXPECT_EQ(r.build.value("buildComplete", false), true);
  EXPECT_EQ(probe("started"), "started");
  EXPECT_FALSE(probe("post"));
  EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>()) << "sleep survived the build";
}

TEST_F(RunTest, TimeoutKillsACommandThatIgnoresSigterm) {
  const std::string marker = "1234.9";
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - trap '' TERM; sleep " +
          marker + "; echo survived > @P@/survived\n",
      {"--timeout-seconds", "2"});
  EXPECT_EQ(r.process.exit_code, 4) << dump(r);
  EXPECT_EQ(phase_status(r.build, "BUILD"), "TIMED_OUT");
  EXPECT_FALSE(probe("survived"));
  EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>()) << "sleep survived the build";
}

TEST_F(RunTest, TimeoutInInstallSkipsTheLaterPhases) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    commands:\n"
      "      - sleep 1235.1\n"
      "  build:\n"
      "    commands:\n"
      "      - echo build > @P@/build\n",
      {"--timeout-seconds", "2"});
  EXPECT_EQ(r.process.exit_code, 4) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "TIMED_OUT");
  EXPECT_EQ(phase_types(r.build),
            std::vector<std::string>({"SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE",
                                      "INSTALL", "FINALIZING", "COMPLETED"}));
  EXPECT_EQ(phase_status(r.build, "INSTALL"), "TIMED_OUT");
  EXPECT_FALSE(probe("build"));
  EXPECT_EQ(live_processes_with_arg("1235.1"), std::vector<int>());
}

class RunStopTest : public RunTest {
 protected:
  // Starts kiln (stdout/stderr to files), sends `signal` once the build's
  // command has started, and checks the STOPPED record.
  void stop_with(int signal, const std::string& marker) {
    write_spec(
        "version: 0.2\n"
        "phases:\n"
        "  build:\n"
        "    commands:\n"
        "      - echo started > @P@/started\n"
        "      - sleep " +
        marker +
        "\n"
        "  post_build:\n"
        "    commands:\n"
        "      - echo post > @P@/post\n");
    std::vector<std::string> argv = {kiln::testing::kiln_binary(),
                                     "run",
                                     src_.path(),
                                     "--executor",
                                     "shell",
                                     "--json",
                                     "-q",
                                     "--data-dir",
                                     data_.path(),
                                     "--artifacts-dir",
                                     artifacts_.path(),
                                     "--project-name",
                                     "proj"};
    std::string out_path = probe_.path() + "/kiln.out", err_path = probe_.path() + "/kiln.err";
    pid_t pid = kiln::testing::spawn_in_background(argv, out_path, err_path);
    ASSERT_GT(pid, 0) << "spawn failed";

    // Wait for the command to start (the build writes the marker file).
    auto guard = std::chrono::steady_clock::now() + kHangGuard;
    int status = 0;
    bool exited = false;
    while (!probe("started") && std::chrono::steady_clock::now() < guard) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    if (!exited) {
      std::this_thread::sleep_for(200ms);  // let the shell reach `sleep`
      ::kill(pid, signal);
      while (std::chrono::steady_clock::now() < guard) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          exited = true;
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
      if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL() << "kiln did not exit after the signal\n" << read_file(err_path);
      }
    }
    std::string out = read_file(out_path), err = read_file(err_path);
    ASSERT_TRUE(WIFEXITED(status)) << "kiln died by a signal\nstderr:\n" << err;
    EXPECT_EQ(WEXITSTATUS(status), 5) << "stdout:\n" << out << "\nstderr:\n" << err;
    Json b = parse_build(out);
    ASSERT_TRUE(b.is_object()) << "stdout:\n" << out << "\nstderr:\n" << err;
    EXPECT_EQ(b.value("buildStatus", ""), "STOPPED");
    EXPECT_EQ(phase_status(b, "BUILD"), "STOPPED");
    EXPECT_EQ(phase_status(b, "POST_BUILD"), "<absent>");
    EXPECT_EQ(phase_status(b, "UPLOAD_ARTIFACTS"), "<absent>");
    EXPECT_EQ(phase_types(b).back(), "COMPLETED");
    EXPECT_EQ(b.value("currentPhase", ""), "COMPLETED");
    EXPECT_EQ(b.value("buildComplete", false), true);
    EXPECT_FALSE(probe("post"));
    EXPECT_EQ(live_processes_with_arg(marker), std::vector<int>()) << "sleep survived the stop";
  }
};

TEST_F(RunStopTest, SigintStopsTheBuild) { stop_with(SIGINT, "1234.6"); }

TEST_F(RunStopTest, SigtermStopsTheBuild) { stop_with(SIGTERM, "1234.7"); }

// ------------------------------------------------------------- artifacts §1.8

TEST_F(RunTest, ArtifactGlobsWithDoubleStar) {
  src_.write("lib/checked-in.txt", "from source\n");
  src_.write("lib/deep/no.md", "not selected\n");
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p dir/sub/deeper\n"
      "      - echo a > top.txt\n"
      "      - echo b > dir/b.txt\n"
      "      - echo c > dir/sub/c.txt\n"
      "      - echo d > dir/sub/deeper/d.log\n"
      "      - echo no > other.txt\n"
      "artifacts:\n"
      "  files:\n"
      "    - 'dir/**/*'\n"
      "    - top.txt\n"
      "    - 'lib/*'\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(artifact_files(r.build),
            std::set<std::string>({"dir/b.txt", "dir/sub/c.txt", "dir/sub/deeper/d.log", "top.txt",
                                   "lib/checked-in.txt"}));
  EXPECT_EQ(read_file(artifact_path(r.build) / "dir/sub/c.txt"), "c\n");
  EXPECT_EQ(read_file(artifact_path(r.build) / "lib/checked-in.txt"), "from source\n");
}

TEST_F(RunTest, ArtifactBaseDirectoryIsRelativeToTheSourceNotTheCwd) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p out/d\n"
      "      - echo x > out/x.txt\n"
      "      - echo y > out/d/y.txt\n"
      "      - echo z > notout.txt\n"
      "      - cd out/d\n"
      "artifacts:\n"
      "  base-directory: out\n"
      "  files:\n"
      "    - '**/*'\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(artifact_files(r.build), std::set<std::string>({"x.txt", "d/y.txt"}));
}

TEST_F(RunTest, ArtifactBaseDirectoryGlobGivesSeveralRoots) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p out-a/skip out-b other\n"
      "      - echo x > out-a/x.txt\n"
      "      - echo s > out-a/skip/s.txt\n"
      "      - echo y > out-b/y.txt\n"
      "      - echo o > other/o.txt\n"
      "artifacts:\n"
      "  base-directory: 'out-*'\n"
      "  files:\n"
      "    - '**/*'\n"
      "  exclude-paths:\n"
      "    - 'skip/**/*'\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(artifact_files(r.build), std::set<std::string>({"x.txt", "y.txt"}));
}

TEST_F(RunTest, ArtifactDiscardPathsCollisionLastWins) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p a b c\n"
      "      - echo A > a/f.txt\n"
      "      - echo B > b/f.txt\n"
      "      - echo G > c/g.txt\n"
      "artifacts:\n"
      "  discard-paths: yes\n"
      "  files:\n"
      "    - a/f.txt\n"
      "    - b/f.txt\n"
      "    - c/g.txt\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(artifact_files(r.build), std::set<std::string>({"f.txt", "g.txt"}));
  EXPECT_EQ(read_file(artifact_path(r.build) / "f.txt"), "B\n");
}

TEST_F(RunTest, ZipWithDiscardPathsHasOneEntryPerName) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p a b\n"
      "      - echo A > a/f.txt\n"
      "      - echo B > b/f.txt\n"
      "artifacts:\n"
      "  discard-paths: yes\n"
      "  files:\n"
      "    - a/f.txt\n"
      "    - b/f.txt\n",
      {"--zip"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  std::string zip = artifact_path(r.build).string();
  EXPECT_EQ(kiln::testing::run_command({"unzip", "-Z1", zip}).out, "f.txt\n");
  EXPECT_EQ(kiln::testing::run_command({"unzip", "-p", zip, "f.txt"}).out, "B\n");
}

TEST_F(RunTest, ArtifactExcludePaths) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p keep tmp/x\n"
      "      - echo 1 > keep/a.txt\n"
      "      - echo 2 > keep/a.log\n"
      "      - echo 3 > tmp/x/b.txt\n"
      "      - echo 4 > root.txt\n"
      "artifacts:\n"
      "  files:\n"
      "    - '**/*'\n"
      "  exclude-paths:\n"
      "    - '**/*.log'\n"
      "    - 'tmp/**/*'\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(artifact_files(r.build),
            std::set<std::string>({"buildspec.yml", "keep/a.txt", "root.txt"}));
}

TEST_F(RunTest, NoMatchingArtifactFailsUploadWithClientError) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo hi > out.txt\n"
      "artifacts:\n"
      "  files:\n"
      "    - 'nothing/*.bin'\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "SUCCEEDED");
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "FAILED");
  EXPECT_EQ(context_code(r.build, "UPLOAD_ARTIFACTS"), "CLIENT_ERROR");
  EXPECT_EQ(context_message(r.build, "UPLOAD_ARTIFACTS"), "no matching artifact paths found");
  EXPECT_EQ(phase_types(r.build).back(), "COMPLETED");
}

TEST_F(RunTest, ArtifactSymlinkOutOfTheSourceIsRefused) {
  probe_.write("secret.txt", "secret-outside-the-source\n");
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo fine > ok.txt\n"
      "      - ln -s @P@/secret.txt leak.txt\n"
      "artifacts:\n"
      "  files:\n"
      "    - ok.txt\n"
      "    - leak.txt\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "BUILD"), "SUCCEEDED");
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "FAILED");
  for (const fs::path& object : all_stored_objects())
    EXPECT_EQ(read_file(object).find("secret-outside"), std::string::npos) << object;
}

TEST_F(RunTest, ArtifactSymlinkedDirectoryOutOfTheSourceIsRefused) {
  probe_.write("outside/secret.txt", "secret-outside-the-source\n");
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo fine > ok.txt\n"
      "      - ln -s @P@/outside linked\n"
      "artifacts:\n"
      "  files:\n"
      "    - '**/*'\n");
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED") << dump(r);
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "FAILED");
  for (const fs::path& object : all_stored_objects())
    EXPECT_EQ(read_file(object).find("secret-outside"), std::string::npos) << object;
}

TEST_F(RunTest, ZipArtifactWithChecksums) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p d\n"
      "      - echo a > a.txt\n"
      "      - echo b > d/b.txt\n"
      "artifacts:\n"
      "  files:\n"
      "    - a.txt\n"
      "    - 'd/**/*'\n",
      {"--zip"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  fs::path zip = artifact_path(r.build);
  ASSERT_TRUE(fs::is_regular_file(zip)) << zip << "\n" << r.build.dump(2);
  EXPECT_EQ(r.build["artifacts"].value("location", ""),
            "arn:aws:s3:::artifacts/proj/" + uuid_of(r.build) + "/proj");

  CommandResult list = kiln::testing::run_command({"unzip", "-Z1", zip.string()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::set<std::string> entries;
  for (const std::string& line : lines_of(list.out))
    if (!line.empty() && line.back() != '/') entries.insert(line);
  EXPECT_EQ(entries, std::set<std::string>({"a.txt", "d/b.txt"}));
  CommandResult content = kiln::testing::run_command({"unzip", "-p", zip.string(), "d/b.txt"});
  EXPECT_EQ(content.out, "b\n");

  CommandResult md5 = kiln::testing::run_command({"md5sum", zip.string()});
  CommandResult sha = kiln::testing::run_command({"sha256sum", zip.string()});
  EXPECT_EQ(r.build["artifacts"].value("md5sum", ""), md5.out.substr(0, 32));
  EXPECT_EQ(r.build["artifacts"].value("sha256sum", ""), sha.out.substr(0, 64));
}

TEST_F(RunTest, ArtifactNameIsShellEvaluated) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "env:\n"
      "  variables:\n"
      "    TAG: v7\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo a > a.txt\n"
      "artifacts:\n"
      "  name: out-$TAG\n"
      "  files:\n"
      "    - a.txt\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(r.build["artifacts"].value("location", ""),
            "arn:aws:s3:::artifacts/proj/" + uuid_of(r.build) + "/out-v7");
  EXPECT_EQ(artifact_files(r.build), std::set<std::string>({"a.txt"}));
}

TEST_F(RunTest, ArtifactNameRunsCommandSubstitution) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo a > a.txt\n"
      "artifacts:\n"
      "  name: build-$(echo abc)\n"
      "  files:\n"
      "    - a.txt\n",
      {"--zip"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(r.build["artifacts"].value("location", ""),
            "arn:aws:s3:::artifacts/proj/" + uuid_of(r.build) + "/build-abc");
  EXPECT_TRUE(fs::is_regular_file(artifact_path(r.build)));
}

// ------------------------------------------------------------- sources, buildspec

class RunGitTest : public RunTest {
 protected:
  void SetUp() override {
    git({"init", "-q", "-b", "main"});
    repo_.write("buildspec.yml", with_probe("version: 0.2\n"
                                            "phases:\n"
                                            "  build:\n"
                                            "    commands:\n"
                                            "      - cat file.txt > @P@/content\n"
                                            "      - echo \"$CODEBUILD_RESOLVED_SOURCE_VERSION\" > "
                                            "@P@/resolved_env\n"));
    repo_.write("file.txt", "one\n");
    git({"add", "-A"});
    git({"commit", "-q", "-m", "first"});
    first_ = rev("HEAD");
    git({"tag", "-a", "v1", "-m", "release one"});
    git({"checkout", "-q", "-b", "feature"});
    repo_.write("file.txt", "two\n");
    git({"commit", "-q", "-am", "second"});
    second_ = rev("HEAD");
    git({"checkout", "-q", "main"});
    ASSERT_NE(first_, second_);
  }

  void git(std::vector<std::string> args) {
    std::vector<std::string> argv = {"git",
                                     "-C",
                                     repo_.path(),
                                     "-c",
                                     "user.name=kiln",
                                     "-c",
                                     "user.email=kiln@example.com",
                                     "-c",
                                     "commit.gpgsign=false",
                                     "-c",
                                     "tag.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = kiln::testing::run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string rev(const std::string& what) {
    CommandResult r = kiln::testing::run_command({"git", "-C", repo_.path(), "rev-parse", what});
    std::string sha = r.out.substr(0, r.out.find('\n'));
    return sha;
  }

  void build_at(const std::string& version, const std::string& expected_sha,
                const std::string& expected_content) {
    RunResult r = run({repo_.path(), "--source-version", version});
    ASSERT_EQ(r.process.exit_code, 0) << dump(r);
    EXPECT_EQ(r.build.value("resolvedSourceVersion", ""), expected_sha) << r.build.dump(2);
    EXPECT_EQ(probe("content"), expected_content);
    EXPECT_EQ(probe("resolved_env"), expected_sha);
    // The repository itself is left as it was.
    EXPECT_EQ(rev("HEAD"), first_);
    EXPECT_EQ(kiln::testing::run_command({"git", "-C", repo_.path(), "status", "--porcelain"}).out,
              "");
  }

  TempDir repo_;
  std::string first_, second_;
};

TEST_F(RunGitTest, BuildsABranch) { build_at("feature", second_, "two"); }

TEST_F(RunGitTest, BuildsAnAnnotatedTagAtItsCommit) { build_at("v1", first_, "one"); }

TEST_F(RunGitTest, BuildsACommitSha) { build_at(first_, first_, "one"); }

TEST_F(RunGitTest, BuildsAnAbbreviatedCommitSha) { build_at(second_.substr(0, 8), second_, "two"); }

TEST_F(RunGitTest, BuildsTheDefaultBranchWithoutAVersion) {
  RunResult r = run({"file://" + repo_.path()});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(r.build.value("resolvedSourceVersion", ""), first_);
  EXPECT_EQ(probe("content"), "one");
}

TEST_F(RunGitTest, ShallowCloneOfABranch) {
  RunResult r =
      run({"file://" + repo_.path(), "--source-version", "feature", "--git-clone-depth", "1"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(r.build.value("resolvedSourceVersion", ""), second_);
  EXPECT_EQ(probe("content"), "two");
}

TEST_F(RunGitTest, CommittedBuildspecSymlinkOutOfTheRepositoryIsRefused) {
  probe_.write("outside.yml", with_probe("version: 0.2\n"
                                         "phases:\n"
                                         "  build:\n"
                                         "    commands:\n"
                                         "      - echo ran > @P@/outside_ran\n"));
  git({"checkout", "-q", "-b", "evil"});
  fs::remove(repo_.path() + "/buildspec.yml");
  ASSERT_EQ(::symlink((probe_.path() + "/outside.yml").c_str(),
                      (repo_.path() + "/buildspec.yml").c_str()),
            0);
  git({"add", "-A"});
  git({"commit", "-q", "-m", "buildspec points out of the repository"});
  git({"checkout", "-q", "main"});
  RunResult r = run({"file://" + repo_.path(), "--source-version", "evil"});
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(phase_status(r.build, "DOWNLOAD_SOURCE"), "FAILED");
  EXPECT_FALSE(probe("outside_ran")) << "a buildspec outside the repository ran";
}

TEST_F(RunGitTest, UnknownVersionFailsDownloadSource) {
  RunResult r = run({repo_.path(), "--source-version", "no-such-branch"});
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "DOWNLOAD_SOURCE"), "FAILED");
  EXPECT_EQ(context_code(r.build, "DOWNLOAD_SOURCE"), "CLIENT_ERROR");
  EXPECT_EQ(phase_status(r.build, "INSTALL"), "<absent>");
  EXPECT_FALSE(probe("content"));
}

TEST_F(RunTest, InlineBuildspecWithoutSource) {
  RunResult r = run({"--no-source", "--buildspec",
                     with_probe("version: 0.2\n"
                                "phases:\n"
                                "  build:\n"
                                "    commands:\n"
                                "      - echo inline > @P@/inline\n")});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "SUCCEEDED");
  EXPECT_EQ(probe("inline"), "inline");
}

TEST_F(RunTest, InlineBuildspecReplacesTheSourceBuildspec) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo file > @P@/which\n");
  src_.write("data.txt", "from source\n");
  RunResult r = run({src_.path(), "--buildspec",
                     with_probe("version: 0.2\n"
                                "phases:\n"
                                "  build:\n"
                                "    commands:\n"
                                "      - echo inline > @P@/which\n"
                                "      - cp data.txt @P@/data\n")});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("which"), "inline");
  EXPECT_EQ(probe("data"), "from source");
}

TEST_F(RunTest, InlineBuildspecYamlErrorFailsDownloadSource) {
  RunResult r = run(
      {"--no-source", "--buildspec", "version: 0.2\nphases:\n  build:\n    commands: [unclosed\n"});
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(phase_status(r.build, "DOWNLOAD_SOURCE"), "FAILED");
  EXPECT_EQ(context_code(r.build, "DOWNLOAD_SOURCE"), "YAML_FILE_ERROR");
}

TEST_F(RunTest, BuildspecPathRelativeToTheSource) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo other > @P@/which\n",
      "ci/other.yml");
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo default > @P@/which\n");
  RunResult r = run({src_.path(), "--buildspec", "ci/other.yml"});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("which"), "other");
}

// The buildspec is read from inside the source only: `../` paths are refused,
// and so must be symlinks (a file or a directory) leading out of it.
TEST_F(RunTest, BuildspecSymlinkOutOfTheSourceIsRefused) {
  probe_.write("outside/spec.yml", with_probe("version: 0.2\n"
                                              "phases:\n"
                                              "  build:\n"
                                              "    commands:\n"
                                              "      - echo ran > @P@/outside_ran\n"));
  ASSERT_EQ(::symlink((probe_.path() + "/outside/spec.yml").c_str(),
                      (src_.path() + "/buildspec.yml").c_str()),
            0);
  ASSERT_EQ(::symlink((probe_.path() + "/outside").c_str(), (src_.path() + "/ci").c_str()), 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{src_.path()},
        std::vector<std::string>{src_.path(), "--buildspec", "ci/spec.yml"}}) {
    SCOPED_TRACE(args.back());
    RunResult r = run(args);
    EXPECT_EQ(r.process.exit_code, 1) << dump(r);
    EXPECT_EQ(phase_status(r.build, "DOWNLOAD_SOURCE"), "FAILED");
    EXPECT_EQ(phase_status(r.build, "INSTALL"), "<absent>");
    EXPECT_FALSE(probe("outside_ran")) << "a buildspec outside the source ran";
  }
}

TEST_F(RunTest, InvalidBuildspecFailsDownloadSourceBeforeAnyCommand) {
  const std::vector<std::string> specs = {
      // A command YAML reads as a mapping.
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    commands:\n"
      "      - echo ran > @P@/ran\n"
      "  build:\n"
      "    commands:\n"
      "      - echo a: b\n",
      // Not YAML at all.
      "version: 0.2\n"
      "phases:\n"
      "  install:\n"
      "    commands:\n"
      "      - echo ran > @P@/ran\n"
      "  build: [unclosed\n",
  };
  for (const std::string& spec : specs) {
    SCOPED_TRACE(spec);
    RunResult r = run_spec(spec);
    EXPECT_EQ(r.process.exit_code, 1) << dump(r);
    EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
    EXPECT_EQ(phase_status(r.build, "DOWNLOAD_SOURCE"), "FAILED");
    EXPECT_EQ(context_code(r.build, "DOWNLOAD_SOURCE"), "YAML_FILE_ERROR");
    EXPECT_EQ(phase_status(r.build, "INSTALL"), "<absent>");
    EXPECT_EQ(phase_types(r.build).back(), "COMPLETED");
    EXPECT_FALSE(probe("ran"));
  }
}

TEST_F(RunTest, MissingBuildspecFailsDownloadSource) {
  src_.write("README", "no buildspec here\n");
  RunResult r = run({src_.path()});
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(r.build.value("buildStatus", ""), "FAILED");
  EXPECT_EQ(phase_status(r.build, "DOWNLOAD_SOURCE"), "FAILED");
  EXPECT_EQ(phase_status(r.build, "INSTALL"), "<absent>");
}

TEST_F(RunTest, SpecialFilesInTheSourceDoNotBlockTheCopy) {
  ASSERT_EQ(::mkfifo((src_.path() + "/fifo").c_str(), 0600), 0);
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo ok > @P@/ok\n");
  EXPECT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("ok"), "ok");
}

// Paths, types and contents of everything under `root`.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    if (e.is_symlink())
      files[rel] = "link:" + fs::read_symlink(e.path()).string();
    else if (e.is_directory())
      files[rel] = "dir";
    else
      files[rel] = "file:" + read_file(e.path());
  }
  return files;
}

TEST_F(RunTest, LocalSourceDirectoryIsNotModified) {
  src_.write("existing.txt", "original\n");
  src_.write("doomed.txt", "keep me\n");
  src_.write("sub/inner.txt", "inner\n");
  ASSERT_EQ(::symlink("existing.txt", (src_.path() + "/link").c_str()), 0);
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo changed > existing.txt\n"
      "      - rm -f doomed.txt sub/inner.txt\n"
      "      - mkdir -p newdir && echo new > newdir/new.txt\n"
      "      - echo appended >> buildspec.yml\n"
      "      - test -L link && echo yes > @P@/link_kept\n");
  auto before = snapshot(src_.path());
  RunResult r = run({src_.path()});
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  EXPECT_EQ(probe("link_kept"), "yes") << "the copy keeps symlinks";
  EXPECT_EQ(snapshot(src_.path()), before);
}

// ------------------------------------------------------------------ logs §2.6

// `[Container] YYYY/MM/DD HH:MM:SS[.ffffff] text` -> text; nullopt otherwise.
std::optional<std::string> agent_text(const std::string& line) {
  static const std::regex kAgent(
      R"(\[Container\] \d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? (.*))");
  std::smatch m;
  if (!std::regex_match(line, m, kAgent)) return std::nullopt;
  return m[2].str();
}

TEST_F(RunTest, KilnLogsPrintsTheLinesOfTheLiveLog) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo \"$CODEBUILD_BUILD_ID\" > @P@/id\n"
      "      - echo hello-from-the-build\n"
      "      - false\n");
  // Without --json and -q, so that the live log streams to stderr.
  CommandResult live = kiln::testing::run_command(
      {"timeout", "-k", "10", kHangGuardSeconds, kiln::testing::kiln_binary(), "run", src_.path(),
       "--executor", "shell", "--data-dir", data_.path(), "--artifacts-dir", artifacts_.path(),
       "--project-name", "proj"});
  EXPECT_EQ(live.exit_code, 1) << live.err;
  std::string id = probe("id").value_or("");
  ASSERT_FALSE(id.empty()) << live.err;

  CommandResult stored = kiln::testing::run_command(
      {kiln::testing::kiln_binary(), "logs", id, "--data-dir", data_.path()});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  std::vector<std::string> stored_lines = lines_of(stored.out);
  ASSERT_FALSE(stored_lines.empty());

  // The stored lines are the live log's, in order and contiguous.
  std::vector<std::string> live_lines = lines_of(live.err);
  auto at =
      std::search(live_lines.begin(), live_lines.end(), stored_lines.begin(), stored_lines.end());
  EXPECT_NE(at, live_lines.end()) << "stored:\n" << stored.out << "\nlive:\n" << live.err;

  // Command output is stored as it was printed; the agent's lines as CodeBuild writes them.
  EXPECT_NE(std::find(stored_lines.begin(), stored_lines.end(), "hello-from-the-build"),
            stored_lines.end())
      << stored.out;
  std::vector<std::string> agent;
  for (const std::string& line : stored_lines)
    if (auto text = agent_text(line)) agent.push_back(*text);
  auto has = [&](const std::string& text) {
    return std::find(agent.begin(), agent.end(), text) != agent.end();
  };
  EXPECT_TRUE(has("Running command echo hello-from-the-build")) << stored.out;
  EXPECT_TRUE(has("Running command false")) << stored.out;
  EXPECT_TRUE(has("Command did not exit successfully false exit status 1")) << stored.out;
  EXPECT_TRUE(has("Phase complete: BUILD State: FAILED")) << stored.out;
  EXPECT_TRUE(
      has("Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while "
          "executing command: false. Reason: exit status 1"))
      << stored.out;
}

TEST_F(RunTest, JsonStdoutIsOneObjectEvenWithTheLiveLog) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo to-the-log\n");
  CommandResult r = kiln::testing::run_command(
      {"timeout", "-k", "10", kHangGuardSeconds, kiln::testing::kiln_binary(), "run", src_.path(),
       "--executor", "shell", "--json", "--data-dir", data_.path(), "--artifacts-dir",
       artifacts_.path(), "--project-name", "proj"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Json b = parse_build(r.out);
  EXPECT_TRUE(b.is_object()) << r.out;
  EXPECT_EQ(r.out.find("to-the-log"), std::string::npos) << "the log goes to stderr";
}

TEST_F(RunTest, KilnLogsOfAnUnknownBuildFails) {
  CommandResult r = kiln::testing::run_command({kiln::testing::kiln_binary(), "logs",
                                                "proj:00000000-0000-4000-8000-000000000000",
                                                "--data-dir", data_.path()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
}

// ------------------------------------------------------------------ CLI

TEST_F(RunTest, BuildNumbersCountPerProject) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo \"$CODEBUILD_BUILD_NUMBER\" >> @P@/numbers\n");
  RunResult first = run({src_.path()});
  RunResult second = run({src_.path()});
  RunResult other = run({src_.path()}, "other");
  ASSERT_EQ(first.process.exit_code, 0) << dump(first);
  ASSERT_EQ(second.process.exit_code, 0) << dump(second);
  ASSERT_EQ(other.process.exit_code, 0) << dump(other);
  EXPECT_EQ(first.build.value("buildNumber", -1), 1);
  EXPECT_EQ(second.build.value("buildNumber", -1), 2);
  EXPECT_EQ(other.build.value("buildNumber", -1), 1);
  EXPECT_NE(first.build.value("id", ""), second.build.value("id", ""));
  EXPECT_EQ(probe("numbers"), "1\n2\n1");
}

TEST_F(RunTest, ConcurrentBuildsGetDistinctNumbers) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo \"$CODEBUILD_BUILD_NUMBER\"\n");
  std::vector<RunResult> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) threads.emplace_back([&] { result = run({src_.path()}); });
  for (auto& t : threads) t.join();
  std::set<std::int64_t> numbers;
  std::set<std::string> ids;
  for (const RunResult& r : results) {
    EXPECT_EQ(r.process.exit_code, 0) << dump(r);
    numbers.insert(r.build.value("buildNumber", std::int64_t{-1}));
    ids.insert(r.build.value("id", ""));
  }
  EXPECT_EQ(numbers, std::set<std::int64_t>({1, 2, 3, 4}));
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(RunTest, InvalidOptionsAreUsageErrors) {
  write_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo ran >> @P@/ran\n");
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},
      {"--env", "NOEQUALS"},
      {"--env", "=value"},
      {"--env", "CODEBUILD_X=1"},
      {"--timeout", "abc"},
      {"--timeout-seconds", "-3"},
      {"--git-clone-depth", "x"},
  };
  for (const auto& extra : cases) {
    std::vector<std::string> args = {src_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    SCOPED_TRACE(extra.front() + (extra.size() > 1 ? " " + extra[1] : ""));
    RunResult r = run(args);
    EXPECT_EQ(r.process.exit_code, 2) << dump(r);
  }
  // --executor is part of run()'s fixed options; an unknown one on its own:
  CommandResult r =
      kiln::testing::run_command({kiln::testing::kiln_binary(), "run", src_.path(), "--executor",
                                  "podman", "--data-dir", data_.path()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(probe("ran")) << "a usage error must not run the build";
}


// Secondary artifacts are uploaded by identifier, each under its own name,
// and listed in the record with their artifactIdentifier.
TEST_F(RunTest, SecondaryArtifactsAreUploadedByIdentifier) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - mkdir -p web api\n"
      "      - echo page > web/index.html\n"
      "      - echo bin > api/server\n"
      "artifacts:\n"
      "  files: [web/index.html]\n"
      "  secondary-artifacts:\n"
      "    api_bundle:\n"
      "      base-directory: api\n"
      "      files: [server]\n");
  ASSERT_EQ(r.process.exit_code, 0) << dump(r);
  ASSERT_TRUE(r.build.contains("secondaryArtifacts")) << dump(r);
  const Json& secondary = r.build["secondaryArtifacts"];
  ASSERT_EQ(secondary.size(), 1u) << dump(r);
  EXPECT_EQ(secondary[0].value("artifactIdentifier", ""), "api_bundle");
  std::string location = secondary[0].value("location", "");
  const std::string prefix = "arn:aws:s3:::";
  ASSERT_EQ(location.rfind(prefix, 0), 0u) << location;
  EXPECT_NE(location.find("/api_bundle"), std::string::npos) << location;
  fs::path dir = fs::path(artifacts_.path()) / location.substr(prefix.size());
  EXPECT_EQ(read_file(dir / "server"), "bin\n");
  EXPECT_EQ(read_file(artifact_path(r.build) / "web/index.html"), "page\n");
}

TEST_F(RunTest, SecondaryArtifactWithNoMatchFailsUpload) {
  RunResult r = run_spec(
      "version: 0.2\n"
      "phases:\n"
      "  build:\n"
      "    commands:\n"
      "      - echo x > x.txt\n"
      "artifacts:\n"
      "  files: [x.txt]\n"
      "  secondary-artifacts:\n"
      "    other:\n"
      "      files: [missing.txt]\n");
  EXPECT_EQ(r.process.exit_code, 1) << dump(r);
  EXPECT_EQ(phase_status(r.build, "UPLOAD_ARTIFACTS"), "FAILED");
  EXPECT_EQ(context_code(r.build, "UPLOAD_ARTIFACTS"), "CLIENT_ERROR");
}

}  // namespace
}  // namespace kiln::cli
