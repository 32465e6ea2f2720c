// SPDX-License-Identifier: Apache-2.0
#include "sigv4/timestamp.h"

#include <gtest/gtest.h>

namespace kiln::sigv4 {
namespace {

TEST(TimestampTest, AmzDateRoundTripsAndRejectsNonsense) {
  auto time = parse_amz_date("20240229T235958Z");
  ASSERT_TRUE(time);
  EXPECT_EQ(format_amz_date(*time + std::chrono::seconds(2)), "20240301T000000Z");
  EXPECT_EQ(format_amz_date(*time + std::chrono::milliseconds(999)), "20240229T235958Z");
  for (const char* bad : {"", "20230229T000000Z", "20260101T240000Z", "20260101T000000",
                          "2026-01-01T00:00:00Z", "20260101t000000Z", "2026010AT000000Z"}) {
    EXPECT_FALSE(parse_amz_date(bad)) << bad;
  }
}

TEST(TimestampTest, HttpDateAcceptsTheZonesClientsWrite) {
  auto expected = parse_amz_date("20260304T050607Z");
  EXPECT_EQ(parse_http_date("Wed, 04 Mar 2026 05:06:07 GMT"), expected);
  EXPECT_EQ(parse_http_date("Wed, 04 Mar 2026 05:06:07 -0000"), expected);
  EXPECT_FALSE(parse_http_date("Wed, 04 Mar 2026 05:06:07 +0100"));
  EXPECT_FALSE(parse_http_date("Wed, 04 Foo 2026 05:06:07 GMT"));
  EXPECT_FALSE(parse_http_date("Wed, 31 Feb 2026 05:06:07 GMT"));
  EXPECT_FALSE(parse_http_date("garbage"));
}

}  // namespace
}  // namespace kiln::sigv4
