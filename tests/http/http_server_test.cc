// SPDX-License-Identifier: Apache-2.0
#include "http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/test_clients.h"

namespace kiln::http {
namespace {

using testing::CurlClient;
using testing::RawClient;
using namespace std::chrono_literals;

// Answers with what it received, one item a line, so a test can see every part.
HttpResponse echo(const HttpRequest& request) {
  HttpResponse response;
  response.headers = {{"Content-Type", "text/plain"}, {"X-Remote", request.remote_address}};
  response.body = request.method + " " + request.target + "\n" +
                  "x-test=" + request.header("x-TEST") + "\n" +
                  "bytes=" + std::to_string(request.body.size()) + "\n" + request.body;
  return response;
}

// Polls `done` until it holds or 10 s pass; for events with no other signal.
template <typename Predicate>
bool eventually(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::size_t entries(const char* dir) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
  return count;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}, Handler handler = echo) {
    auto started = HttpServer::start(std::move(options), std::move(handler));
    ASSERT_TRUE(started.is_ok()) << started.status().to_string();
    server_ = std::move(started.value());
  }
  std::string url(const std::string& target) const {
    return "http://" + server_->address() + target;
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, EchoesGetAndPost) {
  std::vector<std::pair<std::string, std::string>> seen_headers;
  std::mutex mu;
  start({}, [&](const HttpRequest& request) {
    std::lock_guard lock(mu);
    seen_headers = request.headers;
    return echo(request);
  });
  CurlClient client;
  auto got = client.request("GET", url("/a/b?x=1&y=%20"), "", {"X-Test: Hello"});
  ASSERT_TRUE(got.ok) << got.error;
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "GET /a/b?x=1&y=%20\nx-test=Hello\nbytes=0\n");
  EXPECT_EQ(got.header("X-Remote"), "127.0.0.1");
  EXPECT_EQ(got.header("Server"), "kiln");
  EXPECT_EQ(got.header("Content-Length"), std::to_string(got.body.size()));
  EXPECT_TRUE(
      std::regex_match(got.header("Date"),
                       std::regex(R"([A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")))
      << got.header("Date");
  {
    std::lock_guard lock(mu);
    EXPECT_NE(std::find(seen_headers.begin(), seen_headers.end(),
                        std::pair<std::string, std::string>("X-Test", "Hello")),
              seen_headers.end());
  }

  got = client.request("POST", url("/"), "some body", {"Content-Type: application/json"});
  ASSERT_TRUE(got.ok) << got.error;
  EXPECT_EQ(got.body, "POST /\nx-test=\nbytes=9\nsome body");
}

TEST_F(HttpServerTest, ReusesKeepAliveConnection) {
  start();
  CurlClient client;
  auto first = client.request("GET", url("/1"));
  auto second = client.request("POST", url("/2"), "two");
  ASSERT_TRUE(first.ok && second.ok) << first.error << second.error;
  EXPECT_EQ(first.new_connections, 1);
  EXPECT_EQ(second.new_connections, 0);
  EXPECT_EQ(second.body, "POST /2\nx-test=\nbytes=3\ntwo");
}

