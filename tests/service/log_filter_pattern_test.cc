// SPDX-License-Identifier: Apache-2.0
#include "service/log_filter_pattern.h"

#include <gtest/gtest.h>

#include <string>

namespace kiln::service {
namespace {

LogFilterPattern parse(const std::string& text) {
  Result<LogFilterPattern> pattern = LogFilterPattern::parse(text);
  EXPECT_TRUE(pattern.is_ok()) << text << ": " << pattern.status().to_string();
  return pattern.is_ok() ? pattern.value() : LogFilterPattern();
}

std::string error_of(const std::string& text) {
  Result<LogFilterPattern> pattern = LogFilterPattern::parse(text);
  EXPECT_FALSE(pattern.is_ok()) << text;
  if (pattern.is_ok()) return "";
  EXPECT_EQ(pattern.status().code(), ErrorCode::kInvalidInput) << text;
  return pattern.status().message();
}

TEST(LogFilterPatternTest, EmptyMatchesEverything) {
  for (const char* text : {"", "   ", "\t"}) {
    LogFilterPattern pattern = parse(text);
    EXPECT_TRUE(pattern.matches_everything());
    EXPECT_TRUE(pattern.matches(""));
    EXPECT_TRUE(pattern.matches("anything"));
  }
  EXPECT_TRUE(parse("\"\"").matches("x"));  // an empty phrase occurs everywhere
}

TEST(LogFilterPatternTest, EveryTermMustOccurCaseSensitively) {
  LogFilterPattern pattern = parse("ERROR  timeout");
  EXPECT_FALSE(pattern.matches_everything());
  EXPECT_TRUE(pattern.matches("[ERROR] connect timeout after 3s"));
  EXPECT_TRUE(pattern.matches("timeout ... ERROR"));
  EXPECT_FALSE(pattern.matches("[ERROR] refused"));
  EXPECT_FALSE(pattern.matches("[error] connect timeout"));
}

TEST(LogFilterPatternTest, AQuotedPhraseIsOneTerm) {
  LogFilterPattern pattern = parse("\"disk full\" ERROR");
  EXPECT_TRUE(pattern.matches("ERROR: disk full on /"));
  EXPECT_FALSE(pattern.matches("ERROR: disk is full"));
  LogFilterPattern escaped = parse(R"("say \"hi\"" "back\\slash")");
  EXPECT_TRUE(escaped.matches(R"(they say "hi" with a back\slash)"));
  EXPECT_FALSE(escaped.matches(R"(they say hi with a back\slash)"));
  EXPECT_TRUE(parse("\"a:b[c]\"").matches("x a:b[c] y"));
}

TEST(LogFilterPatternTest, MinusExcludes) {
  LogFilterPattern pattern = parse("ERROR -retrying -\"will retry\"");
  EXPECT_TRUE(pattern.matches("ERROR giving up"));
  EXPECT_FALSE(pattern.matches("ERROR retrying in 5s"));
  EXPECT_FALSE(pattern.matches("ERROR, will retry"));
  EXPECT_FALSE(pattern.matches("all good"));
}

TEST(LogFilterPatternTest, QuestionMarksAreAlternatives) {
  LogFilterPattern pattern = parse("?ERROR ?WARN ?\"exit status\"");
  EXPECT_TRUE(pattern.matches("ERROR x"));
  EXPECT_TRUE(pattern.matches("WARN y"));
  EXPECT_TRUE(pattern.matches("exit status 2"));
  EXPECT_FALSE(pattern.matches("INFO z"));
  EXPECT_FALSE(pattern.matches("exit  status"));
}

TEST(LogFilterPatternTest, RefusesWhatItDoesNotSupport) {
  EXPECT_NE(error_of("{ $.level = \"error\" }").find("JSON filter patterns are not supported"),
            std::string::npos);
  EXPECT_NE(error_of("  [ip, user, status=5*]").find("not supported"), std::string::npos);
  EXPECT_NE(error_of("%ERR(OR)?%").find("Regular-expression"), std::string::npos);
  EXPECT_NE(error_of("ERROR ?WARN").find("mixed"), std::string::npos);
  EXPECT_NE(error_of("?WARN -x").find("mixed"), std::string::npos);
  EXPECT_NE(error_of("\"unterminated").find("unterminated"), std::string::npos);
  EXPECT_NE(error_of("\"a\"b").find("followed by a space"), std::string::npos);
  EXPECT_NE(error_of("ERROR ?").find("must precede a term"), std::string::npos);
  EXPECT_NE(error_of("- x").find("must precede a term"), std::string::npos);
}

}  // namespace
}  // namespace kiln::service
