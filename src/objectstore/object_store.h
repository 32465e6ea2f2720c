// SPDX-License-Identifier: Apache-2.0
// ObjectStore: the S3-shaped interface kiln writes build outputs through
// (artifacts now; logs and caches later), plus the name rules every
// implementation shares. Implementations document their own thread-safety;
// the free functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::objectstore {

// User metadata, S3's `x-amz-meta-<name>` headers without the prefix. Names
// are lower-case (S3 lower-cases them too); see validate_metadata.
using Metadata = std::map<std::string, std::string>;

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  Metadata metadata;  // filled by head(); list() leaves it empty
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores the contents of the local file `local_path` as `bucket`/`key`,
  // replacing any object of that name. The file is streamed, never held in
  // memory. Readers see the old object or the new one, never a mix or a
  // partial write. Fails with kInvalidInput for a bad bucket, key or metadata
  // or when `local_path` is not a regular file, kNotFound when it is missing.
  virtual Status put_file(const std::string& bucket, const std::string& key,
                          const std::string& local_path, const Metadata& metadata) = 0;

  // Writes the object's contents to `local_path` (replaced atomically: the
  // file is either untouched or complete). kNotFound if there is no object.
  virtual Status get_file(const std::string& bucket, const std::string& key,
                          const std::string& local_path) = 0;

  // Size and metadata of one object; kNotFound if there is none.
  virtual Result<ObjectInfo> head(const std::string& bucket, const std::string& key) = 0;

  // Every object whose key starts with `prefix` (a plain string prefix, as in
  // S3: "a/b" matches "a/b", "a/bc" and "a/b/c"), sorted by key; metadata is
  // left empty. A bucket that does not exist lists as empty.
  virtual Result<std::vector<ObjectInfo>> list(const std::string& bucket,
                                               const std::string& prefix) = 0;

  // Deletes the object. Deleting a missing object succeeds, as S3's
  // DeleteObject does.
  virtual Status remove(const std::string& bucket, const std::string& key) = 0;
};

// S3's bucket naming rules: 3 to 63 characters of [a-z0-9.-], starting and
// ending with a letter or digit, no "..". Returns kInvalidInput naming the rule.
Status validate_bucket_name(const std::string& bucket);

// Keys are S3 keys restricted to what maps one-to-one onto a relative file
// path: 1 to 1024 bytes, no NUL, not absolute, no empty segments ("a//b",
// trailing "/"), no "." or ".." segments, segments of at most 255 bytes.
// Returns kInvalidInput naming the key and the rule it breaks.
Status validate_object_key(const std::string& key);

// Names 1 to 128 characters of [a-z0-9-_.]; values printable ASCII (they
// travel as HTTP header values); names plus values at most 2 KiB in total
// (S3's limit for user metadata).
Status validate_metadata(const Metadata& metadata);

// CodeBuild's location form: "arn:aws:s3:::<bucket>/<key>", or
// "arn:aws:s3:::<bucket>" when `key` is empty.
std::string s3_location_arn(const std::string& bucket, const std::string& key);

}  // namespace kiln::objectstore
