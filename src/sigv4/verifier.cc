// SPDX-License-Identifier: Apache-2.0
#include "sigv4/verifier.h"

#include <charconv>
#include <utility>
#include <vector>

#include "sigv4/canonical_request.h"
#include "sigv4/crypto.h"

namespace kiln::sigv4 {

namespace {

// AWS's error texts, as its JSON services (the Coral stack behind CodeBuild
// and DynamoDB) answer them; dynalite's notes record the same wording.
constexpr std::string_view kMissingToken = "MissingAuthenticationTokenException";
constexpr std::string_view kIncomplete = "IncompleteSignatureException";
constexpr std::string_view kInvalid = "InvalidSignatureException";
constexpr std::string_view kUnrecognized = "UnrecognizedClientException";
constexpr std::string_view kMismatchText =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
// Presigned URLs may live at most 7 days, as AWS allows.
constexpr long kMaxExpiresSeconds = 7 * 24 * 3600;

// How the request carries its signature, parsed but not yet checked.
struct ParsedAuth {
  std::string algorithm;
  std::string credential;      // "AKID/20260101/us-east-1/codebuild/aws4_request"
  std::string signed_headers;  // "content-type;host;x-amz-date"
  std::string signature;
  std::string amz_date;  // the signing time, "20260101T000000Z"
  Clock::time_point time;
  std::optional<std::chrono::seconds> expires;  // presigned URLs only
};

Verification reject(std::string_view code, std::string message, int status = 400) {
  Verification out;
  out.error.code = std::string(code);
  out.error.message = std::move(message);
  out.error.http_status = status;
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

std::string bad_date_text(std::string_view got) {
  return "Date must be in ISO-8601 'basic format'. Got '" + std::string(got) +
         "'. See http://en.wikipedia.org/wiki/ISO_8601";
}

// Reads the signing time from X-Amz-Date, or else from Date (RFC 1123).
std::optional<Verification> read_header_date(const RequestView& request, ParsedAuth& auth) {
  if (auto amz = find_header(request.headers, "x-amz-date")) {
    auto time = parse_amz_date(trim(*amz));
    if (!time) return reject(kIncomplete, bad_date_text(*amz));
    auth.time = *time;
    auth.amz_date = std::string(trim(*amz));
    return std::nullopt;
  }
  auto date = find_header(request.headers, "date");
  auto time = date ? parse_http_date(trim(*date)) : std::nullopt;
  if (!time) return reject(kIncomplete, bad_date_text(date.value_or("")));
  auth.time = *time;
  auth.amz_date = format_amz_date(*time);
  return std::nullopt;
}

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
std::optional<Verification> parse_authorization(const RequestView& request, std::string_view header,
                                                ParsedAuth& auth) {
  std::string_view value = trim(header);
  std::size_t space = value.find(' ');
  auth.algorithm = std::string(value.substr(0, space));
  std::string_view rest = space == std::string_view::npos ? "" : value.substr(space + 1);
  for (std::string_view part : split(rest, ',')) {
    part = trim(part);
    if (part.empty()) continue;
    std::size_t equals = part.find('=');
    if (equals == std::string_view::npos) {
      return reject(kIncomplete, "'" + std::string(part) +
                                     "' not a valid key=value pair (missing equal-sign) in "
                                     "Authorization header: '" +
                                     std::string(value) + "'.");
    }
    std::string_view key = part.substr(0, equals);
    std::string item(trim(part.substr(equals + 1)));
    if (key == "Credential") auth.credential = std::move(item);
    if (key == "SignedHeaders") auth.signed_headers = std::move(item);
    if (key == "Signature") auth.signature = std::move(item);
  }
  // AWS names every missing piece at once, then echoes the header.
  std::string missing;
  if (auth.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (auth.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (auth.signed_headers.empty())
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!find_header(request.headers, "x-amz-date") && !find_header(request.headers, "date"))
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!missing.empty()) return reject(kIncomplete, missing + "Authorization=" + std::string(value));
  return read_header_date(request, auth);
}

// The X-Amz-* parameters of a presigned URL, decoded.
std::optional<Verification> parse_presigned(const RequestView& request, ParsedAuth& auth) {
  std::optional<std::string> algorithm, credential, date, expires, signed_headers, signature;
  for (std::string_view pair : split(request.query, '&')) {
    std::size_t equals = pair.find('=');
    std::string name = query_decode(pair.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "" : query_decode(pair.substr(equals + 1));
    if (name == "X-Amz-Algorithm") algorithm = value;
    if (name == "X-Amz-Credential") credential = value;
    if (name == "X-Amz-Date") date = value;
    if (name == "X-Amz-Expires") expires = value;
    if (name == "X-Amz-SignedHeaders") signed_headers = value;
    if (name == "X-Amz-Signature") signature = value;
  }
  std::string missing;
  for (const auto& [present, name] : {std::pair{credential.has_value(), "X-Amz-Credential"},
                                      std::pair{signature.has_value(), "X-Amz-Signature"},
                                      std::pair{signed_headers.has_value(), "X-Amz-SignedHeaders"},
                                      std::pair{date.has_value(), "X-Amz-Date"},
                                      std::pair{expires.has_value(), "X-Amz-Expires"}}) {
    if (!present)
      missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
  }
  if (!missing.empty())
    return reject(kIncomplete, missing + "Re-examine the query-string parameters.");
  auto time = parse_amz_date(*date);
  if (!time) return reject(kIncomplete, bad_date_text(*date));
  long seconds = 0;
  auto [end, error] = std::from_chars(expires->data(), expires->data() + expires->size(), seconds);
  if (error != std::errc() || end != expires->data() + expires->size() || seconds < 1 ||
      seconds > kMaxExpiresSeconds) {
    return reject(kIncomplete, "X-Amz-Expires must be a whole number of seconds from 1 to " +
                                   std::to_string(kMaxExpiresSeconds) + ", got '" + *expires +
                                   "'.");
  }
  auth = ParsedAuth{*algorithm,
                    *credential,
                    *signed_headers,
                    *signature,
                    *date,
                    *time,
                    std::chrono::seconds(seconds)};
  return std::nullopt;
}

// AWS refuses a signing time more than max_skew away from its clock, and a
// presigned URL after X-Amz-Date + X-Amz-Expires.
std::optional<Verification> check_time(const ParsedAuth& auth, const VerifyOptions& options) {
  auto skew = options.max_skew;
  std::string minutes =
      std::to_string(std::chrono::duration_cast<std::chrono::minutes>(skew).count()) + " min.)";
  std::string now = format_amz_date(options.now);
  if (auth.time > options.now + skew) {
    return reject(kInvalid, "Signature not yet current: " + auth.amz_date +
                                " is still later than " + format_amz_date(options.now + skew) +
                                " (" + now + " + " + minutes);
  }
  if (auth.expires) {
    if (options.now > auth.time + *auth.expires) {
      return reject(kInvalid, "Signature expired: the presigned URL was valid until " +
                                  format_amz_date(auth.time + *auth.expires) + " (X-Amz-Date " +
                                  auth.amz_date + " + X-Amz-Expires " +
                                  std::to_string(auth.expires->count()) + " s); it is now " + now +
                                  ".");
    }
  } else if (auth.time < options.now - skew) {
    return reject(kInvalid, "Signature expired: " + auth.amz_date + " is now earlier than " +
                                format_amz_date(options.now - skew) + " (" + now + " - " + minutes);
  }
  return std::nullopt;
}

bool signs_host(std::string_view signed_headers) {
  for (std::string_view name : split(signed_headers, ';')) {
    if (name.size() == 4 && (name[0] | 0x20) == 'h' && (name[1] | 0x20) == 'o' &&
        (name[2] | 0x20) == 's' && (name[3] | 0x20) == 't')
      return true;
  }
  return false;
}

// Credential = keyid/date/region/service/aws4_request. Fills `scope` (the
// five parts) or answers what is wrong with it.
std::optional<Verification> check_scope(const ParsedAuth& auth, const VerifyOptions& options,
                                        std::vector<std::string_view>& scope) {
  std::string_view credential = auth.credential;
  // AWS ignores trailing slashes here.
  while (!credential.empty() && credential.back() == '/') credential.remove_suffix(1);
  scope = split(credential, '/');
  if (scope.size() != 5) {
    return reject(kIncomplete,
                  "Credential must have exactly 5 slash-delimited elements, e.g. "
                  "keyid/date/region/service/term, got '" +
                      auth.credential + "'");
  }
  std::string_view date = scope[1], region = scope[2], service = scope[3], term = scope[4];
  std::string problems;
  if (region.empty() || (!options.region.empty() && region != options.region))
    problems +=
        "Credential should be scoped to a valid region, not '" + std::string(region) + "'. ";
  if (service.empty() || (!options.service.empty() && service != options.service)) {
    problems += "Credential should be scoped to correct service: '" +
                (options.service.empty() ? std::string(service) : options.service) + "'. ";
  }
  if (term != kTerminator) {
    problems += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                std::string(term) + "'. ";
  }
  std::string_view day = std::string_view(auth.amz_date).substr(0, 8);
  if (date != day) {
    problems +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        std::string(date) + "' != '" + std::string(day) + "', from '" + auth.amz_date + "'.";
  }
  if (!problems.empty()) return reject(kInvalid, problems);
  return std::nullopt;
}

bool has_query_param(std::string_view query, std::string_view name) {
  for (std::string_view pair : split(query, '&')) {
    if (query_decode(pair.substr(0, pair.find('='))) == name) return true;
  }
  return false;
}

bool is_hex_sha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Verification verify(const RequestView& request, const SecretLookup& lookup,
                    const VerifyOptions& options) {
  ParsedAuth auth;
  std::optional<Verification> failed;
  if (auto header = find_header(request.headers, "authorization")) {
    failed = parse_authorization(request, *header, auth);
  } else if (has_query_param(request.query, "X-Amz-Algorithm")) {
    failed = parse_presigned(request, auth);
  } else {
    return reject(kMissingToken, "Missing Authentication Token");
  }
  if (failed) return *failed;
  if ((failed = check_time(auth, options))) return *failed;
  if (!signs_host(auth.signed_headers))
    return reject(kInvalid, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  if (auth.algorithm != kAlgorithm) {
    return reject(kIncomplete, "Unsupported AWS 'algorithm': '" + auth.algorithm +
                                   "' (only AWS4-HMAC-SHA256 for now). ");
  }
  std::vector<std::string_view> scope;
  if ((failed = check_scope(auth, options, scope))) return *failed;

  static constexpr std::string_view kBadToken =
      "The security token included in the request is invalid.";
  if (scope[0].empty()) return reject(kUnrecognized, std::string(kBadToken));
  std::optional<std::string> secret = lookup(scope[0]);
  if (!secret) return reject(kUnrecognized, std::string(kBadToken));

  std::optional<std::string> body_hash = sha256_hex(request.body);
  if (!body_hash) return reject("InternalFailure", "libcrypto refused SHA-256", 500);
  auto declared = find_header(request.headers, "x-amz-content-sha256");
  std::string payload_hash = declared ? std::string(trim(*declared)) : *body_hash;

  SigningInput input{auth.amz_date,       scope[2],     scope[3],
                     auth.signed_headers, payload_hash, auth.expires ? "X-Amz-Signature" : ""};
  auto computed = compute_signature(request, *secret, input);
  if (!computed) return reject("InternalFailure", "libcrypto refused SHA-256", 500);
  if (!constant_time_equal(computed->signature, auth.signature)) {
    Verification out = reject(kInvalid, std::string(kMismatchText));
    out.error.canonical_request = std::move(computed->canonical_request);
    out.error.string_to_sign = std::move(computed->string_to_sign);
    return out;
  }
  // The signature covers the declared hash, not the body: a declared digest
  // must be the body's, or the body could be swapped under a valid signature.
  if (declared && payload_hash != kUnsignedPayload) {
    if (!is_hex_sha256(payload_hash)) {
      return reject(kInvalid, "x-amz-content-sha256 must be the hex SHA-256 of the body or " +
                                  std::string(kUnsignedPayload) + ", got '" + payload_hash + "'.");
    }
    if (lower(payload_hash) != *body_hash) {
      return reject(kInvalid,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }
  Verification out;
  out.identity = Identity{std::string(scope[0]), std::string(scope[2]), std::string(scope[3])};
  return out;
}

}  // namespace kiln::sigv4
