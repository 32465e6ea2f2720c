// SPDX-License-Identifier: Apache-2.0
#include "objectstore/local_object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace kiln::objectstore {
namespace {

namespace fs = std::filesystem;
using kiln::testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  return names;
}

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = LocalObjectStore::open(root_.path() + "/store");
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
  }

  // Writes `content` to a scratch file and returns its path.
  std::string local(const std::string& name, const std::string& content) {
    return scratch_.write(name, content);
  }

  Status put(const std::string& key, const std::string& content, const Metadata& metadata = {}) {
    return store_->put_file("bucket", key, local("upload", content), metadata);
  }

  std::string get(const std::string& key) {
    std::string dest = scratch_.path() + "/download";
    Status s = store_->get_file("bucket", key, dest);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return slurp(dest);
  }

  std::string store_root() const { return root_.path() + "/store"; }

  TempDir root_;
  TempDir scratch_;
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalObjectStoreTest, PutThenGetAndHeadRoundTrip) {
  Metadata metadata{{"codebuild-buildarn", "arn:aws:codebuild:us-east-1:000000000000:build/p:u"}};
  ASSERT_TRUE(put("builds/app.zip", "zip bytes", metadata).is_ok());
  EXPECT_EQ(get("builds/app.zip"), "zip bytes");
  auto info = store_->head("bucket", "builds/app.zip");
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->key, "builds/app.zip");
  EXPECT_EQ(info->size, 9u);
  EXPECT_EQ(info->metadata, metadata);
}

TEST_F(LocalObjectStoreTest, LaysObjectsAndMetadataOutAsDocumented) {
  ASSERT_TRUE(put("a/b.txt", "hello", {{"codebuild-buildarn", "arn:x"}}).is_ok());
  EXPECT_EQ(slurp(store_root() + "/bucket/a/b.txt"), "hello");
  std::string meta = slurp(store_root() + "/.meta/bucket/a/b.txt");
  EXPECT_NE(meta.find("\"codebuild-buildarn\": \"arn:x\""), std::string::npos) << meta;
  EXPECT_TRUE(dir_entries(store_root() + "/.tmp").empty());
}

TEST_F(LocalObjectStoreTest, StreamsAMultiMegabyteFile) {
  std::string content;
  for (int i = 0; i < 3 * 1024 * 1024 / 16; ++i) content += "0123456789abcdef";
  content += "tail";
  ASSERT_TRUE(put("big.bin", content).is_ok());
  EXPECT_EQ(store_->head("bucket", "big.bin")->size, content.size());
  EXPECT_EQ(get("big.bin"), content);
}

TEST_F(LocalObjectStoreTest, PutReplacesContentAndMetadata) {
  ASSERT_TRUE(put("k", "old", {{"v", "1"}}).is_ok());
  ASSERT_TRUE(put("k", "new!", {{"w", "2"}}).is_ok());
  EXPECT_EQ(get("k"), "new!");
  auto info = store_->head("bucket", "k");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->size, 4u);
  EXPECT_EQ(info->metadata, (Metadata{{"w", "2"}}));
}

TEST_F(LocalObjectStoreTest, ReadersSeeWholeObjectsWhileAWriterReplacesThem) {
  // Two versions of different sizes and fill bytes: a torn read would show
  // a mixed fill or a size that belongs to neither.
  const std::string a(512 * 1024, 'a');
  const std::string b(256 * 1024, 'b');
  const std::string file_a = local("a", a), file_b = local("b", b);
  ASSERT_TRUE(store_->put_file("bucket", "hot", file_a, {}).is_ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) {
      EXPECT_TRUE(store_->put_file("bucket", "hot", i % 2 ? file_a : file_b, {}).is_ok());
    }
    done = true;
  });
  int reads = 0, torn = 0;
  std::string dest = scratch_.path() + "/reader";
  while (!done || reads < 5) {
    EXPECT_TRUE(store_->get_file("bucket", "hot", dest).is_ok());
    std::string got = slurp(dest);
    if (got != a && got != b) ++torn;
    ++reads;
  }
  writer.join();  // before any assertion can return, or the thread would abort the run
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_TRUE(dir_entries(store_root() + "/.tmp").empty());
}

TEST_F(LocalObjectStoreTest, FailedPutLeavesNoObjectAndNoTempFile) {
  Status s = store_->put_file("bucket", "k", scratch_.path() + "/missing", {});
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->head("bucket", "k").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(dir_entries(store_root() + "/.tmp").empty());
  EXPECT_EQ(store_->put_file("bucket", "k", scratch_.path(), {}).code(), ErrorCode::kInvalidInput);
  EXPECT_FALSE(fs::exists(store_root() + "/bucket/k"));
}

TEST_F(LocalObjectStoreTest, RejectsKeysThatWouldLeaveTheBucket) {
  for (const std::string& key : std::vector<std::string>{"../escape", "/abs", "a/../../escape", "a//b", "a/", "."}) {
    EXPECT_EQ(put(key, "x").code(), ErrorCode::kInvalidInput) << key;
  }
  EXPECT_EQ(store_->put_file("bad_bucket", "k", local("f", "x"), {}).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->put_file("..", "k", local("f", "x"), {}).code(), ErrorCode::kInvalidInput);
  EXPECT_FALSE(fs::exists(store_root() + "/escape"));
  EXPECT_FALSE(fs::exists(root_.path() + "/escape"));
  EXPECT_EQ(store_->get_file("bucket", "../x", scratch_.path() + "/d").code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->head("bucket", "/abs").status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->remove("bucket", "a/../b").code(), ErrorCode::kInvalidInput);
}

