// SPDX-License-Identifier: Apache-2.0
// Uploads a selected artifact to its S3-type destination through an
// ObjectStore (ProjectArtifacts location/path/namespaceType/name/packaging,
// codebuild-semantics.md §1.8). Stateless; thread-safe if the store is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "artifacts/artifact_selection.h"
#include "common/status.h"
#include "objectstore/object_store.h"

namespace kiln::artifacts {

enum class Packaging { kNone, kZip };
enum class NamespaceType { kNone, kBuildId };

// Where an S3 artifact goes: the project's ProjectArtifacts (or the
// StartBuild override) after `overrideArtifactName` has been applied.
struct ArtifactDestination {
  std::string bucket;  // ProjectArtifacts.location
  std::string path;    // key prefix; may be empty
  NamespaceType namespace_type = NamespaceType::kNone;
  std::string name;  // object name; "/" means no name segment. ".zip" is not appended.
  Packaging packaging = Packaging::kNone;
};

// The build an artifact belongs to.
struct ArtifactBuild {
  std::string uuid;  // the UUID part of the build id: the BUILD_ID segment
  std::string arn;   // stored as object metadata `codebuild-buildarn`
};

// What Build.artifacts reports.
struct UploadedArtifact {
  std::string location;   // "arn:aws:s3:::bucket/key" (ZIP: the object; NONE: the prefix)
  std::string md5sum;     // ZIP only, else empty
  std::string sha256sum;  // ZIP only, else empty
  std::uint64_t size = 0;          // ZIP: the zip's size; NONE: the files' total
  std::size_t object_count = 0;    // objects written
};

// The key of the ZIP object, or the prefix of NONE's objects:
// path[/<uuid> if BUILD_ID][/name unless "/"], empty pieces and surrounding
// slashes dropped. Fails with kInvalidInput for an empty name, a result the
// object store would refuse, or a ZIP with no key at all.
Result<std::string> artifact_key(const ArtifactDestination& destination, const std::string& build_uuid);

// ZIP: packs `files` into a temp file in `scratch_dir` (removed afterwards)
// and stores one object. NONE: stores each file as <prefix>/<artifact_path>.
// Every object carries metadata codebuild-buildarn = build.arn. Sources are
// opened with SourceFile, never following a symlink. Fails with
// kInvalidInput for an empty selection, for a kept symlink under NONE
// (enable-symlinks is ZIP-only: select with it off), or a bad destination;
// otherwise with the packager's or the store's error. Objects already
// written by NONE before a failure stay (as with S3).
Result<UploadedArtifact> upload_artifacts(const std::vector<SelectedFile>& files,
                                          const ArtifactDestination& destination,
                                          const ArtifactBuild& build,
                                          objectstore::ObjectStore& store,
                                          const std::string& scratch_dir);

}  // namespace kiln::artifacts
