// SPDX-License-Identifier: Apache-2.0
#include "sigv4/canonical_request.h"

#include <algorithm>
#include <utility>

#include "sigv4/crypto.h"

namespace kiln::sigv4 {

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != lower[i]) return false;
  }
  return true;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// SigV4's Trimall: no leading or trailing white space, and every run of
// white space inside becomes one space (botocore: ' '.join(value.split())).
void append_trimmed(std::string& out, std::string_view value) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    any = true;
    out += c;
  }
}

// RFC 3986 section 5.2.4, plus dropping empty segments as AWS requires; a
// port of botocore.utils.remove_dot_segments so both sides agree exactly.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> kept;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = slash + 1;
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += '/';
    out += kept[i];
  }
  if (path.back() == '/' && !kept.empty()) out += '/';
  return out;
}

std::string canonical_headers(const std::vector<HeaderView>& headers,
                              std::string_view signed_headers) {
  std::string out;
  if (signed_headers.empty()) return out;
  std::size_t start = 0;
  while (start <= signed_headers.size()) {
    std::size_t semicolon = signed_headers.find(';', start);
    if (semicolon == std::string_view::npos) semicolon = signed_headers.size();
    std::string name;
    for (char c : signed_headers.substr(start, semicolon - start)) name += ascii_lower(c);
    out += name;
    out += ':';
    bool first = true;
    for (std::string_view value : header_values(headers, name)) {
      if (!first) out += ',';
      first = false;
      append_trimmed(out, value);
    }
    out += '\n';
    start = semicolon + 1;
  }
  return out;
}

std::optional<std::string> signing_key(std::string_view secret, std::string_view date,
                                       std::string_view region, std::string_view service) {
  auto key = hmac_sha256("AWS4" + std::string(secret), date);
  if (key) key = hmac_sha256(*key, region);
  if (key) key = hmac_sha256(*key, service);
  if (key) key = hmac_sha256(*key, kTerminator);
  return key;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte) || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string query_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  return uri_encode(remove_dot_segments(raw_path), /*keep_slash=*/true);
}

std::string canonical_query(std::string_view raw_query, std::string_view skip_name) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start < raw_query.size()) {
    std::size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view pair = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;  // "a=1&&b=2" or a trailing '&'
    std::size_t equals = pair.find('=');
    std::string name = query_decode(pair.substr(0, equals));
    if (!skip_name.empty() && name == skip_name) continue;
    std::string value =
        equals == std::string_view::npos ? std::string() : query_decode(pair.substr(equals + 1));
    pairs.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  // Sorted by encoded name, then encoded value for repeated names.
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::vector<std::string_view> header_values(const std::vector<HeaderView>& headers,
                                            std::string_view lower_name) {
  std::vector<std::string_view> values;
  for (const HeaderView& header : headers) {
    if (equals_ignoring_case(header.name, lower_name)) values.push_back(header.value);
  }
  return values;
}

std::optional<std::string_view> find_header(const std::vector<HeaderView>& headers,
                                            std::string_view lower_name) {
  for (const HeaderView& header : headers) {
    if (equals_ignoring_case(header.name, lower_name)) return header.value;
  }
  return std::nullopt;
}

std::optional<ComputedSignature> compute_signature(const RequestView& request,
                                                   std::string_view secret,
                                                   const SigningInput& input) {
  ComputedSignature out;
  std::string& canonical = out.canonical_request;
  canonical.append(request.method).append("\n");
  canonical.append(canonical_uri(request.path)).append("\n");
  canonical.append(canonical_query(request.query, input.skip_query_name)).append("\n");
  canonical.append(canonical_headers(request.headers, input.signed_headers)).append("\n");
  canonical.append(input.signed_headers).append("\n");
  canonical.append(input.payload_hash);

  auto canonical_hash = sha256_hex(canonical);
  if (!canonical_hash) return std::nullopt;
  std::string_view date = input.amz_date.substr(0, 8);
  out.string_to_sign = std::string(kAlgorithm) + "\n" + std::string(input.amz_date) + "\n" +
                       std::string(date) + "/" + std::string(input.region) + "/" +
                       std::string(input.service) + "/" + std::string(kTerminator) + "\n" +
                       *canonical_hash;

  auto key = signing_key(secret, date, input.region, input.service);
  if (!key) return std::nullopt;
  auto mac = hmac_sha256(*key, out.string_to_sign);
  if (!mac) return std::nullopt;
  out.signature = to_hex(*mac);
  return out;
}

}  // namespace kiln::sigv4
