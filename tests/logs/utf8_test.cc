// SPDX-License-Identifier: Apache-2.0
#include "logs/utf8.h"

#include <gtest/gtest.h>

namespace kiln::logs {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8Test, KeepsValidText) {
  std::string text = "plain \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \r\t";
  EXPECT_EQ(sanitize_utf8(text), text);
}

TEST(Utf8Test, ReplacesIllFormedSequences) {
  EXPECT_EQ(sanitize_utf8("a\xFF" "b"), "a" + kReplacement + "b");
  EXPECT_EQ(sanitize_utf8("\x80\x80"), kReplacement + kReplacement);
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kReplacement + kReplacement);          // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(sanitize_utf8("x\xE2\x82"), "x" + kReplacement);                  // truncated
  EXPECT_EQ(sanitize_utf8("\xE2\x82x"), kReplacement + "x");
}

TEST(Utf8Test, PrefixDoesNotSplitACharacter) {
  EXPECT_EQ(utf8_prefix("ab\xE2\x82\xAC", 4), "ab");
  EXPECT_EQ(utf8_prefix("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
}

}  // namespace
}  // namespace kiln::logs
