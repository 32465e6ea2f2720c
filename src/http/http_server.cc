// SPDX-License-Identifier: Apache-2.0
#include "http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

namespace kiln::http {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = bh::request<bh::string_body>;
using Response = bh::response<bh::string_body>;
using SysError = boost::system::error_code;

// Every asynchronous call returns its error_code instead of throwing.
constexpr auto kAwait = net::as_tuple(net::use_awaitable);

// After an error answer the server reads (and drops) what the client is
// still sending for a moment before closing: closing a socket with unread
// data makes the kernel send a reset, which can destroy the answer in the
// client's buffer before the client reads it. Bounded, so a client cannot
// make us read a large body this way.
constexpr std::chrono::seconds kLingerTime{1};
constexpr std::size_t kMaxLingerBytes = 256 * 1024;
// Waiting this long before accepting again after accept() ran out of file
// descriptors keeps the loop from spinning while connections close.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr std::size_t kFirstReadBytes = 4096;

// True on the server's own threads; stop() must not run there.
thread_local bool tls_server_thread = false;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string to_string(beast::string_view view) { return std::string(view.data(), view.size()); }

// RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", written by hand
// because strftime's day and month names follow the process locale.
std::string http_date(std::time_t now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[64];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return text;
}

HttpResponse default_error_response(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  response.body = message + "\n";
  return response;
}

bool has_control_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Why `response` cannot be sent as it is, or nullopt when it can.
std::optional<std::string> invalid_response(const HttpResponse& response) {
  if (response.status < 200 || response.status > 599) {
    return "handler returned HTTP status " + std::to_string(response.status);
  }
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || name.find_first_of(": \t") != std::string::npos ||
        has_control_break(name) || has_control_break(value)) {
      return "handler returned an invalid header name or value for \"" + name + "\"";
    }
  }
  return std::nullopt;
}

bool asks_to_close(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (iequals(name, "Connection") && iequals(value, "close")) return true;
  }
  return false;
}

// The Beast message for `response`; the body is moved out unless streaming.
Response to_beast(HttpResponse& response, unsigned version, bool keep_alive, bool streaming) {
  Response out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers) {
    // The server owns the framing and the connection's fate.
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
        iequals(name, "Connection")) {
      continue;
    }
    out.insert(name, value);
  }
  if (out.find(bh::field::server) == out.end()) out.set(bh::field::server, "kiln");
  if (out.find(bh::field::date) == out.end())
    out.set(bh::field::date, http_date(std::time(nullptr)));
  out.keep_alive(keep_alive);
  if (streaming) {
    // HTTP/1.0 has no chunked encoding: its stream ends when we close.
    if (version >= 11) out.chunked(true);
  } else if (response.status != 204 && response.status != 304) {
    out.body() = std::move(response.body);
    out.prepare_payload();
  }
  return out;
}

HttpRequest to_http_request(Request&& request, const std::string& remote) {
  HttpRequest out;
  out.method = to_string(request.method_string());
  out.target = to_string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(to_string(field.name_string()), to_string(field.value()));
  }
  out.body = std::move(request.body());
  out.remote_address = remote;
  return out;
}

bool expects_continue(const Request& request) {
  auto expect = request.find(bh::field::expect);
  return request.version() >= 11 && expect != request.end() &&
         beast::iequals(expect->value(), "100-continue");
}

