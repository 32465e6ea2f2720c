// SPDX-License-Identifier: Apache-2.0
// ClientConfig: which kiln server the CLI talks to, as whom, and how it finds
// that out, the way the AWS tools do. For each value the first place that
// has it wins:
//
//   1. flags, passed in by the caller (ConfigFlags);
//   2. the environment: KILN_ENDPOINT; AWS_ACCESS_KEY_ID with
//      AWS_SECRET_ACCESS_KEY; AWS_REGION, then AWS_DEFAULT_REGION;
//      AWS_PROFILE (the profile to read in the files below);
//   3. the kiln client config file, $KILN_CONFIG or ~/.config/kiln/config:
//      INI with `endpoint = ...`, `region = ...`, `credentials_file = ...`;
//      keys before any section apply to every profile, keys in the
//      profile's section ([default], [name] or [profile name]) override them;
//   4. the AWS shared credentials file: $AWS_SHARED_CREDENTIALS_FILE, else
//      the config file's credentials_file, else ~/.aws/credentials; the
//      profile's section, keys aws_access_key_id and aws_secret_access_key.
//
// The region defaults to us-east-1 and the profile to "default". As in
// botocore, a profile given as a flag skips the credentials in the
// environment (the user asked for that profile); AWS_PROFILE does not.
// Not thread-safe: reads the process environment.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/status.h"
#include "sigv4/request.h"

namespace kiln::client {

struct ClientConfig {
  std::string endpoint;  // "http://127.0.0.1:8080"
  std::string region = "us-east-1";
  sigv4::Credentials credentials;
  std::chrono::milliseconds timeout{60'000};  // a whole call(); connecting: 5 s
};

// Values the user gave on the command line; unset ones are looked up.
struct ConfigFlags {
  std::optional<std::string> endpoint;     // --endpoint-url
  std::optional<std::string> region;       // --region
  std::optional<std::string> profile;      // --profile
  std::optional<std::string> config_file;  // instead of $KILN_CONFIG
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
};

// Resolves the configuration as the header comment describes. Fails with
// kInvalidInput when no endpoint or no credentials are found (the message
// names every place looked in), when the endpoint is not an http:// or
// https:// URL, when only half of a key pair is set, or when a file is
// malformed; with kNotFound/kIoError when a file named explicitly (by flag,
// $KILN_CONFIG, $AWS_SHARED_CREDENTIALS_FILE or credentials_file) cannot be
// read. Default-location files that do not exist are skipped.
Result<ClientConfig> resolve_client_config(const ConfigFlags& flags);

}  // namespace kiln::client
