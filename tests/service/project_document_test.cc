// SPDX-License-Identifier: Apache-2.0
#include "service/project_document.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kiln::service {
namespace {

using Json = nlohmann::json;

constexpr char kCliCreateProject[] = R"({
  "name": "my-demo-project",
  "source": {"type": "S3",
             "location": "codebuild-us-west-2-123456789012-input-bucket/my-source.zip"},
  "artifacts": {"type": "S3", "location": "codebuild-us-west-2-123456789012-output-bucket"},
  "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:1.0",
                  "computeType": "BUILD_GENERAL1_SMALL"},
  "serviceRole": "arn:aws:iam::123456789012:role/service-role/my-codebuild-service-role"
})";

// A git project with two variables and a secondary source, to override.
constexpr char kGitProject[] = R"({
  "name": "app",
  "source": {"type": "GITHUB", "location": "https://github.com/o/app.git",
             "buildspec": "buildspec.yml", "gitCloneDepth": 1},
  "secondarySources": [{"type": "GITHUB", "location": "https://github.com/o/lib.git",
                        "sourceIdentifier": "lib"},
                       {"type": "GITHUB", "location": "https://github.com/o/doc.git",
                        "sourceIdentifier": "doc"}],
  "sourceVersion": "main",
  "secondarySourceVersions": [{"sourceIdentifier": "lib", "sourceVersion": "v1"}],
  "artifacts": {"type": "NO_ARTIFACTS"},
  "environment": {"type": "LINUX_CONTAINER", "image": "kiln/standard:1",
                  "computeType": "BUILD_GENERAL1_SMALL",
                  "environmentVariables": [{"name": "A", "value": "a"},
                                           {"name": "B", "value": "b", "type": "PARAMETER_STORE"}]},
  "serviceRole": "arn:aws:iam::123456789012:role/r",
  "timeoutInMinutes": 30
})";

ProjectContext context(std::int64_t now_ms = 1556839783274) {
  return {"us-west-2", "123456789012", now_ms, "http://127.0.0.1:6789"};
}

Json make(const Json& input, const ProjectContext& ctx = context()) {
  Result<std::string> document = make_project(input.dump(), ctx);
  EXPECT_TRUE(document.is_ok()) << document.status().to_string();
  return document.is_ok() ? Json::parse(document.value()) : Json();
}

Json patched(const char* base, const char* patch) {
  Json result = Json::parse(base);
  result.merge_patch(Json::parse(patch));
  return result;
}

Json effective(const Json& project, const Json& start_build) {
  Result<std::string> settings = effective_build_settings(project.dump(), start_build.dump());
  EXPECT_TRUE(settings.is_ok()) << settings.status().to_string();
  return settings.is_ok() ? Json::parse(settings.value()) : Json();
}

// --- CreateProject ------------------------------------------------------------

