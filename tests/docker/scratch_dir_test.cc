// SPDX-License-Identifier: Apache-2.0
#include "images/scratch_dir.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace kiln::images {
namespace {

namespace fs = std::filesystem;

TEST(ScratchDirTest, RemovesItsTreeOnDestruction) {
  testing::TempDir parent;
  std::string path;
  {
    Result<ScratchDir> scratch = ScratchDir::create(parent.path(), "kiln-image-");
    ASSERT_TRUE(scratch.is_ok()) << scratch.status().to_string();
    path = scratch->path();
    EXPECT_EQ(fs::path(path).parent_path(), fs::canonical(parent.path()));
    EXPECT_EQ(fs::path(path).filename().string().rfind("kiln-image-", 0), 0u);
    fs::create_directories(path + "/rootfs/usr/bin");
    std::ofstream(path + "/rootfs/usr/bin/tool") << "x";
    fs::create_symlink("/etc", path + "/rootfs/etc-link");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists("/etc/passwd"));  // the symlink was removed, not followed
}

TEST(ScratchDirTest, MovedFromOwnsNothingAndRemoveIsIdempotent) {
  testing::TempDir parent;
  Result<ScratchDir> made = ScratchDir::create(parent.path(), "s-");
  ASSERT_TRUE(made.is_ok());
  ScratchDir owner = std::move(made).value();
  std::string path = owner.path();
  ScratchDir moved = std::move(owner);
  EXPECT_EQ(owner.path(), "");  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(moved.remove().is_ok());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(moved.remove().is_ok());
}

TEST(ScratchDirTest, UnmountsWhatALeftoverDebootstrapMountedInside) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  testing::TempDir parent;
  std::string path;
  {
    Result<ScratchDir> scratch = ScratchDir::create(parent.path(), "kiln-image-");
    ASSERT_TRUE(scratch.is_ok());
    path = scratch->path();
    std::string proc = path + "/rootfs/proc";
    fs::create_directories(proc);
    ASSERT_EQ(::mount("kiln-test", proc.c_str(), "tmpfs", 0, "size=1m"), 0);
    std::ofstream(proc + "/inside") << "x";
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(ScratchDirTest, FailsClearlyWhenParentIsMissing) {
  Result<ScratchDir> scratch = ScratchDir::create("/nonexistent/parent", "s-");
  ASSERT_FALSE(scratch.is_ok());
  EXPECT_EQ(scratch.status().code(), ErrorCode::kIoError);
  EXPECT_NE(scratch.status().message().find("/nonexistent/parent"), std::string::npos);
}

}  // namespace
}  // namespace kiln::images
