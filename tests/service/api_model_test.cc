// SPDX-License-Identifier: Apache-2.0
#include "service/api_model.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace kiln::service {
namespace {

using Json = nlohmann::json;

// The request of the AWS CLI's create-project example 1 (awscli's
// examples/codebuild/create-project.rst).
constexpr char kCliCreateProject[] = R"({
  "name": "my-demo-project",
  "source": {"type": "S3",
             "location": "codebuild-us-west-2-123456789012-input-bucket/my-source.zip"},
  "artifacts": {"type": "S3", "location": "codebuild-us-west-2-123456789012-output-bucket"},
  "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:1.0",
                  "computeType": "BUILD_GENERAL1_SMALL"},
  "serviceRole": "arn:aws:iam::123456789012:role/service-role/my-codebuild-service-role"
})";

// A project with every CreateProject member set.
constexpr char kEveryField[] = R"({
  "name": "full_project-2",
  "description": "every field set",
  "source": {"type": "GITHUB", "location": "https://github.com/o/r.git", "gitCloneDepth": 1,
             "gitSubmodulesConfig": {"fetchSubmodules": true}, "buildspec": "ci/buildspec.yml",
             "auth": {"type": "OAUTH", "resource": "token"}, "reportBuildStatus": true,
             "buildStatusConfig": {"context": "ci", "targetUrl": "https://ci"},
             "insecureSsl": false, "sourceIdentifier": "primary"},
  "secondarySources": [{"type": "GITLAB", "location": "https://gitlab.com/o/lib.git",
                        "sourceIdentifier": "lib"}],
  "sourceVersion": "main",
  "secondarySourceVersions": [{"sourceIdentifier": "lib", "sourceVersion": "v1.2"}],
  "artifacts": {"type": "S3", "location": "bucket", "path": "out", "namespaceType": "BUILD_ID",
                "name": "app.zip", "packaging": "ZIP", "overrideArtifactName": true,
                "encryptionDisabled": true, "artifactIdentifier": "main",
                "bucketOwnerAccess": "READ_ONLY"},
  "secondaryArtifacts": [{"type": "S3", "location": "bucket2", "artifactIdentifier": "docs"}],
  "cache": {"type": "LOCAL", "modes": ["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE"]},
  "environment": {"type": "ARM_CONTAINER", "image": "kiln/standard:1", "computeType":
                  "BUILD_GENERAL1_LARGE", "computeConfiguration": {"vCpu": 4, "memory": 8,
                  "disk": 50, "machineType": "GENERAL"}, "fleet": {"fleetArn": "arn:f"},
                  "environmentVariables": [{"name": "A", "value": "1", "type": "PLAINTEXT"},
                                           {"name": "B", "value": "/p", "type": "PARAMETER_STORE"}],
                  "privilegedMode": true, "certificate": "bucket/cert.pem",
                  "registryCredential": {"credential": "arn:s", "credentialProvider":
                                         "SECRETS_MANAGER"},
                  "imagePullCredentialsType": "SERVICE_ROLE",
                  "dockerServer": {"computeType": "BUILD_GENERAL1_SMALL",
                                   "securityGroupIds": ["sg-1"]}},
  "serviceRole": "arn:aws:iam::123456789012:role/r",
  "timeoutInMinutes": 2160,
  "queuedTimeoutInMinutes": 5,
  "encryptionKey": "arn:aws:kms:us-east-1:123456789012:key/k",
  "tags": [{"key": "team", "value": "build"}, {"key": "Größe", "value": ""}],
  "vpcConfig": {"vpcId": "vpc-1", "subnets": ["s-1"], "securityGroupIds": ["sg-1"]},
  "badgeEnabled": true,
  "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": "g", "streamName": "s"},
                 "s3Logs": {"status": "ENABLED", "location": "bucket/logs",
                            "encryptionDisabled": false, "bucketOwnerAccess": "FULL"}},
  "fileSystemLocations": [{"type": "EFS", "location": "fs-1.efs.amazonaws.com:/",
                           "mountPoint": "/mnt", "identifier": "efs1", "mountOptions": "nfsvers=4.1"}],
  "buildBatchConfig": {"serviceRole": "arn:r", "combineArtifacts": false,
                       "restrictions": {"maximumBuildsAllowed": 10,
                                        "computeTypesAllowed": ["BUILD_GENERAL1_SMALL"]},
                       "timeoutInMins": 60, "batchReportMode": "REPORT_INDIVIDUAL_BUILDS"},
  "concurrentBuildLimit": 2,
  "autoRetryLimit": 1
})";