TEST(ProjectDocumentTest, FillsEveryDefaultOfTheCliExample) {
  // The AWS CLI example's output, plus the members it does not show that a
  // current CodeBuild returns (§4.4).
  Json expected = Json::parse(R"({
    "name": "my-demo-project",
    "arn": "arn:aws:codebuild:us-west-2:123456789012:project/my-demo-project",
    "source": {"type": "S3",
               "location": "codebuild-us-west-2-123456789012-input-bucket/my-source.zip",
               "insecureSsl": false},
    "secondarySources": [],
    "secondarySourceVersions": [],
    "artifacts": {"type": "S3", "location": "codebuild-us-west-2-123456789012-output-bucket",
                  "name": "my-demo-project", "namespaceType": "NONE", "packaging": "NONE",
                  "encryptionDisabled": false},
    "secondaryArtifacts": [],
    "cache": {"type": "NO_CACHE"},
    "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:1.0",
                    "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": false,
                    "imagePullCredentialsType": "CODEBUILD", "environmentVariables": []},
    "serviceRole": "arn:aws:iam::123456789012:role/service-role/my-codebuild-service-role",
    "timeoutInMinutes": 60,
    "queuedTimeoutInMinutes": 480,
    "encryptionKey": "arn:aws:kms:us-west-2:123456789012:alias/aws/s3",
    "tags": [],
    "created": 1556839783.274,
    "lastModified": 1556839783.274,
    "badge": {"badgeEnabled": false},
    "logsConfig": {"cloudWatchLogs": {"status": "ENABLED"},
                   "s3Logs": {"status": "DISABLED", "encryptionDisabled": false}},
    "fileSystemLocations": [],
    "projectVisibility": "PRIVATE"
  })");
  Result<std::string> text = make_project(kCliCreateProject, context());
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  EXPECT_EQ(Json::parse(text.value()), expected);
  // Written in the order of botocore's Project shape.
  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(text.value());
  std::vector<std::string> keys;
  for (const auto& item : ordered.items()) keys.push_back(item.key());
  ASSERT_GE(keys.size(), 4u);
  EXPECT_EQ(keys[0], "name");
  EXPECT_EQ(keys[1], "arn");
  EXPECT_EQ(keys[2], "source");
  EXPECT_EQ(keys.back(), "projectVisibility");
}

TEST(ProjectDocumentTest, KeepsWhatTheRequestSets) {
  Json input = patched(kGitProject, R"({
    "description": "d", "timeoutInMinutes": 2160, "queuedTimeoutInMinutes": 5,
    "encryptionKey": "arn:aws:kms:us-west-2:123456789012:key/k",
    "cache": {"type": "LOCAL", "modes": ["LOCAL_SOURCE_CACHE"]},
    "tags": [{"key": "team", "value": "ci"}],
    "logsConfig": {"cloudWatchLogs": {"status": "DISABLED"}},
    "concurrentBuildLimit": 3, "autoRetryLimit": 2,
    "memberFromANewerClient": true})");
  Json project = make(input);
  EXPECT_EQ(project["description"], "d");
  EXPECT_EQ(project["timeoutInMinutes"], 2160);
  EXPECT_EQ(project["queuedTimeoutInMinutes"], 5);
  EXPECT_EQ(project["encryptionKey"], "arn:aws:kms:us-west-2:123456789012:key/k");
  EXPECT_EQ(project["cache"], input["cache"]);
  EXPECT_EQ(project["tags"], input["tags"]);
  EXPECT_EQ(project["sourceVersion"], "main");
  EXPECT_EQ(project["secondarySourceVersions"], input["secondarySourceVersions"]);
  EXPECT_EQ(project["concurrentBuildLimit"], 3);
  EXPECT_EQ(project["autoRetryLimit"], 2);
  EXPECT_EQ(project["source"]["gitCloneDepth"], 1);
  EXPECT_EQ(project["secondarySources"][1]["insecureSsl"], false);
  // A supplied half of logsConfig is kept, the other half defaulted.
  EXPECT_EQ(project["logsConfig"]["cloudWatchLogs"], Json({{"status", "DISABLED"}}));
  EXPECT_EQ(project["logsConfig"]["s3Logs"]["status"], "DISABLED");
  EXPECT_EQ(project["artifacts"], Json({{"type", "NO_ARTIFACTS"}}));
  EXPECT_FALSE(project.contains("memberFromANewerClient"));
}

TEST(ProjectDocumentTest, VariablesDefaultToPlaintext) {
  Json project = make(Json::parse(kGitProject));
  Json variables = project["environment"]["environmentVariables"];
  ASSERT_EQ(variables.size(), 2u);
  EXPECT_EQ(variables[0], Json({{"name", "A"}, {"value", "a"}, {"type", "PLAINTEXT"}}));
  EXPECT_EQ(variables[1]["type"], "PARAMETER_STORE");
}

