// SPDX-License-Identifier: Apache-2.0
#include "artifacts/artifact_upload.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "artifacts_test_util.h"
#include "objectstore/local_object_store.h"
#include "support/test_support.h"

namespace kiln::artifacts {
namespace {

namespace fs = std::filesystem;
using kiln::artifacts::testing::read_zip;
using kiln::artifacts::testing::slurp;
using kiln::artifacts::testing::ZipEntry;
using kiln::testing::run_command;
using kiln::testing::TempDir;

constexpr const char* kUuid = "0d2d5c2e-7f0e-4a53-9f0b-6f2a1c9e8b10";
constexpr const char* kBuildArn =
    "arn:aws:codebuild:us-east-1:000000000000:build/demo:0d2d5c2e-7f0e-4a53-9f0b-6f2a1c9e8b10";

ArtifactDestination destination(const std::string& path, NamespaceType ns, const std::string& name,
                                Packaging packaging) {
  return ArtifactDestination{"artifacts", path, ns, name, packaging};
}

TEST(ArtifactKeyTest, JoinsPathNamespaceAndName) {
  EXPECT_EQ(artifact_key(destination("builds", NamespaceType::kNone, "app.zip", Packaging::kZip), kUuid).value(),
            "builds/app.zip");
  EXPECT_EQ(artifact_key(destination("builds", NamespaceType::kBuildId, "app.zip", Packaging::kZip), kUuid).value(),
            std::string("builds/") + kUuid + "/app.zip");
  EXPECT_EQ(artifact_key(destination("", NamespaceType::kNone, "app", Packaging::kZip), kUuid).value(), "app");
  EXPECT_EQ(artifact_key(destination("/a/b/", NamespaceType::kNone, "/n/", Packaging::kZip), kUuid).value(), "a/b/n");
}

TEST(ArtifactKeyTest, SlashNameMeansNoNameSegment) {
  EXPECT_EQ(artifact_key(destination("out", NamespaceType::kBuildId, "/", Packaging::kNone), kUuid).value(),
            std::string("out/") + kUuid);
  EXPECT_EQ(artifact_key(destination("", NamespaceType::kNone, "/", Packaging::kNone), kUuid).value(), "");
}

TEST(ArtifactKeyTest, DoesNotAppendZip) {
  EXPECT_EQ(artifact_key(destination("", NamespaceType::kNone, "demo", Packaging::kZip), kUuid).value(), "demo");
}

TEST(ArtifactKeyTest, RefusesKeysItCannotStore) {
  EXPECT_EQ(artifact_key(destination("", NamespaceType::kNone, "", Packaging::kZip), kUuid).status().code(),
            ErrorCode::kInvalidInput);
  EXPECT_EQ(artifact_key(destination("", NamespaceType::kNone, "/", Packaging::kZip), kUuid).status().code(),
            ErrorCode::kInvalidInput);
  EXPECT_EQ(artifact_key(destination("../up", NamespaceType::kNone, "n", Packaging::kZip), kUuid).status().code(),
            ErrorCode::kInvalidInput);
  EXPECT_EQ(artifact_key(destination("p", NamespaceType::kBuildId, "n", Packaging::kZip), "").status().code(),
            ErrorCode::kInvalidInput);
}

class ArtifactUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = objectstore::LocalObjectStore::open(store_dir_.path());
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
    src_.write("dist/app.jar", "jar");
    src_.write("dist/lib/util.jar", "util");
  }
  std::vector<SelectedFile> select(bool keep_links = false) {
    model::ArtifactsSpec spec;
    spec.files = {"**/*"};
    spec.base_directory = "dist";
    spec.enable_symlinks = keep_links;
    auto files = select_artifact_files(src_.path(), spec);
    EXPECT_TRUE(files.is_ok()) << files.status().to_string();
    return files.is_ok() ? files.value() : std::vector<SelectedFile>{};
  }
  Result<UploadedArtifact> upload(const std::vector<SelectedFile>& files, const ArtifactDestination& dest) {
    return upload_artifacts(files, dest, {kUuid, kBuildArn}, *store_, scratch_.path());
  }
  std::string fetch(const std::string& key) {
    std::string dest = scratch_.path() + "/fetched";
    Status s = store_->get_file("artifacts", key, dest);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return dest;
  }

  TempDir src_;
  TempDir store_dir_;
  TempDir scratch_;
  std::unique_ptr<objectstore::LocalObjectStore> store_;
};

