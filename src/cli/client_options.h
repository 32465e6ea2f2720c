// SPDX-License-Identifier: Apache-2.0
// What `kiln projects`, `kiln builds` and `kiln logs` share as clients of a
// kiln server: the connection flags, JSON calls with paging and batching,
// one-line error reports with the exit codes documented in the README
// ("Talking to a server with kiln"), and aligned tables.
// Not thread-safe: a command runs on the main thread alone.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "client/api_client.h"
#include "common/status.h"

namespace CLI {
class App;
}

namespace kiln::cli {

// Exit codes of the client commands; a followed build exits with its own
// status instead (build_exit_code).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the server refused or reported a failure
inline constexpr int kExitUsage = 2;        // bad arguments or no usable configuration
inline constexpr int kExitUnavailable = 3;  // the server cannot be reached or failed (5xx)

// The connection flags every client command takes, and --json. Empty
// strings are "not given": client_config looks further.
struct ClientOptions {
  std::string endpoint;
  std::string region;
  std::string profile;
  std::string config_file;
  std::string access_key_id;
  std::string secret_access_key;
  bool json = false;
};

// Adds --endpoint-url, --region, --profile, --config, --access-key-id,
// --secret-access-key and, with `json`, --json to `command`. `options` must
// outlive it.
void add_client_options(CLI::App& command, ClientOptions& options, bool json = true);

client::ConfigFlags config_flags(const ClientOptions& options);

// One run of a client command named `command` ("builds start"): its
// connection and its error reports, "kiln <command>: <message>" on stderr.
class CommandClient {
 public:
  CommandClient(std::string command, const ClientOptions& options);

  // Resolves the configuration and makes the ApiClient. On failure reports
  // it and returns false; exit_code() is then kExitUsage.
  bool connect();
  bool connected() const { return client_.has_value(); }

  // Calls CodeBuild `operation` ("ListProjects") with `input`; returns the
  // parsed answer. Errors are the ApiClient's, plus kUnavailable for an
  // answer that is not a JSON object.
  Result<nlohmann::json> call(std::string_view operation, const nlohmann::json& input) const;

  // Every page of a listing: calls `operation` with `input` plus nextToken
  // until no token comes back or `limit` (> 0) items are collected, and
  // returns the strings under `key` ("projects", "ids") in order.
  Result<std::vector<std::string>> list_all(std::string_view operation, nlohmann::json input,
                                            const std::string& key, std::size_t limit = 0) const;

  // A BatchGet* operation over any number of names, 100 per call (the
  // API's limit): returns {"<items_key>": [...], "<items_key>NotFound": [...]}
  // with the items in the order the names were given.
  Result<nlohmann::json> batch_get(std::string_view operation, const std::string& names_key,
                                   const std::vector<std::string>& names,
                                   const std::string& items_key) const;

  // Writes the log of `build_id` to `out` as it arrives (kiln's
  // /kiln/v1/builds/<id>/log); with `follow` it returns once the build has
  // completed, else once the log written so far is out. The first `*offset`
  // bytes are skipped (they were written by an earlier, broken stream) and
  // *offset counts every byte of the log seen, so a retry can go on where
  // this one stopped.
  Status stream_log(const std::string& build_id, bool follow, std::ostream& out,
                    std::uint64_t* offset = nullptr) const;

  // Reports `status` and returns its exit code: kExitUnavailable for
  // kUnavailable, else kExitFailed.
  int fail(const Status& status);
  // Reports `message` as a usage error and returns kExitUsage.
  int usage(const std::string& message);
  // Reports `message` without changing the exit code (e.g. a name not found
  // among several); the command decides its exit code.
  void warn(const std::string& message) const;

  int exit_code() const { return exit_code_; }
  const ClientOptions& options() const { return options_; }

 private:
  std::string command_;
  const ClientOptions& options_;
  std::optional<client::ApiClient> client_;
  int exit_code_ = kExitOk;
};

// Prints `value` as indented JSON on stdout.
void print_json(const nlohmann::json& value);

// Rows under a header (none when every header is ""), each column as wide
// as its widest cell, two spaces apart; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "2024-05-01T12:03:04Z" for a JSON 1.1 timestamp (seconds since the epoch,
// possibly fractional); "-" when `value` is not a number.
std::string format_timestamp(const nlohmann::json& value);

// "1m 05s", "42s"; from seconds.
std::string format_duration(std::int64_t seconds);

// The exit code of a finished build, as `kiln run` has it: 0 SUCCEEDED,
// 1 FAILED, 3 FAULT, 4 TIMED_OUT, 5 STOPPED; 3 for anything else.
int build_exit_code(std::string_view build_status);

// Splits NAME=VALUE arguments of `flag` ("--env"); kInvalidInput for one
// without '=' or with an empty name.
Result<std::vector<std::pair<std::string, std::string>>> parse_name_values(
    const std::vector<std::string>& pairs, const std::string& flag);

// The whole of a file the user named (at most 10 MiB); the message names
// the flag and the path.
Result<std::string> read_user_file(const std::string& path, const std::string& flag);

// The build id in a build ARN ("arn:aws:codebuild:R:A:build/p:u" ->
// "p:u"); anything else as it is.
std::string build_id_of(std::string_view id_or_arn);

// `text` with every byte but RFC 3986's unreserved ones as %XX, for a
// build id in a URL path ("p:1" -> "p%3A1").
std::string percent_encode(std::string_view text);

}  // namespace kiln::cli
