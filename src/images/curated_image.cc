// SPDX-License-Identifier: Apache-2.0
#include "images/curated_image.h"

#include <cstdlib>

namespace kiln::images {

namespace {

constexpr char kPathEnv[] = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

const std::vector<CuratedImage>& curated_images() {
  static const std::vector<CuratedImage> images = {
      {.name = "standard",
       .repo = "kiln/standard",
       .tag = "1.0",
       .recipe = Recipe::kDebianStandard,
       .description = "Debian 12 minbase with bash, git, curl, zip, python3 and build-essential",
       .changes = {kPathEnv, "ENV LANG=C.UTF-8",
                   // Builds run unattended; apt-get must never stop to ask.
                   "ENV DEBIAN_FRONTEND=noninteractive", "LABEL org.kiln.image=standard",
                   "LABEL org.kiln.version=1.0", R"(CMD ["/bin/bash"])"}},
      {.name = "busybox",
       .repo = "kiln/busybox",
       .tag = "1.0",
       .recipe = Recipe::kBusybox,
       .description = "Debian's static busybox with its applets; a tiny image for tests",
       .changes = {kPathEnv, "LABEL org.kiln.image=busybox", "LABEL org.kiln.version=1.0",
                   R"(CMD ["/bin/sh"])"}},
  };
  return images;
}

const CuratedImage* find_curated_image(std::string_view name) {
  for (const CuratedImage& image : curated_images()) {
    if (image.name == name || image.ref() == name) return &image;
  }
  return nullptr;
}

std::string default_debian_mirror() {
  const char* mirror = std::getenv("KILN_DEBIAN_MIRROR");
  return mirror && *mirror ? mirror : std::string(kDefaultDebianMirror);
}

}  // namespace kiln::images
