// SPDX-License-Identifier: Apache-2.0
// The Build JSON at each point of a build's life outside the engine, and the
// page tokens wrapping store cursors.
#include "service/build_document.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "common/uuid.h"
#include "service/build_job.h"
#include "service/page_token.h"

namespace kiln::service {
namespace {

using Json = nlohmann::json;

BuildIdentity identity() {
  BuildIdentity id;
  id.project = "web";
  id.uuid = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
  id.region = "eu-west-1";
  id.account = "123456789012";
  id.initiator = "alice";
  id.submitted_ms = 1700000000123;
  id.endpoint = "http://127.0.0.1:8600";
  return id;
}

const char* kSettings = R"({
  "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"},
  "artifacts": {"type": "S3", "location": "bucket", "path": "out", "namespaceType": "BUILD_ID",
                "packaging": "ZIP", "name": "app.zip"},
  "environment": {"type": "LINUX_CONTAINER", "image": "kiln/busybox:1.0",
                  "computeType": "BUILD_GENERAL1_SMALL",
                  "environmentVariables": [{"name": "A", "value": "{{x}}", "type": "PLAINTEXT"}]},
  "serviceRole": "role", "timeoutInMinutes": 60, "queuedTimeoutInMinutes": 5
})";

// What the store does on insert.
std::string with_number(std::string text, int number) {
  auto at = text.find("{{BUILD_NUMBER}}");
  text.replace(at, 16, std::to_string(number));
  return text;
}

TEST(BuildDocumentTest, QueuedDocumentIsWhatStartBuildReturns) {
  std::string text = queued_document(identity(), kSettings);
  // The placeholder is the only "{{" left; the user's "{{x}}" is escaped.
  ASSERT_EQ(text.find("{{"), text.find("{{BUILD_NUMBER}}"));
  EXPECT_EQ(text.find("{{", text.find("{{BUILD_NUMBER}}") + 1), std::string::npos);
  Json doc = Json::parse(with_number(text, 7));
  EXPECT_EQ(doc["id"], "web:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  EXPECT_EQ(doc["arn"],
            "arn:aws:codebuild:eu-west-1:123456789012:build/web:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  EXPECT_EQ(doc["buildNumber"], 7);
  EXPECT_EQ(doc["currentPhase"], "QUEUED");
  EXPECT_EQ(doc["buildStatus"], "IN_PROGRESS");
  EXPECT_EQ(doc["buildComplete"], false);
  EXPECT_EQ(doc["initiator"], "alice");
  ASSERT_EQ(doc["phases"].size(), 2u);
  EXPECT_EQ(doc["phases"][0]["phaseType"], "SUBMITTED");
  EXPECT_EQ(doc["phases"][0]["phaseStatus"], "SUCCEEDED");
  EXPECT_EQ(doc["phases"][1]["phaseType"], "QUEUED");
  EXPECT_FALSE(doc["phases"][1].contains("phaseStatus"));
  EXPECT_FALSE(doc["phases"][1].contains("endTime"));
  EXPECT_DOUBLE_EQ(doc["startTime"].get<double>(), 1700000000.123);
  EXPECT_EQ(doc["environment"]["environmentVariables"][0]["value"], "{{x}}");
  EXPECT_EQ(doc["artifacts"]["location"],
            "arn:aws:s3:::bucket/out/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/app.zip");
  // Until PROVISIONING the logs carry only a deepLink (§2.6).
  EXPECT_FALSE(doc["logs"].contains("groupName"));
  EXPECT_EQ(doc["logs"]["deepLink"],
            "http://127.0.0.1:8600/kiln/v1/builds/web:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/log");
}

TEST(BuildDocumentTest, EndInQueueClosesQueuedAndCompletes) {
  std::string doc_text = with_number(queued_document(identity(), kSettings), 1);
  Json doc = Json::parse(end_in_queue(doc_text, model::Status::kStopped, 1700000005999));
  EXPECT_EQ(doc["buildStatus"], "STOPPED");
  EXPECT_EQ(doc["currentPhase"], "COMPLETED");
  EXPECT_EQ(doc["buildComplete"], true);
  ASSERT_EQ(doc["phases"].size(), 3u);
  EXPECT_EQ(doc["phases"][1]["phaseStatus"], "STOPPED");
  EXPECT_EQ(doc["phases"][1]["durationInSeconds"], 5);  // 5.876 s truncated
  EXPECT_EQ(doc["phases"][2]["phaseType"], "COMPLETED");
  EXPECT_FALSE(doc["phases"][2].contains("phaseStatus"));
  // A finished build is left as it is.
  std::string again = end_in_queue(doc.dump(), model::Status::kTimedOut, 1700000009000);
  EXPECT_EQ(Json::parse(again)["buildStatus"], "STOPPED");
  EXPECT_EQ(Json::parse(again)["buildComplete"], true);
}

TEST(BuildDocumentTest, EndOrphanedFaultsTheOpenPhase) {
  Json doc = Json::parse(with_number(queued_document(identity(), kSettings), 1));
  doc["phases"][1]["phaseStatus"] = "SUCCEEDED";
  doc["phases"][1]["endTime"] = 1700000001.0;
  doc["phases"].push_back({{"phaseType", "BUILD"}, {"startTime", 1700000002.0}});
  doc["currentPhase"] = "BUILD";
  Json ended = Json::parse(end_orphaned(doc.dump(), "the server stopped", 1700000010000));
  EXPECT_EQ(ended["buildStatus"], "FAULT");
  const Json& build = ended["phases"][2];
  EXPECT_EQ(build["phaseType"], "BUILD");
  EXPECT_EQ(build["phaseStatus"], "FAULT");
  EXPECT_EQ(build["contexts"][0]["statusCode"], "SERVICE_STOPPED");
  EXPECT_EQ(build["contexts"][0]["message"], "the server stopped");
  EXPECT_EQ(ended["phases"].back()["phaseType"], "COMPLETED");
}

TEST(BuildDocumentTest, EndOrphanedBetweenPhasesAddsFinalizing) {
  Json doc = Json::parse(with_number(queued_document(identity(), kSettings), 1));
  doc["phases"][1]["phaseStatus"] = "SUCCEEDED";
  doc["phases"][1]["endTime"] = 1700000001.0;
  Json ended = Json::parse(end_orphaned(doc.dump(), "gone", 1700000010000));
  ASSERT_EQ(ended["phases"].size(), 4u);
  EXPECT_EQ(ended["phases"][2]["phaseType"], "FINALIZING");
  EXPECT_EQ(ended["phases"][2]["phaseStatus"], "FAULT");
}

TEST(BuildDocumentTest, LogNamesFollowLogsConfig) {
  LogNames names = log_names(kSettings, identity());
  EXPECT_EQ(names.group, "/aws/codebuild/web");
  EXPECT_EQ(names.stream, "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  names = log_names(
      R"({"logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": "/ci/acme",
                                             "streamName": "web"}}})",
      identity());
  EXPECT_EQ(names.group, "/ci/acme");
  EXPECT_EQ(names.stream, "web/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  BuildJob job{identity(), R"({"logsConfig": {"cloudWatchLogs": {"groupName": "/ci/acme"}}})"};
  runner::BuildRequest r = to_build_request(job, 1, "/w");
  EXPECT_EQ(r.log_group, "/ci/acme");
  EXPECT_EQ(r.log_stream, "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
}

TEST(BuildJobTest, RoundTripsAndBecomesAnEngineRequest) {
  BuildJob job{identity(), kSettings};
  auto decoded = decode_job(encode_job(job));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded.value().identity.id(), job.identity.id());
  EXPECT_EQ(decoded.value().identity.submitted_ms, job.identity.submitted_ms);
  runner::BuildRequest r = to_build_request(decoded.value(), 3, "/tmp/w");
  EXPECT_EQ(r.build_number, 3);
  EXPECT_EQ(r.image, "kiln/busybox:1.0");
  EXPECT_EQ(r.buildspec, "version: 0.2");
  EXPECT_EQ(r.source.kind, source::SourceKind::kNone);
  EXPECT_EQ(r.artifact_bucket, "bucket");
  EXPECT_EQ(r.artifact_path, "out");
  EXPECT_TRUE(r.artifact_namespace_build_id);
  EXPECT_TRUE(r.zip_artifacts);
  ASSERT_EQ(r.env_overrides.size(), 1u);
  EXPECT_EQ(r.env_overrides[0].second, "{{x}}");
  EXPECT_FALSE(decode_job("{}").is_ok());
  EXPECT_FALSE(decode_job("not json").is_ok());
}