TEST(ProjectDocumentTest, BadgeEnabledBecomesTheBadgeObject) {
  Json input = Json::parse(kCliCreateProject);
  input["badgeEnabled"] = true;
  Json project = make(input);
  EXPECT_FALSE(project.contains("badgeEnabled"));
  EXPECT_EQ(project["badge"],
            Json({{"badgeEnabled", true},
                  {"badgeRequestUrl", "http://127.0.0.1:6789/badges?project=my-demo-project"}}));
  input["badgeEnabled"] = false;
  EXPECT_EQ(make(input)["badge"], Json({{"badgeEnabled", false}}));
}

TEST(ProjectDocumentTest, SourcesThatNeedNoLocation) {
  Json no_source = patched(kCliCreateProject,
                           R"({"source": {"type": "NO_SOURCE", "location": null,
                                          "buildspec": "version: 0.2"}})");
  EXPECT_EQ(make(no_source)["source"],
            Json({{"type", "NO_SOURCE"}, {"buildspec", "version: 0.2"}, {"insecureSsl", false}}));
  Json pipeline = patched(kCliCreateProject,
                          R"({"source": {"type": "CODEPIPELINE", "location": null},
                              "artifacts": {"type": "CODEPIPELINE", "location": null}})");
  EXPECT_EQ(make(pipeline)["artifacts"], Json({{"type", "CODEPIPELINE"}}));
}

TEST(ProjectDocumentTest, ConcurrentBuildLimitMinusOneMeansNone) {
  Json input = Json::parse(kCliCreateProject);
  input["concurrentBuildLimit"] = -1;
  EXPECT_FALSE(make(input).contains("concurrentBuildLimit"));
}

struct SemanticCase {
  const char* patch;
  std::string message;
};

