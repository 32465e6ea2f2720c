// SPDX-License-Identifier: Apache-2.0
#include "executor/export_listing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace kiln::executor {
namespace {

// Bytes that stress every quoting style the shells use.
const std::string kTricky =
    "line1\nline2 'single' \"double\" back\\slash $dollar `tick` tab\t"
    "\xC3\xA9 \x01 \x7F \xFF end\n";

std::string find_value(const model::NamedValues& values, const std::string& name) {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return "<missing>";
}

TEST(ExportListingTest, RendersSingleQuotedExports) {
  Result<std::string> text = render_export_listing({{"A", "it's"}, {"B", ""}});
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  EXPECT_EQ(text.value(), "export A='it'\\''s'\nexport B=''\n");
}

TEST(ExportListingTest, RenderRejectsNamesThatAreNotIdentifiers) {
  Result<std::string> text = render_export_listing({{"a-b", "x"}});
  ASSERT_FALSE(text.is_ok());
  EXPECT_EQ(text.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(text.status().message().find("a-b"), std::string::npos);
  EXPECT_FALSE(render_export_listing({{"1A", "x"}}).is_ok());
}

TEST(ExportListingTest, RenderRejectsNulInValues) {
  EXPECT_FALSE(render_export_listing({{"A", std::string("a\0b", 3)}}).is_ok());
}

TEST(ExportListingTest, ParsesDashStyle) {
  Result<model::NamedValues> vars =
      parse_export_listing("export A='x'\"'\"'y'\nexport B=''\nexport D\nexport M='multi\nline'\n");
  ASSERT_TRUE(vars.is_ok()) << vars.status().to_string();
  ASSERT_EQ(vars->size(), 3u);  // D has no value: left out
  EXPECT_EQ(find_value(vars.value(), "A"), "x'y");
  EXPECT_EQ(find_value(vars.value(), "B"), "");
  EXPECT_EQ(find_value(vars.value(), "M"), "multi\nline");
}

TEST(ExportListingTest, ParsesBashDeclareStyle) {
  Result<model::NamedValues> vars = parse_export_listing(
      "declare -x A=\"a\\\"b\\$c\\\\d\\`e\"\n"
      "declare -x C=$'\\001ctl\\n\\303\\251\\x41\\u00e9\\'q'\n"
      "declare -rx R=\"ro\"\n"
      "declare -ax ARR=([0]=\"x)\" [1]='y')\n"
      "declare -x OLDPWD\n");
  ASSERT_TRUE(vars.is_ok()) << vars.status().to_string();
  ASSERT_EQ(vars->size(), 3u);
  EXPECT_EQ(find_value(vars.value(), "A"), "a\"b$c\\d`e");
  EXPECT_EQ(find_value(vars.value(), "C"),
            "\x01"
            "ctl\n\xC3\xA9"
            "A\xC3\xA9'q");
  EXPECT_EQ(find_value(vars.value(), "R"), "ro");
}

TEST(ExportListingTest, ReportsTheLineOfAnError) {
  Result<model::NamedValues> vars = parse_export_listing("export A='1'\nexport B='open\n");
  ASSERT_FALSE(vars.is_ok());
  EXPECT_EQ(vars.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(vars.status().message().find("line 3"), std::string::npos) << vars.status().message();
  EXPECT_FALSE(parse_export_listing("echo hi\n").is_ok());
}

// What we render must survive each real shell's source + `export -p`, and
// what each shell prints must parse back to the same bytes.
class ExportListingShellTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(ExportListingShellTest, RoundTripsThroughTheShell) {
  std::vector<std::string> argv = GetParam();
  if (::access(argv[0].c_str(), X_OK) != 0) GTEST_SKIP() << argv[0] << " is not installed";
  kiln::testing::TempDir dir;
  Result<std::string> listing =
      render_export_listing({{"TRICKY", kTricky}, {"EMPTY", ""}, {"EQ", "a=b=c"}});
  ASSERT_TRUE(listing.is_ok());
  std::string file = dir.write("env", listing.value());
  argv.push_back(". \"$0\" && export -p");
  argv.push_back(file);
  kiln::testing::CommandResult result = kiln::testing::run_command(argv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  Result<model::NamedValues> vars = parse_export_listing(result.out);
  ASSERT_TRUE(vars.is_ok()) << vars.status().to_string() << "\n" << result.out;
  EXPECT_EQ(find_value(vars.value(), "TRICKY"), kTricky);
  EXPECT_EQ(find_value(vars.value(), "EMPTY"), "");
  EXPECT_EQ(find_value(vars.value(), "EQ"), "a=b=c");
}

INSTANTIATE_TEST_SUITE_P(Shells, ExportListingShellTest,
                         ::testing::Values(std::vector<std::string>{"/bin/dash", "-c"},
                                           std::vector<std::string>{"/bin/bash", "-c"},
                                           std::vector<std::string>{"/bin/bash", "--posix", "-c"},
                                           std::vector<std::string>{"/bin/busybox", "ash", "-c"}),
                         [](const auto& param_info) {
                           std::string name;  // e.g. "bash_posix"
                           for (const std::string& arg : param_info.param) {
                             if (arg == "-c") break;
                             std::string word = arg.substr(arg.find_last_of('/') + 1);
                             while (!word.empty() && word[0] == '-') word.erase(0, 1);
                             name += (name.empty() ? "" : "_") + word;
                           }
                           return name;
                         });

}  // namespace
}  // namespace kiln::executor
