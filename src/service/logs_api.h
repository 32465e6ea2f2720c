// SPDX-License-Identifier: Apache-2.0
// The CloudWatch Logs subset of `kiln serve` (codebuild-semantics.md §4.6,
// target prefix `Logs_20140328`): GetLogEvents, FilterLogEvents,
// DescribeLogGroups and DescribeLogStreams over the builds' LogStore, shaped
// as botocore's logs model (2014-03-28) has them. Each operation takes the
// request body and answers the response body or an error
// (InvalidParameterException, ResourceNotFoundException, or
// ServiceUnavailableException for a store that fails). Tokens, the filter
// pattern syntax and the limits are described in docs/logs-api.md.
// Thread-safe: no mutable state; as thread-safe as the LogStore.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "logs/log_store.h"
#include "service/api_error.h"

namespace kiln::service {

class LogsApi {
 public:
  // `store` must outlive this object. `region` and `account_id` go into ARNs
  // (`arn:aws:logs:<region>:<account>:log-group:<name>`).
  LogsApi(const logs::LogStore& store, std::string region, std::string account_id);

  ApiResult get_log_events(std::string_view body_json) const;
  ApiResult filter_log_events(std::string_view body_json) const;
  ApiResult describe_log_groups(std::string_view body_json) const;
  ApiResult describe_log_streams(std::string_view body_json) const;

  // The operation named by `operation` (the part of X-Amz-Target after
  // "Logs_20140328."); nullopt for one this class does not serve.
  std::optional<ApiResult> call(std::string_view operation, std::string_view body_json) const;

 private:
  const logs::LogStore& store_;
  const std::string region_;
  const std::string account_id_;
};

}  // namespace kiln::service