void expect_invalid(const char* base, const std::vector<SemanticCase>& cases) {
  for (const SemanticCase& c : cases) {
    Result<std::string> document = make_project(patched(base, c.patch).dump(), context());
    ASSERT_FALSE(document.is_ok()) << c.patch;
    EXPECT_EQ(document.status().code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(document.status().message(), c.message) << c.patch;
  }
}

TEST(ProjectDocumentTest, RefusesSettingsThatContradictEachOther) {
  expect_invalid(
      kGitProject,
      {
          {R"({"source": {"type": "CODECOMMIT", "location": null}})",
           "Project source location is required"},
          {R"({"source": {"type": "S3", "location": ""}})", "Project source location is required"},
          {R"({"source": {"type": "NO_SOURCE", "location": null, "buildspec": null}})",
           "Project source buildspec is required when the source type is NO_SOURCE"},
          {R"({"source": {"type": "CODEPIPELINE"}})",
           "Invalid input: when using CodePipeline both sourceType, and artifactType must be set "
           "to: CODEPIPELINE"},
          {R"({"artifacts": {"type": "CODEPIPELINE"}})",
           "Invalid input: when using CodePipeline both sourceType, and artifactType must be set "
           "to: CODEPIPELINE"},
          {R"({"artifacts": {"type": "S3"}})",
           "Invalid artifacts: artifact type S3 requires a location"},
          {R"({"artifacts": {"type": "NO_ARTIFACTS", "name": "out.zip"}})",
           "Invalid artifacts: artifact type NO_ARTIFACTS should have null output name"},
          {R"({"secondarySources": [{"type": "GITHUB", "location": "https://x/y.git"}]})",
           "Invalid input: every secondary source needs a sourceIdentifier"},
          {R"({"secondarySources": [{"type": "GITHUB", "location": "https://x/y.git",
                                     "sourceIdentifier": "my-lib"}]})",
           "Invalid input: sourceIdentifier must contain only alphanumeric characters and "
           "underscores and be less than 128 characters in length"},
          {R"({"secondarySources": [{"type": "GITHUB", "location": "https://x/a.git",
                                     "sourceIdentifier": "lib"},
                                    {"type": "GITHUB", "location": "https://x/b.git",
                                     "sourceIdentifier": "lib"}],
               "secondarySourceVersions": null})",
           "Invalid input: duplicate sourceIdentifier lib"},
          {R"({"secondarySources": [{"type": "GITLAB", "sourceIdentifier": "lib"}]})",
           "Secondary source lib location is required"},
          {R"({"secondarySourceVersions": [{"sourceIdentifier": "nope", "sourceVersion": "v"}]})",
           "Invalid input: secondary source version for nope, which is not a secondary "
           "source's sourceIdentifier"},
          {R"({"secondaryArtifacts": [{"type": "S3", "location": "b"}]})",
           "Invalid input: every secondary artifact needs an artifactIdentifier"},
          {R"({"secondaryArtifacts": [{"type": "S3", "location": "b", "artifactIdentifier": "x"},
                                      {"type": "S3", "location": "c", "artifactIdentifier": "x"}]})",
           "Invalid input: duplicate artifactIdentifier x"},
          {R"({"secondaryArtifacts": [{"type": "S3", "artifactIdentifier": "x"}]})",
           "Invalid artifacts: artifact type S3 requires a location"},
          {R"({"source": {"type": "S3", "location": "b/k.zip", "reportBuildStatus": true}})",
           "Invalid input: reportBuildStatus is not supported for source type S3; only GITHUB, "
           "GITHUB_ENTERPRISE, BITBUCKET, GITLAB and GITLAB_SELF_MANAGED report"},
          {R"({"environment": {"environmentVariables": [{"name": "A", "value": "1"},
                                                        {"name": "A", "value": "2"}]}})",
           "Invalid input: duplicate environment variable name A"},
          {R"({"environment": {"environmentVariables": [{"name": "", "value": "1"}]}})",
           "Invalid input: environment variable names must not be empty"},
          {R"({"environment": {"environmentVariables": [{"name": "CODEBUILD_X", "value": "1"}]}})",
           "Invalid input: environment variable name CODEBUILD_X starts with CODEBUILD_, which is "
           "reserved for CodeBuild's own variables"},
          {R"({"concurrentBuildLimit": 0})",
           "Invalid input: concurrentBuildLimit must be at least 1 (or -1 to remove the limit), "
           "got 0"},
          {R"({"fileSystemLocations": [{"type": "EFS", "identifier": "my-efs"}]})",
           "Invalid input: identifier must contain only alphanumeric characters and underscores "
           "and be less than 128 characters in length"},
          // Ranges the model already enforces, refused again if validation was skipped.
          {R"({"timeoutInMinutes": 3000})",
           "Invalid input: timeoutInMinutes must be an integer from 5 to 2160, got 3000"},
          {R"({"queuedTimeoutInMinutes": 4})",
           "Invalid input: queuedTimeoutInMinutes must be an integer from 5 to 480, got 4"},
      });
}

TEST(ProjectDocumentTest, ReportBuildStatusOnAReportingSource) {
  Json input = patched(kGitProject, R"({"source": {"reportBuildStatus": true}})");
  EXPECT_EQ(make(input)["source"]["reportBuildStatus"], true);
}

TEST(ProjectDocumentTest, MalformedInputIsAnErrorNotACrash) {
  for (const char* body : {"", "[]", "{\"name\": \"p\", \"environment\": 7, \"source\": []}",
                           "{\"name\": \"p\", \"badgeEnabled\": true, \"badge\": 1}",
                           "{\"source\": {\"type\": \"S3\"}}"}) {
    Result<std::string> document = make_project(body, context());
    EXPECT_FALSE(document.is_ok()) << body;
    if (!document.is_ok()) {
      EXPECT_EQ(document.status().code(), ErrorCode::kInvalidInput);
    }
  }
}

// --- UpdateProject ------------------------------------------------------------

