// SPDX-License-Identifier: Apache-2.0
// verify(): checks the AWS Signature Version 4 of a request as AWS's JSON
// services do, the Authorization header form or a presigned URL, and words
// every rejection as AWS does (code, message, HTTP status), so the aws CLI
// and botocore show kiln's answers just as they show AWS's.
// Stateless; thread-safe when the SecretLookup is.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sigv4/request.h"
#include "sigv4/timestamp.h"

namespace kiln::sigv4 {

// Why a request was refused, in AWS's words; the server sends code and
// message as {"__type": code, "message": message} with http_status.
struct AuthError {
  std::string code;  // "InvalidSignatureException", "UnrecognizedClientException", ...
  std::string message;
  int http_status = 400;
  // Set for a signature mismatch only: what the server computed, for its
  // debug log. Never send these to the client.
  std::string canonical_request;
  std::string string_to_sign;
};

// Who signed a verified request, and the scope they signed for.
struct Identity {
  std::string access_key_id;
  std::string region;
  std::string service;
};

// The secret of an access key id; nullopt when the key is unknown or revoked.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

struct VerifyOptions {
  Clock::time_point now;
  // How far the signing time may be from `now` either way (AWS: 15 min).
  std::chrono::seconds max_skew = std::chrono::minutes(15);
  std::string region;   // when not empty, the credential scope must name it
  std::string service;  // when not empty, the credential scope must name it
};

struct Verification {
  std::optional<Identity> identity;  // set when the request is authentic
  AuthError error;                   // set otherwise
  bool is_ok() const { return identity.has_value(); }
};

// Verifies `request` (its raw path, query, headers and whole body). Checks,
// in AWS's order: an Authorization header or presigned query is present
// (else MissingAuthenticationTokenException); it is well formed
// (IncompleteSignatureException); the signing time (X-Amz-Date, else Date)
// is within max_skew of options.now; Host is signed; the algorithm is
// AWS4-HMAC-SHA256; the credential scope has five parts whose date is the
// signing day, whose terminator is aws4_request and whose region and service
// match the options (InvalidSignatureException); `lookup` knows the key
// (UnrecognizedClientException); and the signature matches, compared in
// constant time (InvalidSignatureException). The payload hash is the body's
// SHA-256, or the X-Amz-Content-Sha256 header when present; a hex digest
// there must match the body, UNSIGNED-PAYLOAD is accepted as AWS does.
// X-Amz-Security-Token is signed like any header but not checked: kiln
// issues no session credentials.
Verification verify(const RequestView& request, const SecretLookup& lookup,
                    const VerifyOptions& options);

}  // namespace kiln::sigv4
