// SPDX-License-Identifier: Apache-2.0
#include "service/codebuild_service.h"

#include <map>

#include <spdlog/spdlog.h>

#include "service/api_model.h"
#include "service/logs_api.h"
#include "service/operations.h"

namespace kiln::service {

namespace {

constexpr std::string_view kCodeBuildPrefix = "CodeBuild_20161006.";
constexpr std::string_view kLogsPrefix = "Logs_20140328.";

using Operation = ApiResult (*)(const ops::OperationContext&, const ops::Input&);

const std::map<std::string, Operation, std::less<>>& codebuild_operations() {
  static const std::map<std::string, Operation, std::less<>> operations = {
      {"CreateProject", ops::create_project},
      {"UpdateProject", ops::update_project},
      {"DeleteProject", ops::delete_project},
      {"BatchGetProjects", ops::batch_get_projects},
      {"ListProjects", ops::list_projects},
      {"ListCuratedEnvironmentImages", ops::list_curated_environment_images},
      {"StartBuild", ops::start_build},
      {"StopBuild", ops::stop_build},
      {"RetryBuild", ops::retry_build},
      {"BatchGetBuilds", ops::batch_get_builds},
      {"ListBuilds", ops::list_builds},
      {"ListBuildsForProject", ops::list_builds_for_project},
      {"BatchDeleteBuilds", ops::batch_delete_builds},
  };
  return operations;
}

ApiResult unknown_operation(std::string_view target) {
  return ApiResult::error(
      {"UnknownOperationException",
       "Unknown operation: " + std::string(target.empty() ? "(no X-Amz-Target)" : target), 400});
}

}  // namespace

ApiError ops::store_error(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kInvalidInput:
      return ApiError::invalid_input(status.message());
    case ErrorCode::kNotFound:
      return ApiError::not_found(status.message());
    case ErrorCode::kAlreadyExists:
      return {"ResourceAlreadyExistsException", status.message(), 400};
    case ErrorCode::kLimitExceeded:
      return {"AccountLimitExceededException", status.message(), 400};
    case ErrorCode::kUnavailable:
      return {"ServiceUnavailable", status.message(), 503};
    default:
      spdlog::error("internal failure: {}", status.to_string());
      return ApiError::internal("internal failure: " + status.message());
  }
}

std::string ops::project_name_from(const std::string& name_or_arn) {
  auto at = name_or_arn.find(":project/");
  if (name_or_arn.rfind("arn:", 0) == 0 && at != std::string::npos)
    return name_or_arn.substr(at + 9);
  return name_or_arn;
}

std::string ops::project_arn(const OperationContext& ctx, const std::string& name) {
  return "arn:aws:codebuild:" + ctx.config.region + ":" + ctx.config.account + ":project/" + name;
}

Result<store::ProjectRecord> ops::find_project(const OperationContext& ctx,
                                               const std::string& name) {
  auto project = ctx.store.get_project(name);
  if (!project.is_ok()) return project.status();
  if (!project.value())
    return Status(ErrorCode::kNotFound, "Project cannot be found: " + project_arn(ctx, name));
  return *project.value();
}

CodeBuildService::CodeBuildService(ServiceConfig config, store::StateStore& store,
                                   Scheduler& scheduler, logs::LogStore& log_store)
    : config_(std::move(config)),
      store_(store),
      scheduler_(scheduler),
      logs_api_(std::make_unique<LogsApi>(log_store, config_.region, config_.account)) {}

CodeBuildService::~CodeBuildService() = default;

ApiResult CodeBuildService::handle(std::string_view target, std::string_view body,
                                   const Caller& caller) {
  try {
    if (target.substr(0, kCodeBuildPrefix.size()) == kCodeBuildPrefix)
      return handle_codebuild(target.substr(kCodeBuildPrefix.size()), body, caller);
    if (target.substr(0, kLogsPrefix.size()) == kLogsPrefix)
      return handle_logs(target.substr(kLogsPrefix.size()), body);
    return unknown_operation(target);
  } catch (const std::exception& e) {
    // A bug, not the caller's fault: 500 so that it is visible and retried.
    spdlog::error("{}: unexpected exception: {}", target, e.what());
    return ApiResult::error(ApiError::internal("internal failure"));
  }
}

ApiResult CodeBuildService::handle_codebuild(std::string_view operation, std::string_view body,
                                             const Caller& caller) {
  const ApiModel& model = ApiModel::codebuild();
  if (!model.has_operation(operation))
    return unknown_operation(std::string(kCodeBuildPrefix) + std::string(operation));
  ops::Input input;
  if (auto invalid = parse_request_body(body, input)) return ApiResult::error(*invalid);
  auto found = codebuild_operations().find(operation);
  if (found == codebuild_operations().end())
    return ApiResult::error(
        ApiError::invalid_input(std::string(operation) + " is not supported by kiln"));
  if (auto invalid = validate_input(model, operation, input)) return ApiResult::error(*invalid);
  ops::OperationContext ctx{config_, store_, scheduler_, caller};
  return found->second(ctx, input);
}

ApiResult CodeBuildService::handle_logs(std::string_view operation, std::string_view body) {
  const ApiModel& model = ApiModel::logs();
  if (!model.has_operation(operation))
    return unknown_operation(std::string(kLogsPrefix) + std::string(operation));
  nlohmann::json input;
  if (auto invalid = parse_request_body(body, input)) return ApiResult::error(*invalid);
  const bool supported = operation == "GetLogEvents" || operation == "FilterLogEvents" ||
                         operation == "DescribeLogGroups" || operation == "DescribeLogStreams";
  if (!supported)
    return ApiResult::error(
        {"InvalidParameterException", std::string(operation) + " is not supported by kiln", 400});
  if (auto invalid = validate_input(model, operation, input)) return ApiResult::error(*invalid);
  if (operation == "GetLogEvents") return logs_api_->get_log_events(body);
  if (operation == "FilterLogEvents") return logs_api_->filter_log_events(body);
  if (operation == "DescribeLogGroups") return logs_api_->describe_log_groups(body);
  return logs_api_->describe_log_streams(body);
}

}  // namespace kiln::service