TEST(ProjectDocumentTest, UpdateChangesOnlySuppliedMembers) {
  Json stored = make(Json::parse(kGitProject), context(1000));
  Result<std::string> updated = update_project(
      stored.dump(),
      R"({"name": "app", "description": "new", "timeoutInMinutes": 90,
          "environment": {"type": "LINUX_CONTAINER", "image": "kiln/standard:2",
                          "computeType": "BUILD_GENERAL1_MEDIUM"}})",
      context(5000));
  ASSERT_TRUE(updated.is_ok()) << updated.status().to_string();
  Json project = Json::parse(updated.value());
  EXPECT_EQ(project["description"], "new");
  EXPECT_EQ(project["timeoutInMinutes"], 90);
  // The environment is replaced wholesale, then defaulted again: the old
  // variables are gone.
  EXPECT_EQ(project["environment"],
            Json::parse(R"({"type": "LINUX_CONTAINER", "image": "kiln/standard:2",
                            "computeType": "BUILD_GENERAL1_MEDIUM", "privilegedMode": false,
                            "imagePullCredentialsType": "CODEBUILD",
                            "environmentVariables": []})"));
  EXPECT_EQ(project["created"], 1.0);
  EXPECT_EQ(project["lastModified"], 5.0);
  // Everything else as stored.
  for (const char* key : {"name", "arn", "source", "secondarySources", "sourceVersion",
                          "secondarySourceVersions", "artifacts", "cache", "serviceRole",
                          "queuedTimeoutInMinutes", "encryptionKey", "tags", "badge",
                          "logsConfig", "projectVisibility"}) {
    EXPECT_EQ(project[key], stored[key]) << key;
  }
}

TEST(ProjectDocumentTest, UpdateReplacesTagsAndBadgeAndRemovesTheLimit) {
  Json input = Json::parse(kGitProject);
  input["tags"] = Json::parse(R"([{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])");
  input["concurrentBuildLimit"] = 4;
  Json stored = make(input);
  Result<std::string> updated = update_project(
      stored.dump(),
      R"({"name": "app", "tags": [{"key": "c", "value": "3"}], "badgeEnabled": true,
          "concurrentBuildLimit": -1})",
      context());
  ASSERT_TRUE(updated.is_ok()) << updated.status().to_string();
  Json project = Json::parse(updated.value());
  EXPECT_EQ(project["tags"], Json::parse(R"([{"key": "c", "value": "3"}])"));
  EXPECT_EQ(project["badge"]["badgeEnabled"], true);
  EXPECT_EQ(project["badge"]["badgeRequestUrl"], "http://127.0.0.1:6789/badges?project=app");
  EXPECT_FALSE(project.contains("concurrentBuildLimit"));
  Result<std::string> badge_off =
      update_project(project.dump(), R"({"name": "app", "badgeEnabled": false})", context());
  ASSERT_TRUE(badge_off.is_ok());
  EXPECT_EQ(Json::parse(badge_off.value())["badge"], Json({{"badgeEnabled", false}}));
}

TEST(ProjectDocumentTest, UpdateKeepsTheNameAndUnknownStoredMembers) {
  Json stored = make(Json::parse(kGitProject));
  stored["webhook"] = {{"url", "https://hook"}};
  Result<std::string> updated =
      update_project(stored.dump(), R"({"name": "other", "sourceVersion": "dev"})", context());
  ASSERT_TRUE(updated.is_ok());
  Json project = Json::parse(updated.value());
  EXPECT_EQ(project["name"], "app");
  EXPECT_EQ(project["sourceVersion"], "dev");
  EXPECT_EQ(project["webhook"], stored["webhook"]);
}

