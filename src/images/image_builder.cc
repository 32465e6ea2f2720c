// SPDX-License-Identifier: Apache-2.0
#include "images/image_builder.h"

#include <sys/stat.h>

#include <cstdio>
#include <utility>

#include "images/busybox_rootfs.h"
#include "images/debian_rootfs.h"
#include "images/scratch_dir.h"
#include "images/tar_writer.h"

namespace kiln::images {

namespace {

std::string megabytes(long long bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string elapsed_since(std::chrono::steady_clock::time_point start) {
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(seconds / 60),
                static_cast<long long>(seconds % 60));
  return buf;
}

}  // namespace

ImageBuilder::ImageBuilder(const docker::DockerClient& client, BuildOptions options,
                           LineHandler progress)
    : client_(client), options_(std::move(options)), progress_(std::move(progress)) {}

void ImageBuilder::report(const std::string& line) const {
  if (progress_) progress_(line);
}

Result<BuildResult> ImageBuilder::build(const CuratedImage& image) {
  // Asking the daemon first means a stopped daemon fails in a second, not
  // after minutes of debootstrap.
  Result<std::optional<docker::ImageInfo>> existing = client_.inspect_image(image.ref());
  if (!existing.is_ok()) return existing.status();
  if (existing->has_value() && !options_.force) {
    report(image.ref() + " is present (" + existing->value().id.substr(0, 19) +
           "); skipping, use --force to rebuild");
    return BuildResult::kSkipped;
  }

  auto start = std::chrono::steady_clock::now();
  report("building " + image.ref() + ": " + image.description);
  Result<ScratchDir> scratch = ScratchDir::create(options_.scratch_parent, "kiln-image-");
  if (!scratch.is_ok()) return scratch.status();
  std::string tar_path = scratch->path() + "/rootfs.tar";
  Status made = make_rootfs_tar(image, scratch->path(), tar_path);
  if (!made.is_ok()) return made;

  struct stat st {};
  ::stat(tar_path.c_str(), &st);
  report("importing " + megabytes(st.st_size) + " root filesystem as " + image.ref());
  Result<std::string> id = client_.import_image(tar_path, image.repo, image.tag, image.changes);
  if (!id.is_ok()) return id.status();

  // A forced rebuild moves the tag; the old image would linger untagged.
  // Removal fails harmlessly while a container still uses it.
  if (existing->has_value() && existing->value().id != id.value()) {
    Status dropped = client_.remove_image(existing->value().id, /*force=*/false);
    if (!dropped.is_ok()) report("kept the previous image: " + dropped.message());
  }

  Status removed = scratch->remove();
  if (!removed.is_ok()) report("warning: " + removed.message());
  report("built " + image.ref() + " (" + id->substr(0, 19) + ") in " + elapsed_since(start));
  return BuildResult::kBuilt;
}

Status ImageBuilder::make_rootfs_tar(const CuratedImage& image, const std::string& scratch,
                                     const std::string& tar_path) {
  if (image.recipe == Recipe::kDebianStandard) {
    DebianRootfsOptions debian{options_.debian_mirror, std::string(kDebianSuite),
                               std::string(kStandardPackages), options_.debootstrap_timeout};
    std::string rootfs = scratch + "/rootfs";
    Status status = make_debian_rootfs(rootfs, debian, progress_);
    if (!status.is_ok()) return status;
    report("packing " + rootfs + " into " + tar_path);
    Result<TarWriter> tar = TarWriter::create(tar_path);
    if (!tar.is_ok()) return tar.status();
    status = tar->add_tree(rootfs);
    return status.is_ok() ? tar->close() : status;
  }
  Result<TarWriter> tar = TarWriter::create(tar_path);
  if (!tar.is_ok()) return tar.status();
  Status status = write_busybox_rootfs(options_.busybox_path, tar.value(), progress_);
  return status.is_ok() ? tar->close() : status;
}

}  // namespace kiln::images
