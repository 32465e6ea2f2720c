// SPDX-License-Identifier: Apache-2.0
#include "sigv4/verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sigv4/signer.h"

namespace kiln::sigv4 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kKeyId = "AKIDVERIFY";
constexpr const char* kSecret = "verify-secret";
constexpr const char* kRevokedKeyId = "AKIDREVOKED";

// A request that owns its strings; view() borrows them.
struct TestRequest {
  std::string method = "POST";
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "localhost:8080"},
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target", "CodeBuild_20161006.ListProjects"}};
  std::string body = R"({"sortBy":"NAME"})";

  RequestView view() const {
    RequestView out{method, path, query, {}, body};
    for (const auto& [name, value] : headers) out.headers.push_back({name, value});
    return out;
  }
  void set(const std::string& name, const std::string& value) {
    for (auto& header : headers) {
      if (header.first == name) {
        header.second = value;
        return;
      }
    }
    headers.emplace_back(name, value);
  }
  void remove(const std::string& name) {
    std::erase_if(headers, [&name](const auto& header) { return header.first == name; });
  }
};

Clock::time_point at(const char* amz_date) { return *parse_amz_date(amz_date); }

// Signs `request` in place as kKeyId (or `key_id`/`secret`) at `time`.
void sign_in_place(TestRequest& request, Clock::time_point time, const std::string& key_id = kKeyId,
                   const std::string& secret = kSecret, bool content_sha256 = false) {
  SignParams params{{key_id, secret}, "us-east-1", "codebuild", time, content_sha256};
  auto added = sign(request.view(), params);
  ASSERT_TRUE(added.is_ok()) << added.status().to_string();
  for (const Header& header : added.value()) request.set(header.name, header.value);
}

class VerifierTest : public ::testing::Test {
 protected:
  Verification check(const TestRequest& request, Clock::time_point now) {
    VerifyOptions options;
    options.now = now;
    options.region = "us-east-1";
    options.service = "codebuild";
    return verify(request.view(), lookup_, options);
  }
  // Expects a refusal with exactly this code and message, all HTTP 400.
  void expect_refused(const TestRequest& request, Clock::time_point now, const std::string& code,
                      const std::string& message) {
    Verification result = check(request, now);
    ASSERT_FALSE(result.is_ok());
    EXPECT_EQ(result.error.code, code);
    EXPECT_EQ(result.error.message, message);
    EXPECT_EQ(result.error.http_status, 400);
  }

  SecretLookup lookup_ = [](std::string_view key_id) -> std::optional<std::string> {
    if (key_id == kKeyId) return std::string(kSecret);
    return std::nullopt;  // unknown, and kRevokedKeyId, which the caller has revoked
  };
  Clock::time_point t0_ = at("20260101T000000Z");
};

constexpr const char* kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

TEST_F(VerifierTest, AcceptsASignedRequest) {
  TestRequest request;
  sign_in_place(request, t0_);
  Verification result = check(request, t0_);
  ASSERT_TRUE(result.is_ok()) << result.error.message;
  EXPECT_EQ(result.identity->access_key_id, kKeyId);
  EXPECT_EQ(result.identity->region, "us-east-1");
  EXPECT_EQ(result.identity->service, "codebuild");
}

TEST_F(VerifierTest, MissingAuthorizationIsMissingToken) {
  TestRequest request;
  expect_refused(request, t0_, "MissingAuthenticationTokenException",
                 "Missing Authentication Token");
}

