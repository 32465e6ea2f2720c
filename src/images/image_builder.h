// SPDX-License-Identifier: Apache-2.0
// ImageBuilder: makes a curated image (curated_image.h) from its recipe and
// imports it into the Docker daemon, or skips it when it is there already.
// Not thread-safe: one build at a time per builder.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "docker/docker_client.h"
#include "images/curated_image.h"
#include "images/subprocess.h"

namespace kiln::images {

struct BuildOptions {
  bool force = false;  // rebuild even when the image exists
  std::string debian_mirror = std::string(kDefaultDebianMirror);
  std::string busybox_path = "/bin/busybox";
  std::string scratch_parent;  // empty: $TMPDIR, else /var/tmp
  std::chrono::milliseconds debootstrap_timeout = std::chrono::minutes(30);
};

enum class BuildResult { kBuilt, kSkipped };

class ImageBuilder {
 public:
  // `client` is borrowed and must outlive the builder. `progress` gets one
  // human-readable line per step (the CLI prints them to stderr); may be empty.
  ImageBuilder(const docker::DockerClient& client, BuildOptions options, LineHandler progress);

  // Builds `image` unless it exists and options.force is false; a forced
  // rebuild removes the image it replaces unless a container still uses it.
  // All work happens in a scratch directory that is removed whatever the outcome.
  // Fails with the daemon's error (kUnavailable if it is unreachable,
  // checked before any slow step) or the recipe's (see debian_rootfs.h,
  // busybox_rootfs.h).
  Result<BuildResult> build(const CuratedImage& image);

 private:
  Status make_rootfs_tar(const CuratedImage& image, const std::string& scratch,
                         const std::string& tar_path);
  void report(const std::string& line) const;

  const docker::DockerClient& client_;
  BuildOptions options_;
  LineHandler progress_;
};

}  // namespace kiln::images
