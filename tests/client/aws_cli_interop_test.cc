// SPDX-License-Identifier: Apache-2.0
// The real aws CLI against kiln's verify(): the requests it signs must pass,
// and the refusals verify() words must read in the CLI as AWS's do. The
// server is the POSIX-socket test server; nothing of kiln's client is used.
#include "sigv4/verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/test_http_server.h"
#include "support/test_support.h"

namespace kiln::client {
namespace {

using testing::Connection;
using testing::OneShotServer;
using testing::ReceivedRequest;

constexpr const char* kKeyId = "AKIDAWSCLI";
constexpr const char* kSecret = "aws-cli-secret";

// Verifies like a kiln server would and answers `body` or the AWS error.
OneShotServer::Handler verifying_server(std::string service, std::string body) {
  return [service, body](const ReceivedRequest& request, Connection& connection) {
    sigv4::VerifyOptions options;
    options.now = sigv4::Clock::now();
    options.region = "eu-central-1";
    options.service = service;
    auto lookup = [](std::string_view key_id) -> std::optional<std::string> {
      if (key_id == kKeyId) return std::string(kSecret);
      return std::nullopt;
    };
    auto verified = sigv4::verify(request.view(), lookup, options);
    if (verified.is_ok()) {
      connection.send(testing::http_response(200, "OK", "application/x-amz-json-1.1", body));
      return;
    }
    connection.send(testing::http_response(
        verified.error.http_status, "Bad Request", "application/x-amz-json-1.1",
        R"({"__type":")" + verified.error.code + R"(","message":")" + verified.error.message +
            R"("})"));
  };
}

// Runs the aws CLI with only the given credentials: no config files, no
// retries, no instance metadata lookups.
kiln::testing::CommandResult run_aws(const std::string& secret,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"env",
                                   "AWS_ACCESS_KEY_ID=" + std::string(kKeyId),
                                   "AWS_SECRET_ACCESS_KEY=" + secret,
                                   "AWS_CONFIG_FILE=/dev/null",
                                   "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                                   "AWS_MAX_ATTEMPTS=1",
                                   "AWS_EC2_METADATA_DISABLED=true",
                                   "aws"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--region", "eu-central-1", "--output", "json"});
  return kiln::testing::run_command(argv);
}

TEST(AwsCliInteropTest, CodeBuildCallFromTheAwsCliVerifies) {
  OneShotServer server(verifying_server("codebuild", R"({"projects":["from-kiln"]})"));
  auto result =
      run_aws(kSecret, {"codebuild", "list-projects", "--endpoint-url", server.endpoint()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("from-kiln"), std::string::npos) << result.out << result.err;
  auto request = server.finish();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->header("x-amz-target"), "CodeBuild_20161006.ListProjects");
}

TEST(AwsCliInteropTest, LogsCallFromTheAwsCliVerifies) {
  OneShotServer server(verifying_server("logs", R"({"events":[],"nextForwardToken":"f/1"})"));
  auto result = run_aws(kSecret, {"logs", "get-log-events", "--log-group-name", "/aws/codebuild/p",
                                  "--log-stream-name", "s", "--endpoint-url", server.endpoint()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("f/1"), std::string::npos) << result.out << result.err;
}

TEST(AwsCliInteropTest, WrongSecretReadsAsAwsSignatureError) {
  OneShotServer server(verifying_server("codebuild", "{}"));
  auto result = run_aws("not-the-secret",
                        {"codebuild", "list-projects", "--endpoint-url", server.endpoint()});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("An error occurred (InvalidSignatureException) when calling the "
                            "ListProjects operation: The request signature we calculated does not "
                            "match the signature you provided."),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace kiln::client