TEST(BuildJobTest, UnsupportedSourcesAndSecretsFailInDownloadSource) {
  BuildJob job{identity(), R"({"source": {"type": "S3", "location": "b/k.zip"}})"};
  EXPECT_EQ(to_build_request(job, 1, "/w").source.kind, source::SourceKind::kUnsupported);
  job.settings = R"({"source": {"type": "GITHUB", "location": "https://example.com/r.git"},
                     "sourceVersion": "main",
                     "environment": {"environmentVariables":
                       [{"name": "P", "value": "/x", "type": "PARAMETER_STORE"}]}})";
  runner::BuildRequest r = to_build_request(job, 1, "/w");
  EXPECT_EQ(r.source.kind, source::SourceKind::kUnsupported);
  EXPECT_NE(r.source.location.find("PARAMETER_STORE"), std::string::npos);
  job.settings = R"({"source": {"type": "GITHUB", "location": "https://example.com/r.git",
                                "gitCloneDepth": 1}, "sourceVersion": "main",
                     "artifacts": {"type": "NO_ARTIFACTS"}})";
  r = to_build_request(job, 1, "/w");
  EXPECT_EQ(r.source.kind, source::SourceKind::kGit);
  EXPECT_EQ(r.source.version, "main");
  EXPECT_EQ(r.source.git_clone_depth, 1);
  EXPECT_TRUE(r.no_artifacts);
}

TEST(RandomUuidTest, IsAVersion4UuidAndDiffersEachTime) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = random_uuid();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(PageTokenTest, WrapsCursorsForOneListingOnly) {
  std::string token = make_page_token("builds:d", "12345");
  EXPECT_EQ(read_page_token("builds:d", token), "12345");
  EXPECT_EQ(read_page_token("builds:a", token), std::nullopt);
  EXPECT_EQ(read_page_token("builds:d", "garbage"), std::nullopt);
  EXPECT_EQ(read_page_token("builds:d", token + "0"), std::nullopt);
  EXPECT_EQ(read_page_token("builds:d", ""), std::nullopt);
  EXPECT_EQ(read_page_token("projects:NAME:ASCENDING",
                            make_page_token("projects:NAME:ASCENDING", "a\nb")),
            "a\nb");
}

}  // namespace
}  // namespace kiln::service
