// SPDX-License-Identifier: Apache-2.0
#include "logs/utf8.h"

namespace kiln::logs {

namespace {

// Length of the well-formed sequence at `text[i]`, or 0 with `*bad` set to the
// length of the maximal ill-formed subpart there (at least 1).
std::size_t sequence_length(std::string_view text, std::size_t i, std::size_t* bad) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  *bad = 1;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    bool ok = i + k < text.size();
    if (ok) {
      unsigned char b = byte(i + k);
      ok = k == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xBF);
    }
    if (!ok) {
      *bad = k;  // the lead byte and the valid continuation bytes before k
      return 0;
    }
  }
  return length;
}

}  // namespace

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // Valid runs are copied with one append each: per-character appends were a
  // third of the cost of storing a log of plain text.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t bad = 1;
    std::size_t length = sequence_length(text, i, &bad);
    if (length > 0) {
      i += length;
      continue;
    }
    out.append(text.substr(run, i - run));
    out += "\xEF\xBF\xBD";
    i += bad;
    run = i;
  }
  out.append(text.substr(run));
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace kiln::logs
