// SPDX-License-Identifier: Apache-2.0
#include "client/api_client.h"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "client/test_http_server.h"
#include "sigv4/verifier.h"

namespace kiln::client {
namespace {

using testing::Connection;
using testing::http_response;
using testing::OneShotServer;
using testing::ReceivedRequest;

constexpr const char* kKeyId = "AKIDCLIENT";
constexpr const char* kSecret = "client-secret";
constexpr const char* kJson = "application/x-amz-json-1.1";

ClientConfig config_for(const std::string& endpoint) {
  ClientConfig config;
  config.endpoint = endpoint;
  config.region = "eu-central-1";
  config.credentials = {kKeyId, kSecret};
  return config;
}

ApiClient client_for(const std::string& endpoint) {
  auto client = ApiClient::create(config_for(endpoint));
  EXPECT_TRUE(client.is_ok()) << client.status().to_string();
  return std::move(client).value();
}

// What the server side of a test saw: the outcome of kiln's own verify().
sigv4::Verification verify_on_server(const ReceivedRequest& request, const std::string& service) {
  sigv4::VerifyOptions options;
  options.now = sigv4::Clock::now();
  options.region = "eu-central-1";
  options.service = service;
  auto lookup = [](std::string_view key_id) -> std::optional<std::string> {
    if (key_id == kKeyId) return std::string(kSecret);
    return std::nullopt;
  };
  return sigv4::verify(request.view(), lookup, options);
}

// Answers a verified request with `body`, an unverified one with the AWS error.
OneShotServer::Handler answer_if_signed(const std::string& service, const std::string& body) {
  return [service, body](const ReceivedRequest& request, Connection& connection) {
    auto verified = verify_on_server(request, service);
    if (verified.is_ok()) {
      connection.send(http_response(200, "OK", kJson, body));
    } else {
      connection.send(http_response(400, "Bad Request", kJson,
                                    R"({"__type":")" + verified.error.code + R"(","message":")" +
                                        verified.error.message + R"("})"));
    }
  };
}

TEST(ApiClientTest, CallPostsASignedJsonRequestAndReturnsTheBody) {
  OneShotServer server(answer_if_signed("codebuild", R"({"projects":["kiln"]})"));
  ApiClient client = client_for(server.endpoint());
  auto result = client.call("CodeBuild_20161006.ListProjects", R"({"sortBy":"NAME"})");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result.value(), R"({"projects":["kiln"]})");

  auto request = server.finish();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->path, "/");
  EXPECT_EQ(request->header("content-type"), kJson);
  EXPECT_EQ(request->header("x-amz-target"), "CodeBuild_20161006.ListProjects");
  EXPECT_EQ(request->header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(request->body, R"({"sortBy":"NAME"})");
  auto verified = verify_on_server(*request, "codebuild");
  ASSERT_TRUE(verified.is_ok()) << verified.error.message;
  EXPECT_EQ(verified.identity->access_key_id, kKeyId);
}

TEST(ApiClientTest, LogsTargetsAreSignedForTheLogsService) {
  OneShotServer server(answer_if_signed("logs", R"({"events":[]})"));
  ApiClient client = client_for(server.endpoint());
  auto result = client.call("Logs_20140328.GetLogEvents", "{}");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto request = server.finish();
  ASSERT_TRUE(request);
  EXPECT_NE(request->header("authorization").find("/eu-central-1/logs/aws4_request"),
            std::string::npos);
}

TEST(ApiClientTest, EmptyBodyAndEndpointPathAreSignedToo) {
  OneShotServer server(answer_if_signed("codebuild", "{}"));
  ApiClient client = client_for(server.endpoint() + "/kiln-api/");
  auto result = client.call("CodeBuild_20161006.ListProjects", "");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto request = server.finish();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->path, "/kiln-api/");
  EXPECT_EQ(request->body, "");
}

TEST(ApiClientTest, AwsErrorBecomesTypeColonMessage) {
  OneShotServer server([](const ReceivedRequest&, Connection& connection) {
    connection.send(http_response(
        400, "Bad Request", kJson,
        R"({"__type":"com.amazonaws.codebuild#ResourceNotFoundException",)"
        R"("message":"Project cannot be found: arn:aws:codebuild:eu-central-1:000000000000:project/nope"})"));
  });
  ApiClient client = client_for(server.endpoint());
  auto result = client.call("CodeBuild_20161006.BatchGetProjects", R"({"names":["nope"]})");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(result.status().message(),
            "ResourceNotFoundException: Project cannot be found: "
            "arn:aws:codebuild:eu-central-1:000000000000:project/nope");
}

TEST(ApiClientTest, SignatureRefusalReadsLikeTheAwsCli) {
  OneShotServer server([](const ReceivedRequest&, Connection& connection) {
    connection.send(http_response(
        400, "Bad Request", kJson,
        R"({"__type":"UnrecognizedClientException","Message":"The security token included in the request is invalid."})"));
  });
  ApiClient client = client_for(server.endpoint());
  auto result = client.call("CodeBuild_20161006.ListProjects", "{}");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(result.status().message(),
            "UnrecognizedClientException: The security token included in the request is invalid.");
}

TEST(ApiClientTest, ErrorWithoutAwsBodyFallsBackToTheStatusLine) {
  OneShotServer server([](const ReceivedRequest&, Connection& connection) {
    connection.send(http_response(502, "Bad Gateway", "text/html", "<html>proxy says no</html>"));
  });
  ApiClient client = client_for(server.endpoint());
  auto result = client.call("CodeBuild_20161006.ListProjects", "{}");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(result.status().message(), "HTTP/1.1 502 Bad Gateway");
}