TEST_F(VerifierTest, HeaderNamesMatchInAnyCase) {
  TestRequest request;
  sign_in_place(request, t0_);
  // The same request as an HTTP stack that changes header case delivers it.
  TestRequest upper = request;
  for (auto& [name, value] : upper.headers) {
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(check(upper, t0_).is_ok()) << check(upper, t0_).error.message;
  TestRequest lower = request;
  for (auto& [name, value] : lower.headers) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(check(lower, t0_).is_ok()) << check(lower, t0_).error.message;
}

TEST_F(VerifierTest, UnsignedHeadersMayBeAdded) {
  TestRequest request;
  sign_in_place(request, t0_);
  request.headers.emplace_back("User-Agent", "curl/8");
  request.headers.emplace_back("Content-Length", "17");
  EXPECT_TRUE(check(request, t0_).is_ok());
}

TEST_F(VerifierTest, BodyChangedInOneByteIsRefused) {
  TestRequest request;
  sign_in_place(request, t0_);
  request.body[2] = 'S';  // "sortBy" -> "SortBy"
  expect_refused(request, t0_, "InvalidSignatureException", kMismatch);
}

TEST_F(VerifierTest, SignedHeaderChangedIsRefused) {
  TestRequest request;
  sign_in_place(request, t0_);
  request.set("X-Amz-Target", "CodeBuild_20161006.DeleteProject");
  expect_refused(request, t0_, "InvalidSignatureException", kMismatch);
  Verification result = check(request, t0_);
  // The server's debug log gets what it computed.
  EXPECT_NE(result.error.canonical_request.find("x-amz-target:CodeBuild_20161006.DeleteProject"),
            std::string::npos);
  EXPECT_EQ(result.error.string_to_sign.rfind("AWS4-HMAC-SHA256\n20260101T000000Z\n", 0), 0u);
}

TEST_F(VerifierTest, WrongSecretIsRefused) {
  TestRequest request;
  sign_in_place(request, t0_, kKeyId, "not-the-secret");
  expect_refused(request, t0_, "InvalidSignatureException", kMismatch);
}

TEST_F(VerifierTest, UnknownAndRevokedKeysAreUnrecognized) {
  for (const char* key_id : {"AKIDUNKNOWN", kRevokedKeyId}) {
    TestRequest request;
    sign_in_place(request, t0_, key_id, kSecret);
    expect_refused(request, t0_, "UnrecognizedClientException",
                   "The security token included in the request is invalid.");
  }
}

TEST_F(VerifierTest, SkewOfFourteenMinutesIsAcceptedEitherWay) {
  TestRequest request;
  sign_in_place(request, t0_);
  EXPECT_TRUE(check(request, t0_ + minutes(14)).is_ok());
  EXPECT_TRUE(check(request, t0_ - minutes(14)).is_ok());
  EXPECT_TRUE(check(request, t0_ + minutes(15)).is_ok());
}

TEST_F(VerifierTest, SignatureOlderThanFifteenMinutesIsExpired) {
  TestRequest request;
  sign_in_place(request, t0_);
  expect_refused(request, t0_ + minutes(16), "InvalidSignatureException",
                 "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z "
                 "(20260101T001600Z - 15 min.)");
  // The example of AWS's wording in the brief.
  expect_refused(request, at("20260101T002500Z"), "InvalidSignatureException",
                 "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z "
                 "(20260101T002500Z - 15 min.)");
}

TEST_F(VerifierTest, SignatureFromTheFutureIsNotYetCurrent) {
  TestRequest request;
  sign_in_place(request, t0_);
  expect_refused(request, t0_ - minutes(16), "InvalidSignatureException",
                 "Signature not yet current: 20260101T000000Z is still later than "
                 "20251231T235900Z (20251231T234400Z + 15 min.)");
}

TEST_F(VerifierTest, MalformedDateIsIncomplete) {
  TestRequest request;
  sign_in_place(request, t0_);
  request.set("X-Amz-Date", "2026-01-01T00:00:00Z");
  expect_refused(request, t0_, "IncompleteSignatureException",
                 "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. See "
                 "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_F(VerifierTest, MissingPartsAreNamedTogether) {
  TestRequest request;
  request.set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host");
  expect_refused(request, t0_, "IncompleteSignatureException",
                 "Authorization header requires 'Credential' parameter. Authorization header "
                 "requires 'Signature' parameter. Authorization header requires existence of "
                 "either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 "
                 "SignedHeaders=host");
}

TEST_F(VerifierTest, AnotherSchemeIsIncomplete) {
  TestRequest request;
  request.set("Authorization", "Bearer abc.def");
  expect_refused(request, t0_, "IncompleteSignatureException",
                 "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization "
                 "header: 'Bearer abc.def'.");
}

TEST_F(VerifierTest, WrongAlgorithmIsIncomplete) {
  TestRequest request;
  sign_in_place(request, t0_);
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") value.replace(0, 16, "AWS4-HMAC-SHA512");
  }
  expect_refused(request, t0_, "IncompleteSignatureException",
                 "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for "
                 "now). ");
}

std::string authorization(const std::string& credential, const std::string& signed_headers) {
  return "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=" + signed_headers +
         ", Signature=" + std::string(64, '0');
}

TEST_F(VerifierTest, CredentialWithoutFiveElementsIsIncomplete) {
  TestRequest request;
  request.set("X-Amz-Date", "20260101T000000Z");
  request.set("Authorization",
              authorization("AKIDVERIFY/20260101/us-east-1/aws4_request", "host;x-amz-date"));
  expect_refused(
      request, t0_, "IncompleteSignatureException",
      "Credential must have exactly 5 slash-delimited elements, e.g. "
      "keyid/date/region/service/term, got 'AKIDVERIFY/20260101/us-east-1/aws4_request'");
}

TEST_F(VerifierTest, BadScopeNamesEveryProblem) {
  TestRequest request;
  request.set("X-Amz-Date", "20260101T000000Z");
  request.set("Authorization",
              authorization("AKIDVERIFY/20251231/eu-west-1/logs/aws5_request", "host;x-amz-date"));
  expect_refused(request, t0_, "InvalidSignatureException",
                 "Credential should be scoped to a valid region, not 'eu-west-1'. "
                 "Credential should be scoped to correct service: 'codebuild'. "
                 "Credential should be scoped with a valid terminator: 'aws4_request', not "
                 "'aws5_request'. Date in Credential scope does not match YYYYMMDD from "
                 "ISO-8601 version of date from HTTP: '20251231' != '20260101', from "
                 "'20260101T000000Z'.");
}

TEST_F(VerifierTest, ScopeDateMustBeTheSigningDay) {
  TestRequest request;
  sign_in_place(request, t0_);
  // A valid signature made the day before, presented with today's date.
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") value.replace(value.find("/20260101/"), 10, "/20251231/");
  }
  expect_refused(request, t0_, "InvalidSignatureException",
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                 "from HTTP: '20251231' != '20260101', from '20260101T000000Z'.");
}