TEST(ProjectDocumentTest, UpdateIsJudgedOnTheResult) {
  Json stored = make(Json::parse(kGitProject));
  Result<std::string> updated = update_project(
      stored.dump(), R"({"name": "app", "source": {"type": "NO_SOURCE"}})", context());
  ASSERT_FALSE(updated.is_ok());
  EXPECT_EQ(updated.status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(updated.status().message(),
            "Project source buildspec is required when the source type is NO_SOURCE");
  // A stored S3 artifact's defaulted name does not survive a switch to NO_ARTIFACTS.
  Json s3 = make(Json::parse(kCliCreateProject));
  Result<std::string> no_artifacts = update_project(
      s3.dump(), R"({"name": "my-demo-project", "artifacts": {"type": "NO_ARTIFACTS"}})",
      context());
  ASSERT_TRUE(no_artifacts.is_ok()) << no_artifacts.status().to_string();
  EXPECT_EQ(Json::parse(no_artifacts.value())["artifacts"], Json({{"type", "NO_ARTIFACTS"}}));
}

TEST(ProjectDocumentTest, UpdateOfACorruptStoredDocumentIsInternal) {
  Result<std::string> updated = update_project("not json", R"({"name": "app"})", context());
  ASSERT_FALSE(updated.is_ok());
  EXPECT_EQ(updated.status().code(), ErrorCode::kInternal);
}

// --- StartBuild ---------------------------------------------------------------

TEST(EffectiveBuildSettingsTest, WithoutOverridesTheProjectsSettings) {
  Json project = make(Json::parse(kGitProject));
  Json settings = effective(project, Json{{"projectName", "app"}});
  for (const char* key : {"source", "secondarySources", "sourceVersion", "secondarySourceVersions",
                          "artifacts", "secondaryArtifacts", "cache", "environment", "serviceRole",
                          "logsConfig", "timeoutInMinutes", "queuedTimeoutInMinutes",
                          "encryptionKey", "fileSystemLocations"}) {
    EXPECT_EQ(settings[key], project[key]) << key;
  }
  EXPECT_FALSE(settings.contains("name"));
  EXPECT_FALSE(settings.contains("tags"));
  EXPECT_FALSE(settings.contains("badge"));
}

TEST(EffectiveBuildSettingsTest, EachOverrideWins) {
  Json project = make(Json::parse(kGitProject));
  struct Case {
    const char* override_key;
    Json value;
    std::vector<std::string> path;  // where it lands in the settings
  };
  const std::vector<Case> cases = {
      {"sourceVersion", "feature", {"sourceVersion"}},
      {"sourceLocationOverride", "https://github.com/o/fork.git", {"source", "location"}},
      {"buildspecOverride", "version: 0.2", {"source", "buildspec"}},
      {"gitCloneDepthOverride", 0, {"source", "gitCloneDepth"}},
      {"gitSubmodulesConfigOverride", {{"fetchSubmodules", true}}, {"source", "gitSubmodulesConfig"}},
      {"sourceAuthOverride", {{"type", "OAUTH"}}, {"source", "auth"}},
      {"reportBuildStatusOverride", true, {"source", "reportBuildStatus"}},
      {"buildStatusConfigOverride", {{"context", "kiln"}}, {"source", "buildStatusConfig"}},
      {"insecureSslOverride", true, {"source", "insecureSsl"}},
      {"sourceTypeOverride", "GITLAB", {"source", "type"}},
      {"imageOverride", "kiln/busybox:1", {"environment", "image"}},
      {"computeTypeOverride", "BUILD_GENERAL1_LARGE", {"environment", "computeType"}},
      {"environmentTypeOverride", "ARM_CONTAINER", {"environment", "type"}},
      {"privilegedModeOverride", true, {"environment", "privilegedMode"}},
      {"certificateOverride", "b/cert.pem", {"environment", "certificate"}},
      {"imagePullCredentialsTypeOverride", "SERVICE_ROLE", {"environment", "imagePullCredentialsType"}},
      {"registryCredentialOverride",
       {{"credential", "arn:s"}, {"credentialProvider", "SECRETS_MANAGER"}},
       {"environment", "registryCredential"}},
      {"fleetOverride", {{"fleetArn", "arn:f"}}, {"environment", "fleet"}},
      {"serviceRoleOverride", "arn:aws:iam::123456789012:role/other", {"serviceRole"}},
      {"timeoutInMinutesOverride", 2160, {"timeoutInMinutes"}},
      {"queuedTimeoutInMinutesOverride", 5, {"queuedTimeoutInMinutes"}},
      {"encryptionKeyOverride", "arn:aws:kms:us-west-2:123456789012:key/o", {"encryptionKey"}},
      {"cacheOverride", Json::parse(R"({"type": "LOCAL", "modes": ["LOCAL_SOURCE_CACHE"]})"),
       {"cache"}},
      {"autoRetryLimitOverride", 3, {"autoRetryLimit"}},
      {"secondarySourcesOverride",
       Json::parse(R"([{"type": "GITHUB", "location": "https://x/y.git", "sourceIdentifier": "lib",
                        "insecureSsl": false}])"),
       {"secondarySources"}},
      {"secondaryArtifactsOverride",
       Json::parse(R"([{"type": "S3", "location": "b", "artifactIdentifier": "out",
                        "namespaceType": "NONE", "packaging": "NONE", "encryptionDisabled": false}])"),
       {"secondaryArtifacts"}},
  };
  for (const Case& c : cases) {
    Json start = {{"projectName", "app"}, {c.override_key, c.value}};
    Json settings = effective(project, start);
    const Json* at = &settings;
    for (const std::string& step : c.path) {
      ASSERT_TRUE(at->contains(step)) << c.override_key;
      at = &(*at)[step];
    }
    EXPECT_EQ(*at, c.value) << c.override_key;
  }
}

