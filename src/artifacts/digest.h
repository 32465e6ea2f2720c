// SPDX-License-Identifier: Apache-2.0
// ArtifactDigest: MD5 and SHA-256 of a byte stream in one pass, for the
// `md5sum` and `sha256sum` CodeBuild reports for ZIP artifacts
// (codebuild-semantics.md §1.8). Wraps OpenSSL's EVP interface (libcrypto).
// Move-only; thread-compatible.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"

namespace kiln::artifacts {

struct Checksums {
  std::string md5_hex;     // 32 lower-case hex digits
  std::string sha256_hex;  // 64 lower-case hex digits
};

class ArtifactDigest {
 public:
  // Fails with kInternal if libcrypto refuses MD5 or SHA-256 (e.g. a FIPS
  // policy that disables MD5).
  static Result<ArtifactDigest> create();

  ArtifactDigest(ArtifactDigest&&) noexcept;
  ArtifactDigest& operator=(ArtifactDigest&&) noexcept;
  ~ArtifactDigest();

  void update(const void* data, std::size_t size);
  // Requires: called once; update() is not called afterwards.
  Result<Checksums> finish();

 private:
  struct Contexts;
  explicit ArtifactDigest(std::unique_ptr<Contexts> contexts);

  std::unique_ptr<Contexts> contexts_;
};

}  // namespace kiln::artifacts