TEST_F(HttpServerTest, HonoursConnectionClose) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::string all = client.read_all();  // returns only because the server closes
  EXPECT_FALSE(client.timed_out());
  EXPECT_EQ(all.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << all;
  EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("GET /x\n"), std::string::npos) << all;
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(
      client.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n"
                  "POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                  "GET /third HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::string all = client.read_all();
  EXPECT_FALSE(client.timed_out());
  std::size_t first = all.find("GET /first\n");
  std::size_t second = all.find("POST /second\nx-test=\nbytes=3\nabc");
  std::size_t third = all.find("GET /third\n");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  ASSERT_NE(third, std::string::npos) << all;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST_F(HttpServerTest, AnswersHeadWithLengthButNoBody) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string head = client.read_response(/*head=*/true);
  // The echo is "HEAD /h\nx-test=\nbytes=0\n", 24 bytes.
  EXPECT_NE(head.find("Content-Length: 24\r\n"), std::string::npos) << head;
  // Had the body been sent, it would now be read as the start of this answer.
  ASSERT_TRUE(client.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string next = client.read_response();
  EXPECT_EQ(next.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << next;
  EXPECT_NE(next.find("GET /next\n"), std::string::npos) << next;
}

TEST_F(HttpServerTest, TakesExactlyMaxBodyAndRefusesOneByteMore) {
  std::atomic<int> calls{0};
  start({}, [&](const HttpRequest& request) {
    ++calls;
    return echo(request);
  });
  CurlClient client;
  auto fits = client.request("POST", url("/"), std::string(1 << 20, 'x'));
  ASSERT_TRUE(fits.ok) << fits.error;
  EXPECT_EQ(fits.status, 200);
  EXPECT_NE(fits.body.find("bytes=1048576\n"), std::string::npos);
  // curl sends "Expect: 100-continue" for this size and the 413 comes
  // before any of the body.
  auto too_big = client.request("POST", url("/"), std::string((1 << 20) + 1, 'x'));
  ASSERT_TRUE(too_big.ok) << too_big.error;
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpServerTest, RefusesLargeContentLengthBeforeTheBody) {
  start();
  RawClient client(server_->port());
  // Announces 100 MiB and sends none of it: only the header can be judged.
  ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 104857600\r\n\r\n"));
  std::string all = client.read_all();
  EXPECT_FALSE(client.timed_out());
  EXPECT_EQ(all.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << all;
  EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos) << all;
}

TEST_F(HttpServerTest, CountsChunkedRequestBodies) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  start(options);
  RawClient fits(server_->port());
  ASSERT_TRUE(
      fits.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"));
  std::string answer = fits.read_response();
  EXPECT_NE(answer.find("bytes=10\nhelloworld"), std::string::npos) << answer;

  RawClient too_big(server_->port());
  ASSERT_TRUE(
      too_big.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n"));
  std::string all = too_big.read_all();
  EXPECT_FALSE(too_big.timed_out());
  EXPECT_EQ(all.rfind("HTTP/1.1 413 ", 0), 0u) << all;
}

TEST_F(HttpServerTest, SendsContinueBeforeAnExpectedBody) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(
      client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.read_response(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send("abcd"));
  EXPECT_NE(client.read_response().find("bytes=4\nabcd"), std::string::npos);
}

TEST_F(HttpServerTest, AnswersMalformedRequestsWith400AndCloses) {
  start();
  for (const std::string& bad :
       {std::string("NOT-HTTP\r\n\r\n"), std::string("GET / HTTP/1.1\r\nno colon here\r\n\r\n"),
        std::string("GET / HTTP/9.9\r\nHost: h\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n")}) {
    RawClient client(server_->port());
    ASSERT_TRUE(client.send(bad));
    std::string all = client.read_all();
    EXPECT_FALSE(client.timed_out()) << bad;
    EXPECT_EQ(all.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << bad << " -> " << all;
  }
}

TEST_F(HttpServerTest, AnswersOversizedHeaderWith431) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " +
                          std::string(HttpServer::kMaxHeaderBytes, 'a') + "\r\n\r\n"));
  std::string all = client.read_all();
  EXPECT_FALSE(client.timed_out());
  EXPECT_EQ(all.rfind("HTTP/1.1 431 ", 0), 0u) << all.substr(0, 200);
}

TEST_F(HttpServerTest, ClosesClientThatSendsHalfAHeader) {
  HttpServerOptions options;
  options.read_timeout = 1s;
  start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Slow: "));
  std::string all = client.read_all();  // the client gives up after 10 s
  EXPECT_FALSE(client.timed_out());
  EXPECT_EQ(all.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << all;
}

TEST_F(HttpServerTest, ClosesIdleKeepAliveConnection) {
  HttpServerOptions options;
  options.idle_timeout = 1s;
  start(options);
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_NE(client.read_response().find("200 OK"), std::string::npos);
  EXPECT_EQ(client.read_all(), "");  // closed quietly, with no 408
  EXPECT_FALSE(client.timed_out());
}

TEST_F(HttpServerTest, AnswersHttp10AndCloses) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
  std::string all = client.read_all();
  EXPECT_FALSE(client.timed_out());
  EXPECT_EQ(all.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << all;
  EXPECT_NE(all.find("GET /old\n"), std::string::npos) << all;
}

// A stream whose next_chunk hands out `pieces` in order, then ends.
Handler stream_of(std::vector<std::optional<std::string>> pieces) {
  return [pieces](const HttpRequest&) {
    HttpResponse response;
    response.headers = {{"Content-Type", "text/plain"}};
    auto next = std::make_shared<std::size_t>(0);
    response.next_chunk = [pieces, next]() -> std::optional<std::string> {
      return *next < pieces.size() ? pieces[(*next)++] : std::nullopt;
    };
    return response;
  };
}

TEST_F(HttpServerTest, StreamsChunksAndWaitsOnEmptyOnes) {
  HttpServerOptions options;
  options.poll_interval = 10ms;
  start(options, stream_of({"a", "", "", "b", std::nullopt}));
  CurlClient client;
  auto got = client.request("GET", url("/log?follow=true"));
  ASSERT_TRUE(got.ok) << got.error;
  EXPECT_EQ(got.body, "ab");
  EXPECT_EQ(got.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(got.header("Content-Length"), "");
  // The stream ended properly, so the connection is still good.
  auto again = client.request("GET", url("/again"));
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.body, "ab");
  EXPECT_EQ(again.new_connections, 0);
}

TEST_F(HttpServerTest, SendsStreamChunksOnTheWire) {
  start({}, stream_of({"hello", std::nullopt}));
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::string all = client.read_all();
  EXPECT_NE(all.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), std::string::npos) << all;
}

TEST_F(HttpServerTest, StopsCallingNextChunkWhenClientLeaves) {
  HttpServerOptions options;
  options.poll_interval = 10ms;
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  std::atomic<int> calls{0};
  start(options, [&, alive](const HttpRequest&) {
    HttpResponse response;
    response.body = "first";
    // `alive` lives as long as the server holds this next_chunk.
    response.next_chunk = [&calls, alive]() -> std::optional<std::string> {
      ++calls;
      return std::string();
    };
    return response;
  });
  alive.reset();  // now only the handler's copy and its responses hold it
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    EXPECT_NE(client.read_until("first\r\n").find("first\r\n"), std::string::npos);
    ASSERT_TRUE(eventually([&] { return calls.load() > 0; }));
  }
  // Only the handler's copy remains once the server drops the response.
  ASSERT_TRUE(eventually([&] { return watch.use_count() == 1; }));
  int after = calls.load();
  server_->stop();
  EXPECT_EQ(calls.load(), after);
}

