// SPDX-License-Identifier: Apache-2.0
#include "objectstore/object_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kiln::objectstore {
namespace {

TEST(ObjectStoreNamesTest, AcceptsS3BucketNames) {
  EXPECT_TRUE(validate_bucket_name("abc").is_ok());
  EXPECT_TRUE(validate_bucket_name("my-artifacts.example").is_ok());
  EXPECT_TRUE(validate_bucket_name(std::string(63, 'a')).is_ok());
}

TEST(ObjectStoreNamesTest, RejectsBadBucketNames) {
  for (const std::string& bad : std::vector<std::string>{"ab", std::string(64, 'a'), std::string("Upper"), std::string("-abc"),
                                 std::string("abc-"), std::string("a..b"), std::string(".meta"),
                                 std::string("a_b"), std::string("a/b")}) {
    Status s = validate_bucket_name(bad);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidInput) << bad;
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  }
}

TEST(ObjectStoreNamesTest, AcceptsOrdinaryKeys) {
  EXPECT_TRUE(validate_object_key("a").is_ok());
  EXPECT_TRUE(validate_object_key("builds/1234/app.zip").is_ok());
  EXPECT_TRUE(validate_object_key(".hidden/x..y/...").is_ok());
  EXPECT_TRUE(validate_object_key(std::string(255, 'k') + "/" + std::string(255, 'k')).is_ok());
}

TEST(ObjectStoreNamesTest, RejectsKeysThatAreNotPlainRelativePaths) {
  const std::string with_nul("a\0b", 3);
  for (const std::string& bad : std::vector<std::string>{std::string(""), std::string("/etc/passwd"), std::string("../x"),
                                 std::string("a/../../b"), std::string("a/.."), std::string("./a"),
                                 std::string("a//b"), std::string("a/"), with_nul,
                                 std::string(256, 'k'), std::string(1025, 'k')}) {
    EXPECT_EQ(validate_object_key(bad).code(), ErrorCode::kInvalidInput) << bad;
  }
}

TEST(ObjectStoreNamesTest, ValidatesMetadata) {
  EXPECT_TRUE(validate_metadata({{"codebuild-buildarn", "arn:aws:codebuild:r:a:build/p:u"}}).is_ok());
  EXPECT_EQ(validate_metadata({{"Upper", "x"}}).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(validate_metadata({{"", "x"}}).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(validate_metadata({{"k", "caf\xc3\xa9"}}).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(validate_metadata({{"k", "line\nbreak"}}).code(), ErrorCode::kInvalidInput);
  EXPECT_TRUE(validate_metadata({{"k", std::string(2047, 'v')}}).is_ok());  // exactly 2 KiB
  EXPECT_EQ(validate_metadata({{"k", std::string(2048, 'v')}}).code(), ErrorCode::kLimitExceeded);
}

TEST(ObjectStoreNamesTest, FormatsLocationsAsS3Arns) {
  EXPECT_EQ(s3_location_arn("bucket", "path/name.zip"), "arn:aws:s3:::bucket/path/name.zip");
  EXPECT_EQ(s3_location_arn("bucket", ""), "arn:aws:s3:::bucket");
}

}  // namespace
}  // namespace kiln::objectstore
