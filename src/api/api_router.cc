// SPDX-License-Identifier: Apache-2.0
#include "api/api_router.h"

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/uuid.h"
#include "service/build_job.h"
#include "sigv4/verifier.h"

namespace kiln::api {

namespace {

constexpr std::string_view kLogPrefix = "/kiln/v1/builds/";
constexpr std::string_view kLogSuffix = "/log";
constexpr std::size_t kLogPageEvents = 1000;

http::HttpResponse json_response(int status, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                      {"x-amzn-RequestId", random_uuid()}};
  response.body = std::move(body);
  return response;
}

http::HttpResponse error_response(int status, const std::string& type, const std::string& message) {
  nlohmann::json body = {{"__type", type}, {"message", message}};
  auto response =
      json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  response.headers.emplace_back("x-amzn-ErrorType", type);
  return response;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      auto hex = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int high = hex(text[i + 1]), low = hex(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

bool query_flag(std::string_view query, std::string_view name) {
  std::size_t at = 0;
  while (at <= query.size()) {
    std::size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(at, end - at);
    if (pair == std::string(name) + "=true" || pair == std::string(name) + "=1") return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

ApiRouter::ApiRouter(service::CodeBuildService& service, store::StateStore& store,
                     logs::LogStore& log_store)
    : service_(service), store_(store), log_store_(log_store) {}

http::HttpResponse ApiRouter::refusal(int status, const std::string& message) {
  const char* type = status == 413   ? "RequestEntityTooLargeException"
                     : status == 503 ? "ServiceUnavailableException"
                     : status >= 500 ? "InternalFailure"
                                     : "SerializationException";
  auto response = error_response(status, type, message);
  return response;
}

http::HttpResponse ApiRouter::handle(const http::HttpRequest& request) {
  const std::string& target = request.target;
  const std::size_t question = target.find('?');
  const std::string_view path = std::string_view(target).substr(0, question);
  const std::string_view query = question == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(target).substr(question + 1);
  if (request.method == "GET" && path == "/kiln/health")
    return json_response(200, "{\"status\":\"ok\"}");

  // Everything else is signed.
  sigv4::RequestView view;
  view.method = request.method;
  view.path = path;
  view.query = query;
  for (const auto& [name, value] : request.headers) view.headers.push_back({name, value});
  view.body = request.body;
  std::string key_name;
  auto lookup = [this, &key_name](std::string_view id) -> std::optional<std::string> {
    auto key = store_.get_key(std::string(id));
    if (!key.is_ok() || !key.value() || key.value()->revoked_ms) return std::nullopt;
    key_name = key.value()->name;
    return key.value()->secret_access_key;
  };
  sigv4::VerifyOptions options;
  options.now = sigv4::Clock::now();
  options.region = service_.config().region;
  const std::string amz_target = request.header("X-Amz-Target");
  if (request.method == "POST" && path == "/")
    options.service = amz_target.rfind("Logs_", 0) == 0 ? "logs" : "codebuild";
  else
    options.service = "codebuild";
  sigv4::Verification verified = sigv4::verify(view, lookup, options);
  if (!verified.is_ok()) {
    if (!verified.error.canonical_request.empty())
      spdlog::debug("signature mismatch; canonical request:\n{}\nstring to sign:\n{}",
                    verified.error.canonical_request, verified.error.string_to_sign);
    return error_response(verified.error.http_status, verified.error.code, verified.error.message);
  }
  service::Caller caller{verified.identity->access_key_id, key_name};

  if (request.method == "POST" && path == "/") return call_api(request, caller);
  if (request.method == "GET" && path.size() > kLogPrefix.size() + kLogSuffix.size() &&
      path.substr(0, kLogPrefix.size()) == kLogPrefix &&
      path.substr(path.size() - kLogSuffix.size()) == kLogSuffix) {
    std::string id = percent_decode(
        path.substr(kLogPrefix.size(), path.size() - kLogPrefix.size() - kLogSuffix.size()));
    return stream_log(id, query_flag(query, "follow"));
  }
  return error_response(404, "UnknownOperationException",
                        "No such resource: " + request.method + " " + std::string(path));
}

http::HttpResponse ApiRouter::call_api(const http::HttpRequest& request,
                                       const service::Caller& caller) {
  service::ApiResult result = service_.handle(request.header("X-Amz-Target"), request.body, caller);
  return json_response(result.http_status, std::move(result.body));
}

http::HttpResponse ApiRouter::stream_log(const std::string& build_id, bool follow) {
  auto records = store_.get_builds({build_id});
  if (!records.is_ok()) return error_response(500, "InternalFailure", records.status().message());
  if (records.value().empty())
    return error_response(404, "ResourceNotFoundException", "Build not found: " + build_id);
  auto job = service::decode_job(records.value().front().request);
  if (!job.is_ok()) return error_response(500, "InternalFailure", job.status().message());
  const service::LogNames names = service::log_names(job.value().settings, job.value().identity);
  const std::string group = names.group;
  const std::string stream = names.stream;

  struct Cursor {
    std::uint64_t next = 0;
    bool build_finished = false;
  };
  auto cursor = std::make_shared<Cursor>();
  http::HttpResponse response;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"},
                      {"x-amzn-RequestId", random_uuid()}};
  response.next_chunk = [this, cursor, group, stream, build_id,
                         follow]() -> std::optional<std::string> {
    auto read_page = [&]() -> std::optional<std::string> {
      auto page = log_store_.read(group, stream, cursor->next, kLogPageEvents);
      if (!page.is_ok() || page.value().events.empty()) return std::nullopt;
      std::string text;
      for (const auto& event : page.value().events) text += event.message + "\n";
      cursor->next = page.value().next_index;
      return text;
    };
    if (auto text = read_page()) return text;
    // Nothing new. The end, unless the build may still write: check its
    // state first, then read once more so no line written before the
    // build finished is missed. That read is done at once rather than a
    // poll interval later, so a follower learns of the end without delay
    // (docs/benchmarks.md, "kiln serve").
    if (!follow || cursor->build_finished) return std::nullopt;
    auto now = store_.get_builds({build_id});
    if (now.is_ok() && !now.value().empty() &&
        now.value().front().state != store::BuildState::kFinished)
      return std::string();
    cursor->build_finished = true;
    return read_page();
  };
  return response;
}

}  // namespace kiln::api
