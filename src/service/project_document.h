// SPDX-License-Identifier: Apache-2.0
// The Project document (botocore's `Project` shape) that CreateProject
// builds and UpdateProject rewrites, with every default CodeBuild fills in
// (codebuild-semantics.md §4.4), and the effective settings of one build:
// a project with a StartBuild request's overrides applied.
//
// Inputs are request bodies that already passed validate_input()
// (api_model.h); this adds the checks the model cannot express. Documents
// are JSON text in and out, as the store keeps them. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::service {

// What a project document needs from the server around it.
struct ProjectContext {
  std::string region;      // "us-east-1", for the ARNs
  std::string account_id;  // "123456789012"
  std::int64_t now_ms = 0;  // becomes created / lastModified (epoch seconds, ms precision)
  // The server's base URL ("http://127.0.0.1:6789"); badgeRequestUrl is
  // <endpoint_url>/badges?project=<name>.
  std::string endpoint_url;
};

// The Project document for a CreateProject request body. Defaults: timeouts
// 60 and 480 minutes, the account's aws/s3 KMS alias, badge off, NO_CACHE,
// privilegedMode false, imagePullCredentialsType CODEBUILD, variables of type
// PLAINTEXT, S3 artifacts named after the project (NONE namespace and
// packaging, encrypted), source.insecureSsl false, CloudWatch logs on and S3
// logs off, PRIVATE visibility, empty lists, created == lastModified.
// kInvalidInput (message for an InvalidInputException) when the settings
// contradict each other: a source without the location it needs, NO_SOURCE
// without a buildspec, CODEPIPELINE on one side only, S3 artifacts without a
// location, secondary sources/artifacts without unique identifiers,
// reportBuildStatus on a source that cannot report, duplicate environment
// variable names, a concurrentBuildLimit below 1.
Result<std::string> make_project(std::string_view create_input, const ProjectContext& context);

// `project` after an UpdateProject request body: each top-level member the
// request supplies replaces the stored one wholesale and gets its defaults
// again; the rest are kept. badgeEnabled sets badge; concurrentBuildLimit -1
// removes the limit; the name and `created` never change; lastModified
// becomes context.now_ms. Errors as make_project's, judged on the result;
// kInternal when `project` is not a stored document.
Result<std::string> update_project(std::string_view project, std::string_view update_input,
                                   const ProjectContext& context);

// The configuration one build runs with: `project` with every override of a
// StartBuild request body applied, as the sections the Build object carries
// (source, secondarySources, sourceVersion, secondarySourceVersions,
// artifacts, secondaryArtifacts, cache, environment, serviceRole, logsConfig,
// timeoutInMinutes, queuedTimeoutInMinutes, encryptionKey,
// fileSystemLocations, and vpcConfig/autoRetryLimit when set).
// environmentVariablesOverride merges by name: the project's variables
// first, an override of the same name replacing it in place, new names
// appended; secondarySourcesVersionOverride merges by sourceIdentifier the
// same way; every other override replaces its setting. debugSessionEnabled
// and idempotencyToken are not settings and are ignored. Errors as
// make_project's, judged on the result, plus overrides out of range;
// kInternal when `project` is not a stored document.
Result<std::string> effective_build_settings(std::string_view project,
                                             std::string_view start_build_input);

}  // namespace kiln::service
