// SPDX-License-Identifier: Apache-2.0
// SignedConnection: one keep-alive HTTP/1.1 connection to a kiln server,
// sending SigV4-signed requests the way the aws CLI does (awsJson1_1 POSTs,
// kiln's signed GETs), for the serve benchmarks. Unlike client::ApiClient,
// which makes a new curl handle (and connection) per call, it reuses its
// socket, so a timed call measures the server, not a TCP handshake.
// Boost.Asio/Beast stay in signed_connection.cc.
// Not thread-safe: one connection per client thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sigv4/request.h"

namespace kiln::bench {

struct Endpoint {
  std::string host;  // "127.0.0.1"
  std::uint16_t port = 0;
};

// Parses "http://HOST:PORT" (what kiln serve writes to DATA_DIR/endpoint);
// false for anything else (https, no port).
bool parse_endpoint(std::string_view url, Endpoint& out);

struct Reply {
  int status = 0;  // HTTP status; 0 when the exchange failed
  std::string body;
  std::string error;  // why the exchange failed (connect, read, write), if it did
  bool ok() const { return status == 200; }
};

class SignedConnection {
 public:
  SignedConnection(Endpoint endpoint, sigv4::Credentials credentials, std::string region);
  ~SignedConnection();
  SignedConnection(const SignedConnection&) = delete;
  SignedConnection& operator=(const SignedConnection&) = delete;

  // POSTs `body` to "/" with X-Amz-Target `target` (CodeBuild_20161006.* or
  // Logs_20140328.*), signed for that service. Connects on first use and
  // again after the server closed the connection; a failed exchange closes
  // it and is not retried (the caller counts it as an error).
  Reply call(std::string_view target, std::string_view body);

  // A signed GET (service codebuild) of `path_and_query`; the whole body,
  // de-chunked (a followed log returns when its build ends).
  Reply get(std::string_view path, std::string_view query);

  // How many TCP connections this object has opened (1 while keep-alive holds).
  int connects() const { return connects_; }

 private:
  struct Impl;
  Reply exchange(std::string_view method, std::string_view path, std::string_view query,
                 std::string_view service, std::string_view target, std::string_view body);

  const Endpoint endpoint_;
  const sigv4::Credentials credentials_;
  const std::string region_;
  const std::string host_header_;
  std::unique_ptr<Impl> impl_;
  int connects_ = 0;
};

}  // namespace kiln::bench
