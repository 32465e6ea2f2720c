// SPDX-License-Identifier: Apache-2.0
#include "sigv4/signer.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "sigv4/canonical_request.h"
#include "sigv4/crypto.h"

namespace kiln::sigv4 {

namespace {

// botocore's SIGNED_HEADERS_BLACKLIST: hop-by-hop headers a proxy may
// change, and User-Agent, which some HTTP stacks rewrite.
constexpr std::array<std::string_view, 11> kNeverSigned = {"connection",
                                                           "expect",
                                                           "keep-alive",
                                                           "proxy-authenticate",
                                                           "proxy-authorization",
                                                           "te",
                                                           "trailer",
                                                           "transfer-encoding",
                                                           "upgrade",
                                                           "user-agent",
                                                           "x-amzn-trace-id"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status check_params(const RequestView& request, const SignParams& params) {
  if (!find_header(request.headers, "host"))
    return Status(ErrorCode::kInvalidInput, "sigv4: the request to sign has no Host header");
  if (params.credentials.access_key_id.empty() || params.credentials.secret_access_key.empty())
    return Status(ErrorCode::kInvalidInput, "sigv4: signing needs an access key id and a secret");
  if (params.region.empty() || params.service.empty())
    return Status(ErrorCode::kInvalidInput, "sigv4: signing needs a region and a service name");
  return Status::ok();
}

}  // namespace

Result<std::vector<Header>> sign(const RequestView& request, const SignParams& params) {
  Status valid = check_params(request, params);
  if (!valid.is_ok()) return valid;

  std::string amz_date = format_amz_date(params.time);
  std::string payload_hash;
  if (auto given = find_header(request.headers, "x-amz-content-sha256");
      given && !params.add_content_sha256) {
    payload_hash = std::string(*given);
  } else {
    auto hash = sha256_hex(request.body);
    if (!hash) return Status(ErrorCode::kInternal, "sigv4: libcrypto refused SHA-256");
    payload_hash = *hash;
  }

  // The request as it will be sent: its own headers minus those we replace,
  // plus ours.
  RequestView signed_view = request;
  signed_view.headers.clear();
  std::vector<std::string> names;
  for (const HeaderView& header : request.headers) {
    std::string name = lower(header.name);
    if (name == "authorization" || name == "x-amz-date" ||
        (params.add_content_sha256 && name == "x-amz-content-sha256"))
      continue;
    signed_view.headers.push_back(header);
    if (std::find(kNeverSigned.begin(), kNeverSigned.end(), name) == kNeverSigned.end())
      names.push_back(std::move(name));
  }
  // Reserved up front: signed_view borrows these strings, so they must not
  // move when the Authorization header is appended.
  std::vector<Header> added;
  added.reserve(3);
  added.push_back({"X-Amz-Date", amz_date});
  names.emplace_back("x-amz-date");
  if (params.add_content_sha256) {
    added.push_back({"X-Amz-Content-Sha256", payload_hash});
    names.emplace_back("x-amz-content-sha256");
  }
  for (const Header& header : added) signed_view.headers.push_back({header.name, header.value});

  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers;
  for (const std::string& name : names) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  SigningInput input{amz_date, params.region, params.service, signed_headers, payload_hash, {}};
  auto computed = compute_signature(signed_view, params.credentials.secret_access_key, input);
  if (!computed) return Status(ErrorCode::kInternal, "sigv4: libcrypto refused SHA-256");
  added.push_back({"Authorization",
                   std::string(kAlgorithm) + " Credential=" + params.credentials.access_key_id +
                       "/" + amz_date.substr(0, 8) + "/" + params.region + "/" + params.service +
                       "/" + std::string(kTerminator) + ", SignedHeaders=" + signed_headers +
                       ", Signature=" + computed->signature});
  return added;
}

}  // namespace kiln::sigv4
