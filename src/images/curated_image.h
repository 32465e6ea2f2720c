// SPDX-License-Identifier: Apache-2.0
// kiln's curated build images: what each is called and how it is made.
// The table is constant data; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiln::images {

// How an image's root filesystem is produced (see docs/images.md).
enum class Recipe {
  kDebianStandard,  // debootstrap of Debian 12 minbase plus build tools
  kBusybox,         // Debian's static busybox and its applet links
};

struct CuratedImage {
  std::string name;  // short name for the CLI: "standard"
  std::string repo;  // "kiln/standard"
  std::string tag;   // "1.0"
  Recipe recipe;
  std::string description;  // one line for `kiln image list`
  // Dockerfile-style instructions applied at import (ENV, CMD, LABEL).
  std::vector<std::string> changes;

  std::string ref() const { return repo + ":" + tag; }
};

// The packages debootstrap adds to minbase for kiln/standard.
inline constexpr std::string_view kStandardPackages =
    "bash,git,ca-certificates,curl,zip,unzip,python3,build-essential";
inline constexpr std::string_view kDebianSuite = "bookworm";
inline constexpr std::string_view kDefaultDebianMirror = "http://deb.debian.org/debian";

// Every curated image, in the order `kiln image list` shows them.
const std::vector<CuratedImage>& curated_images();

// The image whose name ("busybox") or ref ("kiln/busybox:1.0") is `name`;
// nullptr if there is none.
const CuratedImage* find_curated_image(std::string_view name);

// $KILN_DEBIAN_MIRROR when set and not empty, else kDefaultDebianMirror.
std::string default_debian_mirror();

}  // namespace kiln::images
