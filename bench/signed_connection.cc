// SPDX-License-Identifier: Apache-2.0
#include "signed_connection.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <utility>

#include "sigv4/signer.h"

namespace kiln::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A followed log or a BatchGetBuilds of 100 large builds stays far below.
constexpr std::uint64_t kMaxBodyBytes = 256u << 20;
// Synchronous Asio calls have no deadline of their own; a socket timeout
// keeps a stuck server from hanging the benchmark.
constexpr int kSocketTimeoutSeconds = 120;

void set_socket_timeouts(tcp::socket& socket) {
  timeval timeout{};
  timeout.tv_sec = kSocketTimeoutSeconds;
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

}  // namespace

bool parse_endpoint(std::string_view url, Endpoint& out) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  url.remove_prefix(kScheme.size());
  while (!url.empty() && (url.back() == '/' || url.back() == '\n')) url.remove_suffix(1);
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  unsigned port = 0;
  auto digits = url.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
    return false;
  out.host = std::string(url.substr(0, colon));
  out.port = static_cast<std::uint16_t>(port);
  return true;
}

struct SignedConnection::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  bool open = false;

  void close() {
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    buffer.clear();
    open = false;
  }
};

SignedConnection::SignedConnection(Endpoint endpoint, sigv4::Credentials credentials,
                                   std::string region)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      region_(std::move(region)),
      host_header_(endpoint_.host + ":" + std::to_string(endpoint_.port)),
      impl_(std::make_unique<Impl>()) {}

SignedConnection::~SignedConnection() { impl_->close(); }

Reply SignedConnection::call(std::string_view target, std::string_view body) {
  const bool logs = target.substr(0, 6) == "Logs_2";
  return exchange("POST", "/", "", logs ? "logs" : "codebuild", target, body);
}

Reply SignedConnection::get(std::string_view path, std::string_view query) {
  return exchange("GET", path, query, "codebuild", "", "");
}

Reply SignedConnection::exchange(std::string_view method, std::string_view path,
                                 std::string_view query, std::string_view service,
                                 std::string_view target, std::string_view body) {
  Reply reply;
  beast::error_code ec;
  if (!impl_->open) {
    tcp::endpoint address(asio::ip::make_address(endpoint_.host, ec), endpoint_.port);
    if (!ec) impl_->socket.connect(address, ec);
    if (ec) {
      reply.error = "connect: " + ec.message();
      impl_->close();
      return reply;
    }
    impl_->socket.set_option(tcp::no_delay(true));
    set_socket_timeouts(impl_->socket);
    impl_->open = true;
    ++connects_;
  }

  std::vector<sigv4::HeaderView> headers = {{"Host", host_header_}};
  if (!target.empty()) {
    headers.push_back({"Content-Type", "application/x-amz-json-1.1"});
    headers.push_back({"X-Amz-Target", target});
  }
  sigv4::RequestView view{method, path, query, headers, body};
  sigv4::SignParams params{credentials_, region_, std::string(service), sigv4::Clock::now(), false};
  auto signature = sigv4::sign(view, params);
  if (!signature.is_ok()) {
    reply.error = "sign: " + signature.status().message();
    return reply;
  }

  std::string request_target(path);
  if (!query.empty()) request_target.append("?").append(query);
  http::request<http::string_body> request(method == "GET" ? http::verb::get : http::verb::post,
                                           request_target, 11);
  for (const sigv4::HeaderView& header : headers)
    request.set(std::string(header.name), std::string(header.value));
  for (const sigv4::Header& header : signature.value()) request.set(header.name, header.value);
  request.keep_alive(true);
  if (method != "GET") {
    request.body() = std::string(body);
    request.prepare_payload();
  }
  http::write(impl_->socket, request, ec);
  if (ec) {
    reply.error = "write: " + ec.message();
    impl_->close();
    return reply;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  http::read(impl_->socket, impl_->buffer, parser, ec);
  if (ec) {
    reply.error = "read: " + ec.message();
    impl_->close();
    return reply;
  }
  auto& response = parser.get();
  reply.status = static_cast<int>(response.result_int());
  reply.body = std::move(response.body());
  if (!response.keep_alive()) impl_->close();
  return reply;
}

}  // namespace kiln::bench
