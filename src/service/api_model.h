// SPDX-License-Identifier: Apache-2.0
// botocore's models of the CodeBuild and CloudWatch Logs APIs, embedded at
// build time (models/README.md), and request validation against them.
//
// botocore checks only required members, types and `min` before sending; AWS
// checks the rest server-side, so we must too (codebuild-semantics.md §4.1,
// §8): lengths, ranges, enums and patterns, reported in AWS's own words:
//   1 validation error detected: Value '3000' at 'timeoutInMinutes' failed to
//   satisfy constraint: Member must have value less than or equal to 2160
// Paths are AWS's: `environment.computeType`, list items as
// `tags.1.member.key` (1-based). A value of the wrong JSON type is a
// SerializationException, as a deserialization failure is at AWS.
//
// An ApiModel is immutable once loaded. The embedded ones load on first use
// (thread-safe) and live until exit; validation may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "service/api_error.h"

namespace kiln::service {

class ApiModel {
 public:
  // The embedded models. Constraint violations are InvalidInputException
  // for CodeBuild and InvalidParameterException for Logs (§4.6). An embedded
  // model that does not load is a build defect: the process aborts.
  static const ApiModel& codebuild();
  static const ApiModel& logs();

  // Loads botocore's service-2.json text; kInvalidInput when it is not a
  // model. Patterns we cannot translate are listed, not fatal.
  static Result<std::unique_ptr<ApiModel>> parse(std::string_view model_json,
                                                 std::string validation_error_type);

  ~ApiModel();
  ApiModel(const ApiModel&) = delete;
  ApiModel& operator=(const ApiModel&) = delete;

  // Whether `operation` ("CreateProject") is in the model at all, to tell an
  // unknown operation from one we do not implement.
  bool has_operation(std::string_view operation) const;
  // The X-Amz-Target prefix, "CodeBuild_20161006" or "Logs_20140328".
  const std::string& target_prefix() const;
  const std::string& validation_error_type() const;
  // "Shape: reason" for every pattern that is not checked because it uses
  // Java syntax model_pattern.h cannot translate (none in the embedded ones).
  const std::vector<std::string>& unsupported_patterns() const;

  // See validate_input().
  std::optional<ApiError> validate(std::string_view operation, const nlohmann::json& input) const;

 private:
  struct Impl;
  explicit ApiModel(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// Checks `input` against the input shape of `operation`. nullopt when it is
// valid; otherwise the error to answer with:
//  - SerializationException when `input` is not a JSON object, a member has
//    the wrong JSON type (integer members reject 1.5, timestamps take epoch
//    seconds or an ISO 8601 string), or nesting exceeds 64 levels;
//  - model.validation_error_type() listing every missing required member and
//    violated min/max/enum/pattern, in model order (at most 100 quoted);
//  - UnknownOperationException when the model has no such operation.
// Members the model does not know are ignored (§4.1).
std::optional<ApiError> validate_input(const ApiModel& model, std::string_view operation,
                                       const nlohmann::json& input);

// Parses a request body into `out`: an empty body is `{}` (§4.1). A body that
// is not JSON, or not a JSON object, is a SerializationException.
std::optional<ApiError> parse_request_body(std::string_view body, nlohmann::json& out);

}  // namespace kiln::service
