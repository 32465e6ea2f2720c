// SPDX-License-Identifier: Apache-2.0
#include "client/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace kiln::client::testing {

namespace {

constexpr int kWaitMs = 10'000;
constexpr std::size_t kMaxHeadBytes = 64 * 1024;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Makes a TCP socket bound to 127.0.0.1 on an ephemeral port; returns the
// fd and fills `port`, or -1.
int bound_socket(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

bool wait_readable(int fd) {
  pollfd waiting{fd, POLLIN, 0};
  return ::poll(&waiting, 1, kWaitMs) == 1;
}

// Reads one request (head, then Content-Length bytes of body) from `fd`.
std::optional<ReceivedRequest> read_request(int fd) {
  std::string data;
  std::size_t head_end = std::string::npos;
  char buffer[4096];
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > kMaxHeadBytes || !wait_readable(fd)) return std::nullopt;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  ReceivedRequest request;
  std::string_view head(data.data(), head_end);
  std::size_t line_end = head.find("\r\n");
  std::string_view request_line = head.substr(0, line_end);
  std::size_t space1 = request_line.find(' ');
  std::size_t space2 = request_line.rfind(' ');
  if (space1 == std::string_view::npos || space2 <= space1) return std::nullopt;
  request.method = std::string(request_line.substr(0, space1));
  std::string_view target = request_line.substr(space1 + 1, space2 - space1 - 1);
  std::size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  while (line_end != std::string_view::npos && line_end < head.size()) {
    std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  std::size_t length = std::strtoul(request.header("content-length").c_str(), nullptr, 10);
  request.body = data.substr(head_end + 4);
  while (request.body.size() < length) {
    if (!wait_readable(fd)) return std::nullopt;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    request.body.append(buffer, static_cast<std::size_t>(n));
  }
  return request;
}

}  // namespace

sigv4::RequestView ReceivedRequest::view() const {
  sigv4::RequestView out{method, path, query, {}, body};
  for (const auto& [name, value] : headers) out.headers.push_back({name, value});
  return out;
}

std::string ReceivedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (same_ignoring_case(key, name)) return value;
  }
  return "";
}

bool Connection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Connection::wait_for_close() {
  char buffer[256];
  while (wait_readable(fd_)) {
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno != EINTR)) return true;  // EOF or reset
  }
  return false;
}

OneShotServer::OneShotServer(Handler handler) {
  listen_fd_ = bound_socket(port_);
  if (listen_fd_ >= 0 && ::listen(listen_fd_, 4) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  thread_ =
      std::thread([this, handler = std::move(handler)]() mutable { serve(std::move(handler)); });
}

OneShotServer::~OneShotServer() {
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::optional<ReceivedRequest> OneShotServer::finish() {
  if (thread_.joinable()) thread_.join();
  return received_;
}

void OneShotServer::serve(Handler handler) {
  if (listen_fd_ < 0 || !wait_readable(listen_fd_)) return;
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  received_ = read_request(fd);
  if (received_) {
    Connection connection(fd);
    handler(*received_, connection);
  }
  ::close(fd);
}

RefusingPort::RefusingPort() { fd_ = bound_socket(port_); }

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}

std::string http_response(int status, std::string_view reason, std::string_view content_type,
                          std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nx-amzn-RequestId: test-request\r\nConnection: close\r\n\r\n" + std::string(body);
}

}  // namespace kiln::client::testing
