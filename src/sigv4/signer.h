// SPDX-License-Identifier: Apache-2.0
// sign(): adds an AWS Signature Version 4 (header form) to a request, giving
// byte for byte the Authorization botocore's SigV4Auth gives for the same
// request, credentials and time. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "sigv4/request.h"
#include "sigv4/timestamp.h"

namespace kiln::sigv4 {

struct SignParams {
  Credentials credentials;
  std::string region;   // "us-east-1"
  std::string service;  // "codebuild", "logs"
  Clock::time_point time;
  // Also send and sign X-Amz-Content-Sha256 (S3 wants it; botocore does not
  // send it to JSON services, and verify() does not require it).
  bool add_content_sha256 = false;
};

// Signs `request`, which must carry the Host header exactly as it will be
// sent ("localhost:8080"; no port when it is the scheme's default).
// Every header given is signed except those botocore never signs
// (Connection, Expect, User-Agent, Transfer-Encoding, ...) and any
// Authorization or X-Amz-Date already there, which the result replaces;
// an X-Amz-Content-Sha256 given is signed and used as the payload hash, as
// botocore does. Returns the headers to add: X-Amz-Date, X-Amz-Content-Sha256
// when asked for, and Authorization.
// Fails with kInvalidInput when Host, the key id, the secret, the region or
// the service is missing; kInternal if libcrypto refuses SHA-256.
Result<std::vector<Header>> sign(const RequestView& request, const SignParams& params);

}  // namespace kiln::sigv4
