// SPDX-License-Identifier: Apache-2.0
// Drives one build through CodeBuild's phases (codebuild-semantics.md §1.4,
// §1.5, §2, §3): fetches the source, reads the buildspec, runs its phases on
// an Executor, uploads artifacts and keeps the log. The same code serves
// `kiln run` and, later, the server's workers.
// A BuildRunner runs one build at a time; stop() is thread-safe and
// async-signal-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "executor/executor.h"
#include "logs/log_store.h"
#include "model/build.h"
#include "objectstore/object_store.h"
#include "source/source_fetcher.h"

namespace kiln::runner {

struct BuildRequest {
  std::string project_name = "kiln-local";
  std::string uuid;              // lower-case v4 uuid; the build id is <project>:<uuid>
  std::int64_t build_number = 1;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  std::string initiator;
  // When the service accepted the build (SUBMITTED); 0 for "now". The time
  // until run() starts is recorded as QUEUED.
  std::int64_t submitted_ms = 0;
  source::SourceRequest source;
  // buildspecOverride / source.buildspec: inline YAML, a path relative to the
  // source, or empty for buildspec.yml (§1.1).
  std::string buildspec;
  std::string image = "kiln/standard:1.0";
  std::string compute_type = "BUILD_GENERAL1_SMALL";
  bool privileged = false;
  model::NamedValues env_overrides;  // highest precedence
  int timeout_minutes = 60;
  // When > 0, replaces timeout_minutes (tests and quick local checks).
  int timeout_seconds = 0;
  // Where artifacts go: a bucket of `artifact_store` and a key prefix.
  std::string artifact_bucket = "artifacts";
  std::string artifact_name;  // default: the project name
  bool zip_artifacts = false;  // packaging ZIP instead of NONE
  // ProjectArtifacts.path (default: the project name) and whether the
  // build's uuid is a key segment (namespaceType BUILD_ID, kiln run's choice).
  std::optional<std::string> artifact_path;
  bool artifact_namespace_build_id = true;
  // Project artifacts of type NO_ARTIFACTS: UPLOAD_ARTIFACTS stores nothing.
  bool no_artifacts = false;
  // A scratch directory owned by this build (source and work files).
  std::string work_dir;
  // The log's group and stream (§2.6); empty: /aws/codebuild/<project> and
  // the uuid.
  std::string log_group;
  std::string log_stream;
};

// What the runner needs from the build environment it runs in.
struct ExecutionEnvironment {
  std::unique_ptr<executor::Executor> executor;
  // CODEBUILD_SRC_DIR as the build sees it (a container path for Docker).
  std::string source_dir_in_build;
};

// Makes the executor for a build whose source lives at `host_source_dir`.
// Called in PROVISIONING; an error fails that phase (a pull failure with
// BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE).
using ExecutorFactory = std::function<Result<ExecutionEnvironment>(
    const BuildRequest& request, const std::string& host_source_dir)>;

// Live view of a build. Called on the runner's thread; must not throw.
class BuildObserver {
 public:
  virtual ~BuildObserver() = default;
  virtual void on_phase_change(const model::Build& build) { (void)build; }
  // One log line as stored (already masked), with its timestamp.
  virtual void on_log_line(std::int64_t timestamp_ms, const std::string& line) {
    (void)timestamp_ms;
    (void)line;
  }
};

class BuildRunner {
 public:
  // The stores are borrowed and must outlive the runner.
  BuildRunner(ExecutorFactory factory, logs::LogStore& log_store,
              objectstore::ObjectStore& artifact_store);

  // Runs the build to COMPLETED and returns its record. Never throws; every
  // failure ends up as phase statuses and contexts in the record.
  model::Build run(const BuildRequest& request, BuildObserver& observer);

  // Stops the running build: the open phase ends STOPPED. A stop() before
  // run() stops the build that run() then starts. Thread-safe.
  void stop();

  // Makes what the running build has logged so far durable and readable
  // (the log is written in blocks). Thread-safe; a no-op between builds.
  // The service calls it periodically so followers see quiet commands' lines.
  void flush_log();

 private:
  ExecutorFactory factory_;
  logs::LogStore& log_store_;
  objectstore::ObjectStore& artifact_store_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<executor::Executor*> active_executor_{nullptr};
  std::mutex log_mu_;
  std::shared_ptr<logs::LogWriter> live_log_;  // guarded by log_mu_
};

}  // namespace kiln::runner
