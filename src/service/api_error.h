// SPDX-License-Identifier: Apache-2.0
// An error answer of the JSON 1.1 API (codebuild-semantics.md §4.1): the
// `__type` botocore reads the error code from, a message, and the HTTP
// status. Client errors are always 400; only our own failures are 5xx
// (which clients retry). Plain value type.
#pragma once

#include <string>
#include <utility>

#include "common/status.h"

namespace kiln::service {

struct ApiError {
  std::string type;  // e.g. "InvalidInputException"
  std::string message;
  int http_status = 400;

  static ApiError invalid_input(std::string message) {
    return {"InvalidInputException", std::move(message), 400};
  }
  static ApiError not_found(std::string message) {
    return {"ResourceNotFoundException", std::move(message), 400};
  }
  static ApiError internal(std::string message) {
    return {"InternalFailure", std::move(message), 500};
  }
};

// An operation's outcome: a JSON body for HTTP 200, or an error.
struct ApiResult {
  int http_status = 200;
  std::string body;  // JSON text: the output shape, or {"__type","message"}

  static ApiResult ok(std::string body) { return {200, std::move(body)}; }
  static ApiResult error(const ApiError& error);
};

}  // namespace kiln::service
