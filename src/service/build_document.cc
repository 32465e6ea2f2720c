// SPDX-License-Identifier: Apache-2.0
#include "service/build_document.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "runner/build_json.h"

namespace kiln::service {

namespace {

using Json = nlohmann::ordered_json;

Json seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The sections of the effective settings a Build carries unchanged.
constexpr const char* kCopiedSections[] = {
    "source",        "secondarySources",   "secondarySourceVersions", "cache",
    "environment",   "serviceRole",        "timeoutInMinutes",        "queuedTimeoutInMinutes",
    "encryptionKey", "fileSystemLocations"};

void copy_settings(const Json& settings, Json& doc) {
  for (const char* key : kCopiedSections) {
    if (settings.contains(key)) doc[key] = settings[key];
  }
  if (settings.contains("sourceVersion") && !doc.contains("sourceVersion"))
    doc["sourceVersion"] = settings["sourceVersion"];
}

// Build.artifacts.location before anything is uploaded: where it will go.
std::string artifact_location(const std::string& settings_text, const BuildIdentity& identity) {
  auto destination = artifact_destination(settings_text, identity);
  if (!destination) return "";
  auto key = artifacts::artifact_key(*destination, identity.uuid);
  if (!key.is_ok()) return "arn:aws:s3:::" + destination->bucket;
  return "arn:aws:s3:::" + destination->bucket + "/" + key.value();
}

LogNames log_names_of(const Json& settings, const BuildIdentity& id) {
  LogNames names{"/aws/codebuild/" + id.project, id.uuid};
  const Json none = Json::object();
  const Json& config = settings.is_object() ? settings.value("logsConfig", none) : none;
  const Json& cw = config.is_object() ? config.value("cloudWatchLogs", none) : none;
  if (!cw.is_object()) return names;
  const std::string group = cw.value("groupName", "");
  const std::string prefix = cw.value("streamName", "");
  if (!group.empty()) names.group = group;
  if (!prefix.empty()) names.stream = prefix + "/" + id.uuid;
  return names;
}

Json logs_json(const BuildIdentity& id, const Json& settings, bool stream_exists) {
  std::string deep_link = id.endpoint + "/kiln/v1/builds/" + id.id() + "/log";
  Json logs;
  if (!stream_exists) {
    // Until PROVISIONING creates the stream, AWS shows only a deepLink (§2.6).
    logs["deepLink"] = deep_link;
    return logs;
  }
  const LogNames names = log_names_of(settings, id);
  logs["groupName"] = names.group;
  logs["streamName"] = names.stream;
  logs["deepLink"] = deep_link;
  logs["cloudWatchLogsArn"] = "arn:aws:logs:" + id.region + ":" + id.account +
                              ":log-group:" + names.group + ":log-stream:" + names.stream;
  Json cw = {{"status", "ENABLED"}, {"groupName", names.group}, {"streamName", names.stream}};
  Json s3 = {{"status", "DISABLED"}, {"encryptionDisabled", false}};
  if (settings.contains("logsConfig")) {
    const Json& config = settings["logsConfig"];
    if (config.contains("s3Logs")) s3 = config["s3Logs"];
    // kiln keeps every build's log; a DISABLED status is reported as set.
    if (config.contains("cloudWatchLogs") && config["cloudWatchLogs"].contains("status"))
      cw["status"] = config["cloudWatchLogs"]["status"];
  }
  logs["cloudWatchLogs"] = cw;
  logs["s3Logs"] = s3;
  return logs;
}

Json parse(const std::string& text) {
  Json json = Json::parse(text, nullptr, false);
  return json.is_object() ? json : Json::object();
}

void close_phase(Json& phase, const char* status, std::int64_t now_ms, const Json& contexts) {
  double start = phase.value("startTime", static_cast<double>(now_ms) / 1000.0);
  double end = std::max(start, static_cast<double>(now_ms) / 1000.0);
  phase["phaseStatus"] = status;
  phase["endTime"] = end;
  phase["durationInSeconds"] = static_cast<std::int64_t>(std::floor(end - start));
  if (!contexts.is_null()) phase["contexts"] = contexts;
}

std::string complete(Json& doc, const char* status, std::int64_t now_ms) {
  doc["phases"].push_back({{"phaseType", "COMPLETED"}, {"startTime", seconds(now_ms)}});
  doc["currentPhase"] = "COMPLETED";
  doc["buildStatus"] = status;
  doc["buildComplete"] = true;
  doc["endTime"] = seconds(now_ms);
  return dump(doc);
}

}  // namespace

LogNames log_names(const std::string& settings, const BuildIdentity& identity) {
  return log_names_of(parse(settings), identity);
}

std::string BuildIdentity::arn() const {
  return "arn:aws:codebuild:" + region + ":" + account + ":build/" + id();
}

std::optional<artifacts::ArtifactDestination> artifact_destination(const std::string& settings_text,
                                                                   const BuildIdentity& identity) {
  Json settings = parse(settings_text);
  if (!settings.contains("artifacts")) return std::nullopt;
  const Json& a = settings["artifacts"];
  if (a.value("type", "NO_ARTIFACTS") != "S3") return std::nullopt;
  artifacts::ArtifactDestination d;
  d.bucket = a.value("location", "");
  d.path = a.value("path", "");
  d.namespace_type = a.value("namespaceType", "NONE") == "BUILD_ID"
                         ? artifacts::NamespaceType::kBuildId
                         : artifacts::NamespaceType::kNone;
  d.name = a.value("name", identity.project);
  d.packaging = a.value("packaging", "NONE") == "ZIP" ? artifacts::Packaging::kZip
                                                      : artifacts::Packaging::kNone;
  return d;
}

std::string queued_document(const BuildIdentity& identity, const std::string& settings_text) {
  Json settings = parse(settings_text);
  Json doc;
  doc["id"] = identity.id();
  doc["arn"] = identity.arn();
  doc["buildNumber"] = 0;  // replaced by the placeholder below
  doc["startTime"] = seconds(identity.submitted_ms);
  doc["currentPhase"] = "QUEUED";
  doc["buildStatus"] = "IN_PROGRESS";
  if (settings.contains("sourceVersion")) doc["sourceVersion"] = settings["sourceVersion"];
  doc["projectName"] = identity.project;
  doc["phases"] =
      Json::array({{{"phaseType", "SUBMITTED"},
                    {"phaseStatus", "SUCCEEDED"},
                    {"startTime", seconds(identity.submitted_ms)},
                    {"endTime", seconds(identity.submitted_ms)},
                    {"durationInSeconds", 0}},
                   {{"phaseType", "QUEUED"}, {"startTime", seconds(identity.submitted_ms)}}});
  copy_settings(settings, doc);
  doc["artifacts"] = {{"location", artifact_location(settings_text, identity)}};
  doc["secondaryArtifacts"] = Json::array();
  doc["logs"] = logs_json(identity, settings, false);
  doc["buildComplete"] = false;
  doc["initiator"] = identity.initiator;
  doc["exportedEnvironmentVariables"] = Json::array();
  doc["reportArns"] = Json::array();
  std::string text = dump(doc);
  // `{{` can only occur inside strings in compact JSON (an object never opens
  // directly inside another), so escaping it leaves the placeholder unique.
  for (std::size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 6))
    text.replace(at, 1, "\\u007b");
  const std::string number = "\"buildNumber\":0";
  text.replace(text.find(number), number.size(), "\"buildNumber\":{{BUILD_NUMBER}}");
  return text;
}

