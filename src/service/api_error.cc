// SPDX-License-Identifier: Apache-2.0
#include "service/api_error.h"

#include <nlohmann/json.hpp>

namespace kiln::service {

ApiResult ApiResult::error(const ApiError& error) {
  nlohmann::ordered_json body = {{"__type", error.type}, {"message", error.message}};
  return {error.http_status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace kiln::service
