// SPDX-License-Identifier: Apache-2.0
// Checks out one version of a git repository with the git CLI (a kGit
// source). Thread-safe: no shared state; each call blocks its thread.
#pragma once

#include <string>

#include "common/status.h"
#include "source/source_fetcher.h"

namespace kiln::source {

// What a source version names, decided from the remote's refs.
enum class RefKind { kBranch, kTag, kOtherRef, kCommit };  // kOtherRef: refs/pull/N/head, ...

struct ResolvedRef {
  RefKind kind = RefKind::kCommit;
  std::string ref;     // full ref name ("refs/heads/main"); the SHA for kCommit
  std::string branch;  // kBranch: the short name for the local branch
};

// Classifies `version` against `ls_remote` (the output of
// `git ls-remote --symref`): "" is the remote HEAD's branch; `pr/N` and
// `refs/...` are refs; a branch wins over a tag of the same name; a string of
// 4-64 hex digits matching no ref is a commit. kNotFound ("... did not match
// any ...") otherwise. Pure: exposed for tests.
Result<ResolvedRef> resolve_version(const std::string& version, const std::string& ls_remote,
                                    const std::string& location);

// Inits a repository in `dest` (existing, empty), fetches the version (only it,
// `--depth` deep, when request.git_clone_depth > 0 and it is a ref or a full
// SHA; else all branches and tags), checks it out (a local branch for a
// branch, detached otherwise) and returns `git rev-parse HEAD`.
Result<FetchedSource> git_checkout(const SourceRequest& request, const std::string& dest,
                                   const ProgressSink& progress);

}  // namespace kiln::source
