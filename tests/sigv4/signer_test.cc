// SPDX-License-Identifier: Apache-2.0
#include "sigv4/signer.h"

#include <gtest/gtest.h>

#include <string>

namespace kiln::sigv4 {
namespace {

SignParams params() {
  return {
      {"AKIDSIGN", "sign-secret"}, "us-east-1", "codebuild", *parse_amz_date("20260101T000000Z")};
}

TEST(SignerTest, NeedsAHostHeader) {
  RequestView request{"POST", "/", "", {{"Content-Type", "application/x-amz-json-1.1"}}, "{}"};
  auto added = sign(request, params());
  ASSERT_FALSE(added.is_ok());
  EXPECT_EQ(added.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(added.status().message().find("Host"), std::string::npos);
}

TEST(SignerTest, NeedsCredentialsRegionAndService) {
  RequestView request{"GET", "/", "", {{"Host", "localhost"}}, ""};
  SignParams no_secret = params();
  no_secret.credentials.secret_access_key.clear();
  EXPECT_EQ(sign(request, no_secret).status().code(), ErrorCode::kInvalidInput);
  SignParams no_region = params();
  no_region.region.clear();
  EXPECT_EQ(sign(request, no_region).status().code(), ErrorCode::kInvalidInput);
}

TEST(SignerTest, SignsEveryHeaderButHopByHopOnesAndReplacesOldSignatures) {
  RequestView request{"POST",
                      "/",
                      "",
                      {{"Host", "localhost"},
                       {"X-Amz-Target", "CodeBuild_20161006.ListProjects"},
                       {"Connection", "keep-alive"},
                       {"User-Agent", "kiln"},
                       {"Authorization", "stale"},
                       {"X-Amz-Date", "19990101T000000Z"},
                       {"x-kiln-extra", "1"}},
                      "{}"};
  auto added = sign(request, params());
  ASSERT_TRUE(added.is_ok());
  ASSERT_EQ(added->size(), 2u);
  EXPECT_EQ(added.value()[0].value, "20260101T000000Z");
  EXPECT_NE(added.value()[1].value.find("SignedHeaders=host;x-amz-date;x-amz-target;x-kiln-extra,"),
            std::string::npos)
      << added.value()[1].value;
  EXPECT_EQ(
      added.value()[1].value.rfind(
          "AWS4-HMAC-SHA256 Credential=AKIDSIGN/20260101/us-east-1/codebuild/aws4_request, ", 0),
      0u);
}

TEST(SignerTest, AddsContentSha256WhenAskedFor) {
  RequestView request{"POST", "/", "", {{"Host", "localhost"}}, ""};
  SignParams with_hash = params();
  with_hash.add_content_sha256 = true;
  auto added = sign(request, with_hash);
  ASSERT_TRUE(added.is_ok());
  ASSERT_EQ(added->size(), 3u);
  EXPECT_EQ(added.value()[1].name, "X-Amz-Content-Sha256");
  EXPECT_EQ(added.value()[1].value,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(added.value()[2].value.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            std::string::npos);
}

TEST(SignerTest, SameInputsSameSignatureOtherSecondOtherSignature) {
  RequestView request{"GET", "/x", "a=1", {{"Host", "localhost"}}, ""};
  auto first = sign(request, params());
  auto again = sign(request, params());
  SignParams later = params();
  later.time += std::chrono::seconds(1);
  auto other = sign(request, later);
  ASSERT_TRUE(first.is_ok() && again.is_ok() && other.is_ok());
  EXPECT_EQ(first.value()[1].value, again.value()[1].value);
  EXPECT_NE(first.value()[1].value, other.value()[1].value);
}

}  // namespace
}  // namespace kiln::sigv4
