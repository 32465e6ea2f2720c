// SPDX-License-Identifier: Apache-2.0
#include "cli/executor_factory.h"

#include <iostream>

#include "executor/host_executor.h"

namespace kiln::cli {

namespace {

runner::ExecutorFactory host_factory() {
  return [](const runner::BuildRequest& request,
            const std::string& host_source_dir) -> Result<runner::ExecutionEnvironment> {
    executor::HostExecutorOptions options;
    options.workspace_root = request.work_dir;
    runner::ExecutionEnvironment env;
    env.executor = std::make_unique<executor::HostExecutor>(options);
    env.source_dir_in_build = host_source_dir;
    return env;
  };
}

}  // namespace

Result<runner::ExecutorFactory> make_executor_factory(const std::string& name) {
  if (name == "shell") return host_factory();
  return Status(ErrorCode::kInvalidInput, "unknown executor \"" + name + "\"");
}

}  // namespace kiln::cli
