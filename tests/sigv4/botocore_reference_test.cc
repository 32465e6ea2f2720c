// SPDX-License-Identifier: Apache-2.0
// botocore, the signer inside the aws CLI, is the reference: the published
// AWS SigV4 test suite is not available offline, and botocore is what kiln's
// users will sign with. botocore_reference.py signs requests at a fixed time;
// here verify() must accept each of them and sign() must reproduce each
// Authorization header byte for byte.
#include "sigv4/verifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sigv4/signer.h"
#include "support/test_support.h"

namespace kiln::sigv4 {
namespace {

constexpr const char* kKeyId = "AKIDKILNTEST";
constexpr const char* kSecret = "kiln/secret+key/EXAMPLE";

// One request of the script's output, owning the strings a RequestView borrows.
struct ReferenceCase {
  std::string name, service, region, method, path, query, body, authorization;
  std::vector<std::pair<std::string, std::string>> headers;
  bool presigned = false;
  bool sign_comparable = false;

  // The request as the server receives it.
  RequestView wire() const {
    RequestView view{method, path, query, {}, body};
    for (const auto& [header, value] : headers) view.headers.push_back({header, value});
    return view;
  }
  // The request as botocore's signer saw it: without what signing added and
  // without Content-Length, which the HTTP layer adds after signing.
  RequestView before_signing() const {
    RequestView view{method, path, query, {}, body};
    for (const auto& [header, value] : headers) {
      if (header == "Authorization" || header == "X-Amz-Date" || header == "Content-Length")
        continue;
      view.headers.push_back({header, value});
    }
    return view;
  }
};

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// Runs the script once for the whole suite.
const std::vector<ReferenceCase>& reference_cases() {
  static const std::vector<ReferenceCase> cases = [] {
    auto result = testing::run_command(
        {"python3", testing::source_dir() + "/tests/sigv4/botocore_reference.py"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<ReferenceCase> out;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    if (!json.is_array()) {
      ADD_FAILURE() << "botocore_reference.py printed no JSON array: " << result.out;
      return out;
    }
    for (const auto& item : json) {
      ReferenceCase c;
      c.name = item["name"];
      c.service = item["service"];
      c.region = item["region"];
      c.method = item["method"];
      c.path = item["path"];
      c.query = item["query"];
      c.body = from_hex(item["body_hex"]);
      c.authorization = item["authorization"];
      c.presigned = item["presigned"];
      c.sign_comparable = item["sign_comparable"];
      for (const auto& header : item["headers"]) c.headers.emplace_back(header[0], header[1]);
      out.push_back(std::move(c));
    }
    return out;
  }();
  return cases;
}

Clock::time_point signing_time() { return *parse_amz_date("20260304T050607Z"); }

std::optional<std::string> lookup(std::string_view key_id) {
  if (key_id == kKeyId) return std::string(kSecret);
  return std::nullopt;
}

TEST(BotocoreReferenceTest, ScriptSignsEveryCase) {
  // Guards the tests below against passing vacuously on an empty list.
  ASSERT_EQ(reference_cases().size(), 11u);
}

TEST(BotocoreReferenceTest, VerifyAcceptsEveryBotocoreRequest) {
  for (const ReferenceCase& c : reference_cases()) {
    VerifyOptions options;
    options.now = signing_time() + std::chrono::seconds(42);
    options.region = c.region;
    options.service = c.service;
    Verification result = verify(c.wire(), lookup, options);
    ASSERT_TRUE(result.is_ok()) << c.name << ": " << result.error.code << ": "
                                << result.error.message << "\n"
                                << result.error.canonical_request;
    EXPECT_EQ(result.identity->access_key_id, kKeyId) << c.name;
    EXPECT_EQ(result.identity->region, c.region) << c.name;
    EXPECT_EQ(result.identity->service, c.service) << c.name;
  }
}

TEST(BotocoreReferenceTest, SignGivesBotocoresAuthorization) {
  int compared = 0;
  for (const ReferenceCase& c : reference_cases()) {
    if (!c.sign_comparable) continue;
    auto added = sign(c.before_signing(), {{kKeyId, kSecret}, c.region, c.service, signing_time()});
    ASSERT_TRUE(added.is_ok()) << c.name << ": " << added.status().to_string();
    ASSERT_EQ(added->size(), 2u);
    EXPECT_EQ(added.value()[0].name, "X-Amz-Date");
    EXPECT_EQ(added.value()[0].value, "20260304T050607Z");
    EXPECT_EQ(added.value()[1].name, "Authorization");
    EXPECT_EQ(added.value()[1].value, c.authorization) << c.name;
    ++compared;
  }
  EXPECT_EQ(compared, 9);
}

TEST(BotocoreReferenceTest, ABotocoreRequestChangedInOneByteIsRefused) {
  for (const ReferenceCase& c : reference_cases()) {
    ReferenceCase changed = c;
    if (!changed.body.empty()) {
      changed.body[changed.body.size() / 2] ^= 0x01;
    } else {
      changed.path += "x";
    }
    VerifyOptions options;
    options.now = signing_time();
    Verification result = verify(changed.wire(), lookup, options);
    EXPECT_FALSE(result.is_ok()) << c.name;
    EXPECT_EQ(result.error.code, "InvalidSignatureException") << c.name;
  }
}

TEST(BotocoreReferenceTest, PresignedUrlExpiresAfterItsLifetime) {
  for (const ReferenceCase& c : reference_cases()) {
    if (!c.presigned) continue;
    VerifyOptions options;
    options.now = signing_time() + std::chrono::seconds(300);
    EXPECT_TRUE(verify(c.wire(), lookup, options).is_ok());
    options.now += std::chrono::seconds(1);
    Verification late = verify(c.wire(), lookup, options);
    ASSERT_FALSE(late.is_ok());
    EXPECT_EQ(late.error.code, "InvalidSignatureException");
    EXPECT_EQ(late.error.message,
              "Signature expired: the presigned URL was valid until 20260304T051107Z "
              "(X-Amz-Date 20260304T050607Z + X-Amz-Expires 300 s); it is now "
              "20260304T051108Z.");
  }
}

}  // namespace
}  // namespace kiln::sigv4
