// SPDX-License-Identifier: Apache-2.0
// ApiClient: the kiln CLI's connection to a kiln server, speaking to it as
// the aws CLI does (awsJson1_1 POSTs signed with SigV4,
// codebuild-semantics.md §4.1), plus signed GETs for kiln's own streaming
// endpoints. The only user of libcurl in kiln::client; nothing of it leaks
// out of the .cc file.
// Thread-safe: immutable after create(), and every request uses its own
// curl handle.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "client/client_config.h"
#include "common/status.h"

namespace kiln::client {

class ApiClient {
 public:
  // Fails with kInvalidInput when config.endpoint is not an http(s) URL
  // with a host.
  static Result<ApiClient> create(ClientConfig config);

  const ClientConfig& config() const { return config_; }

  // POSTs `json_body` to the endpoint's "/" with X-Amz-Target `target`,
  // signed for service "codebuild" (CodeBuild_20161006.*) or "logs"
  // (Logs_20140328.*). Returns the body of an HTTP 200 answer. Otherwise:
  // "<__type>: <message>" from an AWS error body (or the HTTP status line
  // when there is none), with kNotFound for ResourceNotFoundException,
  // kAlreadyExists for ResourceAlreadyExistsException, kLimitExceeded for
  // limit and throttling errors, kUnavailable for 5xx answers and
  // kInvalidInput for other 4xx; kUnavailable naming the endpoint when the
  // server cannot be reached or does not answer within config().timeout;
  // kInvalidInput for an unknown target prefix.
  Result<std::string> call(std::string_view target, std::string_view json_body) const;

  // A signed GET of `path_and_query` (e.g. "/kiln/v1/builds/<id>/log?follow=true",
  // appended to the endpoint's path) for service "codebuild", whose 200
  // body is handed to `on_chunk` piece by piece as it arrives. Returns OK
  // when the body ends or on_chunk returns false (the transfer stops there);
  // errors as for call(); kInvalidInput when the path does not start with
  // '/' or is not percent-encoded (spaces, controls, '#', non-ASCII bytes).
  // No overall timeout, as a followed log lasts as
  // long as its build; connecting is bounded and TCP keepalive is on.
  Status stream(std::string_view path_and_query,
                const std::function<bool(std::string_view chunk)>& on_chunk) const;

 private:
  ApiClient(ClientConfig config, std::string origin, std::string host, std::string base_path);

  ClientConfig config_;
  std::string origin_;     // "http://127.0.0.1:8080", what URLs start with
  std::string host_;       // the Host header: "127.0.0.1:8080", no default port
  std::string base_path_;  // the endpoint's path without a trailing '/', often ""
};

}  // namespace kiln::client
