// SPDX-License-Identifier: Apache-2.0
#include "client/api_client.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "sigv4/signer.h"

namespace kiln::client {

namespace {

constexpr long kConnectTimeoutMs = 5'000;
// Bigger answers are refused rather than held in memory: BatchGetBuilds of
// 100 builds is well under a megabyte.
constexpr std::size_t kMaxBodyBytes = 64u << 20;
constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// curl_global_init is not guaranteed thread-safe on every libcurl build, so
// it runs exactly once, before the first handle is made.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::optional<std::string> url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

// What one transfer collects; lives on the stack of send().
struct Exchange {
  CURL* handle = nullptr;
  const std::function<bool(std::string_view)>* on_chunk = nullptr;
  std::string status_line;  // "HTTP/1.1 400 Bad Request"
  std::string error_type;   // the x-amzn-ErrorType header, if any
  std::string body;
  long status = 0;
  bool stopped = false;     // on_chunk asked to stop
  bool overflowed = false;  // body over kMaxBodyBytes
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  // The last status line wins: a "100 Continue" may come before the answer.
  if (line.rfind("HTTP/", 0) == 0) exchange->status_line = std::string(trim(line));
  constexpr std::string_view kErrorType = "x-amzn-errortype:";
  if (starts_with_ignoring_case(line, kErrorType))
    exchange->error_type = std::string(trim(line.substr(kErrorType.size())));
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(exchange->handle, CURLINFO_RESPONSE_CODE, &status);
  // Only a successful answer streams; an error body is kept whole so its
  // AWS error JSON can be read.
  if (exchange->on_chunk != nullptr && status == 200) {
    if ((*exchange->on_chunk)(std::string_view(data, n))) return n;
    exchange->stopped = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  if (exchange->body.size() + n > kMaxBodyBytes) {
    exchange->overflowed = true;
    return 0;
  }
  exchange->body.append(data, n);
  return n;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return text;
}

// Turns a failed transfer into a Status that says what to do about it.
Status transfer_failure(CURL* handle, CURLcode rc, const ClientConfig& config,
                        std::string_view what, const Exchange& exchange, bool timed) {
  const std::string& endpoint = config.endpoint;
  if (rc == CURLE_COULDNT_CONNECT) {
    long os_errno = 0;
    curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
    std::string reason = os_errno ? std::strerror(static_cast<int>(os_errno)) : "refused";
    return Status(ErrorCode::kUnavailable, "cannot connect to the kiln server at " + endpoint +
                                               " (" + reason + "); is `kiln serve` running there?");
  }
  if (rc == CURLE_COULDNT_RESOLVE_HOST) {
    return Status(ErrorCode::kUnavailable,
                  "cannot resolve the host of the kiln endpoint " + endpoint);
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    std::string limit = timed ? seconds_text(config.timeout)
                              : seconds_text(std::chrono::milliseconds(kConnectTimeoutMs));
    return Status(ErrorCode::kUnavailable, "the kiln server at " + endpoint + " did not answer " +
                                               std::string(what) + " within " + limit);
  }
  if (exchange.overflowed) {
    return Status(ErrorCode::kLimitExceeded, "the answer of the kiln server at " + endpoint +
                                                 " to " + std::string(what) + " is over " +
                                                 std::to_string(kMaxBodyBytes >> 20) + " MiB");
  }
  return Status(ErrorCode::kUnavailable, std::string(what) + " to the kiln server at " + endpoint +
                                             " failed: " + curl_easy_strerror(rc));
}

ErrorCode error_code_for(std::string_view aws_code, long status) {
  if (status >= 500) return ErrorCode::kUnavailable;
  if (aws_code == "ResourceNotFoundException") return ErrorCode::kNotFound;
  if (aws_code == "ResourceAlreadyExistsException") return ErrorCode::kAlreadyExists;
  if (aws_code == "AccountLimitExceededException" || aws_code == "LimitExceededException" ||
      aws_code == "ThrottlingException")
    return ErrorCode::kLimitExceeded;
  return ErrorCode::kInvalidInput;
}

// "<__type>: <message>" from an AWS error answer, reading the code as
// botocore does (after the last '#', before any ':'), from the body or else
// the x-amzn-ErrorType header; the status line when neither has one.
Status error_from_answer(const Exchange& exchange) {
  std::string code = exchange.error_type;
  std::string message;
  nlohmann::json json = nlohmann::json::parse(exchange.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    if (auto type = json.find("__type"); type != json.end() && type->is_string())
      code = type->get<std::string>();
    for (const char* key : {"message", "Message"}) {
      auto found = json.find(key);
      if (found != json.end() && found->is_string() && message.empty())
        message = found->get<std::string>();
    }
  }
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string::npos) code = code.substr(0, colon);
  ErrorCode ours = error_code_for(code, exchange.status);
  if (code.empty()) {
    std::string line = exchange.status_line.empty() ? "HTTP " + std::to_string(exchange.status)
                                                    : exchange.status_line;
    return Status(ours, line);
  }
  return Status(ours, message.empty() ? code : code + ": " + message);
}

// The parts of one signed request.
struct Outgoing {
  std::string method;   // "POST" or "GET"
  std::string path;     // as sent, with the endpoint's base path
  std::string query;    // raw, without '?'
  std::string service;  // for the signature
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host and the signature
  std::string_view body;
  std::string what;   // for messages: the target or "GET <path>"
  bool timed = true;  // whether config.timeout bounds the whole exchange
};

}  // namespace

ApiClient::ApiClient(ClientConfig config, std::string origin, std::string host,
                     std::string base_path)
    : config_(std::move(config)),
      origin_(std::move(origin)),
      host_(std::move(host)),
      base_path_(std::move(base_path)) {}

Result<ApiClient> ApiClient::create(ClientConfig config) {
  init_curl_once();
  UrlHandle url(curl_url());
  if (!url) return Status(ErrorCode::kInternal, "curl_url failed");
  auto bad = [&config](const std::string& why) {
    return Status(ErrorCode::kInvalidInput, "kiln endpoint '" + config.endpoint + "' " + why);
  };
  if (curl_url_set(url.get(), CURLUPART_URL, config.endpoint.c_str(), 0) != CURLUE_OK)
    return bad("is not a URL");
  auto scheme = url_part(url.get(), CURLUPART_SCHEME);
  auto host = url_part(url.get(), CURLUPART_HOST);
  if (!scheme || (*scheme != "http" && *scheme != "https"))
    return bad("must be http:// or https://");
  if (!host || host->empty()) return bad("has no host");
  if (url_part(url.get(), CURLUPART_QUERY)) return bad("must not have a query string");
  std::string lower_host = *host;
  for (char& c : lower_host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // As botocore does, the Host header names the port only when it is not
  // the scheme's default.
  std::string authority = lower_host;
  if (auto port = url_part(url.get(), CURLUPART_PORT)) {
    bool default_port =
        (*scheme == "http" && *port == "80") || (*scheme == "https" && *port == "443");
    if (!default_port) authority += ":" + *port;
  }
  std::string path = url_part(url.get(), CURLUPART_PATH).value_or("/");
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string origin = *scheme + "://" + authority;
  return ApiClient(std::move(config), std::move(origin), std::move(authority), std::move(path));
}

namespace {

// Signs and sends `out`, filling `exchange`. Fails only when no HTTP answer
// came back (or on_chunk stopped it, which is not a failure).
Status send(const ClientConfig& config, const std::string& origin, const std::string& host,
            const Outgoing& out, Exchange& exchange) {
  std::vector<sigv4::HeaderView> views{{"Host", host}};
  for (const auto& [name, value] : out.headers) views.push_back({name, value});
  sigv4::RequestView request{out.method, out.path, out.query, views, out.body};
  auto added = sigv4::sign(
      request, {config.credentials, config.region, out.service, sigv4::Clock::now(), false});
  if (!added.is_ok()) return added.status();

  CurlHandle curl(curl_easy_init());
  if (!curl) return Status(ErrorCode::kInternal, "curl_easy_init failed");
  CURL* h = curl.get();
  exchange.handle = h;
  std::string url = origin + out.path + (out.query.empty() ? "" : "?" + out.query);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  // What is signed must be what is sent: no dot-segment squashing by curl.
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
  // No signals: libcurl's timeouts must not use SIGALRM in a threaded program.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  if (out.timed) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout.count()));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "kiln-cli");
  if (out.method == "POST") {
    // Never a null pointer: with one libcurl would read the body from stdin.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, out.body.empty() ? "" : out.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(out.body.size()));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }

  HeaderList headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown) {
      (void)headers.release();
      headers.reset(grown);
    }
  };
  add_header("Host: " + host);
  for (const auto& [name, value] : out.headers) add_header(name + ": " + value);
  for (const sigv4::Header& header : added.value()) add_header(header.name + ": " + header.value);
  // Without this libcurl waits up to a second for "100 Continue" before
  // sending a large body.
  add_header("Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &exchange);

  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &exchange.status);
  if (rc == CURLE_WRITE_ERROR && exchange.stopped) return Status::ok();
  if (rc != CURLE_OK) return transfer_failure(h, rc, config, out.what, exchange, out.timed);
  return Status::ok();
}

}  // namespace

Result<std::string> ApiClient::call(std::string_view target, std::string_view json_body) const {
  std::string service;
  if (target.rfind("CodeBuild_20161006.", 0) == 0) service = "codebuild";
  if (target.rfind("Logs_20140328.", 0) == 0) service = "logs";
  for (char c : target) {
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.';
    if (!word) service.clear();  // it goes into a header line as it is
  }
  if (service.empty()) {
    return Status(ErrorCode::kInvalidInput,
                  "unknown target '" + std::string(target) +
                      "': expected CodeBuild_20161006.<Operation> or Logs_20140328.<Operation>");
  }
  Outgoing out{
      "POST",
      base_path_ + "/",
      "",
      service,
      {{"Content-Type", std::string(kJsonContentType)}, {"X-Amz-Target", std::string(target)}},
      json_body,
      std::string(target),
      true};
  Exchange exchange;
  Status sent = send(config_, origin_, host_, out, exchange);
  if (!sent.is_ok()) return sent;
  if (exchange.status != 200) return error_from_answer(exchange);
  return std::move(exchange.body);
}

Status ApiClient::stream(std::string_view path_and_query,
                         const std::function<bool(std::string_view chunk)>& on_chunk) const {
  // The path is signed as given, so it must already be what goes on the
  // wire: percent-encoded, nothing for libcurl to change.
  bool sendable = !path_and_query.empty() && path_and_query.front() == '/';
  for (char c : path_and_query) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= ' ' || byte >= 0x7f || c == '#') sendable = false;
  }
  if (!sendable) {
    return Status(ErrorCode::kInvalidInput, "stream path '" + std::string(path_and_query) +
                                                "' must start with '/' and be percent-encoded");
  }
  std::size_t question = path_and_query.find('?');
  std::string path = base_path_ + std::string(path_and_query.substr(0, question));
  std::string query =
      question == std::string_view::npos ? "" : std::string(path_and_query.substr(question + 1));
  Outgoing out{"GET", path, query, "codebuild", {}, {}, "GET " + std::string(path_and_query),
               false};
  Exchange exchange;
  exchange.on_chunk = &on_chunk;
  Status sent = send(config_, origin_, host_, out, exchange);
  if (!sent.is_ok()) return sent;
  if (exchange.stopped) return Status::ok();
  if (exchange.status != 200) return error_from_answer(exchange);
  return Status::ok();
}

}  // namespace kiln::client
