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

}  // namespace kiln::model
