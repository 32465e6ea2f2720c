// SPDX-License-Identifier: Apache-2.0
#include "runner/build_runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <regex>

#include "artifacts/artifact_selection.h"
#include "artifacts/artifact_upload.h"
#include "buildspec/buildspec_parser.h"
#include "common/clock.h"
#include "runner/phase_transitions.h"

namespace kiln::runner {

namespace {

using model::PhaseType;
using model::Status;

// "[Container] 2026/11/24 07:12:03.123456 " as CodeBuild's agent writes it (§1.4).
std::string container_prefix(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y/%m/%d %H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06d", static_cast<int>(ms % 1000) * 1000);
  return std::string("[Container] ") + buf + frac + " ";
}

// §1.1: inline YAML is told from a path by its `version:` key.
bool looks_inline(const std::string& buildspec) {
  static const std::regex kVersionKey(R"((^|\n)\s*["']?version["']?\s*:)");
  return std::regex_search(buildspec, kVersionKey);
}

// The executor's output goes to the log line by line.
class LogSink final : public executor::OutputSink {
 public:
  explicit LogSink(std::function<void(std::string_view)> emit) : emit_(std::move(emit)) {}
  void on_line(executor::OutputStream, std::string_view text, executor::LineEnd) override {
    emit_(text);
  }

