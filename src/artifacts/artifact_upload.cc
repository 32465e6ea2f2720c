// SPDX-License-Identifier: Apache-2.0
#include "artifacts/artifact_upload.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "artifacts/source_file.h"
#include "artifacts/zip_packager.h"

namespace kiln::artifacts {

namespace {

std::string trim_slashes(const std::string& text) {
  std::size_t begin = text.find_first_not_of('/');
  if (begin == std::string::npos) return {};
  std::size_t end = text.find_last_not_of('/');
  return text.substr(begin, end - begin + 1);
}

// Removes the temp zip however the upload ends.
class ScratchFile {
 public:
  explicit ScratchFile(std::string path) : path_(std::move(path)) {}
  ~ScratchFile() { ::unlink(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Result<UploadedArtifact> upload_zip(const std::vector<SelectedFile>& files, const ArtifactDestination& dest,
                                    const std::string& key, const objectstore::Metadata& metadata,
                                    objectstore::ObjectStore& store, const std::string& scratch_dir) {
  std::string tmpl = scratch_dir + "/artifact-XXXXXX.zip";
  int fd = ::mkstemps(tmpl.data(), 4);
  if (fd < 0)
    return Status(ErrorCode::kIoError, "cannot create a temp file in " + scratch_dir + ": " +
                                           std::generic_category().message(errno));
  ::close(fd);
  ScratchFile zip(tmpl);
  auto summary = package_zip(files, zip.path());
  if (!summary.is_ok()) return summary.status();
  if (Status s = store.put_file(dest.bucket, key, zip.path(), metadata); !s.is_ok()) return s;
  return UploadedArtifact{objectstore::s3_location_arn(dest.bucket, key), summary->checksums.md5_hex,
                          summary->checksums.sha256_hex, summary->size, 1};
}

Result<UploadedArtifact> upload_each(const std::vector<SelectedFile>& files, const ArtifactDestination& dest,
                                     const std::string& prefix, const objectstore::Metadata& metadata,
                                     objectstore::ObjectStore& store) {
  UploadedArtifact uploaded{objectstore::s3_location_arn(dest.bucket, prefix), {}, {}, 0, 0};
  for (const SelectedFile& file : files) {
    if (!file.link_target.empty())
      return Status(ErrorCode::kInvalidInput, "artifact path " + file.artifact_path +
                                                  " is a kept symlink; enable-symlinks applies to ZIP packaging only");
    auto source = SourceFile::open(file.source_path);
    if (!source.is_ok()) return source.status();
    std::string key = prefix.empty() ? file.artifact_path : prefix + "/" + file.artifact_path;
    // Hand the store the open file, not the path: the path could be swapped
    // for a symlink between our open and the store's.
    if (Status s = store.put_file(dest.bucket, key, source->proc_path(), metadata); !s.is_ok()) return s;
    uploaded.size += static_cast<std::uint64_t>(source->stat().st_size);
    ++uploaded.object_count;
  }
  return uploaded;
}

}  // namespace

Result<std::string> artifact_key(const ArtifactDestination& destination, const std::string& build_uuid) {
  if (destination.name.empty())
    return Status(ErrorCode::kInvalidInput, "artifact name is empty (use \"/\" for no name segment)");
  std::string key;
  auto append = [&](const std::string& piece) {
    std::string trimmed = trim_slashes(piece);
    if (!trimmed.empty()) key += (key.empty() ? "" : "/") + trimmed;
  };
  append(destination.path);
  if (destination.namespace_type == NamespaceType::kBuildId) {
    if (build_uuid.empty()) return Status(ErrorCode::kInvalidInput, "BUILD_ID namespace needs the build's uuid");
    append(build_uuid);
  }
  if (destination.name != "/") append(destination.name);
  if (key.empty()) {
    if (destination.packaging == Packaging::kZip)
      return Status(ErrorCode::kInvalidInput, "a ZIP artifact needs a path, namespace or name for its object key");
    return key;  // NONE: files go to the bucket's top level
  }
  if (Status s = objectstore::validate_object_key(key); !s.is_ok()) return s;
  return key;
}

Result<UploadedArtifact> upload_artifacts(const std::vector<SelectedFile>& files,
                                          const ArtifactDestination& destination,
                                          const ArtifactBuild& build,
                                          objectstore::ObjectStore& store,
                                          const std::string& scratch_dir) {
  if (files.empty()) return Status(ErrorCode::kInvalidInput, "no artifact files to upload");
  if (Status s = objectstore::validate_bucket_name(destination.bucket); !s.is_ok()) return s;
  auto key = artifact_key(destination, build.uuid);
  if (!key.is_ok()) return key.status();
  // codebuild-semantics.md §1.8: uploaded objects carry the build's ARN.
  objectstore::Metadata metadata{{"codebuild-buildarn", build.arn}};
  if (destination.packaging == Packaging::kZip)
    return upload_zip(files, destination, key.value(), metadata, store, scratch_dir);
  return upload_each(files, destination, key.value(), metadata, store);
}

}  // namespace kiln::artifacts
