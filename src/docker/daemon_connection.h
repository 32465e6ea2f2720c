// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 requests to the Docker daemon over its unix socket. The only user
// of libcurl in kiln::docker; nothing of libcurl leaks out of the .cc file.
// Thread-safe: every request uses its own curl handle, so one connection
// object may be shared by threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::docker {

struct HttpRequest {
  std::string method = "GET";                  // "GET", "POST", "DELETE", ...
  std::string target;                          // path and query, e.g. "/v1.41/_ping"
  std::string content_type;                    // sent as Content-Type when not empty
  std::string body;                            // sent when body_file is empty
  std::string body_file;                       // when set, the body is streamed from this file
  std::chrono::milliseconds timeout{30'000};   // for the whole exchange; 0: none
  std::size_t max_response_bytes = 16u << 20;  // larger responses fail
  // When set, the body of a successful (< 400) answer is handed here piece by
  // piece as it arrives instead of being kept in HttpResponse::body, so a
  // long stream needs no memory beyond libcurl's buffer (max_response_bytes
  // does not apply). Returning false aborts the transfer.
  std::function<bool(std::string_view)> on_body;
  // When set, polled on every piece and at least once a second while the
  // daemon is silent; returning true aborts the transfer (kUnavailable).
  std::function<bool()> cancelled;
};

struct HttpResponse {
  long status = 0;  // HTTP status code
  std::string body;
};

class DaemonConnection {
 public:
  // `socket_path` is the daemon's unix socket, e.g. /var/run/docker.sock.
  explicit DaemonConnection(std::string socket_path);

  const std::string& socket_path() const { return socket_path_; }

  // Sends `request` and reads the whole response; any HTTP status counts as
  // an answer. Fails with kUnavailable when the socket cannot be reached
  // (the message names the socket, the OS's reason and how to start dockerd)
  // or the daemon does not answer within request.timeout; kLimitExceeded when
  // the response is over request.max_response_bytes; kIoError when
  // body_file cannot be opened or read. When `timed_out` is given it is set
  // to whether the failure was the timeout (callers waiting on a container
  // tell "still running" from "no daemon" by it).
  Result<HttpResponse> send(const HttpRequest& request, bool* timed_out = nullptr) const;

 private:
  std::string socket_path_;
};

}  // namespace kiln::docker
