// SPDX-License-Identifier: Apache-2.0
#include "service/project_document.h"

#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln::service {
namespace {

// Ordered, so documents keep the member order of botocore's shapes.
using Json = nlohmann::ordered_json;

// The Project shape's members in model order; a document is written in
// this order, then anything else it carries (e.g. a webhook) after.
const char* const kProjectOrder[] = {
    "name",
    "arn",
    "description",
    "source",
    "secondarySources",
    "sourceVersion",
    "secondarySourceVersions",
    "artifacts",
    "secondaryArtifacts",
    "cache",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "queuedTimeoutInMinutes",
    "encryptionKey",
    "tags",
    "created",
    "lastModified",
    "webhook",
    "vpcConfig",
    "badge",
    "logsConfig",
    "fileSystemLocations",
    "buildBatchConfig",
    "concurrentBuildLimit",
    "projectVisibility",
    "publicProjectAlias",
    "resourceAccessRole",
    "autoRetryLimit",
};

// CreateProject/UpdateProject members copied into the document as they are
// (badgeEnabled, concurrentBuildLimit and name are handled apart). Members
// the model does not know are ignored (§4.1).
const char* const kSettingMembers[] = {
    "description",
    "source",
    "secondarySources",
    "sourceVersion",
    "secondarySourceVersions",
    "artifacts",
    "secondaryArtifacts",
    "cache",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "queuedTimeoutInMinutes",
    "encryptionKey",
    "tags",
    "vpcConfig",
    "logsConfig",
    "fileSystemLocations",
    "buildBatchConfig",
    "autoRetryLimit",
};

// Source types that can report build status to the provider (§4.4).
const std::set<std::string> kReportingSources = {"GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET",
                                                 "GITLAB", "GITLAB_SELF_MANAGED"};

// A failed semantic check; caught at the API functions' edge.
struct InvalidInput {
  std::string message;
};

[[noreturn]] void invalid(std::string message) { throw InvalidInput{std::move(message)}; }

// `object[key]` as a string, "" when absent or not a string.
std::string text(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

bool has(const Json& object, const char* key) {
  return object.is_object() && object.contains(key) && !object[key].is_null();
}

void set_default(Json& object, const char* key, Json value) {
  if (!has(object, key)) object[key] = std::move(value);
}

Json parse_object(std::string_view text_in, ErrorCode code, const char* what) {
  Json parsed = Json::parse(text_in, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw Status(code, std::string(what) + " is not a JSON object");
  }
  return parsed;
}

// --- defaults -------------------------------------------------------------

void source_defaults(Json& source) {
  if (!source.is_object()) return;
  set_default(source, "insecureSsl", false);
}

// S3 artifacts get a name (the project's, for the primary artifacts only:
// two secondary artifacts of one name would overwrite each other), no
// namespace, no packaging, and encryption.
void artifacts_defaults(Json& artifacts, const std::string& project_name, bool primary) {
  if (!artifacts.is_object() || text(artifacts, "type") != "S3") return;
  if (primary) set_default(artifacts, "name", project_name);
  set_default(artifacts, "namespaceType", "NONE");
  set_default(artifacts, "packaging", "NONE");
  set_default(artifacts, "encryptionDisabled", false);
}

void variable_defaults(Json& variable) {
  if (variable.is_object()) set_default(variable, "type", "PLAINTEXT");
}

void environment_defaults(Json& environment) {
  if (!environment.is_object()) return;
  set_default(environment, "privilegedMode", false);
  set_default(environment, "imagePullCredentialsType", "CODEBUILD");
  set_default(environment, "environmentVariables", Json::array());
  for (Json& variable : environment["environmentVariables"]) variable_defaults(variable);
}

// §4.4: CloudWatch logging on, S3 logging off, unless configured.
void logs_config_defaults(Json& logs_config) {
  if (!logs_config.is_object()) logs_config = Json::object();
  set_default(logs_config, "cloudWatchLogs", Json{{"status", "ENABLED"}});
  set_default(logs_config, "s3Logs", Json{{"status", "DISABLED"}});
  if (logs_config["s3Logs"].is_object()) {
    set_default(logs_config["s3Logs"], "encryptionDisabled", false);
  }
}

void list_defaults(Json& document, const char* key, void (*item_defaults)(Json&)) {
  set_default(document, key, Json::array());
  if (!item_defaults || !document[key].is_array()) return;
  for (Json& item : document[key]) item_defaults(item);
}

// Fills every default of §4.4 that `document` lacks. Idempotent, so an
// updated document goes through it again.
void project_defaults(Json& document, const ProjectContext& context) {
  std::string name = text(document, "name");
  if (has(document, "source")) source_defaults(document["source"]);
  list_defaults(document, "secondarySources", source_defaults);
  list_defaults(document, "secondarySourceVersions", nullptr);
  if (has(document, "artifacts")) artifacts_defaults(document["artifacts"], name, true);
  set_default(document, "secondaryArtifacts", Json::array());
  for (Json& artifacts : document["secondaryArtifacts"]) artifacts_defaults(artifacts, name, false);
  set_default(document, "cache", Json{{"type", "NO_CACHE"}});
  if (has(document, "environment")) environment_defaults(document["environment"]);
  set_default(document, "timeoutInMinutes", 60);
  set_default(document, "queuedTimeoutInMinutes", 480);
  set_default(document, "encryptionKey",
              "arn:aws:kms:" + context.region + ":" + context.account_id + ":alias/aws/s3");
  set_default(document, "tags", Json::array());
  set_default(document, "badge", Json{{"badgeEnabled", false}});
  Json& badge = document["badge"];
  if (badge.value("badgeEnabled", false)) {
    badge["badgeRequestUrl"] = context.endpoint_url + "/badges?project=" + name;
  } else if (badge.is_object()) {
    badge.erase("badgeRequestUrl");
  }
  if (!has(document, "logsConfig")) document["logsConfig"] = Json::object();
  logs_config_defaults(document["logsConfig"]);
  set_default(document, "fileSystemLocations", Json::array());
  set_default(document, "projectVisibility", "PRIVATE");
}

Json in_project_order(const Json& document) {
  Json ordered = Json::object();
  for (const char* key : kProjectOrder) {
    if (document.contains(key)) ordered[key] = document[key];
  }
  for (const auto& [key, value] : document.items()) {
    if (!ordered.contains(key)) ordered[key] = value;
  }
  return ordered;
}

double epoch_seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// --- semantic checks ------------------------------------------------------

// sourceIdentifier, artifactIdentifier and a file system location's
// identifier: AWS says "must contain only alphanumeric characters and
// underscores and be less than 128 characters in length" [O].
bool is_identifier(const std::string& id) {
  if (id.empty() || id.size() >= 128) return false;
  for (char c : id) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

void check_identifier(const std::string& id, const char* member, std::set<std::string>& seen,
                      const char* what) {
  if (id.empty()) {
    const char* article = std::string_view(member).find_first_of("aeiou") == 0 ? "an " : "a ";
    invalid(std::string("Invalid input: every ") + what + " needs " + article + member);
  }
  if (!is_identifier(id)) {
    invalid(std::string("Invalid input: ") + member +
            " must contain only alphanumeric characters and underscores and be less than 128 "
            "characters in length");
  }
  if (!seen.insert(id).second)
    invalid(std::string("Invalid input: duplicate ") + member + " " + id);
}

// `label` is "Project source" or "Secondary source <id>".
void check_source(const Json& source, const std::string& label) {
  if (!source.is_object()) return;
  std::string type = text(source, "type");
  // CODEPIPELINE hands the source over itself; NO_SOURCE has none.
  if (type != "NO_SOURCE" && type != "CODEPIPELINE" && text(source, "location").empty()) {
    invalid(label + " location is required");  // [O] "Project source location is required"
  }
  if (type == "NO_SOURCE" && text(source, "buildspec").empty()) {
    invalid(label + " buildspec is required when the source type is NO_SOURCE");
  }
  if (source.value("reportBuildStatus", false) && kReportingSources.count(type) == 0) {
    invalid("Invalid input: reportBuildStatus is not supported for source type " + type +
            "; only GITHUB, GITHUB_ENTERPRISE, BITBUCKET, GITLAB and GITLAB_SELF_MANAGED report");
  }
}

void check_artifacts(const Json& artifacts) {
  if (!artifacts.is_object()) return;
  std::string type = text(artifacts, "type");
  if (type == "S3" && text(artifacts, "location").empty()) {
    invalid("Invalid artifacts: artifact type S3 requires a location");
  }
  if (type == "NO_ARTIFACTS" && has(artifacts, "name")) {
    invalid("Invalid artifacts: artifact type NO_ARTIFACTS should have null output name");  // [O]
  }
}

void check_environment(const Json& environment) {
  if (!environment.is_object() || !environment.contains("environmentVariables")) return;
  std::set<std::string> names;
  for (const Json& variable : environment["environmentVariables"]) {
    std::string name = text(variable, "name");
    if (name.empty()) invalid("Invalid input: environment variable names must not be empty");
    // Reserved for the variables the service itself provides (§1.6, §3).
    if (name.rfind("CODEBUILD_", 0) == 0)
      invalid("Invalid input: environment variable name " + name +
              " starts with CODEBUILD_, which is reserved for CodeBuild's own variables");
    if (!names.insert(name).second) {
      invalid("Invalid input: duplicate environment variable name " + name);
    }
  }
}

void check_int_range(const Json& settings, const char* key, int low, int high,
                     const std::string& shown_as) {
  if (!has(settings, key)) return;
  const Json& value = settings[key];
  if (!value.is_number_integer() || value.get<std::int64_t>() < low ||
      value.get<std::int64_t>() > high) {
    invalid("Invalid input: " + shown_as + " must be an integer from " + std::to_string(low) +
            " to " + std::to_string(high) + ", got " + value.dump());
  }
}

// The checks of make_project() on a document or a build's effective
// settings (the same sections under the same names).
void check_settings(const Json& settings) {
  for (const char* key : {"source", "artifacts", "environment"}) {
    if (!settings.contains(key) || !settings[key].is_object()) {
      invalid(std::string("Invalid input: ") + key + " must be a structure");
    }
  }
  check_source(settings.value("source", Json()), "Project source");
  check_artifacts(settings.value("artifacts", Json()));
  std::string source_type = text(settings.value("source", Json()), "type");
  std::string artifacts_type = text(settings.value("artifacts", Json()), "type");
  if ((source_type == "CODEPIPELINE") != (artifacts_type == "CODEPIPELINE")) {
    // [O], AWS's own wording.
    invalid(
        "Invalid input: when using CodePipeline both sourceType, and artifactType must be set "
        "to: CODEPIPELINE");
  }
  std::set<std::string> source_ids;
  for (const Json& source : settings.value("secondarySources", Json::array())) {
    check_identifier(text(source, "sourceIdentifier"), "sourceIdentifier", source_ids,
                     "secondary source");
    check_source(source, "Secondary source " + text(source, "sourceIdentifier"));
  }
  std::set<std::string> versioned;
  for (const Json& version : settings.value("secondarySourceVersions", Json::array())) {
    std::string id = text(version, "sourceIdentifier");
    if (source_ids.count(id) == 0) {
      invalid("Invalid input: secondary source version for " + id +
              ", which is not a secondary source's sourceIdentifier");
    }
    if (!versioned.insert(id).second) {
      invalid("Invalid input: more than one secondary source version for " + id);
    }
  }
  std::set<std::string> artifact_ids;
  for (const Json& artifacts : settings.value("secondaryArtifacts", Json::array())) {
    check_identifier(text(artifacts, "artifactIdentifier"), "artifactIdentifier", artifact_ids,
                     "secondary artifact");
    check_artifacts(artifacts);
  }
  std::set<std::string> location_ids;
  for (const Json& location : settings.value("fileSystemLocations", Json::array())) {
    check_identifier(text(location, "identifier"), "identifier", location_ids,
                     "file system location");
  }
  check_environment(settings.value("environment", Json()));
  check_int_range(settings, "timeoutInMinutes", 5, 2160, "timeoutInMinutes");
  check_int_range(settings, "queuedTimeoutInMinutes", 5, 480, "queuedTimeoutInMinutes");
  if (has(settings, "concurrentBuildLimit")) {
    const Json& limit = settings["concurrentBuildLimit"];
    if (!limit.is_number_integer() || limit.get<std::int64_t>() < 1) {
      invalid(
          "Invalid input: concurrentBuildLimit must be at least 1 (or -1 to remove the "
          "limit), got " +
          limit.dump());
    }
  }
}

// --- documents ------------------------------------------------------------

// Copies the settings a Create/UpdateProject body supplies onto `document`.
void apply_settings(Json& document, const Json& input) {
  for (const char* key : kSettingMembers) {
    if (has(input, key)) document[key] = input[key];
  }
  if (has(input, "badgeEnabled")) {
    document["badge"] = Json{{"badgeEnabled", input["badgeEnabled"]}};
  }
  if (has(input, "concurrentBuildLimit")) {
    const Json& limit = input["concurrentBuildLimit"];
    // -1 removes the limit (§2.7).
    if (limit.is_number_integer() && limit.get<std::int64_t>() == -1) {
      document.erase("concurrentBuildLimit");
    } else {
      document["concurrentBuildLimit"] = limit;
    }
  }
}

template <typename Body>
Result<std::string> guarded(Body body) {
  try {
    return body();
  } catch (const InvalidInput& error) {
    return Status(ErrorCode::kInvalidInput, error.message);
  } catch (const Status& status) {
    return status;
  } catch (const Json::exception& error) {
    // A member of an unexpected JSON type that validation would have
    // refused; answer rather than crash.
    return Status(ErrorCode::kInvalidInput, std::string("Invalid input: ") + error.what());
  }
}

// Merges `overrides` into `base` by the string member `key`: base order
// kept, an override of a known key replacing that entry in place, new keys
// appended in override order.
Json merge_by(const Json& base, const Json& overrides, const char* key) {
  Json merged = base.is_array() ? base : Json::array();
  for (const Json& item : overrides) {
    std::string id = text(item, key);
    bool replaced = false;
    for (Json& existing : merged) {
      if (text(existing, key) == id) {
        existing = item;
        replaced = true;
        break;
      }
    }
    if (!replaced) merged.push_back(item);
  }
  return merged;
}

// Sets `target[member]` from `input[override_key]` when the request has it.
void override_member(Json& target, const char* member, const Json& input,
                     const char* override_key) {
  if (has(input, override_key)) target[member] = input[override_key];
}

Json effective_source(const Json& project, const Json& input) {
  Json source = project.value("source", Json::object());
  override_member(source, "type", input, "sourceTypeOverride");
  override_member(source, "location", input, "sourceLocationOverride");
  // A build switched to NO_SOURCE keeps no location.
  if (has(input, "sourceTypeOverride") && text(source, "type") == "NO_SOURCE" &&
      !has(input, "sourceLocationOverride")) {
    source.erase("location");
  }
  override_member(source, "buildspec", input, "buildspecOverride");
  override_member(source, "gitCloneDepth", input, "gitCloneDepthOverride");
  override_member(source, "gitSubmodulesConfig", input, "gitSubmodulesConfigOverride");
  override_member(source, "auth", input, "sourceAuthOverride");
  override_member(source, "reportBuildStatus", input, "reportBuildStatusOverride");
  override_member(source, "buildStatusConfig", input, "buildStatusConfigOverride");
  override_member(source, "insecureSsl", input, "insecureSslOverride");
  source_defaults(source);
  return source;
}

Json effective_environment(const Json& project, const Json& input) {
  Json environment = project.value("environment", Json::object());
  override_member(environment, "image", input, "imageOverride");
  override_member(environment, "computeType", input, "computeTypeOverride");
  override_member(environment, "type", input, "environmentTypeOverride");
  override_member(environment, "privilegedMode", input, "privilegedModeOverride");
  override_member(environment, "certificate", input, "certificateOverride");
  override_member(environment, "registryCredential", input, "registryCredentialOverride");
  override_member(environment, "imagePullCredentialsType", input,
                  "imagePullCredentialsTypeOverride");
  override_member(environment, "fleet", input, "fleetOverride");
  if (has(input, "environmentVariablesOverride")) {
    // Merged by name, not replaced (§4.4: "env override merges by name").
    environment["environmentVariables"] =
        merge_by(environment.value("environmentVariables", Json::array()),
                 input["environmentVariablesOverride"], "name");
  }
  environment_defaults(environment);
  return environment;
}

// `input[override_key]` if present, else `project[key]`, else `fallback`
// unless it is null, into `out[key]`.
void pick(Json& out, const char* key, const Json& project, const Json& input,
          const char* override_key, Json fallback = Json()) {
  if (override_key && has(input, override_key)) {
    out[key] = input[override_key];
  } else if (has(project, key)) {
    out[key] = project[key];
  } else if (!fallback.is_null()) {
    out[key] = std::move(fallback);
  }
}

}  // namespace

Result<std::string> make_project(std::string_view create_input, const ProjectContext& context) {
  return guarded([&]() -> Result<std::string> {
    Json input = parse_object(create_input, ErrorCode::kInvalidInput, "The request");
    std::string name = text(input, "name");
    if (name.empty()) invalid("Invalid input: the project needs a name");
    Json document = Json::object();
    document["name"] = name;
    document["arn"] =
        "arn:aws:codebuild:" + context.region + ":" + context.account_id + ":project/" + name;
    apply_settings(document, input);
    document["created"] = epoch_seconds(context.now_ms);
    document["lastModified"] = epoch_seconds(context.now_ms);
    project_defaults(document, context);
    check_settings(document);
    return in_project_order(document).dump();
  });
}

Result<std::string> update_project(std::string_view project, std::string_view update_input,
                                   const ProjectContext& context) {
  return guarded([&]() -> Result<std::string> {
    Json document = parse_object(project, ErrorCode::kInternal, "The stored project");
    Json input = parse_object(update_input, ErrorCode::kInvalidInput, "The request");
    apply_settings(document, input);
    document["lastModified"] = epoch_seconds(context.now_ms);
    project_defaults(document, context);
    check_settings(document);
    return in_project_order(document).dump();
  });
}

Result<std::string> effective_build_settings(std::string_view project,
                                             std::string_view start_build_input) {
  return guarded([&]() -> Result<std::string> {
    Json stored = parse_object(project, ErrorCode::kInternal, "The stored project");
    Json input = parse_object(start_build_input, ErrorCode::kInvalidInput, "The request");
    // Overrides out of range are refused by validate_input already; checked
    // again here under their own names, since a build must never run with them.
    check_int_range(input, "timeoutInMinutesOverride", 5, 2160, "timeoutInMinutesOverride");
    check_int_range(input, "queuedTimeoutInMinutesOverride", 5, 480,
                    "queuedTimeoutInMinutesOverride");
    std::string name = text(stored, "name");
    Json out = Json::object();
    out["source"] = effective_source(stored, input);
    pick(out, "secondarySources", stored, input, "secondarySourcesOverride", Json::array());
    for (Json& source : out["secondarySources"]) source_defaults(source);
    pick(out, "sourceVersion", stored, input, "sourceVersion");
    out["secondarySourceVersions"] =
        merge_by(stored.value("secondarySourceVersions", Json::array()),
                 input.value("secondarySourcesVersionOverride", Json::array()), "sourceIdentifier");
    pick(out, "artifacts", stored, input, "artifactsOverride", Json::object());
    artifacts_defaults(out["artifacts"], name, true);
    pick(out, "secondaryArtifacts", stored, input, "secondaryArtifactsOverride", Json::array());
    for (Json& artifacts : out["secondaryArtifacts"]) artifacts_defaults(artifacts, name, false);
    pick(out, "cache", stored, input, "cacheOverride", Json{{"type", "NO_CACHE"}});
    out["environment"] = effective_environment(stored, input);
    pick(out, "serviceRole", stored, input, "serviceRoleOverride");
    pick(out, "logsConfig", stored, input, "logsConfigOverride", Json::object());
    logs_config_defaults(out["logsConfig"]);
    pick(out, "timeoutInMinutes", stored, input, "timeoutInMinutesOverride");
    pick(out, "queuedTimeoutInMinutes", stored, input, "queuedTimeoutInMinutesOverride");
    pick(out, "encryptionKey", stored, input, "encryptionKeyOverride");
    pick(out, "fileSystemLocations", stored, input, nullptr, Json::array());
    pick(out, "vpcConfig", stored, input, nullptr);
    pick(out, "autoRetryLimit", stored, input, "autoRetryLimitOverride");
    check_settings(out);
    return out.dump();
  });
}

}  // namespace kiln::service
