// SPDX-License-Identifier: Apache-2.0
// The SigV4 canonical request, string to sign and signature, computed as AWS
// does for every service but S3 (S3 alone does not encode the path again),
// which is also what botocore computes when it signs. Shared by sign() and
// verify() so the two cannot drift apart. Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigv4/request.h"

namespace kiln::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when
// keep_slash), with upper-case hex digits (RFC 3986, as SigV4 requires).
std::string uri_encode(std::string_view text, bool keep_slash);

// Decodes a query-string component: %XX escapes and '+' as a space (what
// botocore's urlencode sends for a space). A malformed escape stays as is.
std::string query_decode(std::string_view text);

// The canonical URI of a raw request path: empty and "." segments dropped,
// ".." resolved (botocore's normalize_url_path), then the result encoded
// again, so "/a%20b" becomes "/a%2520b".
std::string canonical_uri(std::string_view raw_path);

// The canonical query string: each name and value decoded and re-encoded,
// pairs sorted by name then value, joined by '&'; a parameter whose decoded
// name is `skip_name` (X-Amz-Signature of a presigned URL) is left out.
std::string canonical_query(std::string_view raw_query, std::string_view skip_name = {});

// Every value of header `lower_name` (compared case-insensitively), in
// order of appearance.
std::vector<std::string_view> header_values(const std::vector<HeaderView>& headers,
                                            std::string_view lower_name);

// The first value of header `lower_name`, if any.
std::optional<std::string_view> find_header(const std::vector<HeaderView>& headers,
                                            std::string_view lower_name);

// What besides the request a signature covers.
struct SigningInput {
  std::string_view amz_date;         // "20260101T000000Z"
  std::string_view region;           // "us-east-1"
  std::string_view service;          // "codebuild"
  std::string_view signed_headers;   // "content-type;host;x-amz-date", lower case, sorted
  std::string_view payload_hash;     // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
  std::string_view skip_query_name;  // "X-Amz-Signature" when verifying a presigned URL
};

struct ComputedSignature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 lower-case hex digits
};

// Computes the signature `secret` gives `request`. A signed header the
// request lacks counts as present with an empty value. nullopt only when
// libcrypto refuses SHA-256.
std::optional<ComputedSignature> compute_signature(const RequestView& request,
                                                   std::string_view secret,
                                                   const SigningInput& input);

}  // namespace kiln::sigv4
