// SPDX-License-Identifier: Apache-2.0
// `kiln run --executor docker` as a real process against the real daemon and
// the curated images (`kiln image build all` first): a build runs inside a
// container, a missing image fails PROVISIONING, an unreachable daemon is
// reported, and no build container outlives its build.
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace kiln::cli {
namespace {

namespace fs = std::filesystem;
using kiln::testing::CommandResult;
using kiln::testing::TempDir;
using Json = nlohmann::json;

constexpr char kBusybox[] = "kiln/busybox:1.0";
constexpr char kStandard[] = "kiln/standard:1.0";
constexpr char kBuildLabel[] = "org.kiln.build";
constexpr const char* kHangGuardSeconds = "300";  // image pulls may be slow to fail

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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
    CommandResult r =
        curl("/containers/json?all=1&filters=%7B%22label%22%3A%5B%22" + std::string(kBuildLabel) +
             "%22%5D%7D");
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
  src_.write("hello.c", "#include <stdio.h>\nint main(void) { puts(\"hi from gcc\"); return 0; }\n");
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