// True when the peer has closed or reset the connection, learned without
// reading anything it may have sent (a pipelined request stays queued).
bool peer_gone(tcp::socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

class Server;

// One accepted connection. Its two coroutines (serve_connection and
// watch_deadline) share it through shared_ptr and run on its strand; every
// member from socket_ on is touched on that strand only.
struct Connection {
  Connection(Server& server, tcp::socket socket);
  ~Connection();  // leaves the server's set of connections
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Gives the running read, write or wait `timeout` to finish; when it does
  // not, watch_deadline cancels it and sets timed_out_.
  void arm(Clock::duration timeout) {
    timed_out_ = false;
    deadline_.expires_after(timeout);
  }
  // stop() wants the connection gone: an idle wait ends now, a response
  // being written is finished first.
  void close_soon() {
    closing_ = true;
    if (interruptible_) cancel();
  }
  void cancel() {
    SysError ignored;
    socket_.cancel(ignored);
    poll_timer_.cancel();
  }
  // Ends both coroutines and releases the socket's descriptor now.
  void finish() {
    done_ = true;
    deadline_.cancel();
    poll_timer_.cancel();
    SysError ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Server& server_;
  const net::any_io_executor strand_;
  tcp::socket socket_;
  net::steady_timer deadline_;
  net::steady_timer poll_timer_;
  std::string remote_;

  bool closing_ = false;        // stop() asked to close
  bool interruptible_ = false;  // waiting for a request or a stream's next poll
  bool timed_out_ = false;      // the deadline cancelled the running operation
  bool done_ = false;
};

// What reading a request ended with: a request, a quiet close (the client
// left, stopped or idled out), or an error to answer before closing.
struct ReadOutcome {
  bool got_request = false;
  int refuse_status = 0;
  std::string message;
};

// The server proper; HttpServer::Impl is this class. Thread-safe as the
// public header promises: configuration is fixed at construction, the
// accept loop runs on its own strand, each connection on its own, and the
// set of connections is guarded by mu_.
class Server {
 public:
  Server(HttpServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {}
  ~Server() { stop(); }

  Status bind();
  Status run(int threads);
  std::uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }
  void stop_accepting();
  void stop();

  void remove(Connection* connection);

 private:
  net::awaitable<void> accept_connections();
  void admit(tcp::socket socket);
  void refuse_at_once(tcp::socket& socket);
  net::awaitable<void> serve_connection(std::shared_ptr<Connection> connection);
  net::awaitable<void> serve_requests(Connection& c);
  net::awaitable<ReadOutcome> read_request(Connection& c, beast::flat_buffer& buffer,
                                           bh::request_parser<bh::string_body>& parser, bool first);
  ReadOutcome read_failure(const Connection& c, const SysError& error) const;
  net::awaitable<bool> answer(Connection& c, Request request);
  net::awaitable<bool> stream_body(Connection& c, HttpResponse& response, unsigned version);
  net::awaitable<bool> write_chunk(Connection& c, const std::string& data, unsigned version);
  net::awaitable<void> refuse(Connection& c, int status, const std::string& message);
  net::awaitable<void> linger(Connection& c);
  HttpResponse call_handler(const HttpRequest& request) const;
  HttpResponse error_response(int status, const std::string& message) const;

  // Set at construction or by bind()/run(), before any thread serves.
  const HttpServerOptions options_;
  const Handler handler_;
  std::unique_ptr<net::io_context> io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;  // used by accept_connections only
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string address_;
  std::vector<std::thread> threads_;

  std::mutex stop_mu_;    // held through stop(), so a second caller waits for the first
  bool stopped_ = false;  // guarded by stop_mu_

  std::mutex mu_;
  std::condition_variable no_connections_;
  bool accepting_ = false;                                                  // guarded by mu_
  bool stopping_ = false;                                                   // guarded by mu_
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;  // guarded by mu_
};

Connection::Connection(Server& server, tcp::socket socket)
    : server_(server),
      strand_(socket.get_executor()),
      socket_(std::move(socket)),
      deadline_(strand_, Clock::time_point::max()),
      poll_timer_(strand_) {
  SysError error;
  tcp::endpoint peer = socket_.remote_endpoint(error);
  if (!error) remote_ = peer.address().to_string();
}

Connection::~Connection() { server_.remove(this); }

// Cancels whatever the connection is doing once its deadline passes. A wait
// that ends because arm() moved the deadline just waits again; checking the
// expiry (not the error) also covers a deadline moved after it fired.
net::awaitable<void> watch_deadline(std::shared_ptr<Connection> c) {
  while (!c->done_) {
    co_await c->deadline_.async_wait(kAwait);
    if (c->done_) break;
    if (c->deadline_.expiry() <= Clock::now()) {
      c->timed_out_ = true;
      c->deadline_.expires_at(Clock::time_point::max());
      c->cancel();
    }
  }
}

Status Server::bind() {
  SysError error;
  net::ip::address host = options_.host == "localhost"
                              ? net::ip::make_address("127.0.0.1")
                              : net::ip::make_address(options_.host, error);
  if (error) {
    return Status(ErrorCode::kInvalidInput, "http server: host \"" + options_.host +
                                                "\" is not an IP address (e.g. 127.0.0.1)");
  }
  tcp::endpoint endpoint(host, options_.port);
  io_ = std::make_unique<net::io_context>(1);
  // Made by hand for SOCK_CLOEXEC: builds started by `kiln serve` must not
  // inherit the listening socket (and keep the port busy after we exit).
  int fd = ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return Status(ErrorCode::kIoError, std::string("http server: socket: ") + std::strerror(errno));
  }
  acceptor_.emplace(net::make_strand(*io_));
  acceptor_->assign(endpoint.protocol(), fd, error);
  if (error) {
    ::close(fd);
    return Status(ErrorCode::kIoError, "http server: " + error.message());
  }
  listen_fd_ = fd;
  acceptor_->set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_->bind(endpoint, error);
  if (!error) acceptor_->listen(net::socket_base::max_listen_connections, error);
  std::string where = host.is_v6() ? "[" + host.to_string() + "]" : host.to_string();
  if (error) {
    return Status(ErrorCode::kUnavailable, "http server: cannot listen on " + where + ":" +
                                               std::to_string(options_.port) + ": " +
                                               error.message());
  }
  port_ = acceptor_->local_endpoint(error).port();
  address_ = where + ":" + std::to_string(port_);
  return Status::ok();
}

Status Server::run(int threads) {
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  work_.emplace(io_->get_executor());
  net::co_spawn(acceptor_->get_executor(), accept_connections(), net::detached);
  try {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        tls_server_thread = true;
        io_->run();
      });
    }
  } catch (const std::system_error& e) {
    return Status(ErrorCode::kUnavailable, std::string("http server: no thread: ") + e.what());
  }
  return Status::ok();
}

