// SPDX-License-Identifier: Apache-2.0
#include "artifacts/zip_packager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "artifacts_test_util.h"
#include "support/test_support.h"

namespace kiln::artifacts {
namespace {

namespace fs = std::filesystem;
using kiln::artifacts::testing::read_zip;
using kiln::artifacts::testing::ZipEntry;
using kiln::testing::run_command;
using kiln::testing::TempDir;

class ZipPackagerTest : public ::testing::Test {
 protected:
  // Selects `patterns` from src_ with default settings.
  std::vector<SelectedFile> select(const std::vector<std::string>& patterns, bool keep_links = false) {
    model::ArtifactsSpec spec;
    spec.files = patterns;
    spec.enable_symlinks = keep_links;
    auto files = select_artifact_files(src_.path(), spec);
    EXPECT_TRUE(files.is_ok()) << files.status().to_string();
    return files.is_ok() ? files.value() : std::vector<SelectedFile>{};
  }
  std::string zip_path() const { return out_.path() + "/artifact.zip"; }

  TempDir src_;
  TempDir out_;
};

// The first field of `md5sum`/`sha256sum` output.
std::string tool_digest(const std::string& tool, const std::string& path) {
  auto result = run_command({tool, path});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out.substr(0, result.out.find(' '));
}

TEST_F(ZipPackagerTest, WritesSortedEntriesThatReadBack) {
  src_.write("b/two.txt", "second");
  src_.write("a.txt", "first");
  src_.write("b/a/three.txt", "third");
  std::vector<SelectedFile> files = select({"**/*"});
  std::reverse(files.begin(), files.end());  // the packager sorts, not the caller
  auto summary = package_zip(files, zip_path());
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  std::vector<ZipEntry> entries = read_zip(zip_path());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].path, "a.txt");
  EXPECT_EQ(entries[0].content, "first");
  EXPECT_EQ(entries[1].path, "b/a/three.txt");
  EXPECT_EQ(entries[1].content, "third");
  EXPECT_EQ(entries[2].path, "b/two.txt");
  EXPECT_EQ(entries[2].content, "second");
}

TEST_F(ZipPackagerTest, ChecksumsAndSizeDescribeTheZipFile) {
  src_.write("app.jar", "jar contents");
  auto summary = package_zip(select({"app.jar"}), zip_path());
  ASSERT_TRUE(summary.is_ok()) << summary.status().to_string();
  EXPECT_EQ(summary->size, fs::file_size(zip_path()));
  EXPECT_EQ(summary->checksums.md5_hex, tool_digest("md5sum", zip_path()));
  EXPECT_EQ(summary->checksums.sha256_hex, tool_digest("sha256sum", zip_path()));
  EXPECT_EQ(summary->checksums.md5_hex.size(), 32u);
  EXPECT_EQ(summary->checksums.sha256_hex.size(), 64u);
}

TEST_F(ZipPackagerTest, IsAValidZipForUnzip) {
  src_.write("dist/app", "x");
  src_.write("dist/caf\xc3\xa9.txt", "unicode name");
  ASSERT_TRUE(package_zip(select({"dist/*"}), zip_path()).is_ok());
  auto test = run_command({"unzip", "-t", zip_path()});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  auto listing = run_command({"unzip", "-Z1", zip_path()});
  EXPECT_EQ(listing.out, "dist/app\ndist/caf\xc3\xa9.txt\n");
}

TEST_F(ZipPackagerTest, PreservesTheExecutableBit) {
  std::string script = src_.write("run.sh", "#!/bin/sh\n");
  src_.write("data.txt", "d");
  fs::permissions(script, fs::perms(0755));
  fs::permissions(src_.path() + "/data.txt", fs::perms(0644));
  ASSERT_TRUE(package_zip(select({"*"}), zip_path()).is_ok());
  std::vector<ZipEntry> entries = read_zip(zip_path());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "data.txt");
  EXPECT_EQ(entries[0].mode & 0777, 0644u);
  EXPECT_EQ(entries[1].path, "run.sh");
  EXPECT_EQ(entries[1].mode & 0777, 0755u);
  EXPECT_TRUE(S_ISREG(entries[1].mode));
  auto info = run_command({"zipinfo", zip_path(), "run.sh"});
  EXPECT_EQ(info.out.rfind("-rwxr-xr-x", 0), 0u) << info.out;
}

TEST_F(ZipPackagerTest, StreamsFilesLargerThanOneChunk) {
  std::string big;
  for (int i = 0; big.size() < 2 * 1024 * 1024 + 17; ++i) big += std::to_string(i * 7919) + ",";
  src_.write("big.csv", big);
  ASSERT_TRUE(package_zip(select({"big.csv"}), zip_path()).is_ok());
  std::vector<ZipEntry> entries = read_zip(zip_path());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].content.size(), big.size());
  EXPECT_TRUE(entries[0].content == big);
  EXPECT_LT(fs::file_size(zip_path()), big.size());  // deflated
}

TEST_F(ZipPackagerTest, SameInputGivesTheSameZip) {
  src_.write("a", "1");
  src_.write("b/c", "2");
  auto first = package_zip(select({"**/*"}), zip_path());
  auto second = package_zip(select({"**/*"}), out_.path() + "/again.zip");
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(first->checksums.sha256_hex, second->checksums.sha256_hex);
}

TEST_F(ZipPackagerTest, StoresKeptSymlinksAsLinks) {
  src_.write("releases/v2.txt", "v2");
  fs::create_symlink("releases/v2.txt", src_.path() + "/latest.txt");
  ASSERT_TRUE(package_zip(select({"**/*"}, true), zip_path()).is_ok());
  std::vector<ZipEntry> entries = read_zip(zip_path());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "latest.txt");
  EXPECT_TRUE(S_ISLNK(entries[0].mode));
  EXPECT_EQ(entries[0].symlink, "releases/v2.txt");
  EXPECT_EQ(entries[1].content, "v2");
}

TEST_F(ZipPackagerTest, RefusesAFileSwappedForASymlinkAfterSelection) {
  src_.write("dist/app", "innocent");
  std::vector<SelectedFile> files = select({"dist/*"});
  ASSERT_EQ(files.size(), 1u);
  fs::remove(src_.path() + "/dist/app");
  fs::create_symlink("/etc/passwd", src_.path() + "/dist/app");
  auto summary = package_zip(files, zip_path());
  EXPECT_EQ(summary.status().code(), ErrorCode::kInvalidInput);
  EXPECT_FALSE(fs::exists(zip_path()));
}

TEST_F(ZipPackagerTest, RefusesADirectorySwappedForASymlinkAfterSelection) {
  src_.write("dist/app", "innocent");
  std::vector<SelectedFile> files = select({"dist/*"});
  fs::rename(src_.path() + "/dist", src_.path() + "/moved");
  TempDir outside;
  outside.write("app", "secret");
  fs::create_symlink(outside.path(), src_.path() + "/dist");
  auto summary = package_zip(files, zip_path());
  EXPECT_FALSE(summary.is_ok());
  EXPECT_FALSE(fs::exists(zip_path()));
}

TEST_F(ZipPackagerTest, MissingSourceFailsAndRemovesTheZip) {
  src_.write("gone", "x");
  std::vector<SelectedFile> files = select({"gone"});
  fs::remove(src_.path() + "/gone");
  EXPECT_EQ(package_zip(files, zip_path()).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(zip_path()));
}

}  // namespace
}  // namespace kiln::artifacts