TEST_F(HttpServerTest, StopEndsOpenStreamPromptly) {
  HttpServerOptions options;
  options.poll_interval = 10ms;
  options.stop_grace = 60s;  // a stream that ignored stop() would hold stop() this long
  start(options, [](const HttpRequest&) {
    HttpResponse response;
    response.next_chunk = [] { return std::optional<std::string>(""); };
    return response;
  });
  RawClient client(server_->port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  client.read_until("\r\n\r\n");
  auto before = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 30s);
  std::string rest = client.read_all();
  EXPECT_FALSE(client.timed_out());
  EXPECT_EQ(rest.find("0\r\n\r\n"), std::string::npos) << "a cut stream must not look complete";
}

TEST_F(HttpServerTest, ServesManyConcurrentClients) {
  start();
  constexpr int kClients = 200;
  constexpr int kRequests = 10;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      CurlClient client;
      for (int j = 0; j < kRequests; ++j) {
        std::string target = "/" + std::to_string(i) + "/" + std::to_string(j);
        auto got = client.request("POST", url(target), target);
        if (got.ok && got.status == 200 &&
            got.body == "POST " + target + "\nx-test=\nbytes=" + std::to_string(target.size()) +
                            "\n" + target) {
          ++good;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
}

TEST_F(HttpServerTest, AnswersHandlerExceptionWith500AndKeepsTheConnection) {
  HttpServerOptions options;
  options.error_responder = [](int status, const std::string& message) {
    HttpResponse response;
    response.status = status;
    response.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    response.body = R"({"__type":"InternalFailure","message":")" + message + "\"}";
    return response;
  };
  start(options, [](const HttpRequest& request) -> HttpResponse {
    if (request.target == "/boom") throw std::runtime_error("disk on fire");
    return echo(request);
  });
  CurlClient client;
  auto failed = client.request("GET", url("/boom"));
  ASSERT_TRUE(failed.ok) << failed.error;
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_NE(failed.body.find("disk on fire"), std::string::npos) << failed.body;
  auto fine = client.request("GET", url("/ok"));
  ASSERT_TRUE(fine.ok) << fine.error;
  EXPECT_EQ(fine.status, 200);
  EXPECT_EQ(fine.new_connections, 0);
}

TEST_F(HttpServerTest, AnswersUnsendableHandlerResponseWith500) {
  start({}, [](const HttpRequest& request) {
    HttpResponse response;
    if (request.target == "/split") response.headers = {{"X-Evil", "a\r\nSet-Cookie: x=1"}};
    if (request.target == "/status") response.status = 42;
    return response;
  });
  CurlClient client;
  auto split = client.request("GET", url("/split"));
  EXPECT_EQ(split.status, 500);
  EXPECT_EQ(split.header("Set-Cookie"), "");
  EXPECT_EQ(client.request("GET", url("/status")).status, 500);
}

TEST_F(HttpServerTest, PortZeroBindsAFreePort) {
  start();
  EXPECT_NE(server_->port(), 0);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(CurlClient().request("GET", url("/")).status, 200);
}

TEST_F(HttpServerTest, TakenPortIsUnavailable) {
  start();
  HttpServerOptions options;
  options.port = server_->port();
  auto second = HttpServer::start(options, echo);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(second.status().message().find(std::to_string(server_->port())), std::string::npos);
}

TEST_F(HttpServerTest, BadHostIsInvalidInput) {
  HttpServerOptions options;
  options.host = "not an address";
  auto started = HttpServer::start(options, echo);
  ASSERT_FALSE(started.is_ok());
  EXPECT_EQ(started.status().code(), ErrorCode::kInvalidInput);
}

TEST_F(HttpServerTest, StopAcceptingKeepsOpenConnections) {
  start();
  RawClient open(server_->port());
  ASSERT_TRUE(open.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_NE(open.read_response().find("200 OK"), std::string::npos);
  server_->stop_accepting();
  RawClient late(server_->port());
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(late.connect_errno(), ECONNREFUSED);
  ASSERT_TRUE(open.send("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_NE(open.read_response().find("GET /2\n"), std::string::npos);
}

TEST_F(HttpServerTest, AnswersConnectionsOverTheLimitWith503) {
  HttpServerOptions options;
  options.max_connections = 1;
  start(options);
  RawClient first(server_->port());
  ASSERT_TRUE(first.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_NE(first.read_response().find("200 OK"), std::string::npos);  // now counted
  RawClient second(server_->port());
  std::string refused = second.read_all();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << refused;
  first.close();
  // The slot frees when the first connection is gone.
  ASSERT_TRUE(eventually([&] {
    RawClient third(server_->port());
    return third.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n") &&
           third.read_response().find("200 OK") != std::string::npos;
  }));
}

TEST_F(HttpServerTest, StopLeavesNoThreadsOrDescriptors) {
  const std::size_t fds_before = entries("/proc/self/fd");
  const std::size_t threads_before = entries("/proc/self/task");
  HttpServerOptions options;
  options.threads = 3;
  start(options);
  EXPECT_EQ(entries("/proc/self/task"), threads_before + 3);
  {
    RawClient done(server_->port());
    ASSERT_TRUE(done.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    done.read_all();
  }
  RawClient idle(server_->port());  // open while the server stops
  ASSERT_TRUE(idle.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_NE(idle.read_response().find("200 OK"), std::string::npos);
  server_->stop();
  EXPECT_EQ(idle.read_all(), "");  // closed by stop()
  EXPECT_FALSE(idle.timed_out());
  idle.close();
  EXPECT_EQ(entries("/proc/self/task"), threads_before);
  EXPECT_EQ(entries("/proc/self/fd"), fds_before);
  server_.reset();
  EXPECT_EQ(entries("/proc/self/fd"), fds_before);
}

TEST_F(HttpServerTest, StopIsIdempotentFromAnyThread) {
  start();
  std::thread a([&] { server_->stop(); });
  std::thread b([&] { server_->stop(); });
  a.join();
  b.join();
  server_->stop();
  RawClient late(server_->port());
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace kiln::http