TEST_F(ArtifactUploadTest, ZipIsOneObjectWithChecksumsAndBuildArn) {
  auto uploaded = upload(select(), destination("builds", NamespaceType::kNone, "demo.zip", Packaging::kZip));
  ASSERT_TRUE(uploaded.is_ok()) << uploaded.status().to_string();
  EXPECT_EQ(uploaded->location, "arn:aws:s3:::artifacts/builds/demo.zip");
  EXPECT_EQ(uploaded->object_count, 1u);
  auto listed = store_->list("artifacts", "");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).key, "builds/demo.zip");
  auto head = store_->head("artifacts", "builds/demo.zip");
  ASSERT_TRUE(head.is_ok());
  EXPECT_EQ(head->metadata.at("codebuild-buildarn"), kBuildArn);
  EXPECT_EQ(head->size, uploaded->size);
  std::string zip = fetch("builds/demo.zip");
  auto md5 = run_command({"md5sum", zip});
  auto sha = run_command({"sha256sum", zip});
  EXPECT_EQ(md5.out.substr(0, 32), uploaded->md5sum);
  EXPECT_EQ(sha.out.substr(0, 64), uploaded->sha256sum);
  std::vector<ZipEntry> entries = read_zip(zip);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "app.jar");
  EXPECT_EQ(entries[1].path, "lib/util.jar");
}

TEST_F(ArtifactUploadTest, ZipLeavesNoScratchFiles) {
  ASSERT_TRUE(upload(select(), destination("", NamespaceType::kNone, "demo", Packaging::kZip)).is_ok());
  EXPECT_TRUE(fs::is_empty(scratch_.path()));
}

TEST_F(ArtifactUploadTest, BuildIdNamespaceInsertsTheUuid) {
  auto uploaded = upload(select(), destination("builds", NamespaceType::kBuildId, "demo.zip", Packaging::kZip));
  ASSERT_TRUE(uploaded.is_ok()) << uploaded.status().to_string();
  std::string key = std::string("builds/") + kUuid + "/demo.zip";
  EXPECT_EQ(uploaded->location, "arn:aws:s3:::artifacts/" + key);
  EXPECT_TRUE(store_->head("artifacts", key).is_ok());
}

TEST_F(ArtifactUploadTest, NonePackagingUploadsEachFileUnderThePrefix) {
  auto uploaded = upload(select(), destination("out", NamespaceType::kBuildId, "demo", Packaging::kNone));
  ASSERT_TRUE(uploaded.is_ok()) << uploaded.status().to_string();
  std::string prefix = std::string("out/") + kUuid + "/demo";
  EXPECT_EQ(uploaded->location, "arn:aws:s3:::artifacts/" + prefix);
  EXPECT_TRUE(uploaded->md5sum.empty());
  EXPECT_TRUE(uploaded->sha256sum.empty());
  EXPECT_EQ(uploaded->object_count, 2u);
  EXPECT_EQ(uploaded->size, 7u);
  auto listed = store_->list("artifacts", "");
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->at(0).key, prefix + "/app.jar");
  EXPECT_EQ(listed->at(1).key, prefix + "/lib/util.jar");
  EXPECT_EQ(slurp(fetch(prefix + "/lib/util.jar")), "util");
  EXPECT_EQ(store_->head("artifacts", prefix + "/app.jar")->metadata.at("codebuild-buildarn"), kBuildArn);
}

TEST_F(ArtifactUploadTest, NonePackagingWithSlashNameAndNoPathUsesTheBucketTop) {
  auto uploaded = upload(select(), destination("", NamespaceType::kNone, "/", Packaging::kNone));
  ASSERT_TRUE(uploaded.is_ok()) << uploaded.status().to_string();
  EXPECT_EQ(uploaded->location, "arn:aws:s3:::artifacts");
  EXPECT_TRUE(store_->head("artifacts", "app.jar").is_ok());
}

TEST_F(ArtifactUploadTest, NonePackagingRefusesKeptSymlinks) {
  fs::create_symlink("app.jar", src_.path() + "/dist/link.jar");
  auto uploaded = upload(select(true), destination("", NamespaceType::kNone, "demo", Packaging::kNone));
  EXPECT_EQ(uploaded.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(uploaded.status().message().find("link.jar"), std::string::npos);
}

TEST_F(ArtifactUploadTest, NonePackagingRefusesAFileSwappedForASymlink) {
  std::vector<SelectedFile> files = select();
  fs::remove(src_.path() + "/dist/app.jar");
  fs::create_symlink("/etc/passwd", src_.path() + "/dist/app.jar");
  auto uploaded = upload(files, destination("", NamespaceType::kNone, "demo", Packaging::kNone));
  EXPECT_EQ(uploaded.status().code(), ErrorCode::kInvalidInput);
  EXPECT_FALSE(store_->head("artifacts", "demo/app.jar").is_ok());
}

TEST_F(ArtifactUploadTest, RefusesEmptySelectionsAndBadBuckets) {
  EXPECT_EQ(upload({}, destination("", NamespaceType::kNone, "demo", Packaging::kZip)).status().code(),
            ErrorCode::kInvalidInput);
  ArtifactDestination bad = destination("", NamespaceType::kNone, "demo", Packaging::kZip);
  bad.bucket = "Not A Bucket";
  EXPECT_EQ(upload(select(), bad).status().code(), ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace kiln::artifacts