net::awaitable<void> Server::accept_connections() {
  net::steady_timer backoff(acceptor_->get_executor());
  SysError endpoint_error;
  const tcp protocol = acceptor_->local_endpoint(endpoint_error).protocol();
  for (;;) {
    auto [wait_error] = co_await acceptor_->async_wait(tcp::acceptor::wait_read, kAwait);
    if (wait_error == net::error::operation_aborted) co_return;
    // accept4 for SOCK_CLOEXEC, which Asio's accept does not set.
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR) {
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(kAwait);
        continue;
      }
      co_return;  // EINVAL: stop_accepting() shut the listener down
    }
    bool owned = false;  // by a socket object, which closes it
    try {
      tcp::socket socket(net::make_strand(*io_));
      SysError error;
      socket.assign(protocol, fd, error);
      owned = !error;
      if (owned) admit(std::move(socket));
    } catch (const std::exception&) {
      // Out of memory: this connection is dropped, the loop goes on accepting.
    }
    if (!owned) ::close(fd);
  }
}

void Server::admit(tcp::socket socket) {
  auto connection = std::make_shared<Connection>(*this, std::move(socket));
  bool admitted = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // the socket closes with `connection`
    if (connections_.size() < static_cast<std::size_t>(options_.max_connections)) {
      connections_.emplace(connection.get(), connection);
      admitted = true;
    }
  }
  if (!admitted) {
    refuse_at_once(connection->socket_);
    return;
  }
  net::co_spawn(connection->strand_, serve_connection(connection), net::detached);
  net::co_spawn(connection->strand_, watch_deadline(connection), net::detached);
}

// The answer to a connection over max_connections, written without waiting:
// a fresh socket's send buffer always takes it, and if not, the client
// just sees the close.
void Server::refuse_at_once(tcp::socket& socket) {
  HttpResponse refusal = error_response(
      503, "too many connections (limit " + std::to_string(options_.max_connections) + ")");
  Response response = to_beast(refusal, 11, false, false);
  SysError ignored;
  socket.non_blocking(true, ignored);
  bh::write(socket, response, ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

void Server::remove(Connection* connection) {
  std::lock_guard lock(mu_);
  if (connections_.erase(connection) > 0 && connections_.empty()) no_connections_.notify_all();
}

net::awaitable<void> Server::serve_connection(std::shared_ptr<Connection> connection) {
  try {
    co_await serve_requests(*connection);
  } catch (const std::exception&) {
    // Out of memory or a broken Beast invariant: this connection is lost,
    // the server carries on.
  }
  connection->finish();
}

// Requests are answered one after the other, so pipelined requests get
// their answers in order; the buffer keeps what arrived beyond a request.
net::awaitable<void> Server::serve_requests(Connection& c) {
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    bh::request_parser<bh::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(HttpServer::kMaxHeaderBytes));
    parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    ReadOutcome read = co_await read_request(c, buffer, parser, first);
    if (read.refuse_status != 0) {
      co_await refuse(c, read.refuse_status, read.message);
      co_return;
    }
    if (!read.got_request) co_return;
    bool keep_alive = co_await answer(c, parser.release());
    if (!keep_alive || c.closing_) co_return;
  }
}

