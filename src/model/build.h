// SPDX-License-Identifier: Apache-2.0
// The build record: what the engine produces and what BatchGetBuilds serves
// (botocore's `Build` shape, codebuild-semantics.md §2.2–§2.3). Plain value
// types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln::model {

// BuildPhaseType, in the order a build passes through them (§2.1).
enum class PhaseType {
  kSubmitted,
  kQueued,
  kProvisioning,
  kDownloadSource,
  kInstall,
  kPreBuild,
  kBuild,
  kPostBuild,
  kUploadArtifacts,
  kFinalizing,
  kCompleted,
};

// StatusType: the status of a phase and of a build.
enum class Status {
  kSucceeded,
  kFailed,
  kFault,
  kTimedOut,
  kInProgress,
  kStopped,
};

// "DOWNLOAD_SOURCE", "SUCCEEDED", ... exactly as the API spells them.
const char* to_string(PhaseType phase);
const char* to_string(Status status);
std::optional<PhaseType> parse_phase_type(std::string_view text);
std::optional<Status> parse_status(std::string_view text);

// Wall-clock time in milliseconds since the epoch. The API shows seconds
// with a fraction; durationInSeconds truncates (§2.2).
using EpochMillis = std::int64_t;

struct PhaseContext {
  std::string status_code;  // "" on success, e.g. "COMMAND_EXECUTION_ERROR"
  std::string message;
};

struct BuildPhase {
  PhaseType type = PhaseType::kSubmitted;
  std::optional<Status> status;  // absent while the phase is open
  EpochMillis start_time = 0;
  std::optional<EpochMillis> end_time;  // absent while open
  // Absent for SUBMITTED, QUEUED and COMPLETED; one entry for finished
  // executing phases (an empty code and message on success).
  std::optional<std::vector<PhaseContext>> contexts;

  bool is_open() const { return !end_time.has_value(); }
  // floor((end - start) / 1000); absent while open.
  std::optional<std::int64_t> duration_seconds() const;
};

struct BuildArtifact {
  std::string location;  // arn:aws:s3:::bucket/key
  std::string md5sum;     // ZIP packaging only
  std::string sha256sum;  // ZIP packaging only
  std::string artifact_identifier;  // secondary artifacts only
};

struct LogsLocation {
  std::string group_name;   // /aws/codebuild/<project>
  std::string stream_name;  // the build's uuid
};

using NamedEnvironment = std::vector<std::pair<std::string, std::string>>;

struct BuildEnvironment {
  std::string type = "LINUX_CONTAINER";
  std::string image;
  std::string compute_type = "BUILD_GENERAL1_SMALL";
  bool privileged_mode = false;
  NamedEnvironment variables;  // the request's overrides, type PLAINTEXT
};

struct BuildSource {
  // CodeBuild's SourceType where one applies (NO_SOURCE); kiln run's local
  // directories and plain git URLs are "LOCAL" and "GIT" (kiln extensions).
  std::string type = "NO_SOURCE";
  std::string location;
  std::string buildspec;  // as requested (inline text or a path), may be empty
  int git_clone_depth = 0;
};

// One build, as BatchGetBuilds reports it. Holds the effective
// (post-override) configuration.
struct Build {
  std::string id;   // <project>:<uuid>
  std::string arn;  // arn:aws:codebuild:<region>:<account>:build/<id>
  std::string uuid;
  std::int64_t build_number = 0;
  std::string project_name;
  EpochMillis start_time = 0;
  std::optional<EpochMillis> end_time;
  PhaseType current_phase = PhaseType::kSubmitted;
  Status build_status = Status::kInProgress;
  bool build_complete = false;
  std::string source_version;
  std::string resolved_source_version;
  std::string initiator;
  std::vector<BuildPhase> phases;
  BuildSource source;
  BuildEnvironment environment;
  std::optional<BuildArtifact> artifacts;
  std::vector<BuildArtifact> secondary_artifacts;
  LogsLocation logs;
  int timeout_in_minutes = 60;
  int queued_timeout_in_minutes = 480;
  std::string encryption_key;
  std::vector<std::pair<std::string, std::string>> exported_environment_variables;
};

}  // namespace kiln::model
