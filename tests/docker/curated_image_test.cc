// SPDX-License-Identifier: Apache-2.0
#include "images/curated_image.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace kiln::images {
namespace {

TEST(CuratedImageTest, FindsByNameAndByRef) {
  const CuratedImage* standard = find_curated_image("standard");
  ASSERT_NE(standard, nullptr);
  EXPECT_EQ(standard->ref(), "kiln/standard:1.0");
  EXPECT_EQ(standard->recipe, Recipe::kDebianStandard);
  EXPECT_EQ(find_curated_image("kiln/busybox:1.0"), find_curated_image("busybox"));
  EXPECT_EQ(find_curated_image("busybox")->recipe, Recipe::kBusybox);
  EXPECT_EQ(find_curated_image("ubuntu"), nullptr);
  EXPECT_EQ(find_curated_image("all"), nullptr);
}

TEST(CuratedImageTest, EveryImageHasPathCmdAndLabel) {
  for (const CuratedImage& image : curated_images()) {
    auto has = [&image](const std::string& prefix) {
      for (const std::string& change : image.changes) {
        if (change.rfind(prefix, 0) == 0) return true;
      }
      return false;
    };
    EXPECT_TRUE(has("ENV PATH=")) << image.name;
    EXPECT_TRUE(has("CMD [\"/bin/")) << image.name;
    EXPECT_TRUE(has("LABEL org.kiln.image=" + image.name)) << image.name;
  }
}

TEST(CuratedImageTest, MirrorComesFromEnvironment) {
  ::unsetenv("KILN_DEBIAN_MIRROR");
  EXPECT_EQ(default_debian_mirror(), "http://deb.debian.org/debian");
  ::setenv("KILN_DEBIAN_MIRROR", "http://mirror.example/debian", 1);
  EXPECT_EQ(default_debian_mirror(), "http://mirror.example/debian");
  ::setenv("KILN_DEBIAN_MIRROR", "", 1);
  EXPECT_EQ(default_debian_mirror(), "http://deb.debian.org/debian");
  ::unsetenv("KILN_DEBIAN_MIRROR");
}

}  // namespace
}  // namespace kiln::images
