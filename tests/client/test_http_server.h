// SPDX-License-Identifier: Apache-2.0
// A one-request HTTP/1.1 server on 127.0.0.1 for the client tests, on plain
// POSIX sockets so it shares no code with the client it tests; and a port
// that refuses connections. Every wait is bounded (10 s), so a broken client
// fails a test instead of hanging it.
// OneShotServer: its handler runs on the server's own thread; finish() and
// the destructor join it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sigv4/request.h"

namespace kiln::client::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;                                          // raw, before any '?'
  std::string query;                                         // raw, after the '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;                                          // Content-Length bytes

  // Borrows from this object.
  sigv4::RequestView view() const;
  // The first value of a header, compared case-insensitively; "" if absent.
  std::string header(std::string_view name) const;
};

// The accepted connection, for the handler to answer on.
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  // Writes all of `bytes`; false when the peer is gone.
  bool send(std::string_view bytes);
  // Blocks until the peer closes the connection; false if it did not within
  // 10 s.
  bool wait_for_close();

 private:
  int fd_;
};

class OneShotServer {
 public:
  using Handler = std::function<void(const ReceivedRequest&, Connection&)>;

  // Listens on an ephemeral port and serves one request on a thread.
  explicit OneShotServer(Handler handler);
  ~OneShotServer();
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Joins the thread; the request it read, or nullopt when none arrived.
  std::optional<ReceivedRequest> finish();

 private:
  void serve(Handler handler);

  int listen_fd_ = -1;
  int port_ = 0;
  std::optional<ReceivedRequest> received_;
  std::thread thread_;
};

// A port on 127.0.0.1 whose connections are refused: a socket bound to it
// that never listens keeps any other process from taking it meanwhile.
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// An HTTP/1.1 response with Content-Length and Connection: close.
std::string http_response(int status, std::string_view reason, std::string_view content_type,
                          std::string_view body);

}  // namespace kiln::client::testing