TEST(ApiClientTest, ConnectionRefusedNamesTheEndpoint) {
  testing::RefusingPort refusing;
  std::string endpoint = "http://127.0.0.1:" + std::to_string(refusing.port());
  ApiClient client = client_for(endpoint);
  auto result = client.call("CodeBuild_20161006.ListProjects", "{}");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(result.status().message().find("cannot connect to the kiln server at " + endpoint),
            std::string::npos)
      << result.status().message();
}

TEST(ApiClientTest, SilentServerTimesOut) {
  // The server reads the request and then says nothing until the client
  // hangs up; the client's own timeout must end the call.
  bool client_hung_up = false;
  OneShotServer server([&client_hung_up](const ReceivedRequest&, Connection& connection) {
    client_hung_up = connection.wait_for_close();
  });
  ClientConfig config = config_for(server.endpoint());
  config.timeout = std::chrono::milliseconds(300);
  auto client = ApiClient::create(config);
  ASSERT_TRUE(client.is_ok());
  auto result = client->call("CodeBuild_20161006.ListProjects", "{}");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(
      result.status().message().find("did not answer CodeBuild_20161006.ListProjects within 0.3 s"),
      std::string::npos)
      << result.status().message();
  ASSERT_TRUE(server.finish());
  EXPECT_TRUE(client_hung_up);
}

TEST(ApiClientTest, UnknownTargetPrefixIsRefusedLocally) {
  ApiClient client = client_for("http://127.0.0.1:1");
  auto result = client.call("DynamoDB_20120810.ListTables", "{}");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidInput);
  auto injected = client.call("CodeBuild_20161006.ListProjects\r\nX-Evil: 1", "{}");
  EXPECT_EQ(injected.status().code(), ErrorCode::kInvalidInput);
}

TEST(ApiClientTest, CreateRefusesEndpointsThatAreNotHttpUrls) {
  for (const char* endpoint : {"", "localhost:8080", "ftp://host/", "http://", "http://h/?q=1"}) {
    auto client = ApiClient::create(config_for(endpoint));
    ASSERT_FALSE(client.is_ok()) << endpoint;
    EXPECT_EQ(client.status().code(), ErrorCode::kInvalidInput) << endpoint;
  }
}

TEST(ApiClientTest, StreamRefusesPathsThatAreNotReadyForTheWire) {
  ApiClient client = client_for("http://127.0.0.1:1");
  for (const char* path :
       {"", "kiln/v1/builds", "/a b", "/a\r\nX-Injected: 1", "/\xc3\xbc", "/a#b"}) {
    Status status = client.stream(path, [](std::string_view) { return true; });
    EXPECT_EQ(status.code(), ErrorCode::kInvalidInput) << path;
  }
}

// Writes `text` as one HTTP/1.1 chunk.
std::string chunk(const std::string& text) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", text.size());
  return std::string(size) + "\r\n" + text + "\r\n";
}

constexpr const char* kChunkedHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(ApiClientTest, StreamDeliversChunksAsTheyArrive) {
  // The second chunk is sent only after the client has handed on the first,
  // which it can only do if it streams rather than waiting for the end.
  std::promise<void> first_delivered;
  auto delivered = first_delivered.get_future();
  OneShotServer server([&delivered](const ReceivedRequest& request, Connection& connection) {
    if (!verify_on_server(request, "codebuild").is_ok()) {
      connection.send(http_response(400, "Bad Request", kJson,
                                    R"({"__type":"InvalidSignatureException","message":"no"})"));
      return;
    }
    connection.send(std::string(kChunkedHead) + chunk("[Container] line 1\n"));
    if (delivered.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return;
    connection.send(chunk("[Container] line 2\n") + "0\r\n\r\n");
  });
  ApiClient client = client_for(server.endpoint());
  std::vector<std::string> chunks;
  bool signalled = false;
  Status status =
      client.stream("/kiln/v1/builds/p%3A1/log?follow=true", [&](std::string_view piece) {
        chunks.emplace_back(piece);
        if (!signalled) first_delivered.set_value();
        signalled = true;
        return true;
      });
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  std::string all;
  for (const std::string& piece : chunks) all += piece;
  EXPECT_EQ(all, "[Container] line 1\n[Container] line 2\n");
  EXPECT_GE(chunks.size(), 2u);
  auto request = server.finish();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/kiln/v1/builds/p%3A1/log");
  EXPECT_EQ(request->query, "follow=true");
}

TEST(ApiClientTest, StreamStopsWhenTheCallbackSaysSo) {
  bool client_hung_up = false;
  OneShotServer server([&client_hung_up](const ReceivedRequest&, Connection& connection) {
    connection.send(std::string(kChunkedHead) + chunk("first\n"));
    // No end chunk: only the client stopping ends this exchange.
    client_hung_up = connection.wait_for_close();
  });
  ApiClient client = client_for(server.endpoint());
  std::string seen;
  Status status = client.stream("/kiln/v1/builds/x/log?follow=true", [&](std::string_view piece) {
    seen += piece;
    return false;
  });
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(seen, "first\n");
  ASSERT_TRUE(server.finish());
  EXPECT_TRUE(client_hung_up);
}

TEST(ApiClientTest, StreamErrorAnswerIsNotHandedToTheCallback) {
  OneShotServer server([](const ReceivedRequest&, Connection& connection) {
    connection.send(
        http_response(400, "Bad Request", kJson,
                      R"({"__type":"ResourceNotFoundException","message":"Build not found: x"})"));
  });
  ApiClient client = client_for(server.endpoint());
  int calls = 0;
  Status status = client.stream("/kiln/v1/builds/x/log", [&](std::string_view) {
    ++calls;
    return true;
  });
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_EQ(status.message(), "ResourceNotFoundException: Build not found: x");
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace kiln::client
