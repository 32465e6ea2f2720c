// SPDX-License-Identifier: Apache-2.0
// The parts of the kiln/standard recipe that need no network: argument
// checks and the cleaning of a finished rootfs. The debootstrap run itself
// is proven by the docker suite, which runs the image it produced.
#include "images/debian_rootfs.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"

namespace kiln::images {
namespace {

namespace fs = std::filesystem;

TEST(DebianRootfsTest, MirrorMustBeAUrl) {
  EXPECT_TRUE(check_mirror_url("http://deb.debian.org/debian").is_ok());
  EXPECT_TRUE(check_mirror_url("https://mirror.example/debian/").is_ok());
  EXPECT_TRUE(check_mirror_url("file:///srv/mirror").is_ok());
  for (const char* bad : {"", "deb.debian.org/debian", "--foreign", "http://", "ftp://x/debian"}) {
    Status status = check_mirror_url(bad);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidInput) << bad;
    EXPECT_NE(status.message().find("http://deb.debian.org/debian"), std::string::npos);
  }
}

TEST(DebianRootfsTest, BadMirrorFailsBeforeDebootstrapRuns) {
  testing::TempDir dir;
  DebianRootfsOptions options{"--print-debs", "bookworm", "bash"};
  Status status = make_debian_rootfs(dir.path() + "/rootfs", options, nullptr);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidInput);
  EXPECT_FALSE(fs::exists(dir.path() + "/rootfs"));
}

TEST(DebianRootfsTest, CleanRemovesAptListsCachesAndHostLeftovers) {
  testing::TempDir dir;
  std::string root = dir.path() + "/rootfs";
  dir.write("rootfs/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "x");
  dir.write("rootfs/var/lib/apt/lists/partial/half", "x");
  dir.write("rootfs/var/lib/apt/lists/lock", "");
  dir.write("rootfs/var/cache/apt/archives/bash_5.2.deb", "x");
  dir.write("rootfs/var/cache/apt/pkgcache.bin", "x");
  dir.write("rootfs/var/log/bootstrap.log", "x");
  dir.write("rootfs/var/log/dpkg.log", "kept");
  dir.write("rootfs/etc/resolv.conf", "nameserver 10.0.0.1\n");
  dir.write("rootfs/etc/hostname", "builder-7\n");
  dir.write("rootfs/tmp/leftover", "x");
  dir.write("rootfs/usr/bin/git", "kept");

  Status status = clean_debian_rootfs(root);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_TRUE(fs::is_empty(root + "/var/lib/apt/lists/partial"));
  EXPECT_TRUE(fs::exists(root + "/var/lib/apt/lists/lock"));
  EXPECT_FALSE(
      fs::exists(root + "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"));
  EXPECT_FALSE(fs::exists(root + "/var/cache/apt/archives/bash_5.2.deb"));
  EXPECT_FALSE(fs::exists(root + "/var/cache/apt/pkgcache.bin"));
  EXPECT_TRUE(fs::exists(root + "/var/cache/apt/archives"));
  EXPECT_FALSE(fs::exists(root + "/var/log/bootstrap.log"));
  EXPECT_TRUE(fs::exists(root + "/var/log/dpkg.log"));
  EXPECT_EQ(fs::file_size(root + "/etc/resolv.conf"), 0u);
  EXPECT_EQ(fs::file_size(root + "/etc/hostname"), 0u);
  EXPECT_TRUE(fs::is_empty(root + "/tmp"));
  EXPECT_TRUE(fs::exists(root + "/usr/bin/git"));
}

}  // namespace
}  // namespace kiln::images
