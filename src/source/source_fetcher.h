// SPDX-License-Identifier: Apache-2.0
// Puts a build's primary source into its source directory
// (codebuild-semantics.md §2.1 DOWNLOAD_SOURCE): a local directory copied in
// (never modified), a git repository cloned at a version, or nothing.
// Stateless and thread-safe; each call works only in its own `dest`.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/status.h"

namespace kiln::source {

// kUnsupported records a source kiln cannot fetch (CodeBuild's S3 or
// CODEPIPELINE types; `location` says what, e.g. "source type S3"): the fetch fails, so the
// build fails in DOWNLOAD_SOURCE as CodeBuild fails an unreachable source.
enum class SourceKind { kNone, kLocalDirectory, kGit, kUnsupported };

struct SourceRequest {
  SourceKind kind = SourceKind::kNone;
  // kLocalDirectory: a directory path; kGit: a URL or a local repository path.
  std::string location;
  // kGit: a branch, a tag, a full or abbreviated commit SHA, `pr/N` or
  // `refs/pull/N/head`; empty means the default branch's HEAD.
  std::string version;
  // kGit: 0 means a full clone; N > 0 a shallow clone of depth N where the
  // version allows it.
  int git_clone_depth = 0;
  // kGit: the time all git commands together may take before they are killed
  // and the fetch fails with kUnavailable.
  std::chrono::seconds timeout = std::chrono::minutes(60);
};

struct FetchedSource {
  // kGit: the commit actually checked out (CODEBUILD_RESOLVED_SOURCE_VERSION).
  std::string resolved_version;
};

// Receives progress lines for the build log ("Cloning ...", git's errors).
using ProgressSink = std::function<void(const std::string& line)>;

// Fills `dest` (an existing, empty directory). Fails with kInvalidInput for a
// bad request, kNotFound for a missing directory/repository/version, and
// kUnavailable/kIoError otherwise; the message carries git's own reason.
// Local copies keep symlinks as symlinks (never followed out of the tree),
// file modes and empty directories; special files are skipped with a line to
// `progress`.
Result<FetchedSource> fetch_source(const SourceRequest& request, const std::string& dest,
                                   const ProgressSink& progress);

}  // namespace kiln::source