constexpr char kComputeTypes[] =
    "[BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, BUILD_GENERAL1_LARGE, BUILD_GENERAL1_XLARGE, "
    "BUILD_GENERAL1_2XLARGE, BUILD_LAMBDA_1GB, BUILD_LAMBDA_2GB, BUILD_LAMBDA_4GB, "
    "BUILD_LAMBDA_8GB, BUILD_LAMBDA_10GB, ATTRIBUTE_BASED_COMPUTE, CUSTOM_INSTANCE_TYPE]";
constexpr char kTagPattern[] = R"(^([\p{L}\p{Z}\p{N}_.:/=@+\-]*)$)";

std::optional<ApiError> validate_codebuild(const std::string& operation, const Json& input) {
  return validate_input(ApiModel::codebuild(), operation, input);
}

std::optional<ApiError> validate_logs(const std::string& operation, const Json& input) {
  return validate_input(ApiModel::logs(), operation, input);
}

Json cli_create_project() { return Json::parse(kCliCreateProject); }

// `base` with an RFC 7386 merge patch applied (null removes a member).
Json patched(const Json& base, const char* patch) {
  Json result = base;
  result.merge_patch(Json::parse(patch));
  return result;
}

TEST(ApiModelTest, EmbeddedModelsLoadWithEveryPatternTranslated) {
  const ApiModel& codebuild = ApiModel::codebuild();
  EXPECT_EQ(codebuild.target_prefix(), "CodeBuild_20161006");
  EXPECT_EQ(codebuild.validation_error_type(), "InvalidInputException");
  EXPECT_TRUE(codebuild.has_operation("CreateProject"));
  EXPECT_TRUE(codebuild.has_operation("StartSandbox"));  // Tier 3: known, not implemented
  EXPECT_FALSE(codebuild.has_operation("GetLogEvents"));
  EXPECT_FALSE(codebuild.has_operation("createproject"));
  EXPECT_TRUE(codebuild.unsupported_patterns().empty()) << codebuild.unsupported_patterns()[0];

  const ApiModel& logs = ApiModel::logs();
  EXPECT_EQ(logs.target_prefix(), "Logs_20140328");
  EXPECT_EQ(logs.validation_error_type(), "InvalidParameterException");
  EXPECT_TRUE(logs.has_operation("GetLogEvents"));
  EXPECT_TRUE(logs.has_operation("FilterLogEvents"));
  EXPECT_TRUE(logs.unsupported_patterns().empty()) << logs.unsupported_patterns()[0];
  EXPECT_EQ(&ApiModel::codebuild(), &codebuild);  // loaded once
}

TEST(ApiModelTest, ParseRefusesWhatIsNotAModel) {
  EXPECT_FALSE(ApiModel::parse("", "X").is_ok());
  EXPECT_FALSE(ApiModel::parse("[]", "X").is_ok());
  EXPECT_FALSE(ApiModel::parse(R"({"operations": {}})", "X").is_ok());
  Result<std::unique_ptr<ApiModel>> dangling = ApiModel::parse(
      R"({"operations": {"Op": {"input": {"shape": "Missing"}}}, "shapes": {}})", "X");
  ASSERT_FALSE(dangling.is_ok());
  EXPECT_NE(dangling.status().message().find("Missing"), std::string::npos);
}

TEST(ApiModelTest, ParseListsPatternsItCannotTranslate) {
  Result<std::unique_ptr<ApiModel>> model = ApiModel::parse(R"({
    "operations": {"Op": {"input": {"shape": "In"}}},
    "shapes": {"In": {"type": "structure", "members": {"s": {"shape": "S"}}},
               "S": {"type": "string", "pattern": "\\p{Lu}+"}}})",
                                                           "X");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  ASSERT_EQ(model.value()->unsupported_patterns().size(), 1u);
  EXPECT_EQ(model.value()->unsupported_patterns()[0].rfind("S: ", 0), 0u);
  // Unchecked, not failing everything.
  EXPECT_FALSE(validate_input(*model.value(), "Op", Json{{"s", "abc"}}).has_value());
}

