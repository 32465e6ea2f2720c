// SPDX-License-Identifier: Apache-2.0
// Chooses the files of a build artifact from the source directory, following
// the buildspec `artifacts` block (codebuild-semantics.md §1.8) and logging
// as CodeBuild's agent does. Stateless; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/buildspec.h"

namespace kiln::artifacts {

// One entry of an artifact.
struct SelectedFile {
  // Absolute canonical path (no symlink anywhere in it) to read the contents
  // from; for a kept link, the path of the link itself.
  std::string source_path;
  // Relative '/'-separated path inside the artifact (ZIP entry, object key
  // suffix).
  std::string artifact_path;
  // Non-empty: store a symlink with this (relative) target instead of
  // contents. Only with `enable-symlinks: yes`, which is ZIP-only.
  std::string link_target;
};

// Receives one build-log line at a time, without a trailing newline.
using LogLine = std::function<void(const std::string&)>;

// The status message, exactly, when the patterns select no file; the engine
// records it as UPLOAD_ARTIFACTS FAILED with context CLIENT_ERROR.
inline constexpr const char* kNoMatchingPathsMessage = "no matching artifact paths found";

// Applies `spec` (files, base-directory, exclude-paths, discard-paths,
// enable-symlinks) under `source_dir`, whatever the process's cwd is.
// Returns the files sorted by artifact_path. When two files get the same
// artifact path (discard-paths, or several base directories) the later one
// wins and a warning is logged; "later" means later base directory (sorted),
// then later `files` entry, then later path (sorted).
//
// Errors: kNotFound with kNoMatchingPathsMessage when nothing matches, or
// "no matching base directory path found for <dir>" when base-directory
// matches no directory (kNotFound is used for nothing else); kInvalidInput
// for a pattern or base-directory that is absolute or has a ".." segment,
// and for a selected symlink (or symlinked directory to be entered) that
// resolves outside `source_dir`, naming the path; kInvalidInput when
// `source_dir` is not a directory; kLimitExceeded / kIoError from the walk.
Result<std::vector<SelectedFile>> select_artifact_files(const std::string& source_dir,
                                                        const model::ArtifactsSpec& spec,
                                                        const LogLine& log = {});

}  // namespace kiln::artifacts
