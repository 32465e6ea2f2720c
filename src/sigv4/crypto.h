// SPDX-License-Identifier: Apache-2.0
// SHA-256 and HMAC-SHA256 from OpenSSL 3's libcrypto, the only primitives
// SigV4 needs, plus the constant-time comparison a verifier must use.
// Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kiln::sigv4 {

// Lower-case hex of the SHA-256 of `data`. nullopt only when libcrypto
// refuses SHA-256 (a broken or restricted OpenSSL installation).
std::optional<std::string> sha256_hex(std::string_view data);

// The 32 raw bytes of HMAC-SHA256(key, data); nullopt as for sha256_hex.
std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

// True when a and b hold the same bytes. The time taken depends only on the
// lengths, never on where the first difference is (CRYPTO_memcmp), so a
// signature cannot be guessed byte by byte from response times.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace kiln::sigv4
