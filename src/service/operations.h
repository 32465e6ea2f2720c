// SPDX-License-Identifier: Apache-2.0
// The CodeBuild operations, one function each, behind CodeBuildService's
// dispatch. Internal to src/service (it includes nlohmann); inputs have
// passed validation against botocore's model already. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "service/api_error.h"
#include "service/codebuild_service.h"

namespace kiln::service::ops {

// Inputs as validated (nlohmann::json); outputs keep the model's member order.
using Input = nlohmann::json;
using Json = nlohmann::ordered_json;

struct OperationContext {
  const ServiceConfig& config;
  store::StateStore& store;
  Scheduler& scheduler;
  const Caller& caller;
};

// Projects (project_operations.cc).
ApiResult create_project(const OperationContext& ctx, const Input& input);
ApiResult update_project(const OperationContext& ctx, const Input& input);
ApiResult delete_project(const OperationContext& ctx, const Input& input);
ApiResult batch_get_projects(const OperationContext& ctx, const Input& input);
ApiResult list_projects(const OperationContext& ctx, const Input& input);
ApiResult list_curated_environment_images(const OperationContext& ctx, const Input& input);

// Builds (build_operations.cc).
ApiResult start_build(const OperationContext& ctx, const Input& input);
ApiResult stop_build(const OperationContext& ctx, const Input& input);
ApiResult retry_build(const OperationContext& ctx, const Input& input);
ApiResult batch_get_builds(const OperationContext& ctx, const Input& input);
ApiResult list_builds(const OperationContext& ctx, const Input& input);
ApiResult list_builds_for_project(const OperationContext& ctx, const Input& input);
ApiResult batch_delete_builds(const OperationContext& ctx, const Input& input);

// A Status from the store (or a project document function) as the API
// error a client should see.
ApiError store_error(const Status& status);

// A project name from a name or a project ARN.
std::string project_name_from(const std::string& name_or_arn);

// arn:aws:codebuild:<region>:<account>:project/<name>
std::string project_arn(const OperationContext& ctx, const std::string& name);

// The stored project, or kNotFound "Project cannot be found: <arn>" (AWS's
// words), which store_error() turns into ResourceNotFoundException.
Result<store::ProjectRecord> find_project(const OperationContext& ctx, const std::string& name);

}  // namespace kiln::service::ops
