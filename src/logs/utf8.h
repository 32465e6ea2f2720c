// SPDX-License-Identifier: Apache-2.0
// Making log text safe for JSON output. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiln::logs {

// `text` with every ill-formed UTF-8 sequence (stray continuation bytes,
// overlong forms, surrogates, truncated sequences) replaced by U+FFFD, one
// replacement per maximal ill-formed subpart (Unicode's recommended practice).
std::string sanitize_utf8(std::string_view text);

// The longest prefix of valid UTF-8 `text` that is at most `max_bytes` long
// and does not split a character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace kiln::logs
