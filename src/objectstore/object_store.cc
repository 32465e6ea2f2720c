// SPDX-License-Identifier: Apache-2.0
#include "objectstore/object_store.h"

#include <cstddef>
#include <string_view>

namespace kiln::objectstore {

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kMaxSegmentBytes = 255;  // NAME_MAX: each segment is a file name
constexpr std::size_t kMaxMetadataBytes = 2048;
constexpr std::size_t kMaxMetadataNameBytes = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

Status bad_key(const std::string& key, const std::string& why) {
  return Status(ErrorCode::kInvalidInput, "object key \"" + key + "\": " + why);
}

}  // namespace

Status validate_bucket_name(const std::string& bucket) {
  auto bad = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidInput, "bucket name \"" + bucket + "\": " + why);
  };
  if (bucket.size() < 3 || bucket.size() > 63) return bad("must be 3 to 63 characters long");
  for (char c : bucket) {
    if (!is_lower_alnum(c) && c != '.' && c != '-')
      return bad("only lower-case letters, digits, '.' and '-' are allowed");
  }
  if (!is_lower_alnum(bucket.front()) || !is_lower_alnum(bucket.back()))
    return bad("must start and end with a letter or digit");
  if (bucket.find("..") != std::string::npos) return bad("must not contain \"..\"");
  return Status::ok();
}

Status validate_object_key(const std::string& key) {
  if (key.empty()) return bad_key(key, "must not be empty");
  if (key.size() > kMaxKeyBytes) return bad_key(key, "longer than 1024 bytes");
  if (key.find('\0') != std::string::npos) return bad_key(key, "contains a NUL byte");
  if (key.front() == '/') return bad_key(key, "must be relative (no leading '/')");
  // Each segment becomes one path component under the bucket directory, so
  // only segments a file system stores as themselves are allowed.
  std::string_view rest(key);
  for (;;) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) return bad_key(key, "empty path segment (\"//\" or a trailing '/')");
    if (segment == "." || segment == "..")
      return bad_key(key, "\"" + std::string(segment) + "\" segments are not allowed");
    if (segment.size() > kMaxSegmentBytes) return bad_key(key, "a segment is longer than 255 bytes");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return Status::ok();
}

Status validate_metadata(const Metadata& metadata) {
  std::size_t total = 0;
  for (const auto& [name, value] : metadata) {
    if (name.empty() || name.size() > kMaxMetadataNameBytes)
      return Status(ErrorCode::kInvalidInput, "metadata name \"" + name + "\": must be 1 to 128 characters");
    for (char c : name) {
      if (!is_lower_alnum(c) && c != '-' && c != '_' && c != '.')
        return Status(ErrorCode::kInvalidInput,
                      "metadata name \"" + name + "\": only [a-z0-9-_.] are allowed");
    }
    for (char c : value) {
      if (c < 0x20 || c > 0x7e)
        return Status(ErrorCode::kInvalidInput,
                      "metadata \"" + name + "\": values must be printable ASCII");
    }
    total += name.size() + value.size();
  }
  if (total > kMaxMetadataBytes)
    return Status(ErrorCode::kLimitExceeded,
                  "metadata is " + std::to_string(total) + " bytes; the limit is 2048");
  return Status::ok();
}

std::string s3_location_arn(const std::string& bucket, const std::string& key) {
  std::string arn = "arn:aws:s3:::" + bucket;
  if (!key.empty()) arn += "/" + key;
  return arn;
}

}  // namespace kiln::objectstore