TEST_F(LocalObjectStoreTest, RejectsInvalidMetadataBeforeWriting) {
  EXPECT_EQ(put("k", "x", {{"Bad Name", "v"}}).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->head("bucket", "k").status().code(), ErrorCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, KeyThatIsAlsoADirectoryConflicts) {
  ASSERT_TRUE(put("a", "file").is_ok());
  Status s = put("a/b", "child");
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(s.message().find("\"a\""), std::string::npos) << s.message();
  ASSERT_TRUE(put("x/y", "child").is_ok());
  EXPECT_EQ(put("x", "file").code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(get("a"), "file");
  EXPECT_EQ(get("x/y"), "child");
  EXPECT_TRUE(dir_entries(store_root() + "/.tmp").empty());
}

TEST_F(LocalObjectStoreTest, ListsByStringPrefixInKeyOrder) {
  for (const std::string& key : std::vector<std::string>{"logs/2.txt", "logs/1.txt", "logs-old/x", "logsx", "other/y"}) {
    ASSERT_TRUE(put(key, "12345").is_ok()) << key;
  }
  auto keys = [&](const std::string& prefix) {
    std::vector<std::string> out;
    auto listed = store_->list("bucket", prefix);
    EXPECT_TRUE(listed.is_ok()) << listed.status().to_string();
    if (listed.is_ok()) {
      for (const ObjectInfo& info : listed.value()) {
        EXPECT_EQ(info.size, 5u);
        out.push_back(info.key);
      }
    }
    return out;
  };
  EXPECT_EQ(keys("logs/"), (std::vector<std::string>{"logs/1.txt", "logs/2.txt"}));
  EXPECT_EQ(keys("logs"), (std::vector<std::string>{"logs-old/x", "logs/1.txt", "logs/2.txt", "logsx"}));
  EXPECT_EQ(keys("").size(), 5u);
  EXPECT_TRUE(keys("nope/").empty());
  EXPECT_TRUE(keys("../").empty());
  auto missing = store_->list("no-such-bucket", "");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_TRUE(missing->empty());
}

TEST_F(LocalObjectStoreTest, RemoveDeletesAndFreesTheDirectoryName) {
  ASSERT_TRUE(put("a/b/c", "x", {{"k", "v"}}).is_ok());
  ASSERT_TRUE(store_->remove("bucket", "a/b/c").is_ok());
  EXPECT_EQ(store_->head("bucket", "a/b/c").status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(store_root() + "/bucket/a"));
  EXPECT_FALSE(fs::exists(store_root() + "/.meta/bucket/a"));
  // "a" was a directory; now it can be an object.
  EXPECT_TRUE(put("a", "now a file").is_ok());
  EXPECT_TRUE(store_->remove("bucket", "never-existed").is_ok());
}

TEST_F(LocalObjectStoreTest, MissingObjectsAreNotFound) {
  EXPECT_EQ(store_->head("bucket", "nope").status().code(), ErrorCode::kNotFound);
  Status s = store_->get_file("bucket", "nope", scratch_.path() + "/d");
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_NE(s.message().find("arn:aws:s3:::bucket/nope"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(scratch_.path() + "/d"));
  ASSERT_TRUE(put("dir/file", "x").is_ok());
  EXPECT_EQ(store_->head("bucket", "dir").status().code(), ErrorCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, CrashLeftoversNeverSurfaceAsObjectsOrWrongMetadata) {
  ASSERT_TRUE(put("k", "v1", {{"build", "one"}}).is_ok());
  // A crash in remove() between its two unlinks leaves an orphan sidecar.
  fs::remove(store_root() + "/bucket/k");
  EXPECT_EQ(store_->head("bucket", "k").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->list("bucket", "")->empty());
  // A crash in put() after the data rename leaves data without a sidecar.
  ASSERT_TRUE(put("k", "v2", {{"build", "two"}}).is_ok());
  fs::remove(store_root() + "/.meta/bucket/k");
  auto info = store_->head("bucket", "k");
  ASSERT_TRUE(info.is_ok());
  EXPECT_TRUE(info->metadata.empty());
  ASSERT_TRUE(put("k", "v3", {{"build", "three"}}).is_ok());
  EXPECT_EQ(store_->head("bucket", "k")->metadata, (Metadata{{"build", "three"}}));
}

TEST_F(LocalObjectStoreTest, CorruptMetadataIsAnError) {
  ASSERT_TRUE(put("k", "v", {{"a", "b"}}).is_ok());
  std::ofstream(store_root() + "/.meta/bucket/k") << "{not json";
  EXPECT_EQ(store_->head("bucket", "k").status().code(), ErrorCode::kIoError);
}

TEST_F(LocalObjectStoreTest, OpenRemovesOnlyStaleTempFiles) {
  std::string stale = store_root() + "/.tmp/data-stale1";
  std::string fresh = store_root() + "/.tmp/data-fresh1";
  std::ofstream(stale) << "half an object";
  std::ofstream(fresh) << "a put in progress";
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(48));
  auto reopened = LocalObjectStore::open(store_root());
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST_F(LocalObjectStoreTest, TwoInstancesOnOneRootShareObjects) {
  auto other = LocalObjectStore::open(store_root() + "/");
  ASSERT_TRUE(other.is_ok());
  ASSERT_TRUE(put("shared", "data", {{"from", "first"}}).is_ok());
  auto info = other.value()->head("bucket", "shared");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->metadata.at("from"), "first");
  EXPECT_EQ(other.value()->root(), store_->root());
}

}  // namespace
}  // namespace kiln::objectstore
