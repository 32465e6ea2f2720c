// SPDX-License-Identifier: Apache-2.0
#include "service/build_job.h"

#include <nlohmann/json.hpp>

namespace kiln::service {

namespace {

using Json = nlohmann::ordered_json;

bool is_git_hosted(const std::string& type) {
  return type == "CODECOMMIT" || type == "GITHUB" || type == "GITHUB_ENTERPRISE" ||
         type == "GITLAB" || type == "GITLAB_SELF_MANAGED" || type == "BITBUCKET";
}

source::SourceRequest source_request(const Json& settings) {
  source::SourceRequest request;
  const Json source = settings.value("source", Json::object());
  const std::string type = source.value("type", "NO_SOURCE");
  if (type == "NO_SOURCE") {
    request.kind = source::SourceKind::kNone;
  } else if (is_git_hosted(type)) {
    request.kind = source::SourceKind::kGit;
    request.location = source.value("location", "");
    request.version = settings.value("sourceVersion", "");
    request.git_clone_depth = source.value("gitCloneDepth", 0);
  } else {
    request.kind = source::SourceKind::kUnsupported;
    request.location = "source type " + type;
  }
  return request;
}

}  // namespace

std::string encode_job(const BuildJob& job) {
  const BuildIdentity& id = job.identity;
  Json json = {{"version", 1},
               {"project", id.project},
               {"uuid", id.uuid},
               {"region", id.region},
               {"account", id.account},
               {"initiator", id.initiator},
               {"submittedMs", id.submitted_ms},
               {"endpoint", id.endpoint},
               {"settings", Json::parse(job.settings, nullptr, false)}};
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<BuildJob> decode_job(const std::string& text) {
  Json json = Json::parse(text, nullptr, false);
  if (!json.is_object() || json.value("version", 0) != 1 || !json.contains("settings"))
    return Status(ErrorCode::kInvalidInput, "not a kiln build job");
  try {
    BuildJob job;
    job.identity.project = json.at("project").get<std::string>();
    job.identity.uuid = json.at("uuid").get<std::string>();
    job.identity.region = json.at("region").get<std::string>();
    job.identity.account = json.at("account").get<std::string>();
    job.identity.initiator = json.at("initiator").get<std::string>();
    job.identity.submitted_ms = json.at("submittedMs").get<std::int64_t>();
    job.identity.endpoint = json.at("endpoint").get<std::string>();
    job.settings = json.at("settings").dump();
    return job;
  } catch (const Json::exception& e) {
    return Status(ErrorCode::kInvalidInput, std::string("bad build job: ") + e.what());
  }
}

runner::BuildRequest to_build_request(const BuildJob& job, std::int64_t build_number,
                                      const std::string& work_dir) {
  const Json settings = Json::parse(job.settings, nullptr, false);
  const BuildIdentity& id = job.identity;
  runner::BuildRequest r;
  r.project_name = id.project;
  r.uuid = id.uuid;
  r.build_number = build_number;
  r.region = id.region;
  r.account = id.account;
  r.initiator = id.initiator;
  r.submitted_ms = id.submitted_ms;
  r.source = source_request(settings);
  r.work_dir = work_dir;
  const Json source = settings.value("source", Json::object());
  r.buildspec = source.value("buildspec", "");
  const Json environment = settings.value("environment", Json::object());
  r.image = environment.value("image", r.image);
  r.compute_type = environment.value("computeType", r.compute_type);
  r.privileged = environment.value("privilegedMode", false);
  for (const Json& var : environment.value("environmentVariables", Json::array())) {
    const std::string name = var.value("name", "");
    const std::string type = var.value("type", "PLAINTEXT");
    if (type != "PLAINTEXT" && r.source.kind != source::SourceKind::kUnsupported) {
      r.source.kind = source::SourceKind::kUnsupported;
      r.source.location = "environment variable " + name + " of type " + type;
    }
    r.env_overrides.emplace_back(name, var.value("value", ""));
  }
  r.timeout_minutes = settings.value("timeoutInMinutes", 60);
  const LogNames logs = log_names(job.settings, id);
  r.log_group = logs.group;
  r.log_stream = logs.stream;
  auto destination = artifact_destination(job.settings, id);
  if (destination) {
    r.artifact_bucket = destination->bucket;
    r.artifact_path = destination->path;
    r.artifact_namespace_build_id =
        destination->namespace_type == artifacts::NamespaceType::kBuildId;
    r.artifact_name = destination->name;
    r.zip_artifacts = destination->packaging == artifacts::Packaging::kZip;
  } else {
    r.no_artifacts = true;
  }
  return r;
}

}  // namespace kiln::service