// --- valid requests -------------------------------------------------------

TEST(ApiModelTest, AcceptsTheCliCreateProjectExample) {
  std::optional<ApiError> error = validate_codebuild("CreateProject", cli_create_project());
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST(ApiModelTest, AcceptsAProjectWithEveryFieldSet) {
  std::optional<ApiError> error = validate_codebuild("CreateProject", Json::parse(kEveryField));
  EXPECT_FALSE(error.has_value()) << error->message;
  Json update = Json::parse(kEveryField);
  update["concurrentBuildLimit"] = -1;
  error = validate_codebuild("UpdateProject", update);
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST(ApiModelTest, AcceptsValidRequestsOfOtherOperations) {
  struct Case {
    const char* operation;
    const char* body;
  };
  const Case cases[] = {
      // botocore's examples-1.json
      {"BatchGetBuilds", R"({"ids": ["codebuild-demo-project:9b0ac37f-d19e-4254-9079-f47e9a389eEX",
                                     "codebuild-demo-project:b79a46f7-1473-4636-a23f-da9c45c208EX"]})"},
      // the AWS CLI's start-build example
      {"StartBuild", R"({"projectName": "my-demo-project", "queuedTimeoutInMinutesOverride": 5,
                         "artifactsOverride": {"type": "S3", "location": "arn:aws:s3:::artifacts-override",
                                               "overrideArtifactName": true}})"},
      {"StartBuild", R"({"projectName": "p", "environmentVariablesOverride":
                         [{"name": "A", "value": "", "type": "SECRETS_MANAGER"}],
                         "timeoutInMinutesOverride": 2160, "gitCloneDepthOverride": 0,
                         "idempotencyToken": "t", "debugSessionEnabled": false})"},
      {"ListProjects", "{}"},
      {"ListProjects", R"({"sortBy": "LAST_MODIFIED_TIME", "sortOrder": "DESCENDING"})"},
      {"ListCuratedEnvironmentImages", "{}"},
      {"DeleteProject", R"({"name": "p"})"},
  };
  for (const Case& c : cases) {
    std::optional<ApiError> error = validate_codebuild(c.operation, Json::parse(c.body));
    EXPECT_FALSE(error.has_value()) << c.operation << ": " << error->message;
  }
  std::optional<ApiError> logs_error = validate_logs(
      "GetLogEvents", Json::parse(R"({"logGroupName": "/aws/codebuild/p", "logStreamName":
                                      "0d8e-uuid", "startTime": 0, "endTime": 1700000000000,
                                      "limit": 10000, "startFromHead": true,
                                      "nextToken": "f/123"})"));
  EXPECT_FALSE(logs_error.has_value()) << logs_error->message;
}

TEST(ApiModelTest, IgnoresUnknownMembersAndNullOptionalOnes) {
  Json input = cli_create_project();
  input["memberFromANewerClient"] = {{"anything", 1}};
  input["environment"]["futureSetting"] = "x";
  input["description"] = nullptr;
  std::optional<ApiError> error = validate_codebuild("CreateProject", input);
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST(ApiModelTest, TimestampsTakeEpochSecondsOrIso8601) {
  // No CodeBuild input has a timestamp; the model's own Build shape does.
  Result<std::unique_ptr<ApiModel>> model = ApiModel::parse(R"({
    "operations": {"Op": {"input": {"shape": "In"}}},
    "shapes": {"In": {"type": "structure", "members": {"t": {"shape": "T"}}},
               "T": {"type": "timestamp"}}})",
                                                           "X");
  ASSERT_TRUE(model.is_ok());
  for (Json ok : {Json(1556906956.318), Json(0), Json("2019-05-03T17:49:16Z"),
                  Json("2019-05-03T17:49:16.318+02:00"), Json("2019-05-03")}) {
    EXPECT_FALSE(validate_input(*model.value(), "Op", Json{{"t", ok}}).has_value()) << ok;
  }
  for (Json bad : {Json("yesterday"), Json("2019-05-03T17"), Json(true)}) {
    std::optional<ApiError> error = validate_input(*model.value(), "Op", Json{{"t", bad}});
    ASSERT_TRUE(error.has_value()) << bad;
    EXPECT_EQ(error->type, "SerializationException");
  }
}

