// SPDX-License-Identifier: Apache-2.0
#include "service/page_token.h"

namespace kiln::service {

namespace {

constexpr std::string_view kVersion = "k1";
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string make_page_token(std::string_view listing, std::string_view cursor) {
  std::string plain = std::string(listing) + '\n' + std::string(cursor);
  std::string token(kVersion);
  for (unsigned char c : plain) {
    token += kHex[c >> 4];
    token += kHex[c & 15];
  }
  return token;
}

std::optional<std::string> read_page_token(std::string_view listing, std::string_view token) {
  if (token.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  token.remove_prefix(kVersion.size());
  if (token.size() % 2 != 0 || token.size() > 4096) return std::nullopt;
  std::string plain;
  for (std::size_t i = 0; i < token.size(); i += 2) {
    int high = hex_value(token[i]), low = hex_value(token[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    plain += static_cast<char>(high * 16 + low);
  }
  std::string prefix = std::string(listing) + '\n';
  if (plain.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return plain.substr(prefix.size());
}

}  // namespace kiln::service