// The first byte of a request may take up to idle_timeout on a kept-alive
// connection (read_timeout on a new one); from then on the whole request
// must arrive within read_timeout, which is what keeps slow clients from
// holding connections.
net::awaitable<ReadOutcome> Server::read_request(Connection& c, beast::flat_buffer& buffer,
                                                 bh::request_parser<bh::string_body>& parser,
                                                 bool first) {
  if (c.closing_) co_return ReadOutcome{};
  c.interruptible_ = true;
  if (buffer.size() == 0) {
    c.arm(first ? options_.read_timeout : options_.idle_timeout);
    auto [error, n] = co_await c.socket_.async_read_some(buffer.prepare(kFirstReadBytes), kAwait);
    if (error) co_return ReadOutcome{};  // idle, gone or stopped: nothing to answer
    buffer.commit(n);
    if (c.closing_) co_return ReadOutcome{};  // stop() came while the first bytes did
  }
  c.arm(options_.read_timeout);
  auto [error, n] = co_await bh::async_read_header(c.socket_, buffer, parser, kAwait);
  if (!error && !parser.is_done() && expects_continue(parser.get())) {
    // curl and botocore wait for this before sending a large body; the
    // header already passed the size check, so the body is welcome.
    c.interruptible_ = false;
    bh::response<bh::empty_body> go_on{bh::status::continue_, parser.get().version()};
    auto [continue_error, sent] = co_await bh::async_write(c.socket_, go_on, kAwait);
    error = continue_error;
    c.interruptible_ = true;
  }
  if (!error && !parser.is_done()) {
    auto [body_error, body_bytes] = co_await bh::async_read(c.socket_, buffer, parser, kAwait);
    error = body_error;
  }
  c.interruptible_ = false;
  if (error) co_return read_failure(c, error);
  ReadOutcome outcome;
  outcome.got_request = true;
  co_return outcome;
}

ReadOutcome Server::read_failure(const Connection& c, const SysError& error) const {
  if (c.timed_out_) {
    return {.refuse_status = 408,
            .message = "the request did not arrive within " +
                       std::to_string(options_.read_timeout.count()) + " s"};
  }
  if (error == bh::error::body_limit) {
    return {.refuse_status = 413,
            .message = "the request body is larger than " +
                       std::to_string(options_.max_body_bytes) + " bytes"};
  }
  if (error == bh::error::header_limit) {
    return {.refuse_status = 431,
            .message = "the request header is larger than " +
                       std::to_string(HttpServer::kMaxHeaderBytes) + " bytes"};
  }
  // A client that left mid-request has no one to answer; neither does stop().
  if (error == bh::error::end_of_stream || error == bh::error::partial_message ||
      error.category() != bh::make_error_code(bh::error::bad_method).category()) {
    return {};
  }
  return {.refuse_status = 400, .message = "malformed HTTP request: " + error.message()};
}

// Calls the handler and writes its answer. Returns whether the connection
// may carry another request.
net::awaitable<bool> Server::answer(Connection& c, Request request) {
  const bool head = request.method() == bh::verb::head;
  const unsigned version = request.version();
  bool keep_alive = request.keep_alive();
  HttpResponse response = call_handler(to_http_request(std::move(request), c.remote_));
  if (auto problem = invalid_response(response)) response = error_response(500, *problem);
  if (asks_to_close(response) || c.closing_) keep_alive = false;
  const bool streaming = response.next_chunk != nullptr;
  if (streaming && version < 11) keep_alive = false;
  Response message = to_beast(response, version, keep_alive, streaming);
  c.arm(options_.write_timeout);
  if (head || streaming) {
    bh::response_serializer<bh::string_body> serializer{message};
    auto [error, n] = co_await bh::async_write_header(c.socket_, serializer, kAwait);
    if (error) co_return false;
    if (head) co_return keep_alive;
    bool complete = co_await stream_body(c, response, version);
    co_return complete&& keep_alive;
  }
  auto [error, n] = co_await bh::async_write(c.socket_, message, kAwait);
  co_return !error && keep_alive;
}

// Sends a streamed body. Returns true when it ended with the final chunk;
// false when it was cut (client gone, stop(), write timeout, next_chunk
// threw), and the connection must then close.
net::awaitable<bool> Server::stream_body(Connection& c, HttpResponse& response, unsigned version) {
  if (!response.body.empty()) {
    bool sent = co_await write_chunk(c, response.body, version);
    if (!sent) co_return false;
  }
  for (;;) {
    if (c.closing_) co_return false;
    std::optional<std::string> chunk;
    try {
      chunk = response.next_chunk();
    } catch (const std::exception&) {
      co_return false;  // the status line is sent: the only signal left is the cut
    }
    if (!chunk) break;
    if (chunk->empty()) {
      if (peer_gone(c.socket_)) co_return false;
      c.poll_timer_.expires_after(options_.poll_interval);
      c.interruptible_ = true;
      co_await c.poll_timer_.async_wait(kAwait);  // cancelled by stop(): checked above
      c.interruptible_ = false;
      continue;
    }
    bool sent = co_await write_chunk(c, *chunk, version);
    if (!sent) co_return false;
  }
  if (version < 11) co_return false;  // an HTTP/1.0 stream ends with the close
  c.arm(options_.write_timeout);
  auto [error, n] = co_await net::async_write(c.socket_, bh::make_chunk_last(), kAwait);
  co_return !error;
}

