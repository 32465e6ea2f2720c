// SPDX-License-Identifier: Apache-2.0
// Two HTTP clients for the server tests: libcurl for well-behaved traffic
// and a raw POSIX socket for clients that misbehave (slow, malformed,
// pipelining, leaving mid-stream). Not thread-safe; one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kiln::http::testing {

struct CurlResult {
  bool ok = false;    // the transfer completed
  std::string error;  // curl's message when not ok
  long status = 0;
  std::string body;
  std::vector<std::string> header_lines;  // "Name: value", as received
  long new_connections = 0;               // 0 when a kept-alive connection was reused

  // The value of the first header `name` (case-insensitive), "" if absent.
  std::string header(const std::string& name) const;
};

// One curl easy handle: consecutive requests reuse its connection.
class CurlClient {
 public:
  CurlClient();
  ~CurlClient();
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // `method` "GET", "POST", "HEAD"; `headers` as "Name: value".
  CurlResult request(const std::string& method, const std::string& url,
                     const std::string& body = "", const std::vector<std::string>& headers = {});

 private:
  void* handle_;
};

// A TCP connection to 127.0.0.1 through plain syscalls. Reads give up after
// 10 s, so a server that never answers fails the test instead of hanging it.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  bool send(const std::string& data);
  // Reads until the server closes (or 10 s pass; then timed_out()).
  std::string read_all();
  // Reads one response framed by Content-Length (no body for HEAD when
  // `head`); "" if the connection ends first.
  std::string read_response(bool head = false);
  // Reads until `needle` has arrived; returns everything read so far.
  std::string read_until(const std::string& needle);
  bool timed_out() const { return timed_out_; }
  void close();

 private:
  bool fill();  // one read into buffer_; false on EOF, error or timeout

  int fd_ = -1;
  int connect_errno_ = 0;
  bool timed_out_ = false;
  std::string buffer_;
};

}  // namespace kiln::http::testing