TEST(EffectiveBuildSettingsTest, VariablesMergeByNameKeepingOrder) {
  Json project = make(Json::parse(kGitProject));
  Json settings = effective(project, Json::parse(R"({"projectName": "app",
      "environmentVariablesOverride": [{"name": "C", "value": "c"},
                                       {"name": "A", "value": "override", "type": "SECRETS_MANAGER"}]})"));
  EXPECT_EQ(settings["environment"]["environmentVariables"], Json::parse(R"([
      {"name": "A", "value": "override", "type": "SECRETS_MANAGER"},
      {"name": "B", "value": "b", "type": "PARAMETER_STORE"},
      {"name": "C", "value": "c", "type": "PLAINTEXT"}])"));
  // The stored project is untouched: the same request on it gives the same.
  EXPECT_EQ(project["environment"]["environmentVariables"].size(), 2u);
  EXPECT_EQ(effective(project, Json{{"projectName", "app"}})["environment"]["environmentVariables"],
            project["environment"]["environmentVariables"]);
}

TEST(EffectiveBuildSettingsTest, ReservedVariableNamesAreRefusedInOverrides) {
  Json project = make(Json::parse(kGitProject));
  Result<std::string> settings = effective_build_settings(
      project.dump(), R"({"projectName": "app",
                          "environmentVariablesOverride": [{"name": "CODEBUILD_BUILD_ID",
                                                            "value": "forged"}]})");
  ASSERT_FALSE(settings.is_ok());
  EXPECT_EQ(settings.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(settings.status().message().find("CODEBUILD_BUILD_ID"), std::string::npos);
}

TEST(EffectiveBuildSettingsTest, SecondarySourceVersionsMergeByIdentifier) {
  Json project = make(Json::parse(kGitProject));
  Json settings = effective(project, Json::parse(R"({"projectName": "app",
      "secondarySourcesVersionOverride": [{"sourceIdentifier": "doc", "sourceVersion": "d1"},
                                          {"sourceIdentifier": "lib", "sourceVersion": "v2"}]})"));
  EXPECT_EQ(settings["secondarySourceVersions"], Json::parse(R"([
      {"sourceIdentifier": "lib", "sourceVersion": "v2"},
      {"sourceIdentifier": "doc", "sourceVersion": "d1"}])"));
}

