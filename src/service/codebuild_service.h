// SPDX-License-Identifier: Apache-2.0
// The CodeBuild service: every operation of the JSON 1.1 API
// (`X-Amz-Target: CodeBuild_20161006.<Operation>`) and the CloudWatch Logs
// subset (`Logs_20140328.<Operation>`), as codebuild-semantics.md §4 and
// botocore's model define them. Transport-free: src/api/ has verified the
// caller's signature and hands over the target, the body and who called.
//
// Thread-safe: operations may run concurrently on any threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "logs/log_store.h"
#include "service/api_error.h"
#include "service/scheduler.h"
#include "store/state_store.h"

namespace kiln::service {

struct ServiceConfig {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // The server's base URL ("http://127.0.0.1:8600"), for the logs deepLink.
  std::string endpoint;
  // Bound on queued builds; StartBuild beyond it gets
  // AccountLimitExceededException (§2.7: AWS allows 5 × concurrency).
  int queue_limit = 10000;
};

// The caller, as its verified access key says.
struct Caller {
  std::string access_key_id;
  std::string name;  // recorded as a build's initiator
};

class LogsApi;

class CodeBuildService {
 public:
  // Everything is borrowed and must outlive the service.
  CodeBuildService(ServiceConfig config, store::StateStore& store, Scheduler& scheduler,
                   logs::LogStore& log_store);
  ~CodeBuildService();

  // One request. `target` is the X-Amz-Target header's value. Never throws.
  ApiResult handle(std::string_view target, std::string_view body, const Caller& caller);

  const ServiceConfig& config() const { return config_; }

 private:
  ApiResult handle_codebuild(std::string_view operation, std::string_view body,
                             const Caller& caller);
  ApiResult handle_logs(std::string_view operation, std::string_view body);

  const ServiceConfig config_;
  store::StateStore& store_;
  Scheduler& scheduler_;
  std::unique_ptr<LogsApi> logs_api_;
};

}  // namespace kiln::service
