// SPDX-License-Identifier: Apache-2.0
#include "artifacts/path_glob.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kiln::artifacts {
namespace {

PathGlob glob(const std::string& text) {
  auto parsed = PathGlob::parse(text);
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  return std::move(parsed).value();
}

TEST(PathGlobTest, NormalizesAsWritten) {
  EXPECT_EQ(glob("./dist//app.jar/").segments(), (PathSegments{"dist", "app.jar"}));
  EXPECT_TRUE(glob(".").segments().empty());
  EXPECT_EQ(glob("./dist//app.jar/").text(), "./dist//app.jar/");
  EXPECT_FALSE(glob("dist/app.jar").has_wildcards());
  EXPECT_TRUE(glob("dist/*.jar").has_wildcards());
}

TEST(PathGlobTest, RefusesPatternsThatLeaveTheTree) {
  for (const std::string& bad : std::vector<std::string>{"../x", "a/../../x", "..", "/etc/passwd", "/", "a/.."}) {
    EXPECT_EQ(PathGlob::parse(bad).status().code(), ErrorCode::kInvalidInput) << bad;
  }
  EXPECT_EQ(PathGlob::parse(std::string("a\0b", 3)).status().code(), ErrorCode::kInvalidInput);
  EXPECT_TRUE(PathGlob::parse("a..b/...").is_ok());  // dots inside names are fine
}

TEST(PathGlobTest, StarStaysWithinOneSegment) {
  EXPECT_TRUE(glob("*.jar").matches({"app.jar"}));
  EXPECT_FALSE(glob("*.jar").matches({"lib", "app.jar"}));
  EXPECT_TRUE(glob("dist/*").matches({"dist", "a"}));
  EXPECT_FALSE(glob("dist/*").matches({"dist", "sub", "a"}));
  EXPECT_FALSE(glob("dist/*").matches({"dist"}));
}

TEST(PathGlobTest, GlobstarSpansZeroOrMoreLevels) {
  EXPECT_TRUE(glob("**/*").matches({"a"}));
  EXPECT_TRUE(glob("**/*").matches({"a", "b", "c"}));
  EXPECT_TRUE(glob("dist/**/*").matches({"dist", "a"}));
  EXPECT_TRUE(glob("dist/**/*").matches({"dist", "x", "y", "a"}));
  EXPECT_FALSE(glob("dist/**/*").matches({"other", "a"}));
  EXPECT_TRUE(glob("**/app.jar").matches({"app.jar"}));
  EXPECT_TRUE(glob("a/**/b/**/c").matches({"a", "b", "c"}));
  EXPECT_TRUE(glob("a/**/b/**/c").matches({"a", "x", "b", "y", "z", "c"}));
  EXPECT_FALSE(glob("a/**/b/**/c").matches({"a", "x", "c"}));
}

TEST(PathGlobTest, DotfilesMatchStar) {
  EXPECT_TRUE(glob("*").matches({".env"}));
  EXPECT_TRUE(glob("**/*").matches({".git", "config"}));
  EXPECT_TRUE(glob("?env").matches({".env"}));
}

TEST(PathGlobTest, ClassesAndQuestionMarks) {
  EXPECT_TRUE(glob("app-[0-9].jar").matches({"app-7.jar"}));
  EXPECT_FALSE(glob("app-[0-9].jar").matches({"app-x.jar"}));
  EXPECT_TRUE(glob("a?c").matches({"abc"}));
  EXPECT_FALSE(glob("a?c").matches({"ac"}));
  EXPECT_FALSE(glob("a?c").matches({"a", "c"}));
}

TEST(PathGlobTest, KnowsWhereMatchesCanStillBe) {
  EXPECT_TRUE(glob("dist/app.jar").may_match_below({"dist"}));
  EXPECT_FALSE(glob("dist/app.jar").may_match_below({"src"}));
  EXPECT_FALSE(glob("dist/app.jar").may_match_below({"dist", "app.jar"}));
  EXPECT_TRUE(glob("**/*.jar").may_match_below({"any", "depth"}));
  EXPECT_FALSE(glob("*.jar").may_match_below({"lib"}));
}

TEST(PathGlobTest, KnowsWhenEverythingBelowMatches) {
  EXPECT_TRUE(glob("tmp/**/*").matches_everything_below({"tmp"}));
  EXPECT_TRUE(glob("tmp/**").matches_everything_below({"tmp"}));
  EXPECT_TRUE(glob("**/node_modules/**/*").matches_everything_below({"a", "node_modules"}));
  EXPECT_FALSE(glob("tmp/*").matches_everything_below({"tmp"}));
  EXPECT_FALSE(glob("tmp/**/*.log").matches_everything_below({"tmp"}));
  EXPECT_FALSE(glob("tmp/**/*/*").matches_everything_below({"tmp"}));
  EXPECT_FALSE(glob("tmp/**/*").matches_everything_below({"other"}));
}

}  // namespace
}  // namespace kiln::artifacts