// --- constraint violations --------------------------------------------------

struct BadInput {
  const char* operation;
  Json body;
  std::string message;
};

void expect_rejected(const ApiModel& model, const std::vector<BadInput>& cases) {
  for (const BadInput& c : cases) {
    std::optional<ApiError> error = validate_input(model, c.operation, c.body);
    ASSERT_TRUE(error.has_value()) << c.operation << " accepted " << c.body.dump();
    EXPECT_EQ(error->type, model.validation_error_type()) << c.body.dump();
    EXPECT_EQ(error->http_status, 400);
    EXPECT_EQ(error->message, c.message) << c.body.dump();
  }
}

TEST(ApiModelTest, RejectsCreateProjectConstraintViolationsInAwsWords) {
  const Json base = cli_create_project();
  std::string long_name(151, 'a');
  Json many_tags = base;
  many_tags["tags"] = Json::array();
  for (int i = 0; i < 51; ++i) many_tags["tags"].push_back({{"key", "k" + std::to_string(i)}});
  Json many_sources = base;
  many_sources["secondarySources"] = Json::array();
  for (int i = 0; i < 13; ++i) {
    many_sources["secondarySources"].push_back({{"type", "NO_SOURCE"}});
  }
  const std::string prefix = "1 validation error detected: ";
  expect_rejected(
      ApiModel::codebuild(),
      {
          {"CreateProject", patched(base, R"({"environment": {"computeType": "BUILD_GENERAL1_HUGE"}})"),
           prefix + "Value 'BUILD_GENERAL1_HUGE' at 'environment.computeType' failed to satisfy "
                    "constraint: Member must satisfy enum value set: " + kComputeTypes},
          {"CreateProject", patched(base, R"({"timeoutInMinutes": 3000})"),
           prefix + "Value '3000' at 'timeoutInMinutes' failed to satisfy constraint: Member must "
                    "have value less than or equal to 2160"},
          {"CreateProject", patched(base, R"({"timeoutInMinutes": 4})"),
           prefix + "Value '4' at 'timeoutInMinutes' failed to satisfy constraint: Member must "
                    "have value greater than or equal to 5"},
          {"CreateProject", patched(base, R"({"queuedTimeoutInMinutes": 481})"),
           prefix + "Value '481' at 'queuedTimeoutInMinutes' failed to satisfy constraint: Member "
                    "must have value less than or equal to 480"},
          // A 151-character name breaks the pattern ({1,149}) and the length.
          {"CreateProject", patched(base, ("{\"name\": \"" + long_name + "\"}").c_str()),
           "2 validation errors detected: Value '" + long_name +
               "' at 'name' failed to satisfy constraint: Member must satisfy regular expression "
               "pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,149}; Value '" + long_name +
               "' at 'name' failed to satisfy constraint: Member must have length less than or "
               "equal to 150"},
          {"CreateProject", patched(base, R"({"name": "-dash-first"})"),
           prefix + "Value '-dash-first' at 'name' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,149}"},
          {"CreateProject", patched(base, ("{\"description\": \"" + std::string(256, 'd') + "\"}").c_str()),
           prefix + "Value '" + std::string(256, 'd') + "' at 'description' failed to satisfy "
                    "constraint: Member must have length less than or equal to 255"},
          {"CreateProject", patched(base, R"({"name": null})"),
           prefix + "Value null at 'name' failed to satisfy constraint: Member must not be null"},
          // Violations come in model order: source before environment.
          {"CreateProject", patched(base, R"({"environment": {"image": null}, "source": null})"),
           "2 validation errors detected: Value null at 'source' failed to satisfy constraint: "
           "Member must not be null; Value null at 'environment.image' failed to satisfy "
           "constraint: Member must not be null"},
          {"CreateProject", patched(base, R"({"source": {"type": "SVN"}})"),
           prefix + "Value 'SVN' at 'source.type' failed to satisfy constraint: Member must "
                    "satisfy enum value set: [CODECOMMIT, CODEPIPELINE, GITHUB, GITLAB, "
                    "GITLAB_SELF_MANAGED, S3, BITBUCKET, GITHUB_ENTERPRISE, NO_SOURCE]"},
          {"CreateProject", patched(base, R"({"source": {"gitCloneDepth": -1}})"),
           prefix + "Value '-1' at 'source.gitCloneDepth' failed to satisfy constraint: Member "
                    "must have value greater than or equal to 0"},
          {"CreateProject", many_tags,
           prefix + "Value at 'tags' failed to satisfy constraint: Member must have length less "
                    "than or equal to 50"},
          {"CreateProject", many_sources,
           prefix + "Value at 'secondarySources' failed to satisfy constraint: Member must have "
                    "length less than or equal to 12"},
          {"CreateProject", patched(base, R"({"tags": [{"key": "ok", "value": "v"}, {"key": "a*b"}]})"),
           prefix + "Value 'a*b' at 'tags.2.member.key' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: " + kTagPattern},
          {"CreateProject", patched(base, R"({"tags": [{"key": "smile", "value": "\ud83d\ude42"}]})"),
           prefix + "Value '\U0001F642' at 'tags.1.member.value' failed to satisfy constraint: "
                    "Member must satisfy regular expression pattern: " + kTagPattern},
          {"CreateProject", patched(base, ("{\"tags\": [{\"key\": \"" + std::string(128, 'k') + "\"}]}").c_str()),
           prefix + "Value '" + std::string(128, 'k') + "' at 'tags.1.member.key' failed to "
                    "satisfy constraint: Member must have length less than or equal to 127"},
          {"CreateProject",
           patched(base, R"({"environment": {"environmentVariables": [{"name": "A", "value": "1"},
                                                                       {"name": "", "value": "2"}]}})"),
           prefix + "Value '' at 'environment.environmentVariables.2.member.name' failed to "
                    "satisfy constraint: Member must have length greater than or equal to 1"},
          {"CreateProject",
           patched(base, R"({"environment": {"environmentVariables": [{"name": "A"}]}})"),
           prefix + "Value null at 'environment.environmentVariables.1.member.value' failed to "
                    "satisfy constraint: Member must not be null"},
          {"CreateProject",
           patched(base, R"({"environment": {"environmentVariables": [{"name": "A", "value": "1",
                                                                        "type": "SECRET"}]}})"),
           prefix + "Value 'SECRET' at 'environment.environmentVariables.1.member.type' failed to "
                    "satisfy constraint: Member must satisfy enum value set: [PLAINTEXT, "
                    "PARAMETER_STORE, SECRETS_MANAGER]"},
          {"UpdateProject", Json{{"name", ""}},
           prefix + "Value '' at 'name' failed to satisfy constraint: Member must have length "
                    "greater than or equal to 1"},
      });
}

