// SPDX-License-Identifier: Apache-2.0
#include "runner/build_json.h"

#include <nlohmann/json.hpp>

namespace kiln::runner {

namespace {

using Json = nlohmann::ordered_json;

// CodeBuild's JSON timestamps are epoch seconds with a fraction (§4.1).
Json seconds(model::EpochMillis ms) { return static_cast<double>(ms) / 1000.0; }

Json phase_json(const model::BuildPhase& phase) {
  Json out;
  out["phaseType"] = model::to_string(phase.type);
  if (phase.status) out["phaseStatus"] = model::to_string(*phase.status);
  out["startTime"] = seconds(phase.start_time);
  if (phase.end_time) {
    out["endTime"] = seconds(*phase.end_time);
    out["durationInSeconds"] = *phase.duration_seconds();
  }
  if (phase.contexts) {
    Json contexts = Json::array();
    for (const auto& c : *phase.contexts)
      contexts.push_back({{"statusCode", c.status_code}, {"message", c.message}});
    out["contexts"] = contexts;
  }
  return out;
}

Json artifact_json(const model::BuildArtifact& a) {
  Json out;
  out["location"] = a.location;
  if (!a.sha256sum.empty()) out["sha256sum"] = a.sha256sum;
  if (!a.md5sum.empty()) out["md5sum"] = a.md5sum;
  out["overrideArtifactName"] = false;
  out["encryptionDisabled"] = false;
  if (!a.artifact_identifier.empty()) out["artifactIdentifier"] = a.artifact_identifier;
  return out;
}

}  // namespace

std::string build_to_json(const model::Build& b) {
  Json out;
  out["id"] = b.id;
  out["arn"] = b.arn;
  out["buildNumber"] = b.build_number;
  out["startTime"] = seconds(b.start_time);
  if (b.end_time) out["endTime"] = seconds(*b.end_time);
  out["currentPhase"] = model::to_string(b.current_phase);
  out["buildStatus"] = model::to_string(b.build_status);
  if (!b.source_version.empty()) out["sourceVersion"] = b.source_version;
  if (!b.resolved_source_version.empty()) out["resolvedSourceVersion"] = b.resolved_source_version;
  out["projectName"] = b.project_name;
  Json phases = Json::array();
  for (const auto& p : b.phases) phases.push_back(phase_json(p));
  out["phases"] = phases;
  Json source = {{"type", b.source.type}, {"insecureSsl", false}};
  if (!b.source.location.empty()) source["location"] = b.source.location;
  if (!b.source.buildspec.empty()) source["buildspec"] = b.source.buildspec;
  if (b.source.git_clone_depth > 0) source["gitCloneDepth"] = b.source.git_clone_depth;
  out["source"] = source;
  out["secondarySources"] = Json::array();
  out["secondarySourceVersions"] = Json::array();
  if (b.artifacts) out["artifacts"] = artifact_json(*b.artifacts);
  Json secondary = Json::array();
  for (const auto& a : b.secondary_artifacts) secondary.push_back(artifact_json(a));
  out["secondaryArtifacts"] = secondary;
  out["cache"] = {{"type", "NO_CACHE"}};
  Json vars = Json::array();
  for (const auto& [name, value] : b.environment.variables)
    vars.push_back({{"name", name}, {"value", value}, {"type", "PLAINTEXT"}});
  out["environment"] = {{"type", b.environment.type},
                        {"image", b.environment.image},
                        {"computeType", b.environment.compute_type},
                        {"environmentVariables", vars},
                        {"privilegedMode", b.environment.privileged_mode},
                        {"imagePullCredentialsType", "CODEBUILD"}};
  Json logs;
  if (!b.logs.group_name.empty()) {
    logs["groupName"] = b.logs.group_name;
    logs["streamName"] = b.logs.stream_name;
  }
  logs["deepLink"] = "kiln logs " + b.id;
  logs["cloudWatchLogs"] = {{"status", "ENABLED"}};
  logs["s3Logs"] = {{"status", "DISABLED"}, {"encryptionDisabled", false}};
  out["logs"] = logs;
  out["timeoutInMinutes"] = b.timeout_in_minutes;
  out["queuedTimeoutInMinutes"] = b.queued_timeout_in_minutes;
  out["buildComplete"] = b.build_complete;
  out["initiator"] = b.initiator;
  out["encryptionKey"] = b.encryption_key;
  Json exported = Json::array();
  for (const auto& [name, value] : b.exported_environment_variables)
    exported.push_back({{"name", name}, {"value", value}});
  out["exportedEnvironmentVariables"] = exported;
  out["reportArns"] = Json::array();
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace kiln::runner
