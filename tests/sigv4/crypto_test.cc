// SPDX-License-Identifier: Apache-2.0
#include "sigv4/crypto.h"

#include <gtest/gtest.h>

namespace kiln::sigv4 {
namespace {

TEST(CryptoTest, Sha256AndHmacMatchKnownValues) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(mac);
  EXPECT_EQ(to_hex(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

}  // namespace
}  // namespace kiln::sigv4