std::string engine_document(const model::Build& build, const BuildIdentity& identity,
                            const std::string& settings_text) {
  Json settings = parse(settings_text);
  Json doc = Json::parse(runner::build_to_json(build));
  copy_settings(settings, doc);
  // The engine's environment carries only this build's overrides; the
  // configured one (project variables merged with overrides) is the record.
  if (!build.artifacts)
    doc["artifacts"] = {{"location", artifact_location(settings_text, identity)}};
  bool stream_exists = build.current_phase != model::PhaseType::kQueued &&
                       build.current_phase != model::PhaseType::kSubmitted;
  doc["logs"] = logs_json(identity, settings, stream_exists);
  doc["initiator"] = identity.initiator;
  return dump(doc);
}

std::string end_in_queue(const std::string& document, model::Status status, std::int64_t now_ms) {
  Json doc = parse(document);
  if (doc.value("buildComplete", false)) return document;
  Json& phases = doc["phases"];
  if (!phases.is_array() || phases.empty()) return document;
  close_phase(phases.back(), model::to_string(status), now_ms, Json());
  return complete(doc, model::to_string(status), now_ms);
}

std::string end_orphaned(const std::string& document, const std::string& message,
                         std::int64_t now_ms) {
  Json doc = parse(document);
  if (doc.value("buildComplete", false)) return document;
  Json& phases = doc["phases"];
  if (!phases.is_array() || phases.empty()) return document;
  Json& open = phases.back();
  if (open.contains("endTime")) {
    // Between two phases: record the fault on a FINALIZING phase of its own.
    phases.push_back({{"phaseType", "FINALIZING"}, {"startTime", seconds(now_ms)}});
  }
  close_phase(phases.back(), "FAULT", now_ms,
              Json::array({{{"statusCode", "SERVICE_STOPPED"}, {"message", message}}}));
  return complete(doc, "FAULT", now_ms);
}

}  // namespace kiln::service
