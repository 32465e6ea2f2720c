// SPDX-License-Identifier: Apache-2.0
#include "service/model_pattern.h"

#include <gtest/gtest.h>

#include <string>

namespace kiln::service {
namespace {

// The tag pattern of CodeBuild's model (KeyInput, ValueInput).
constexpr char kTagPattern[] = R"(^([\p{L}\p{Z}\p{N}_.:/=@+\-]*)$)";

ModelPattern compile_ok(const std::string& pattern) {
  Result<ModelPattern> compiled = ModelPattern::compile(pattern);
  EXPECT_TRUE(compiled.is_ok()) << compiled.status().to_string();
  return compiled.is_ok() ? compiled.value() : ModelPattern::compile("").value();
}

TEST(ModelPatternTest, MatchesTheWholeValueAsJavaMatchesDoes) {
  ModelPattern name = compile_ok(R"([A-Za-z0-9][A-Za-z0-9\-_]{1,149})");
  EXPECT_TRUE(name.matches("my-project_1"));
  EXPECT_FALSE(name.matches("-leading-dash"));  // a search would find "leading-dash"
  EXPECT_FALSE(name.matches("a"));
  EXPECT_FALSE(name.matches("has space"));
  EXPECT_TRUE(name.matches(std::string(150, 'a')));
  EXPECT_FALSE(name.matches(std::string(151, 'a')));
  EXPECT_EQ(name.source(), R"([A-Za-z0-9][A-Za-z0-9\-_]{1,149})");
}

TEST(ModelPatternTest, UnicodeCategoriesMatchLettersNumbersAndSeparators) {
  ModelPattern tag = compile_ok(kTagPattern);
  EXPECT_TRUE(tag.matches("team:build/ci=on@x+y-z"));
  EXPECT_TRUE(tag.matches("Größe"));
  EXPECT_TRUE(tag.matches("日本語"));
  EXPECT_TRUE(tag.matches("\u0663\u00B2"));       // ARABIC-INDIC DIGIT THREE (Nd), SUPERSCRIPT TWO (No)
  EXPECT_TRUE(tag.matches("a b\u00A0c\u3000d"));  // space, no-break space, ideographic space (Zs)
  EXPECT_TRUE(tag.matches(""));
  EXPECT_FALSE(tag.matches("smile \U0001F642"));  // So
  EXPECT_FALSE(tag.matches("a*b"));
  EXPECT_FALSE(tag.matches("tab\there"));         // Cc, not Z
  EXPECT_FALSE(tag.matches("e\u0301"));           // combining acute accent is Mn, not L
}

TEST(ModelPatternTest, ControlCharactersAreNotMistakenForPlaceholders) {
  ModelPattern tag = compile_ok(kTagPattern);
  EXPECT_FALSE(tag.matches(std::string("a\x01", 2)));
  EXPECT_FALSE(tag.matches(std::string("\x03", 1)));
}

TEST(ModelPatternTest, ClassesCountCharactersNotBytes) {
  ModelPattern token = compile_ok(R"(\S{36,128})");
  std::string e_acute = "\u00E9";
  std::string thirty_six, thirty_five;
  for (int i = 0; i < 36; ++i) thirty_six += e_acute;
  for (int i = 0; i < 35; ++i) thirty_five += e_acute;
  EXPECT_TRUE(token.matches(thirty_six));
  EXPECT_FALSE(token.matches(thirty_five));  // 70 bytes, but 35 characters
  ModelPattern stream = compile_ok("[^:*]*");
  EXPECT_TRUE(stream.matches("日本/build-1"));
  EXPECT_FALSE(stream.matches("a:b"));
  EXPECT_FALSE(stream.matches("a*"));
}

TEST(ModelPatternTest, DashBesideAClassEscapeIsLiteralAsInJava) {
  // Logs' ResourceType; libstdc++ rejects it as written.
  ModelPattern type = compile_ok(R"([\w-_]*)");
  EXPECT_TRUE(type.matches("AWS-lambda_fn"));
  EXPECT_FALSE(type.matches("a.b"));
  ModelPattern trailing = compile_ok(R"([\w+=/:,.@-]*)");
  EXPECT_TRUE(trailing.matches("arn:aws:logs:us-east-1:1:log-group:/a"));
}

TEST(ModelPatternTest, NegatedCategoryOutsideAClass) {
  ModelPattern not_letter = compile_ok(R"(\P{L}+)");
  EXPECT_TRUE(not_letter.matches("12 3"));
  EXPECT_FALSE(not_letter.matches("1a"));
  EXPECT_FALSE(not_letter.matches("1\u00E9"));
}

TEST(ModelPatternTest, RefusesJavaSyntaxItCannotTranslate) {
  for (const char* pattern : {R"(\p{Lu}+)", R"([a-z&&[^aeiou]])", R"(\Qa.b\E)", R"(\Aabc\z)",
                              R"((?<!\.)x)", R"([\P{L}])", R"((a)\1)", "[abc", "a\\"}) {
    Result<ModelPattern> compiled = ModelPattern::compile(pattern);
    EXPECT_FALSE(compiled.is_ok()) << pattern;
    if (!compiled.is_ok()) {
      EXPECT_NE(compiled.status().message().find(pattern), std::string::npos)
          << compiled.status().message();
    }
  }
}

TEST(ModelPatternTest, LongValuesDoNotExhaustTheStack) {
  // libstdc++'s default matcher recursed once per character and crashed
  // near 100k characters.
  ModelPattern group = compile_ok(R"([\.\-_/#A-Za-z0-9]+)");
  std::string long_value(2'000'000, 'a');
  EXPECT_TRUE(group.matches(long_value));
  long_value.back() = ' ';
  EXPECT_FALSE(group.matches(long_value));
}

TEST(Utf16LengthTest, CountsJavaCharsNotBytes) {
  EXPECT_EQ(utf16_length(""), 0u);
  EXPECT_EQ(utf16_length("abc"), 3u);
  EXPECT_EQ(utf16_length("\u00E9"), 1u);
  EXPECT_EQ(utf16_length("日本"), 2u);
  EXPECT_EQ(utf16_length("\U0001F642"), 2u);  // a surrogate pair in Java
  EXPECT_EQ(utf16_length(std::string("\xFF\xC3", 2)), 2u);  // ill-formed bytes count one each
}

}  // namespace
}  // namespace kiln::service