TEST(EffectiveBuildSettingsTest, ReplacedSectionsGetTheirDefaults) {
  Json project = make(Json::parse(kGitProject));
  Json settings = effective(project, Json::parse(R"({"projectName": "app",
      "artifactsOverride": {"type": "S3", "location": "arn:aws:s3:::artifacts-override",
                            "overrideArtifactName": true},
      "logsConfigOverride": {"s3Logs": {"status": "ENABLED", "location": "b/logs"}}})"));
  EXPECT_EQ(settings["artifacts"], Json::parse(R"({"type": "S3",
      "location": "arn:aws:s3:::artifacts-override", "overrideArtifactName": true, "name": "app",
      "namespaceType": "NONE", "packaging": "NONE", "encryptionDisabled": false})"));
  EXPECT_EQ(settings["logsConfig"], Json::parse(R"({
      "s3Logs": {"status": "ENABLED", "location": "b/logs", "encryptionDisabled": false},
      "cloudWatchLogs": {"status": "ENABLED"}})"));
}

TEST(EffectiveBuildSettingsTest, SwitchingToNoSourceDropsTheLocation) {
  Json project = make(Json::parse(kGitProject));
  Json settings = effective(project, Json::parse(R"({"projectName": "app",
      "sourceTypeOverride": "NO_SOURCE", "buildspecOverride": "version: 0.2"})"));
  EXPECT_EQ(settings["source"]["type"], "NO_SOURCE");
  EXPECT_FALSE(settings["source"].contains("location"));
  EXPECT_EQ(settings["source"]["buildspec"], "version: 0.2");
}

TEST(EffectiveBuildSettingsTest, RefusesOverridesThatBreakTheBuild) {
  Json project = make(Json::parse(kGitProject));
  struct Case {
    const char* start;
    std::string message;
  };
  const Case cases[] = {
      {R"({"timeoutInMinutesOverride": 3000})",
       "Invalid input: timeoutInMinutesOverride must be an integer from 5 to 2160, got 3000"},
      {R"({"queuedTimeoutInMinutesOverride": 481})",
       "Invalid input: queuedTimeoutInMinutesOverride must be an integer from 5 to 480, got 481"},
      {R"({"sourceTypeOverride": "NO_SOURCE", "buildspecOverride": ""})",
       "Project source buildspec is required when the source type is NO_SOURCE"},
      {R"({"artifactsOverride": {"type": "S3"}})",
       "Invalid artifacts: artifact type S3 requires a location"},
      {R"({"sourceTypeOverride": "S3", "reportBuildStatusOverride": true})",
       "Invalid input: reportBuildStatus is not supported for source type S3; only GITHUB, "
       "GITHUB_ENTERPRISE, BITBUCKET, GITLAB and GITLAB_SELF_MANAGED report"},
      {R"({"secondarySourcesOverride": [{"type": "GITHUB", "location": "https://x/y.git"}]})",
       "Invalid input: every secondary source needs a sourceIdentifier"},
      {R"({"secondarySourcesVersionOverride": [{"sourceIdentifier": "zzz", "sourceVersion": "1"}]})",
       "Invalid input: secondary source version for zzz, which is not a secondary source's "
       "sourceIdentifier"},
  };
  for (const Case& c : cases) {
    Json start = Json::parse(c.start);
    start["projectName"] = "app";
    Result<std::string> settings = effective_build_settings(project.dump(), start.dump());
    ASSERT_FALSE(settings.is_ok()) << c.start;
    EXPECT_EQ(settings.status().code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(settings.status().message(), c.message) << c.start;
  }
  Result<std::string> corrupt = effective_build_settings("{", R"({"projectName": "app"})");
  ASSERT_FALSE(corrupt.is_ok());
  EXPECT_EQ(corrupt.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace kiln::service
