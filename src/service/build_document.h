// SPDX-License-Identifier: Apache-2.0
// The Build JSON the API serves (botocore's `Build`, codebuild-semantics.md
// §2.2–§2.6, §4.4) at each point of a build's life: accepted and queued,
// running (the engine's record plus the build's effective settings), and
// ended outside the engine (stopped or timed out in the queue, or orphaned
// by a server that died). Documents are JSON text; stateless, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "artifacts/artifact_upload.h"
#include "model/build.h"

namespace kiln::service {

// Who a build is and where it belongs, fixed at StartBuild.
struct BuildIdentity {
  std::string project;
  std::string uuid;
  std::string region;
  std::string account;
  std::string initiator;       // the access key's name
  std::int64_t submitted_ms = 0;
  // The live-log URL of the server, "http://host:port"; deepLink points there.
  std::string endpoint;

  std::string id() const { return project + ":" + uuid; }
  std::string arn() const;
};

// Where a build's log goes (§2.6): logsConfig.cloudWatchLogs.groupName, by
// default /aws/codebuild/<project>; the stream is the build's uuid, after
// cloudWatchLogs.streamName and a '/' when that prefix is set.
struct LogNames {
  std::string group;
  std::string stream;
};
LogNames log_names(const std::string& settings, const BuildIdentity& identity);

// The build as StartBuild returns it: SUBMITTED done, QUEUED open, status
// IN_PROGRESS. `settings` is the effective configuration
// (effective_build_settings()). The buildNumber is the store's
// `{{BUILD_NUMBER}}` placeholder, and no other `{{` occurs in the text.
std::string queued_document(const BuildIdentity& identity, const std::string& settings);

// The engine's record of a running or finished build, with the effective
// settings the engine does not know about (environment variables as
// configured, service role, cache, artifacts location before upload, logs
// links). `build_number` is the store's.
std::string engine_document(const model::Build& build, const BuildIdentity& identity,
                            const std::string& settings);

// Ends a build that never left the queue: QUEUED gets `status` (STOPPED or
// TIMED_OUT) at `now_ms`, then COMPLETED. Returns the new document.
std::string end_in_queue(const std::string& document, model::Status status,
                         std::int64_t now_ms);

// Ends a running build whose worker is gone: the open phase ends FAULT with
// `message` (status code SERVICE_STOPPED), then COMPLETED.
std::string end_orphaned(const std::string& document, const std::string& message,
                         std::int64_t now_ms);

// Where a build's primary artifacts go, from the effective settings'
// `artifacts` (S3 type): bucket = location, path, namespaceType, name
// (default: the project), packaging. Absent for NO_ARTIFACTS and the types
// kiln does not store (CODEPIPELINE).
std::optional<artifacts::ArtifactDestination> artifact_destination(
    const std::string& settings, const BuildIdentity& identity);

}  // namespace kiln::service
