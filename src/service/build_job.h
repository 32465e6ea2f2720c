// SPDX-License-Identifier: Apache-2.0
// What a worker needs to run a queued build, as stored beside the build
// record: who the build is (BuildIdentity) and its effective settings. Also
// the translation of those settings into the engine's BuildRequest.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "runner/build_runner.h"
#include "service/build_document.h"

namespace kiln::service {

struct BuildJob {
  BuildIdentity identity;
  std::string settings;  // effective settings JSON (effective_build_settings())
};

std::string encode_job(const BuildJob& job);
// kInvalidInput when `text` is not a job this code wrote.
Result<BuildJob> decode_job(const std::string& text);

// The engine's request for the job. Source types: NO_SOURCE runs without
// source; the git-hosted types (CODECOMMIT, GITHUB, GITHUB_ENTERPRISE,
// GITLAB, GITLAB_SELF_MANAGED, BITBUCKET) are cloned from their location
// with git; S3 and CODEPIPELINE fail DOWNLOAD_SOURCE as unsupported.
// Environment variables of type PLAINTEXT are passed; PARAMETER_STORE and
// SECRETS_MANAGER ones cannot be resolved by kiln and fail the build in
// DOWNLOAD_SOURCE likewise.
runner::BuildRequest to_build_request(const BuildJob& job, std::int64_t build_number,
                                      const std::string& work_dir);

}  // namespace kiln::service
