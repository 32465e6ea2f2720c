// SPDX-License-Identifier: Apache-2.0
// Packs selected artifact files into one ZIP (ProjectArtifacts packaging
// ZIP, codebuild-semantics.md §1.8) with libarchive, hashing the archive as
// it is written. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "artifacts/artifact_selection.h"
#include "artifacts/digest.h"
#include "common/status.h"

namespace kiln::artifacts {

struct ZipSummary {
  std::uint64_t size = 0;  // bytes of the ZIP file
  Checksums checksums;     // of the ZIP file, as Build.artifacts reports them
};

// Writes `files` to a new ZIP at `out_path` (created or truncated), entries
// sorted by artifact_path so equal inputs give equal entry order. Contents
// are streamed in 64 KiB chunks: memory use does not grow with file size.
// Regular files keep their permission bits (so the executable bit), mtime
// and size; uid/gid are stored as 0. An entry with a link_target is stored
// as a symlink. Sources are opened with SourceFile (no symlink followed).
// On failure `out_path` is removed. Errors: kInvalidInput if a source is no
// longer a regular file or shrank while being read, kIoError from the
// disk, kInternal from libarchive or libcrypto.
Result<ZipSummary> package_zip(const std::vector<SelectedFile>& files, const std::string& out_path);

}  // namespace kiln::artifacts