TEST_F(VerifierTest, HostMustBeSigned) {
  TestRequest request;
  request.set("X-Amz-Date", "20260101T000000Z");
  request.set("Authorization", authorization("AKIDVERIFY/20260101/us-east-1/codebuild/aws4_request",
                                             "content-type;x-amz-date"));
  expect_refused(request, t0_, "InvalidSignatureException",
                 "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_F(VerifierTest, AnyRegionAndServiceWhenNotConfigured) {
  TestRequest request;
  SignParams params{{kKeyId, kSecret}, "ap-south-1", "logs", t0_};
  auto added = sign(request.view(), params);
  ASSERT_TRUE(added.is_ok());
  for (const Header& header : added.value()) request.set(header.name, header.value);
  VerifyOptions any;
  any.now = t0_;
  Verification result = verify(request.view(), lookup_, any);
  ASSERT_TRUE(result.is_ok()) << result.error.message;
  EXPECT_EQ(result.identity->region, "ap-south-1");
  EXPECT_EQ(result.identity->service, "logs");
}

TEST_F(VerifierTest, ContentSha256HeaderIsSignedAndChecked) {
  TestRequest request;
  sign_in_place(request, t0_, kKeyId, kSecret, /*content_sha256=*/true);
  EXPECT_TRUE(check(request, t0_).is_ok());
  TestRequest altered = request;
  altered.body += " ";
  expect_refused(altered, t0_, "InvalidSignatureException",
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST_F(VerifierTest, UnsignedPayloadIsAccepted) {
  TestRequest request;
  request.set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
  sign_in_place(request, t0_);
  EXPECT_TRUE(check(request, t0_).is_ok());
}

TEST_F(VerifierTest, PresignedQueryWithoutItsPartsIsIncomplete) {
  TestRequest request;
  request.method = "GET";
  request.body.clear();
  request.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z";
  expect_refused(request, t0_, "IncompleteSignatureException",
                 "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
                 "parameters must include 'X-Amz-Signature'. AWS query-string parameters must "
                 "include 'X-Amz-SignedHeaders'. AWS query-string parameters must include "
                 "'X-Amz-Expires'. Re-examine the query-string parameters.");
}

TEST_F(VerifierTest, GarbageNeverCrashes) {
  // Odd shapes a scanner might send; each must be a clean refusal.
  for (const char* value : {"", " ", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,,",
                            "=,=,=", "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
                            "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;, Signature=x"}) {
    TestRequest request;
    request.set("X-Amz-Date", "20260101T000000Z");
    request.set("Authorization", value);
    Verification result = check(request, t0_);
    EXPECT_FALSE(result.is_ok()) << value;
    EXPECT_FALSE(result.error.code.empty()) << value;
  }
}

}  // namespace
}  // namespace kiln::sigv4
