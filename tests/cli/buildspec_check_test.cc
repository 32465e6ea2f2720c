// SPDX-License-Identifier: Apache-2.0
// `kiln buildspec check FILE... [--json]`, run as a real process: output
// lines, exit codes (0 all valid, 1 any invalid, 2 usage) and --json shape.
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace kiln::cli {
namespace {

using kiln::testing::CommandResult;
using Json = nlohmann::json;

constexpr const char* kValid =
    "version: 0.2\n"
    "phases:\n"
    "  build:\n"
    "    commands:\n"
    "      - make\n";

constexpr const char* kInvalid =  // a command YAML reads as a mapping
    "version: 0.2\n"
    "phases:\n"
    "  build:\n"
    "    commands:\n"
    "      - echo a: b\n";

constexpr const char* kValidWithWarning =
    "version: 0.2\n"
    "phases:\n"
    "  build:\n"
    "    commands:\n"
    "      - make\n"
    "artifact:\n"
    "  files: x\n";

class BuildspecCheckTest : public ::testing::Test {
 protected:
  CommandResult run_kiln(std::vector<std::string> args) {
    args.insert(args.begin(), kiln::testing::kiln_binary());
    return kiln::testing::run_command(args);
  }

  static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
    return lines;
  }

  static bool has_line(const std::string& text, const std::string& line) {
    auto lines = lines_of(text);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  }

  static bool has_line_starting(const std::string& text, const std::string& prefix) {
    for (const std::string& line : lines_of(text))
      if (line.rfind(prefix, 0) == 0) return true;
    return false;
  }

  static std::string dump(const CommandResult& r) {
    return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
  }

  kiln::testing::TempDir dir_;
};

TEST_F(BuildspecCheckTest, ValidFileExitsZeroAndPrintsOk) {
  std::string file = dir_.write("buildspec.yml", kValid);
  CommandResult r = run_kiln({"buildspec", "check", file});
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_EQ(lines_of(r.out), std::vector<std::string>{file + ": ok"}) << dump(r);
}

TEST_F(BuildspecCheckTest, InvalidFileExitsOneAndPrintsLocatedError) {
  std::string file = dir_.write("bad.yml", kInvalid);
  CommandResult r = run_kiln({"buildspec", "check", file});
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_TRUE(has_line_starting(r.out, file + ":5:9: error: phases.build.commands[0]: "))
      << dump(r);
  EXPECT_FALSE(has_line(r.out, file + ": ok")) << dump(r);
}

TEST_F(BuildspecCheckTest, AllValidFilesExitZero) {
  std::string a = dir_.write("a.yml", kValid);
  std::string b = dir_.write("b.yml", kValidWithWarning);
  CommandResult r = run_kiln({"buildspec", "check", a, b});
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_TRUE(has_line(r.out, a + ": ok")) << dump(r);
  EXPECT_TRUE(has_line(r.out, b + ": ok")) << dump(r);
}

TEST_F(BuildspecCheckTest, MixedValidAndInvalidFilesExitOne) {
  std::string good = dir_.write("good.yml", kValid);
  std::string bad = dir_.write("bad.yml", kInvalid);
  for (const auto& order : {std::vector<std::string>{good, bad}, std::vector<std::string>{bad, good}}) {
    std::vector<std::string> args = {"buildspec", "check"};
    args.insert(args.end(), order.begin(), order.end());
    CommandResult r = run_kiln(args);
    EXPECT_EQ(r.exit_code, 1) << dump(r);
    EXPECT_TRUE(has_line(r.out, good + ": ok")) << dump(r);
    EXPECT_TRUE(has_line_starting(r.out, bad + ":5:9: error: ")) << dump(r);
    EXPECT_FALSE(has_line(r.out, bad + ": ok")) << dump(r);
  }
}

TEST_F(BuildspecCheckTest, PrintsWarningsOfValidFile) {
  std::string file = dir_.write("warn.yml", kValidWithWarning);
  CommandResult r = run_kiln({"buildspec", "check", file});
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_TRUE(has_line(r.out, file + ": ok")) << dump(r);
  EXPECT_TRUE(has_line_starting(r.out, file + ":6:1: warning: artifact: ")) << dump(r);
}

TEST_F(BuildspecCheckTest, PrintsErrorsAndWarningsOfInvalidFile) {
  std::string file = dir_.write("both.yml", std::string(kInvalid) + "artifact:\n  files: x\n");
  CommandResult r = run_kiln({"buildspec", "check", file});
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_TRUE(has_line_starting(r.out, file + ":5:9: error: ")) << dump(r);
  EXPECT_TRUE(has_line_starting(r.out, file + ":6:1: warning: artifact: ")) << dump(r);
}

TEST_F(BuildspecCheckTest, MissingFileExitsOne) {
  std::string missing = dir_.path() + "/nosuch.yml";
  std::string good = dir_.write("good.yml", kValid);
  CommandResult r = run_kiln({"buildspec", "check", good, missing});
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_TRUE(has_line(r.out, good + ": ok")) << dump(r);
  bool reported = false;
  for (const std::string& line : lines_of(r.out))
    reported |= line.rfind(missing, 0) == 0 && line.find("error: ") != std::string::npos;
  EXPECT_TRUE(reported) << dump(r);
}

TEST_F(BuildspecCheckTest, HugeFileIsRefusedQuickly) {
  std::string file = dir_.write("huge.yml", kValid);
  std::filesystem::resize_file(file, 50u * 1024 * 1024);
  CommandResult r = run_kiln({"buildspec", "check", file});
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  EXPECT_TRUE(has_line_starting(r.out, file + ":")) << dump(r);
  EXPECT_NE(r.out.find("error: "), std::string::npos) << dump(r);
}

// ---------------------------------------------------------------- --json

Json parse_json(const CommandResult& r) {
  try {
    return Json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "stdout is not JSON (" << e.what() << "):\n" << r.out;
    return Json();
  }
}

void expect_diagnostic_shape(const Json& d) {
  EXPECT_TRUE(d.is_object()) << d;
  EXPECT_TRUE(d["line"].is_number_integer()) << d;
  EXPECT_TRUE(d["column"].is_number_integer()) << d;
  EXPECT_TRUE(d["path"].is_string()) << d;
  EXPECT_TRUE(d["message"].is_string()) << d;
}

TEST_F(BuildspecCheckTest, JsonHasOneObjectPerFileInOrder) {
  std::string good = dir_.write("good.yml", kValidWithWarning);
  std::string bad = dir_.write("bad.yml", kInvalid);
  CommandResult r = run_kiln({"buildspec", "check", "--json", good, bad});
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  Json out = parse_json(r);
  ASSERT_TRUE(out.is_array()) << r.out;
  ASSERT_EQ(out.size(), 2u) << r.out;

  const Json& g = out[0];
  EXPECT_EQ(g["file"], good);
  EXPECT_EQ(g["ok"], true);
  ASSERT_TRUE(g["buildspec"].is_object()) << g;
  EXPECT_TRUE(g["buildspec"].contains("phases")) << g;
  EXPECT_TRUE(g["buildspec"].contains("version")) << g;
  EXPECT_EQ(g["errors"], Json::array());
  ASSERT_TRUE(g["warnings"].is_array()) << g;
  ASSERT_EQ(g["warnings"].size(), 1u) << g;
  expect_diagnostic_shape(g["warnings"][0]);
  EXPECT_EQ(g["warnings"][0]["line"], 6);
  EXPECT_EQ(g["warnings"][0]["column"], 1);
  EXPECT_EQ(g["warnings"][0]["path"], "artifact");

  const Json& b = out[1];
  EXPECT_EQ(b["file"], bad);
  EXPECT_EQ(b["ok"], false);
  EXPECT_TRUE(b.contains("buildspec") && b["buildspec"].is_null()) << b;
  ASSERT_TRUE(b["errors"].is_array()) << b;
  ASSERT_FALSE(b["errors"].empty()) << b;
  for (const Json& e : b["errors"]) expect_diagnostic_shape(e);
  EXPECT_EQ(b["errors"][0]["line"], 5);
  EXPECT_EQ(b["errors"][0]["column"], 9);
  EXPECT_TRUE(b["warnings"].is_array()) << b;
}

TEST_F(BuildspecCheckTest, JsonForValidFilesExitsZero) {
  std::string good = dir_.write("good.yml", kValid);
  CommandResult r = run_kiln({"buildspec", "check", good, "--json"});
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  Json out = parse_json(r);
  ASSERT_TRUE(out.is_array() && out.size() == 1) << r.out;
  EXPECT_EQ(out[0]["ok"], true);
  EXPECT_EQ(out[0]["buildspec"]["phases"]["build"]["commands"], Json::array({"make"}));
}

TEST_F(BuildspecCheckTest, JsonReportsMissingFile) {
  std::string missing = dir_.path() + "/nosuch.yml";
  CommandResult r = run_kiln({"buildspec", "check", "--json", missing});
  EXPECT_EQ(r.exit_code, 1) << dump(r);
  Json out = parse_json(r);
  ASSERT_TRUE(out.is_array() && out.size() == 1) << r.out;
  EXPECT_EQ(out[0]["file"], missing);
  EXPECT_EQ(out[0]["ok"], false);
  EXPECT_TRUE(out[0]["buildspec"].is_null());
  ASSERT_TRUE(out[0]["errors"].is_array() && !out[0]["errors"].empty()) << r.out;
  expect_diagnostic_shape(out[0]["errors"][0]);
}

// ---------------------------------------------------------------- usage

TEST_F(BuildspecCheckTest, TopLevelHelpExplainsItself) {
  CommandResult r = run_kiln({"--help"});
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_NE(r.out.find("buildspec"), std::string::npos) << dump(r);
}

TEST_F(BuildspecCheckTest, CheckHelpExplainsItself) {
  CommandResult r = run_kiln({"buildspec", "check", "--help"});
  EXPECT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_NE(r.out.find("--json"), std::string::npos) << dump(r);
}

TEST_F(BuildspecCheckTest, NoFilesIsAUsageError) {
  CommandResult r = run_kiln({"buildspec", "check"});
  EXPECT_EQ(r.exit_code, 2) << dump(r);
}

TEST_F(BuildspecCheckTest, UnknownOptionIsAUsageError) {
  std::string good = dir_.write("good.yml", kValid);
  CommandResult r = run_kiln({"buildspec", "check", "--frobnicate", good});
  EXPECT_EQ(r.exit_code, 2) << dump(r);
  EXPECT_FALSE(has_line(r.out, good + ": ok")) << dump(r);
}

}  // namespace
}  // namespace kiln::cli
