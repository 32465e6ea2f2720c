// SPDX-License-Identifier: Apache-2.0
#include "sigv4/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace kiln::sigv4 {

std::optional<std::string> sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    return std::nullopt;
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // The one-shot HMAC() stays supported in OpenSSL 3 (only HMAC_CTX is
  // deprecated), and SigV4's inputs are all small strings.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &length) == nullptr)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xf];
  }
  return hex;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The length of a signature is public (64 hex digits); only the content
  // must not leak through timing.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kiln::sigv4