TEST(ApiModelTest, RejectsOtherCodeBuildOperationsConstraintViolations) {
  Json hundred_one = Json::array();
  std::string listed;
  for (int i = 0; i < 101; ++i) {
    hundred_one.push_back("p:" + std::to_string(i));
    listed += (i ? ", p:" : "p:") + std::to_string(i);
  }
  const std::string prefix = "1 validation error detected: ";
  expect_rejected(
      ApiModel::codebuild(),
      {
          {"StartBuild", Json::parse(R"({"projectName": "p", "timeoutInMinutesOverride": 3000})"),
           prefix + "Value '3000' at 'timeoutInMinutesOverride' failed to satisfy constraint: "
                    "Member must have value less than or equal to 2160"},
          {"StartBuild", Json::parse(R"({"projectName": "p", "computeTypeOverride": "HUGE"})"),
           prefix + "Value 'HUGE' at 'computeTypeOverride' failed to satisfy constraint: Member "
                    "must satisfy enum value set: " + kComputeTypes},
          {"StartBuild", Json::parse(R"({"timeoutInMinutesOverride": 60})"),
           prefix + "Value null at 'projectName' failed to satisfy constraint: Member must not be "
                    "null"},
          {"StartBuild", Json::parse(R"({"projectName": ""})"),
           prefix + "Value '' at 'projectName' failed to satisfy constraint: Member must have "
                    "length greater than or equal to 1"},
          {"StartBuild", Json::parse(R"({"projectName": "p", "artifactsOverride": {"location": "b"}})"),
           prefix + "Value null at 'artifactsOverride.type' failed to satisfy constraint: Member "
                    "must not be null"},
          {"BatchGetBuilds", Json::parse(R"({"ids": []})"),
           prefix + "Value '[]' at 'ids' failed to satisfy constraint: Member must have length "
                    "greater than or equal to 1"},
          {"BatchGetBuilds", Json{{"ids", hundred_one}},
           prefix + "Value '[" + listed + "]' at 'ids' failed to satisfy constraint: Member must "
                    "have length less than or equal to 100"},
          {"BatchGetBuilds", Json::object(),
           prefix + "Value null at 'ids' failed to satisfy constraint: Member must not be null"},
          {"BatchGetBuilds", Json::parse(R"({"ids": ["p:1", "", null]})"),
           "2 validation errors detected: Value '' at 'ids.2.member' failed to satisfy "
           "constraint: Member must have length greater than or equal to 1; Value null at "
           "'ids.3.member' failed to satisfy constraint: Member must not be null"},
          {"ListProjects", Json::parse(R"({"sortBy": "SIZE"})"),
           prefix + "Value 'SIZE' at 'sortBy' failed to satisfy constraint: Member must satisfy "
                    "enum value set: [NAME, CREATED_TIME, LAST_MODIFIED_TIME]"},
          // A sensitive value is never echoed.
          {"ImportSourceCredentials",
           Json::parse(R"({"token": "", "serverType": "GITHUB", "authType": "PERSONAL_ACCESS_TOKEN"})"),
           prefix + "Value at 'token' failed to satisfy constraint: Member must have length "
                    "greater than or equal to 1"},
      });
}

