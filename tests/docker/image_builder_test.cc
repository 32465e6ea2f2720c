// SPDX-License-Identifier: Apache-2.0
// ImageBuilder with the real daemon. The busybox recipe is built under a
// test-only name (it takes a second); the standard recipe's output is
// checked in curated_images_run_test.cc instead of being rebuilt here.
#include "images/image_builder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "docker_fixture.h"
#include "support/test_support.h"

namespace kiln::images {
namespace {

using ImageBuilderTest = docker::DockerFixture;

CuratedImage test_busybox(const std::string& tag) {
  CuratedImage image = *find_curated_image("busybox");
  image.repo = "kiln-test/busybox";
  image.tag = tag;
  return image;
}

TEST_F(ImageBuilderTest, BuildsThenSkipsThenRebuildsWhenForced) {
  testing::TempDir scratch_parent;
  CuratedImage image = test_busybox(unique_tag("builder"));
  std::vector<std::string> progress;
  BuildOptions options;
  options.scratch_parent = scratch_parent.path();
  auto record = [&progress](std::string_view line) { progress.emplace_back(line); };

  ImageBuilder builder(client_, options, record);
  Result<BuildResult> first = builder.build(image);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first.value(), BuildResult::kBuilt);
  Result<std::optional<docker::ImageInfo>> info = client_.inspect_image(image.ref());
  ASSERT_TRUE(info.is_ok() && info->has_value());
  EXPECT_EQ(info->value().labels.at("org.kiln.image"), "busybox");
  EXPECT_NE(progress.back().find("built " + image.ref()), std::string::npos);
  // The scratch directory is gone once the build is over.
  EXPECT_TRUE(std::filesystem::is_empty(scratch_parent.path()));

  Result<BuildResult> second = builder.build(image);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second.value(), BuildResult::kSkipped);
  EXPECT_NE(progress.back().find("skipping"), std::string::npos);

  options.force = true;
  Result<BuildResult> forced = ImageBuilder(client_, options, record).build(image);
  ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
  EXPECT_EQ(forced.value(), BuildResult::kBuilt);
  // The image the rebuild replaced is removed, not left dangling.
  std::string old_id = info->value().id;
  EXPECT_NE(client_.inspect_image(image.ref()).value()->id, old_id);
  EXPECT_FALSE(client_.image_exists(old_id).value());

  EXPECT_TRUE(client_.remove_image(image.ref(), true).is_ok());
}

TEST_F(ImageBuilderTest, FailedRecipeLeavesNoImageAndNoScratch) {
  testing::TempDir scratch_parent;
  CuratedImage image = test_busybox(unique_tag("broken"));
  BuildOptions options;
  options.scratch_parent = scratch_parent.path();
  options.busybox_path = "/usr/bin/env";  // dynamically linked: rejected
  Result<BuildResult> result = ImageBuilder(client_, options, nullptr).build(image);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("busybox-static"), std::string::npos);
  EXPECT_FALSE(client_.image_exists(image.ref()).value());
  EXPECT_TRUE(std::filesystem::is_empty(scratch_parent.path()));
}

TEST(ImageBuilderWithoutDaemonTest, FailsFastBeforeAnySlowStep) {
  docker::DockerClient absent("/nonexistent/docker.sock");
  BuildOptions options;
  auto start = std::chrono::steady_clock::now();
  Result<BuildResult> result =
      ImageBuilder(absent, options, nullptr).build(*find_curated_image("standard"));
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(result.status().message().find("cannot reach the Docker daemon"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace kiln::images
