// SPDX-License-Identifier: Apache-2.0
// HttpServer: the HTTP/1.1 server under `kiln serve`. It owns sockets,
// framing, limits and timeouts; what a request means is the Handler's job.
// Boost.Asio/Beast stay inside http_server.cc, so this header costs nothing
// to include.
// Thread-safe: every HttpServer method may be called from any thread (also a
// signal-handling one), except from inside a Handler or next_chunk. The
// Handler is called concurrently on the server's threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kiln::http {

struct HttpRequest {
  std::string method;  // as received: "POST", "GET", "HEAD", ...
  // The raw request-target, path and query: "/" or "/kiln/v1/builds/x/log?follow=true".
  std::string target;
  // As received, in order, names in the case the client sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // already de-chunked; at most max_body_bytes
  std::string remote_address;  // the peer's IP, "127.0.0.1" or "::1"

  // The first value of header `name` (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;  // 200..599; anything else is answered as a 500
  // Sent as given, after the server's own. The server owns the framing, so
  // Content-Length and Transfer-Encoding given here are ignored; `Date` and
  // `Server: kiln` are added unless present; `Connection: close` closes the
  // connection after this response. A name or value with CR or LF is a
  // handler bug and answered as a 500.
  std::vector<std::pair<std::string, std::string>> headers;
  // The whole body (Content-Length framing); for a HEAD request only its size is sent.
  std::string body;
  // When set, the response is streamed with chunked transfer encoding:
  // `body` first (if any), then next_chunk() is called repeatedly. A
  // non-empty string is sent as a chunk; an empty one means "nothing yet":
  // the server asks again after poll_interval without holding a thread;
  // std::nullopt ends the response. Calls stop when the client goes away
  // (noticed within a poll_interval), on stop(), or after a throw (the
  // connection is then closed); the function is destroyed when the
  // connection is done with it. Called on a server thread, never two calls
  // at once for one response; must not block long. Not called for HEAD. To
  // an HTTP/1.0 client the chunks are sent raw and the connection closed.
  std::function<std::optional<std::string>()> next_chunk;
};

// Called on a server thread for every complete request, concurrently for
// different connections; may block briefly (a SQLite commit), never for
// long: a blocked handler holds one of the server's threads. An exception
// is answered as a 500 through the ErrorResponder.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Builds the answer to a request the server refuses itself (400 malformed,
// 408 too slow, 413 body too large, 431 header too large, 500 handler threw,
// 503 too many connections), so the API layer can give it the AWS error
// shape. `message` says what was wrong. The server closes the connection
// after such an answer, except after a 500. The default is text/plain.
using ErrorResponder = std::function<HttpResponse(int status, const std::string& message)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";        // a literal IPv4/IPv6 address, or "localhost"
  std::uint16_t port = 0;                // 0: any free port (see HttpServer::port())
  std::size_t max_body_bytes = 1 << 20;  // larger request bodies get a 413
  int threads = 0;  // threads running I/O and handlers; 0: max(4, 2 * hardware_concurrency)
  // A request must arrive whole within this from its first byte (and the
  // first request within this from the connect); otherwise 408 and close.
  std::chrono::seconds read_timeout{30};
  // A keep-alive connection waiting longer than this for its next request is closed.
  std::chrono::seconds idle_timeout{60};
  // A response, or one chunk of a stream, must be taken by the client within this.
  std::chrono::seconds write_timeout{30};
  std::chrono::milliseconds poll_interval{100};  // between next_chunk() calls that gave ""
  // Connections beyond this are accepted, answered 503 and closed at once.
  int max_connections = 1024;
  // How long stop() waits for connections to finish their current response
  // before it cuts them.
  std::chrono::milliseconds stop_grace{5000};
  ErrorResponder error_responder;  // may be empty: text/plain answers
};

class HttpServer {
 public:
  // Maximum size of a request's start line and headers; larger ones get a 431.
  static constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

  // Binds, listens and starts serving on its own threads. kInvalidInput for
  // a host that is not an address or for nonsensical options, kUnavailable
  // when the address cannot be bound (port taken, address not local).
  static Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, Handler handler);

  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;   // the bound port, also when options.port was 0
  std::string address() const;  // "127.0.0.1:PORT", "[::1]:PORT"

  // Closes the listening socket: new connects are refused, open connections
  // carry on (keep-alive included) until stop(). Idempotent.
  void stop_accepting();

  // Stops accepting, lets every connection finish the response it is
  // writing (within options.stop_grace), closes idle connections and cuts
  // open streams without their final chunk (so a client sees the stream
  // was not complete), then joins the threads. All sockets are closed when
  // it returns. Idempotent; concurrent calls wait for the first.
  // Requires: not called from a Handler or next_chunk (it would wait for itself).
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::http
