// SPDX-License-Identifier: Apache-2.0
#include "buildspec/buildspec_json.h"

#include <nlohmann/json.hpp>

namespace kiln::buildspec {

namespace {

// ordered_json keeps the buildspec's own key order in the output.
using Json = nlohmann::ordered_json;

Json named_values(const model::NamedValues& values) {
  Json out = Json::object();
  for (const auto& [name, value] : values) out[name] = value;
  return out;
}

Json optional_text(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json phase_json(const std::optional<model::PhaseSpec>& phase) {
  if (!phase) return nullptr;
  Json out;
  out["run-as"] = optional_text(phase->run_as);
  out["on-failure"] = optional_text(model::to_string(phase->on_failure));
  if (phase->on_failure == model::OnFailure::kRetry) {
    out["retry-count"] = phase->retry_count;
    out["retry-regex"] = phase->retry_regex;
  }
  out["runtime-versions"] = named_values(phase->runtime_versions);
  out["commands"] = phase->commands;
  out["finally"] = phase->finally;
  return out;
}

Json artifacts_json(const model::ArtifactsSpec& a, bool primary) {
  Json out;
  out["files"] = a.files;
  out["name"] = optional_text(a.name);
  out["discard-paths"] = a.discard_paths;
  out["base-directory"] = optional_text(a.base_directory);
  out["exclude-paths"] = a.exclude_paths;
  out["enable-symlinks"] = a.enable_symlinks;
  out["s3-prefix"] = optional_text(a.s3_prefix);
  if (primary) {
    Json secondary = Json::object();
    for (const auto& s : a.secondary_artifacts)
      secondary[s.identifier] = artifacts_json(s.artifacts, false);
    out["secondary-artifacts"] = secondary;
  }
  return out;
}

Json batch_env_json(const model::BatchEnvSpec& env) {
  Json out;
  out["compute-type"] = optional_text(env.compute_type);
  out["image"] = optional_text(env.image);
  out["privileged-mode"] = env.privileged_mode ? Json(*env.privileged_mode) : Json(nullptr);
  out["type"] = optional_text(env.type);
  out["variables"] = named_values(env.variables);
  return out;
}

Json task_json(const model::BatchTaskSpec& task, bool with_identity) {
  Json out;
  if (with_identity) out["identifier"] = task.identifier;
  out["buildspec"] = optional_text(task.buildspec);
  out["env"] = batch_env_json(task.env);
  if (with_identity) out["depend-on"] = task.depend_on;
  out["ignore-failure"] = task.ignore_failure;
  out["debug-session"] = task.debug_session;
  return out;
}

Json batch_json(const std::optional<model::BatchSpec>& batch) {
  if (!batch) return nullptr;
  Json out;
  out["fast-fail"] = batch->fast_fail;
  Json tasks = Json::array();
  for (const auto& t : batch->tasks) tasks.push_back(task_json(t, true));
  switch (batch->kind) {
    case model::BatchKind::kBuildList: out["build-list"] = tasks; break;
    case model::BatchKind::kBuildGraph: out["build-graph"] = tasks; break;
    case model::BatchKind::kBuildMatrix: {
      Json matrix;
      if (batch->matrix) {
        matrix["static"] = task_json(batch->matrix->static_settings, false);
        Json vars = Json::object();
        for (const auto& [name, values] : batch->matrix->variables) vars[name] = values;
        matrix["dynamic"] = {{"buildspec", batch->matrix->buildspecs},
                             {"env",
                              {{"compute-type", batch->matrix->compute_types},
                               {"image", batch->matrix->images},
                               {"variables", vars}}}};
      }
      out["build-matrix"] = matrix;
      break;
    }
    case model::BatchKind::kBuildFanout:
      out["build-fanout"] = {{"parallelism", batch->fanout_parallelism},
                             {"ignore-failure", batch->fanout_ignore_failure}};
      break;
  }
  return out;
}

Json spec_json(const model::BuildSpec& spec) {
  Json out;
  out["version"] = model::to_string(spec.version);
  out["run-as"] = optional_text(spec.run_as);
  out["env"] = {{"shell", spec.env.shell.empty() ? "sh" : spec.env.shell},
                {"variables", named_values(spec.env.variables)},
                {"parameter-store", named_values(spec.env.parameter_store)},
                {"secrets-manager", named_values(spec.env.secrets_manager)},
                {"exported-variables", spec.env.exported_variables},
                {"git-credential-helper", spec.env.git_credential_helper}};
  out["proxy"] = {{"upload-artifacts", spec.proxy.upload_artifacts}, {"logs", spec.proxy.logs}};
  out["batch"] = batch_json(spec.batch);
  out["phases"] = {{"install", phase_json(spec.phases.install)},
                   {"pre_build", phase_json(spec.phases.pre_build)},
                   {"build", phase_json(spec.phases.build)},
                   {"post_build", phase_json(spec.phases.post_build)}};
  Json reports = Json::object();
  for (const auto& r : spec.reports) {
    reports[r.name] = {{"files", r.files},
                       {"file-format", r.file_format},
                       {"base-directory", optional_text(r.base_directory)},
                       {"discard-paths", r.discard_paths}};
  }
  out["reports"] = reports;
  out["artifacts"] = spec.artifacts ? artifacts_json(*spec.artifacts, true) : Json(nullptr);
  if (spec.cache) {
    const char* action = spec.cache->action == model::CacheAction::kRestore ? "restore"
                         : spec.cache->action == model::CacheAction::kSave  ? "save"
                                                                             : nullptr;
    out["cache"] = {{"paths", spec.cache->paths},
                    {"key", optional_text(spec.cache->key)},
                    {"fallback-keys", spec.cache->fallback_keys},
                    {"action", action ? Json(action) : Json(nullptr)}};
  } else {
    out["cache"] = nullptr;
  }
  return out;
}

Json diagnostics_json(const std::vector<Diagnostic>& diagnostics) {
  Json out = Json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"line", d.line}, {"column", d.column}, {"path", d.path}, {"message", d.message}});
  }
  return out;
}

}  // namespace

std::string to_json(const model::BuildSpec& spec) {
  return spec_json(spec).dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string check_report_json(const std::string& file, const ParseResult& result) {
  Json out;
  out["file"] = file;
  out["ok"] = result.ok();
  out["buildspec"] = result.spec ? spec_json(*result.spec) : Json(nullptr);
  out["errors"] = diagnostics_json(result.errors());
  out["warnings"] = diagnostics_json(result.warnings());
  // Invalid UTF-8 cannot reach here from the parser, but file names can hold
  // anything: replace rather than throw.
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace kiln::buildspec