TEST(ApiModelTest, RejectsLogsConstraintViolationsAsInvalidParameter) {
  const std::string prefix = "1 validation error detected: ";
  expect_rejected(
      ApiModel::logs(),
      {
          {"GetLogEvents", Json::parse(R"({"logGroupName": "/aws/codebuild/p", "logStreamName": "a:b"})"),
           prefix + "Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: [^:*]*"},
          {"GetLogEvents", Json::parse(R"({"logGroupName": "bad group", "logStreamName": "s"})"),
           prefix + "Value 'bad group' at 'logGroupName' failed to satisfy constraint: Member "
                    "must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"},
          {"GetLogEvents", Json::parse(R"({"logGroupName": "g", "logStreamName": "s", "limit": 10001})"),
           prefix + "Value '10001' at 'limit' failed to satisfy constraint: Member must have "
                    "value less than or equal to 10000"},
          {"GetLogEvents", Json::parse(R"({"logGroupName": "g", "logStreamName": "s", "limit": 0})"),
           prefix + "Value '0' at 'limit' failed to satisfy constraint: Member must have value "
                    "greater than or equal to 1"},
          {"GetLogEvents", Json::parse(R"({"logGroupName": "g", "logStreamName": "s", "startTime": -1})"),
           prefix + "Value '-1' at 'startTime' failed to satisfy constraint: Member must have "
                    "value greater than or equal to 0"},
          {"GetLogEvents", Json::parse(R"({"logGroupName": "g"})"),
           prefix + "Value null at 'logStreamName' failed to satisfy constraint: Member must not "
                    "be null"},
          {"FilterLogEvents", Json::parse(R"({"logGroupName": "g", "logStreamNames": []})"),
           prefix + "Value '[]' at 'logStreamNames' failed to satisfy constraint: Member must "
                    "have length greater than or equal to 1"},
          {"DescribeLogStreams", Json::parse(R"({"logGroupName": "g", "orderBy": "Size", "limit": 51})"),
           "2 validation errors detected: Value 'Size' at 'orderBy' failed to satisfy "
           "constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]; "
           "Value '51' at 'limit' failed to satisfy constraint: Member must have value less "
           "than or equal to 50"},
          // A map of strings: one error for the map, quoting it as Java prints it.
          {"CreateLogGroup", Json::parse(R"({"logGroupName": "g", "tags": {"team": "a*b"}})"),
           prefix + "Value '{team=a*b}' at 'tags' failed to satisfy constraint: Map value must "
                    "satisfy constraint: [Member must have length less than or equal to 256, "
                    "Member must satisfy regular expression pattern: "
                    "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]"},
      });
}

