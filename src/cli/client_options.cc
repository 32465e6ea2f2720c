// SPDX-License-Identifier: Apache-2.0
#include "cli/client_options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

namespace kiln::cli {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kBatchSize = 100;  // BatchGetBuilds/BatchGetProjects accept 100 names
constexpr std::uintmax_t kMaxUserFileBytes = 10u << 20;

std::optional<std::string> given(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

// Display width of a UTF-8 cell: code points, not bytes, so a name with an
// accent does not push its column out of line.
std::size_t width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace

void add_client_options(CLI::App& command, ClientOptions& options, bool json) {
  command.add_option("--endpoint-url", options.endpoint,
                     "The kiln server, http://HOST:PORT (else $KILN_ENDPOINT, else the config "
                     "file's endpoint)");
  command.add_option("--region", options.region,
                     "Region to sign for (else $AWS_REGION, $AWS_DEFAULT_REGION, the config "
                     "file, us-east-1)");
  command.add_option("--profile", options.profile,
                     "Profile in the config and credentials files (else $AWS_PROFILE, default)");
  command.add_option("--config", options.config_file,
                     "kiln client config file (else $KILN_CONFIG, ~/.config/kiln/config)");
  command.add_option("--access-key-id", options.access_key_id,
                     "Access key id (else $AWS_ACCESS_KEY_ID, else the credentials file)");
  command.add_option("--secret-access-key", options.secret_access_key,
                     "Secret access key, with --access-key-id");
  if (json) command.add_flag("--json", options.json, "Print the API's JSON answer instead of a table");
}

client::ConfigFlags config_flags(const ClientOptions& options) {
  client::ConfigFlags flags;
  flags.endpoint = given(options.endpoint);
  flags.region = given(options.region);
  flags.profile = given(options.profile);
  flags.config_file = given(options.config_file);
  flags.access_key_id = given(options.access_key_id);
  flags.secret_access_key = given(options.secret_access_key);
  return flags;
}

CommandClient::CommandClient(std::string command, const ClientOptions& options)
    : command_(std::move(command)), options_(options) {}

bool CommandClient::connect() {
  auto config = client::resolve_client_config(config_flags(options_));
  if (!config.is_ok()) {
    usage(config.status().message());
    return false;
  }
  auto api = client::ApiClient::create(std::move(config).value());
  if (!api.is_ok()) {
    usage(api.status().message());
    return false;
  }
  client_.emplace(std::move(api).value());
  return true;
}

Result<Json> CommandClient::call(std::string_view operation, const Json& input) const {
  assert(client_);
  std::string target = "CodeBuild_20161006." + std::string(operation);
  auto body = client_->call(target, input.dump());
  if (!body.is_ok()) return body.status();
  Json output = Json::parse(body.value(), nullptr, /*allow_exceptions=*/false);
  if (!output.is_object()) {
    return Status(ErrorCode::kUnavailable, "the kiln server at " + client_->config().endpoint +
                                               " answered " + target + " with something that "
                                               "is not a JSON object");
  }
  return output;
}

Result<std::vector<std::string>> CommandClient::list_all(std::string_view operation, Json input,
                                                         const std::string& key,
                                                         std::size_t limit) const {
  std::vector<std::string> items;
  for (;;) {
    auto page = call(operation, input);
    if (!page.is_ok()) return page.status();
    if (auto found = page->find(key); found != page->end() && found->is_array()) {
      for (const Json& item : *found) {
        if (item.is_string()) items.push_back(item.get<std::string>());
      }
    }
    if (limit > 0 && items.size() >= limit) {
      items.resize(limit);
      return items;
    }
    auto token = page->find("nextToken");
    if (token == page->end() || !token->is_string() || token->get<std::string>().empty())
      return items;
    // A server that hands back the token it was given would loop forever.
    if (input.value("nextToken", "") == token->get<std::string>()) {
      return Status(ErrorCode::kUnavailable,
                    std::string(operation) + " returned the same nextToken twice");
    }
    input["nextToken"] = *token;
  }
}

Result<Json> CommandClient::batch_get(std::string_view operation, const std::string& names_key,
                                      const std::vector<std::string>& names,
                                      const std::string& items_key) const {
  Json out = {{items_key, Json::array()}, {items_key + "NotFound", Json::array()}};
  for (std::size_t at = 0; at < names.size(); at += kBatchSize) {
    std::size_t end = std::min(names.size(), at + kBatchSize);
    Json chunk(std::vector<std::string>(names.begin() + static_cast<std::ptrdiff_t>(at),
                                        names.begin() + static_cast<std::ptrdiff_t>(end)));
    auto page = call(operation, {{names_key, chunk}});
    if (!page.is_ok()) return page.status();
    for (const std::string& key : {items_key, items_key + "NotFound"}) {
      if (auto found = page->find(key); found != page->end() && found->is_array()) {
        for (const Json& item : *found) out[key].push_back(item);
      }
    }
  }
  return out;
}

Status CommandClient::stream_log(const std::string& build_id, bool follow, std::ostream& out,
                                 std::uint64_t* offset) const {
  assert(client_);
  std::uint64_t local_offset = 0;
  std::uint64_t& seen = offset ? *offset : local_offset;
  const std::uint64_t skip = seen;
  seen = 0;
  std::string path =
      "/kiln/v1/builds/" + percent_encode(build_id) + "/log" + (follow ? "?follow=true" : "");
  Status streamed = client_->stream(path, [&out, &seen, skip](std::string_view chunk) {
    std::uint64_t start = seen;
    seen += chunk.size();
    if (seen <= skip) return true;
    if (start < skip) chunk.remove_prefix(static_cast<std::size_t>(skip - start));
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    // A followed log is read by a person as it happens: no buffering.
    out.flush();
    return static_cast<bool>(out);
  });
  seen = std::max(seen, skip);
  return streamed;
}

int CommandClient::fail(const Status& status) {
  warn(status.message());
  exit_code_ = status.code() == ErrorCode::kUnavailable ? kExitUnavailable : kExitFailed;
  return exit_code_;
}

int CommandClient::usage(const std::string& message) {
  warn(message);
  exit_code_ = kExitUsage;
  return exit_code_;
}

void CommandClient::warn(const std::string& message) const {
  std::cerr << "kiln " << command_ << ": " << message << "\n";
}

void print_json(const Json& value) {
  std::cout << value.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(headers_.size());
  auto measure = [&widths](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], width(cells[i]));
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - width(cells[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  if (std::any_of(headers_.begin(), headers_.end(), [](const auto& h) { return !h.empty(); }))
    print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

std::string format_timestamp(const Json& value) {
  if (!value.is_number()) return "-";
  auto seconds = static_cast<std::time_t>(std::floor(value.get<double>()));
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return "-";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string format_duration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char text[32];
  if (seconds >= 3600) {
    std::snprintf(text, sizeof text, "%lldh %02lldm %02llds", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  } else if (seconds >= 60) {
    std::snprintf(text, sizeof text, "%lldm %02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(seconds));
  }
  return text;
}

int build_exit_code(std::string_view build_status) {
  if (build_status == "SUCCEEDED") return 0;
  if (build_status == "FAILED") return 1;
  if (build_status == "TIMED_OUT") return 4;
  if (build_status == "STOPPED") return 5;
  return 3;  // FAULT, or a status this client does not know
}

Result<std::vector<std::pair<std::string, std::string>>> parse_name_values(
    const std::vector<std::string>& pairs, const std::string& flag) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& pair : pairs) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status(ErrorCode::kInvalidInput, flag + " " + pair + ": expected NAME=VALUE");
    out.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return out;
}

Result<std::string> read_user_file(const std::string& path, const std::string& flag) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status(ErrorCode::kInvalidInput, flag + " " + path + ": " + ec.message());
  if (size > kMaxUserFileBytes)
    return Status(ErrorCode::kInvalidInput, flag + " " + path + ": larger than 10 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open())
    return Status(ErrorCode::kInvalidInput, flag + " " + path + ": cannot open it");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string build_id_of(std::string_view id_or_arn) {
  constexpr std::string_view kBuild = ":build/";
  auto at = id_or_arn.find(kBuild);
  if (id_or_arn.rfind("arn:", 0) == 0 && at != std::string_view::npos)
    return std::string(id_or_arn.substr(at + kBuild.size()));
  return std::string(id_or_arn);
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

}  // namespace kiln::cli
