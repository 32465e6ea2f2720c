// SPDX-License-Identifier: Apache-2.0
#include "artifacts/digest.h"

#include <openssl/evp.h>

#include <utility>

namespace kiln::artifacts {

namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Result<std::string> final_hex(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx, digest, &length) != 1)
    return Status(ErrorCode::kInternal, "libcrypto could not finish a digest");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

struct ArtifactDigest::Contexts {
  MdCtx md5{EVP_MD_CTX_new()};
  MdCtx sha256{EVP_MD_CTX_new()};
};

Result<ArtifactDigest> ArtifactDigest::create() {
  auto contexts = std::make_unique<Contexts>();
  if (!contexts->md5 || !contexts->sha256 ||
      EVP_DigestInit_ex(contexts->md5.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestInit_ex(contexts->sha256.get(), EVP_sha256(), nullptr) != 1)
    return Status(ErrorCode::kInternal, "libcrypto refused to start an MD5 or SHA-256 digest");
  return ArtifactDigest(std::move(contexts));
}

ArtifactDigest::ArtifactDigest(std::unique_ptr<Contexts> contexts) : contexts_(std::move(contexts)) {}
ArtifactDigest::ArtifactDigest(ArtifactDigest&&) noexcept = default;
ArtifactDigest& ArtifactDigest::operator=(ArtifactDigest&&) noexcept = default;
ArtifactDigest::~ArtifactDigest() = default;

void ArtifactDigest::update(const void* data, std::size_t size) {
  // EVP_DigestUpdate on an initialised context fails only on misuse.
  EVP_DigestUpdate(contexts_->md5.get(), data, size);
  EVP_DigestUpdate(contexts_->sha256.get(), data, size);
}

Result<Checksums> ArtifactDigest::finish() {
  auto md5 = final_hex(contexts_->md5.get());
  if (!md5.is_ok()) return md5.status();
  auto sha256 = final_hex(contexts_->sha256.get());
  if (!sha256.is_ok()) return sha256.status();
  return Checksums{std::move(md5).value(), std::move(sha256).value()};
}

}  // namespace kiln::artifacts