TEST(ApiModelTest, CountsEveryViolationButQuotesAtMostAHundred) {
  Json ids = Json::array();
  for (int i = 0; i < 150; ++i) ids.push_back("");
  std::optional<ApiError> error = validate_codebuild("BatchGetBuilds", Json{{"ids", ids}});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message.rfind("151 validation errors detected: Value '[", 0), 0u)
      << error->message.substr(0, 80);
  std::size_t quoted = 0;
  for (std::size_t at = error->message.find("failed to satisfy"); at != std::string::npos;
       at = error->message.find("failed to satisfy", at + 1)) {
    ++quoted;
  }
  EXPECT_EQ(quoted, 100u);
}

// --- type errors ------------------------------------------------------------

TEST(ApiModelTest, WrongJsonTypesAreSerializationErrors) {
  struct Case {
    const char* patch;
    std::string message;
  };
  const Case cases[] = {
      {R"({"timeoutInMinutes": 1.5})", "Expected a 32-bit integer at 'timeoutInMinutes', got 1.5"},
      {R"({"timeoutInMinutes": "60"})", "Expected a 32-bit integer at 'timeoutInMinutes', got \"60\""},
      {R"({"timeoutInMinutes": 2147483648})",
       "Expected a 32-bit integer at 'timeoutInMinutes', got 2147483648"},
      {R"({"environment": "LINUX"})", "Expected an object at 'environment', got \"LINUX\""},
      {R"({"badgeEnabled": "yes"})", "Expected a boolean at 'badgeEnabled', got \"yes\""},
      {R"({"tags": {"team": "x"}})", "Expected an array at 'tags', got an object"},
      {R"({"tags": [["nested"]]})", "Expected an object at 'tags.1.member', got an array"},
      {R"({"name": 42})", "Expected a string at 'name', got 42"},
      {R"({"environment": {"computeConfiguration": {"vCpu": 1.5}}})",
       "Expected a 64-bit integer at 'environment.computeConfiguration.vCpu', got 1.5"},
  };
  for (const Case& c : cases) {
    std::optional<ApiError> error =
        validate_codebuild("CreateProject", patched(cli_create_project(), c.patch));
    ASSERT_TRUE(error.has_value()) << c.patch;
    EXPECT_EQ(error->type, "SerializationException") << c.patch;
    EXPECT_EQ(error->http_status, 400);
    EXPECT_EQ(error->message, c.message) << c.patch;
  }
}

TEST(ApiModelTest, ABodyThatIsNotAnObjectIsASerializationError) {
  for (Json body : {Json::array(), Json("x"), Json(1), Json()}) {
    std::optional<ApiError> error = validate_codebuild("ListProjects", body);
    ASSERT_TRUE(error.has_value()) << body;
    EXPECT_EQ(error->type, "SerializationException");
    EXPECT_EQ(error->message.rfind("Expected a JSON object as the request body", 0), 0u);
  }
}

TEST(ApiModelTest, UnknownOperation) {
  std::optional<ApiError> error = validate_codebuild("Frobnicate", Json::object());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "UnknownOperationException");
  EXPECT_EQ(error->message, "Unknown operation Frobnicate");
}

TEST(ApiModelTest, HugeAndDeepInputsGetAnswersNotCrashes) {
  Json input = cli_create_project();
  input["name"] = std::string(1'000'000, 'a');
  std::optional<ApiError> error = validate_codebuild("CreateProject", input);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message.rfind("2 validation errors detected", 0), 0u);

  Json stream = {{"logGroupName", "g"}, {"logStreamName", std::string(1'000'000, 's')}};
  error = validate_logs("GetLogEvents", stream);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("Member must have length less than or equal to 512"),
            std::string::npos);

  // 100,000 nested arrays: parsed without recursion, refused without it too.
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  Json parsed;
  error = parse_request_body(deep, parsed);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "SerializationException");
  error = parse_request_body("{\"ids\": " + deep + "}", parsed);
  ASSERT_FALSE(error.has_value());
  error = validate_codebuild("BatchGetBuilds", parsed);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "Expected a string at 'ids.1.member', got an array");
}