net::awaitable<bool> Server::write_chunk(Connection& c, const std::string& data, unsigned version) {
  c.arm(options_.write_timeout);
  if (version < 11) {
    auto [error, n] = co_await net::async_write(c.socket_, net::buffer(data), kAwait);
    co_return !error;
  }
  auto [error, n] = co_await net::async_write(c.socket_, bh::make_chunk(net::buffer(data)), kAwait);
  co_return !error;
}

// Answers a request the server will not pass on, then closes.
net::awaitable<void> Server::refuse(Connection& c, int status, const std::string& message) {
  HttpResponse refusal = error_response(status, message);
  Response response = to_beast(refusal, 11, false, false);
  c.arm(options_.write_timeout);
  auto [error, n] = co_await bh::async_write(c.socket_, response, kAwait);
  if (!error) co_await linger(c);
}

net::awaitable<void> Server::linger(Connection& c) {
  SysError ignored;
  c.socket_.shutdown(tcp::socket::shutdown_send, ignored);
  c.arm(kLingerTime);
  std::array<char, 4096> sink;
  std::size_t drained = 0;
  c.interruptible_ = true;
  while (drained < kMaxLingerBytes && !c.closing_) {
    auto [error, n] = co_await c.socket_.async_read_some(net::buffer(sink), kAwait);
    if (error) break;
    drained += n;
  }
  c.interruptible_ = false;
}

HttpResponse Server::call_handler(const HttpRequest& request) const {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    return error_response(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return error_response(500, "internal error");
  }
}

// The responder's answer, or the plain one when there is none or it fails:
// an error answer must never itself fail.
HttpResponse Server::error_response(int status, const std::string& message) const {
  if (options_.error_responder) {
    try {
      HttpResponse response = options_.error_responder(status, message);
      response.next_chunk = nullptr;
      if (!invalid_response(response)) return response;
    } catch (...) {
    }
  }
  return default_error_response(status, message);
}

void Server::stop_accepting() {
  std::lock_guard lock(mu_);
  if (!accepting_) return;
  accepting_ = false;
  // shutdown() on a listening socket makes Linux refuse new connects at
  // once, from any thread, and wakes the accept loop (accept4 then fails
  // with EINVAL); the descriptor itself stays until stop().
  ::shutdown(listen_fd_, SHUT_RDWR);
}

void Server::stop() {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  assert(!tls_server_thread && "HttpServer::stop() from a handler would wait for itself");
  if (!io_) return;
  stop_accepting();
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [raw, weak] : connections_) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (auto& connection : open) {
    net::post(connection->strand_, [connection] { connection->close_soon(); });
  }
  open.clear();  // our references would keep the connections alive
  {
    std::unique_lock lock(mu_);
    no_connections_.wait_for(lock, options_.stop_grace, [this] { return connections_.empty(); });
  }
  // Whatever is left after the grace period is cut: its coroutine frames,
  // sockets included, are destroyed with the io_context.
  work_.reset();
  io_->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  acceptor_.reset();
  io_.reset();
}

Status check_options(const HttpServerOptions& options) {
  if (options.threads < 0 || options.max_connections < 1 || options.max_body_bytes == 0 ||
      options.read_timeout.count() <= 0 || options.idle_timeout.count() <= 0 ||
      options.write_timeout.count() <= 0 || options.poll_interval.count() <= 0 ||
      options.stop_grace.count() < 0) {
    return Status(ErrorCode::kInvalidInput,
                  "http server: threads must be >= 0, max_connections and max_body_bytes >= 1, "
                  "timeouts and poll_interval > 0");
  }
  return Status::ok();
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return "";
}

struct HttpServer::Impl : Server {
  using Server::Server;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options, Handler handler) {
  if (!handler) return Status(ErrorCode::kInvalidInput, "http server: a handler is required");
  Status valid = check_options(options);
  if (!valid.is_ok()) return valid;
  int threads = options.threads;
  if (threads == 0) {
    threads = std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  Status bound = impl->bind();
  if (!bound.is_ok()) return bound;
  Status running = impl->run(threads);
  if (!running.is_ok()) return running;  // ~Impl stops the threads that did start
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::address() const { return impl_->address(); }
void HttpServer::stop_accepting() { impl_->stop_accepting(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace kiln::http
