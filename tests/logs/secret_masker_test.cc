// SPDX-License-Identifier: Apache-2.0
#include "logs/secret_masker.h"

#include <gtest/gtest.h>

namespace kiln::logs {
namespace {

TEST(SecretMaskerTest, MasksEveryOccurrence) {
  SecretMasker masker({"hunter2"});
  EXPECT_EQ(masker.mask("pw=hunter2 again hunter2."), "pw=*** again ***.");
}

TEST(SecretMaskerTest, MasksAtLineEdges) {
  SecretMasker masker({"s3cret"});
  EXPECT_EQ(masker.mask("s3cret"), "***");
  EXPECT_EQ(masker.mask("s3cret tail"), "*** tail");
  EXPECT_EQ(masker.mask("head s3cret"), "head ***");
}

TEST(SecretMaskerTest, OverlappingSecretsLeaveNothingVisible) {
  SecretMasker masker({"abcd", "cdef"});
  EXPECT_EQ(masker.mask("xabcdefx"), "x***x");
  SecretMasker nested({"token", "tokenvalue"});
  EXPECT_EQ(nested.mask("=tokenvalue="), "=***=");
  EXPECT_EQ(nested.mask("=token="), "=***=");
}

TEST(SecretMaskerTest, AdjacentOccurrencesBecomeOneMask) {
  SecretMasker masker({"abc"});
  EXPECT_EQ(masker.mask("abcabc abc"), "*** ***");
}

TEST(SecretMaskerTest, IgnoresShortSecretsAndKeepsOtherText) {
  SecretMasker masker({"", "a", "42"});
  EXPECT_TRUE(masker.empty());
  EXPECT_EQ(masker.mask("a 42 b"), "a 42 b");
  SecretMasker some({"xyz"});
  EXPECT_EQ(some.mask(""), "");
  EXPECT_EQ(some.mask("xy"), "xy");
}

TEST(SecretMaskerTest, MasksEachLineOfAMultiLineSecret) {
  SecretMasker masker({"-----BEGIN KEY-----\r\nMIIBfoo\n-----END KEY-----"});
  EXPECT_EQ(masker.mask("MIIBfoo"), "***");
  EXPECT_EQ(masker.mask("key: -----BEGIN KEY-----"), "key: ***");
}

}  // namespace
}  // namespace kiln::logs