TEST(ParseRequestBodyTest, EmptyBodyIsAnEmptyObject) {
  Json parsed;
  EXPECT_FALSE(parse_request_body("", parsed).has_value());
  EXPECT_EQ(parsed, Json::object());
  EXPECT_FALSE(parse_request_body(" \r\n", parsed).has_value());
  EXPECT_EQ(parsed, Json::object());
  EXPECT_FALSE(parse_request_body(R"({"name": "p"})", parsed).has_value());
  EXPECT_EQ(parsed["name"], "p");
}

TEST(ParseRequestBodyTest, MalformedOrNonObjectBodies) {
  Json parsed;
  std::optional<ApiError> error = parse_request_body("{\"name\": ", parsed);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "SerializationException");
  EXPECT_EQ(error->message.rfind("The request body is not valid JSON: parse error at line 1", 0),
            0u)
      << error->message;
  error = parse_request_body("[1, 2]", parsed);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "Expected a JSON object as the request body, got an array");
  error = parse_request_body("\"\xFF\"", parsed);  // not UTF-8
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "SerializationException");
}

// The bodies botocore itself serializes for the AWS CLI's documented
// examples pass; run through the real botocore so a change in what it sends
// shows here.
TEST(ApiModelTest, AcceptsWhatBotocoreSendsForTheCliExamples) {
  const char* script = R"PY(
import json, os, botocore, botocore.session, botocore.serialize
session = botocore.session.get_session()
model = session.get_service_model("codebuild")
serializer = botocore.serialize.create_serializer("json")
examples = [
  ("CreateProject", {"name": "my-demo-project",
     "source": {"type": "S3", "location": "codebuild-us-west-2-123456789012-input-bucket/my-source.zip"},
     "artifacts": {"type": "S3", "location": "codebuild-us-west-2-123456789012-output-bucket"},
     "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:1.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
     "serviceRole": "arn:aws:iam::123456789012:role/service-role/my-codebuild-service-role"}),
  ("CreateProject", {"name": "codebuild-demo-project",
     "source": {"type": "S3", "location": "codebuild-region-ID-account-ID-input-bucket/MessageUtil.zip"},
     "artifacts": {"type": "S3", "location": "codebuild-region-ID-account-ID-output-bucket"},
     "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:1.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
     "serviceRole": "serviceIAMRole"}),
  ("StartBuild", {"projectName": "my-demo-project", "queuedTimeoutInMinutesOverride": 5,
     "artifactsOverride": {"type": "S3", "location": "arn:aws:s3:::artifacts-override",
                           "overrideArtifactName": True}}),
  ("ListProjects", {}),
]
examples_path = os.path.join(os.path.dirname(botocore.__file__),
                             "data/codebuild/2016-10-06/examples-1.json")
with open(examples_path) as f:
  for operation, cases in json.load(f)["examples"].items():
    examples += [(operation, case["input"]) for case in cases]
for operation, params in examples:
  request = serializer.serialize_to_request(params, model.operation_model(operation))
  print(operation + " " + request["body"].decode())
)PY";
  kiln::testing::CommandResult result = kiln::testing::run_command({"python3", "-c", script});
  if (result.exit_code != 0 && result.err.find("No module named") != std::string::npos) {
    GTEST_SKIP() << "botocore is not installed: " << result.err;
  }
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::size_t checked = 0;
  std::size_t start = 0;
  while (start < result.out.size()) {
    std::size_t end = result.out.find('\n', start);
    std::string line = result.out.substr(start, end - start);
    start = end == std::string::npos ? result.out.size() : end + 1;
    std::size_t space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    Json body;
    ASSERT_FALSE(parse_request_body(line.substr(space + 1), body).has_value()) << line;
    std::optional<ApiError> error = validate_codebuild(line.substr(0, space), body);
    EXPECT_FALSE(error.has_value()) << line << ": " << error->message;
    ++checked;
  }
  EXPECT_GE(checked, 5u);
}

}  // namespace
}  // namespace kiln::service
