// SPDX-License-Identifier: Apache-2.0
#include "images/subprocess.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace kiln::images {
namespace {

using std::chrono::seconds;

std::vector<std::string> lines_of(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& env, Result<int>* code,
                                  std::chrono::milliseconds timeout = seconds(20)) {
  std::vector<std::string> lines;
  *code = run_process(
      argv, env, [&lines](std::string_view line) { lines.emplace_back(line); }, timeout);
  return lines;
}

TEST(SubprocessTest, PassesLinesOfBothStreamsAndExitStatus) {
  Result<int> code = 0;
  std::vector<std::string> lines =
      lines_of({"/bin/sh", "-c", "echo one; echo two >&2; printf 'no newline'; exit 3"}, {}, &code);
  ASSERT_TRUE(code.is_ok()) << code.status().to_string();
  EXPECT_EQ(code.value(), 3);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "no newline"}));
}

TEST(SubprocessTest, ArgumentsAreNotInterpretedByAShell) {
  Result<int> code = 0;
  std::vector<std::string> lines = lines_of({"/bin/echo", "$HOME; rm -rf /", "`id`"}, {}, &code);
  ASSERT_TRUE(code.is_ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"$HOME; rm -rf / `id`"}));
}

TEST(SubprocessTest, ExtraEnvironmentReplacesInherited) {
  Result<int> code = 0;
  std::vector<std::string> lines = lines_of({"/bin/sh", "-c", "echo \"$HOME|$KILN_TEST_VALUE\""},
                                            {"HOME=/nowhere", "KILN_TEST_VALUE=a b"}, &code);
  ASSERT_TRUE(code.is_ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"/nowhere|a b"}));
}

TEST(SubprocessTest, SignalIsReportedAs128PlusSignal) {
  Result<int> code = 0;
  lines_of({"/bin/sh", "-c", "kill -9 $$"}, {}, &code);
  ASSERT_TRUE(code.is_ok());
  EXPECT_EQ(code.value(), 128 + 9);
}

TEST(SubprocessTest, TimeoutKillsTheWholeGroup) {
  Result<int> code = 0;
  auto start = std::chrono::steady_clock::now();
  // The grandchild `sleep` holds the pipe open too; killing only the shell
  // would leave the read waiting for it.
  lines_of({"/bin/sh", "-c", "sleep 30 & sleep 30"}, {}, &code, std::chrono::milliseconds(300));
  ASSERT_FALSE(code.is_ok());
  EXPECT_EQ(code.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(code.status().message().find("was killed"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
}

TEST(SubprocessTest, MissingProgramIsNotFound) {
  Result<int> code = 0;
  lines_of({"/nonexistent/program"}, {}, &code);
  ASSERT_FALSE(code.is_ok());
  EXPECT_EQ(code.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(code.status().message().find("/nonexistent/program"), std::string::npos);
}

TEST(SubprocessTest, FindProgramSearchesPathAndSbin) {
  Result<std::string> sh = find_program("sh");
  ASSERT_TRUE(sh.is_ok());
  EXPECT_EQ(sh->back(), 'h');
  EXPECT_EQ(sh->front(), '/');
  Result<std::string> missing = find_program("kiln-no-such-program");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kiln::images