 private:
  std::function<void(std::string_view)> emit_;
};

// Collects output instead of logging it (artifact name evaluation).
class CaptureSink final : public executor::OutputSink {
 public:
  void on_line(executor::OutputStream stream, std::string_view text, executor::LineEnd) override {
    if (stream == executor::OutputStream::kStdout) text_ += text;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The state of one run; the runner's run() drives it phase by phase.
class BuildSession {
 public:
  BuildSession(const BuildRequest& request, BuildObserver& observer, logs::LogStore& log_store,
               objectstore::ObjectStore& artifact_store, const ExecutorFactory& factory,
               std::atomic<bool>& stop_requested, std::atomic<executor::Executor*>& active_executor,
               std::function<void(std::shared_ptr<logs::LogWriter>)> publish_log)
      : request_(request),
        observer_(observer),
        log_store_(log_store),
        artifact_store_(artifact_store),
        factory_(factory),
        stop_requested_(stop_requested),
        active_executor_(active_executor),
        publish_log_(std::move(publish_log)) {}

  model::Build run() {
    init_record();
    record_submission();

    PhaseType phase = PhaseType::kProvisioning;
    while (phase != PhaseType::kCompleted) {
      open_phase(phase);
      PhaseResult result = run_phase(phase);
      if (phase != PhaseType::kFinalizing) result = apply_interrupts(result);
      close_phase(result.status, model::PhaseContext{result.code, result.message});
      if (result.status != Status::kSucceeded && is_buildspec_phase(phase)) set_succeeding(false);
      phase = next_phase(phase, result.status, result.on_failure);
      if (result.status == Status::kStopped) phase = PhaseType::kCompleted;
    }
    finish();
    return build_;
  }

 private:
  struct PhaseResult {
    Status status = Status::kSucceeded;
    std::string code;
    std::string message;
    model::OnFailure on_failure = model::OnFailure::kDefault;
  };

  static PhaseResult failed(std::string code, std::string message) {
    return PhaseResult{Status::kFailed, std::move(code), std::move(message),
                       model::OnFailure::kDefault};
  }

  void init_record() {
    const BuildRequest& r = request_;
    build_.uuid = r.uuid;
    build_.project_name = r.project_name;
    build_.id = r.project_name + ":" + r.uuid;
    build_.arn = "arn:aws:codebuild:" + r.region + ":" + r.account + ":build/" + build_.id;
    build_.build_number = r.build_number;
    build_.start_time = epoch_millis();
    build_.initiator = r.initiator;
    build_.source_version = r.source.version;
    build_.source.location = r.source.location;
    build_.source.buildspec = r.buildspec;
    build_.source.git_clone_depth = r.source.git_clone_depth;
    build_.source.type = r.source.kind == source::SourceKind::kGit              ? "GIT"
                         : r.source.kind == source::SourceKind::kLocalDirectory ? "LOCAL"
                                                                                : "NO_SOURCE";
    build_.environment.image = r.image;
    build_.environment.compute_type = r.compute_type;
    build_.environment.privileged_mode = r.privileged;
    build_.environment.variables = r.env_overrides;
    build_.timeout_in_minutes = r.timeout_minutes;
    build_.encryption_key = "arn:aws:kms:" + r.region + ":" + r.account + ":alias/aws/s3";
    build_.logs.group_name = r.log_group.empty() ? "/aws/codebuild/" + r.project_name : r.log_group;
    build_.logs.stream_name = r.log_stream.empty() ? r.uuid : r.log_stream;
    deadline_ = executor::Clock::now() + (r.timeout_seconds > 0
                                              ? std::chrono::seconds(r.timeout_seconds)
                                              : std::chrono::seconds(r.timeout_minutes * 60));
  }

  // SUBMITTED and QUEUED: instantaneous for a local run; for a queued build,
  // from the time the service accepted it until now.
  void record_submission() {
    const model::EpochMillis submitted =
        request_.submitted_ms > 0 ? request_.submitted_ms : build_.start_time;
    const model::EpochMillis now = epoch_millis();
    build_.start_time = submitted;
    for (PhaseType type : {PhaseType::kSubmitted, PhaseType::kQueued}) {
      model::BuildPhase phase;
      phase.type = type;
      phase.status = Status::kSucceeded;
      phase.start_time = submitted;
      phase.end_time = type == PhaseType::kSubmitted ? submitted : std::max(submitted, now);
      build_.phases.push_back(phase);
    }
    build_.current_phase = PhaseType::kQueued;
  }

  void open_phase(PhaseType type) {
    model::BuildPhase phase;
    phase.type = type;
    phase.start_time = epoch_millis();
    build_.phases.push_back(phase);
    build_.current_phase = type;
    if (type != PhaseType::kSubmitted && type != PhaseType::kQueued &&
        type != PhaseType::kCompleted && type != PhaseType::kProvisioning)
      agent_log(std::string("Entering phase ") + model::to_string(type));
    observer_.on_phase_change(build_);
  }

  void close_phase(Status status, std::optional<model::PhaseContext> context) {
    model::BuildPhase& phase = build_.phases.back();
    phase.status = status;
    phase.end_time = epoch_millis();
    if (context) phase.contexts = std::vector<model::PhaseContext>{*context};
    if (phase.type >= PhaseType::kProvisioning) {
      agent_log(std::string("Phase complete: ") + model::to_string(phase.type) +
                " State: " + model::to_string(status));
      agent_log("Phase context status code: " + (context ? context->status_code : "") +
                " Message: " + (context ? context->message : ""));
    }
    observer_.on_phase_change(build_);
  }

  // A stop or a passed deadline outranks what the phase itself reported.
  PhaseResult apply_interrupts(PhaseResult result) const {
    if (stop_requested_.load()) return PhaseResult{Status::kStopped, "", "", {}};
    if (result.status == Status::kSucceeded && executor::Clock::now() >= deadline_)
      return PhaseResult{Status::kTimedOut, "BUILD_TIMED_OUT", "Build has timed out.", {}};
    return result;
  }

  PhaseResult run_phase(PhaseType phase) {
    switch (phase) {
      case PhaseType::kProvisioning:
        return provision();
      case PhaseType::kDownloadSource:
        return download_source();
      case PhaseType::kInstall:
        return run_buildspec_phase(spec_->phases.install, phase);
      case PhaseType::kPreBuild:
        return run_buildspec_phase(spec_->phases.pre_build, phase);
      case PhaseType::kBuild:
        return run_buildspec_phase(spec_->phases.build, phase);
      case PhaseType::kPostBuild:
        return run_buildspec_phase(spec_->phases.post_build, phase);
      case PhaseType::kUploadArtifacts:
        return upload_artifacts();
      case PhaseType::kFinalizing:
        return finalize();
      default:
        return {};
    }
  }

  PhaseResult provision() {
    auto writer = log_store_.create_stream(build_.logs.group_name, build_.logs.stream_name);
    if (!writer.is_ok())
      return PhaseResult{Status::kFault,
                         "CLIENT_ERROR",
                         "cannot create the log stream: " + writer.status().message(),
                         {}};
    log_writer_ = std::shared_ptr<logs::LogWriter>(std::move(writer).value());
    publish_log_(log_writer_);
    agent_log("Running on kiln " + std::string(request_.image.empty() ? "" : "with image ") +
              request_.image);
    source_dir_ = request_.work_dir + "/src";
    std::error_code ec;
    std::filesystem::create_directories(source_dir_, ec);
    if (ec) return PhaseResult{Status::kFault, "CLIENT_ERROR", ec.message(), {}};
    auto env = factory_(request_, source_dir_);
    if (!env.is_ok()) {
      std::string code = env.status().code() == ErrorCode::kNotFound
                             ? "BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE"
                             : "CLIENT_ERROR";
      agent_log(env.status().message());
      return failed(code, env.status().message());
    }
    environment_ = std::move(env).value();
    active_executor_.store(environment_.executor.get());
    return {};
  }

  PhaseResult download_source() {
    agent_log("Waiting for DOWNLOAD_SOURCE");
    auto fetched = source::fetch_source(request_.source, source_dir_,
                                        [this](const std::string& line) { agent_log(line); });
    if (!fetched.is_ok()) {
      agent_log(fetched.status().message());
      return failed("CLIENT_ERROR", fetched.status().message());
    }
    build_.resolved_source_version = fetched.value().resolved_version;
    agent_log("CODEBUILD_SRC_DIR=" + environment_.source_dir_in_build);
    PhaseResult loaded = load_buildspec();
    if (loaded.status != Status::kSucceeded) return loaded;
    return prepare_environment();
  }

  PhaseResult load_buildspec() {
    buildspec::ParseResult parsed;
    if (!request_.buildspec.empty() && looks_inline(request_.buildspec)) {
      agent_log("YAML location is <inline buildspec>");
      parsed = buildspec::parse_buildspec(request_.buildspec, "buildspecOverride");
    } else {
      std::string relative = request_.buildspec.empty() ? "buildspec.yml" : request_.buildspec;
      std::filesystem::path path(relative);
      bool escapes = path.is_absolute();
      for (const auto& part : path) escapes = escapes || part == "..";
      if (escapes)
        return failed(
            "YAML_FILE_ERROR",
            "the buildspec path must be relative to the source and stay inside it: " + relative);
      // The text check above is not enough: a symlink in the source (a
      // committed buildspec.yml -> /etc/shadow) would make kiln read a host
      // file, so the resolved path must stay inside the source too.
      std::error_code ec;
      auto root = std::filesystem::canonical(source_dir_, ec);
      auto resolved = std::filesystem::canonical(source_dir_ + "/" + relative, ec);
      if (!ec) {
        auto [root_end, _] =
            std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
        if (root_end != root.end())
          return failed("YAML_FILE_ERROR",
                        "the buildspec " + relative +
                            " resolves outside the source (a symlink); refusing to read it");
      }
      agent_log("YAML location is " + environment_.source_dir_in_build + "/" + relative);
      parsed = buildspec::load_buildspec_file(source_dir_ + "/" + relative);
    }
    for (const auto& d : parsed.diagnostics) agent_log(d.to_string());
    if (!parsed.ok()) {
      auto errors = parsed.errors();
      return failed("YAML_FILE_ERROR",
                    errors.empty() ? "invalid buildspec" : errors[0].to_string());
    }
    spec_ = std::move(parsed.spec);
    if (!spec_->env.parameter_store.empty() || !spec_->env.secrets_manager.empty())
      return failed("CLIENT_ERROR",
                    "env.parameter-store and env.secrets-manager need AWS Systems Manager or "
                    "Secrets Manager, which local builds cannot reach");
    return {};
  }

  // §1.6 precedence, lowest first: buildspec env.variables, then the
  // request's overrides; CODEBUILD_* are kiln's own and come last.
  PhaseResult prepare_environment() {
    agent_log("Processing environment variables");
    model::NamedValues vars = spec_->env.variables;
    for (const auto& v : request_.env_overrides) vars.push_back(v);
    const BuildRequest& r = request_;
    model::NamedValues system = {
        {"AWS_REGION", r.region},
        {"AWS_DEFAULT_REGION", r.region},
        {"CODEBUILD_BUILD_ID", build_.id},
        {"CODEBUILD_BUILD_ARN", build_.arn},
        {"CODEBUILD_BUILD_NUMBER", std::to_string(r.build_number)},
        {"CODEBUILD_BUILD_IMAGE", r.image},
        {"CODEBUILD_BUILD_SUCCEEDING", "1"},
        {"CODEBUILD_INITIATOR", r.initiator},
        {"CODEBUILD_KMS_KEY_ID", build_.encryption_key},
        {"CODEBUILD_LOG_PATH", r.uuid},
        {"CODEBUILD_PROJECT_ARN",
         "arn:aws:codebuild:" + r.region + ":" + r.account + ":project/" + r.project_name},
        {"CODEBUILD_SOURCE_REPO_URL",
         r.source.kind == source::SourceKind::kGit ? r.source.location : ""},
        {"CODEBUILD_SOURCE_VERSION", r.source.version},
        {"CODEBUILD_START_TIME", std::to_string(build_.start_time)},
        {"CODEBUILD_CI", "true"},
    };
    if (!build_.resolved_source_version.empty())
      system.emplace_back("CODEBUILD_RESOLVED_SOURCE_VERSION", build_.resolved_source_version);
    for (auto& v : system) vars.push_back(std::move(v));

    executor::EnvironmentSpec env;
    env.source_dir = environment_.source_dir_in_build;
    env.variables = std::move(vars);
    env.shell = spec_->env.shell;
    env.version = spec_->version;
    kiln::Status status = environment_.executor->prepare(env);
    if (!status.is_ok()) return failed("CLIENT_ERROR", status.message());
    agent_log("Moving to directory " + environment_.source_dir_in_build);
    return {};
  }

  void set_succeeding(bool succeeding) {
    if (!environment_.executor) return;
    static_cast<void>(environment_.executor->set_variables(
        {{"CODEBUILD_BUILD_SUCCEEDING", succeeding ? "1" : "0"}}));
  }

  PhaseResult run_buildspec_phase(const std::optional<model::PhaseSpec>& phase, PhaseType type) {
    PhaseResult result;
    if (!phase) return result;  // recorded SUCCEEDED with no commands (§2.1)
    result.on_failure = phase->on_failure;
    if (type == PhaseType::kInstall && phase->runtime_versions.empty())
      agent_log("No runtime version selected in buildspec.");
    else if (type == PhaseType::kInstall)
      agent_log(
          "Skipping install of runtimes. Runtime version selection is not supported by "
          "this build image");
    run_commands(phase->commands, result);
    // finally runs after commands, failed or not, but not after a stop or a
    // timeout (§1.4, §2.4).
    if (result.status == Status::kSucceeded || result.status == Status::kFailed) {
      PhaseResult after = result;
      after.status = Status::kSucceeded;
      run_commands(phase->finally, after);
      if (after.status != Status::kSucceeded && result.status == Status::kSucceeded) result = after;
      if (after.status == Status::kTimedOut || after.status == Status::kStopped) result = after;
    }
    snapshot_exports();
    return result;
  }

  void run_commands(const std::vector<std::string>& commands, PhaseResult& result) {
    LogSink sink([this](std::string_view line) { log(line); });
    for (const std::string& command : commands) {
      agent_log("Running command " + command);
      auto outcome = environment_.executor->run_command(command, sink, deadline_);
      if (!outcome.is_ok()) {
        result = PhaseResult{Status::kFault, "CLIENT_ERROR", outcome.status().message(),
                             result.on_failure};
        return;
      }
      const executor::CommandOutcome& o = outcome.value();
      if (o.stopped) {
        result.status = Status::kStopped;
        result.code.clear();
        result.message.clear();
        return;
      }
      if (o.timed_out) {
        result.status = Status::kTimedOut;
        result.code = "BUILD_TIMED_OUT";
        result.message = "Build has timed out.";
        return;
      }
      if (!o.succeeded()) {
        std::string reason = "exit status " + std::to_string(o.exit_code);
        agent_log("Command did not exit successfully " + command + " " + reason);
        result.status = Status::kFailed;
        result.code = "COMMAND_EXECUTION_ERROR";
        result.message = "Error while executing command: " + command + ". Reason: " + reason;
        return;
      }
    }
  }

  // Exported variables may change until POST_BUILD ends (§1.7); the last
  // snapshot taken after a buildspec phase is the one recorded.
  void snapshot_exports() {
    if (spec_->env.exported_variables.empty()) return;
    auto env = environment_.executor->snapshot_env();
    if (!env.is_ok()) return;
    build_.exported_environment_variables.clear();
    for (const std::string& name : spec_->env.exported_variables) {
      std::string value;
      for (const auto& [n, v] : env.value())
        if (n == name) value = v;
      build_.exported_environment_variables.emplace_back(name, value);
    }
  }

  PhaseResult upload_artifacts() {
    if (!spec_ || !spec_->artifacts) return {};
    if (request_.no_artifacts) {
      agent_log("The project's artifacts type is NO_ARTIFACTS: nothing uploaded");
      return {};
    }
    const model::ArtifactsSpec& primary = *spec_->artifacts;
    auto uploaded = upload_one(primary, artifact_name(primary.name, default_artifact_name()), "");
    if (!uploaded.is_ok()) return failed("CLIENT_ERROR", uploaded.status().message());
    build_.artifacts = uploaded.value();
    // Secondary artifacts by identifier: each under its own name (§1.3).
    for (const auto& secondary : primary.secondary_artifacts) {
      agent_log("Uploading secondary artifact " + secondary.identifier);
      auto one = upload_one(secondary.artifacts,
                            artifact_name(secondary.artifacts.name, secondary.identifier),
                            secondary.identifier);
      if (!one.is_ok()) return failed("CLIENT_ERROR", one.status().message());
      build_.secondary_artifacts.push_back(one.value());
    }
    return {};
  }

  std::string default_artifact_name() const {
    return request_.artifact_name.empty() ? request_.project_name : request_.artifact_name;
  }

  Result<model::BuildArtifact> upload_one(const model::ArtifactsSpec& spec, const std::string& name,
                                          const std::string& identifier) {
    auto files = artifacts::select_artifact_files(source_dir_, spec,
                                                  [this](const std::string& l) { agent_log(l); });
    if (!files.is_ok()) {
      agent_log(files.status().message());
      return files.status();
    }
    artifacts::ArtifactDestination destination;
    destination.bucket = request_.artifact_bucket;
    destination.path = request_.artifact_path.value_or(request_.project_name);
    destination.namespace_type = request_.artifact_namespace_build_id
                                     ? artifacts::NamespaceType::kBuildId
                                     : artifacts::NamespaceType::kNone;
    destination.name = name;
    destination.packaging =
        request_.zip_artifacts ? artifacts::Packaging::kZip : artifacts::Packaging::kNone;
    auto uploaded = artifacts::upload_artifacts(files.value(), destination,
                                                artifacts::ArtifactBuild{build_.uuid, build_.arn},
                                                artifact_store_, request_.work_dir);
    if (!uploaded.is_ok()) {
      agent_log(uploaded.status().message());
      return uploaded.status();
    }
    model::BuildArtifact artifact;
    artifact.location = uploaded.value().location;
    artifact.md5sum = uploaded.value().md5sum;
    artifact.sha256sum = uploaded.value().sha256sum;
    artifact.artifact_identifier = identifier;
    agent_log("Uploaded " + std::to_string(uploaded.value().object_count) + " object(s) to " +
              artifact.location);
    return artifact;
  }

  // artifacts.name is shell-evaluated in the build (§1.3), so `$VAR` and
  // `$(date)` work; it is passed through the environment, not spliced into
  // the command text.
  std::string artifact_name(const std::string& written, const std::string& fallback) {
    if (written.empty() || !environment_.executor) return fallback;
    if (!environment_.executor->set_variables({{"KILN_ARTIFACT_NAME", written}}).is_ok())
      return fallback;
    CaptureSink sink;
    auto outcome = environment_.executor->run_command(
        "eval \"printf '%s' \\\"$KILN_ARTIFACT_NAME\\\"\"", sink, deadline_);
    if (!outcome.is_ok() || !outcome.value().succeeded() || sink.text().empty()) {
      agent_log("Could not evaluate artifacts.name; using " + fallback);
      return fallback;
    }
    return sink.text();
  }

  PhaseResult finalize() {
    active_executor_.store(nullptr);
    if (environment_.executor) {
      kiln::Status status = environment_.executor->cleanup();
      if (!status.is_ok()) agent_log("cleanup: " + status.message());
    }
    return {};
  }

  void finish() {
    if (environment_.executor) {
      active_executor_.store(nullptr);
      static_cast<void>(environment_.executor->cleanup());
    }
    open_phase(PhaseType::kCompleted);
    build_.end_time = build_.phases.back().start_time;
    build_.build_complete = true;
    build_.build_status = build_status(build_.phases);
    if (log_writer_) static_cast<void>(log_writer_->close());
    publish_log_(nullptr);
    observer_.on_phase_change(build_);
  }

  void agent_log(const std::string& text) {
    std::int64_t ms = epoch_millis();
    log_at(ms, container_prefix(ms) + text);
  }

  void log(std::string_view line) { log_at(epoch_millis(), std::string(line)); }

  void log_at(std::int64_t ms, const std::string& line) {
    if (log_writer_) static_cast<void>(log_writer_->append(ms, line));
    observer_.on_log_line(ms, line);
  }

  const BuildRequest& request_;
  BuildObserver& observer_;
  logs::LogStore& log_store_;
  objectstore::ObjectStore& artifact_store_;
  const ExecutorFactory& factory_;
  std::atomic<bool>& stop_requested_;
  std::atomic<executor::Executor*>& active_executor_;
  std::function<void(std::shared_ptr<logs::LogWriter>)> publish_log_;

  model::Build build_;
  executor::Deadline deadline_{};
  std::shared_ptr<logs::LogWriter> log_writer_;
  std::string source_dir_;
  ExecutionEnvironment environment_;
  std::optional<model::BuildSpec> spec_;
};

}  // namespace

BuildRunner::BuildRunner(ExecutorFactory factory, logs::LogStore& log_store,
                         objectstore::ObjectStore& artifact_store)
    : factory_(std::move(factory)), log_store_(log_store), artifact_store_(artifact_store) {}

model::Build BuildRunner::run(const BuildRequest& request, BuildObserver& observer) {
  // A stop() that came before run() (StopBuild racing a worker's start)
  // stops this build; the flag is cleared once the build has ended.
  BuildSession session(request, observer, log_store_, artifact_store_, factory_, stop_requested_,
                       active_executor_, [this](std::shared_ptr<logs::LogWriter> writer) {
                         std::lock_guard<std::mutex> lock(log_mu_);
                         live_log_ = std::move(writer);
                       });
  model::Build build = session.run();
  stop_requested_.store(false);
  return build;
}

void BuildRunner::flush_log() {
  std::shared_ptr<logs::LogWriter> writer;
  {
    std::lock_guard<std::mutex> lock(log_mu_);
    writer = live_log_;
  }
  if (writer) static_cast<void>(writer->flush());
}

void BuildRunner::stop() {
  stop_requested_.store(true);
  if (executor::Executor* executor = active_executor_.load()) executor->stop();
}

}  // namespace kiln::runner
