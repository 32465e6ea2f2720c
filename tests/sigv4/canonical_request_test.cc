// SPDX-License-Identifier: Apache-2.0
#include "sigv4/canonical_request.h"

#include <gtest/gtest.h>

namespace kiln::sigv4 {
namespace {

TEST(CanonicalRequestTest, UriEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(uri_encode("aZ09-_.~", false), "aZ09-_.~");
  EXPECT_EQ(uri_encode("a b/c+d*=&\xc3\xbc", false), "a%20b%2Fc%2Bd%2A%3D%26%C3%BC");
  EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
}

TEST(CanonicalRequestTest, QueryDecodeReadsPlusAsSpaceAndKeepsBadEscapes) {
  EXPECT_EQ(query_decode("a+b%20c%2Bd"), "a b c+d");
  EXPECT_EQ(query_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(query_decode("%C3%bc"), "\xc3\xbc");
}

TEST(CanonicalRequestTest, CanonicalUriNormalizesThenEncodesAgain) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(canonical_uri("/../.."), "/");
  EXPECT_EQ(canonical_uri("/my%20dir/a+b"), "/my%2520dir/a%2Bb");
}

TEST(CanonicalRequestTest, CanonicalQuerySortsByEncodedNameThenValue) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("b=2&a=x+y&a=1&B=3&flag"), "B=3&a=1&a=x%20y&b=2&flag=");
  EXPECT_EQ(canonical_query("&&a=%2f&"), "a=%2F");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc&a=1", "X-Amz-Signature"), "a=1");
}

TEST(CanonicalRequestTest, HeaderLookupIgnoresCase) {
  std::vector<HeaderView> headers{{"X-Amz-Date", "1"}, {"x-amz-date", "2"}, {"Host", "h"}};
  EXPECT_EQ(header_values(headers, "x-amz-date"), (std::vector<std::string_view>{"1", "2"}));
  EXPECT_EQ(find_header(headers, "host"), "h");
  EXPECT_FALSE(find_header(headers, "authorization"));
}

TEST(CanonicalRequestTest, CanonicalRequestTrimsAndJoinsHeaderValues) {
  RequestView request{"POST", "/", "", {{"Host", "h"}, {"X-A", "  a   b\t c "}, {"x-a", "d"}}, ""};
  SigningInput input{"20260101T000000Z", "us-east-1", "codebuild", "host;x-a", "HASH", {}};
  auto computed = compute_signature(request, "secret", input);
  ASSERT_TRUE(computed);
  EXPECT_EQ(computed->canonical_request, "POST\n/\n\nhost:h\nx-a:a b c,d\n\nhost;x-a\nHASH");
  EXPECT_EQ(computed->signature.size(), 64u);
}

}  // namespace
}  // namespace kiln::sigv4
