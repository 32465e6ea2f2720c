// SPDX-License-Identifier: Apache-2.0
#include "service/logs_api.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/log_filter_pattern.h"
#include "service/log_query.h"

namespace kiln::service {

namespace {

using Json = nlohmann::json;
using OutJson = nlohmann::ordered_json;

constexpr std::int64_t kMaxLong = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinLong = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kDescribeLimit = 50;

// CloudWatch's own messages, which scripts match on.
constexpr char kNoGroup[] = "The specified log group does not exist.";
constexpr char kNoStream[] = "The specified log stream does not exist.";
constexpr char kBadToken[] = "The specified nextToken is invalid.";

Status invalid(std::string message) { return Status(ErrorCode::kInvalidInput, std::move(message)); }
Status not_found(const char* message) { return Status(ErrorCode::kNotFound, message); }

// Internal errors are Statuses until here; the logs model's exceptions are
// InvalidParameterException, ResourceNotFoundException and, for a store that
// fails, ServiceUnavailableException (5xx, which clients retry).
ApiError to_api_error(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kInvalidInput:
      return {"InvalidParameterException", status.message(), 400};
    case ErrorCode::kNotFound:
      return {"ResourceNotFoundException", status.message(), 400};
    default:
      return {"ServiceUnavailableException", status.message(), 500};
  }
}

// Parses the body (empty counts as `{}`), runs `op` and renders its answer.
// nlohmann is used without exceptions: parse() reports through
// is_discarded(), members are read only after their type is checked, and
// dump() replaces invalid UTF-8 instead of throwing.
template <typename Op>
ApiResult answer(std::string_view body, Op&& op) {
  Json request = Json::object();
  if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    request = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  }
  if (request.is_discarded() || !request.is_object()) {
    return ApiResult::error(
        {"SerializationException", "The request body is not a JSON object", 400});
  }
  Result<OutJson> response = op(request);
  if (!response.is_ok()) return ApiResult::error(to_api_error(response.status()));
  return ApiResult::ok(response->dump(-1, ' ', false, Json::error_handler_t::replace));
}

// --- Request members. Absent and null read as absent (botocore sends
// neither null nor members it does not know); a wrong type is an error.

const Json* member(const Json& request, const char* name) {
  auto it = request.find(name);
  return it == request.end() || it->is_null() ? nullptr : &*it;
}

Result<std::optional<std::string>> get_string(const Json& request, const char* name) {
  const Json* value = member(request, name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return invalid(std::string(name) + " must be a string");
  return std::optional<std::string>(value->get<std::string>());
}

Result<std::optional<bool>> get_bool(const Json& request, const char* name) {
  const Json* value = member(request, name);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) return invalid(std::string(name) + " must be a boolean");
  return std::optional<bool>(value->get<bool>());
}

Result<std::optional<std::int64_t>> get_integer(const Json& request, const char* name,
                                                std::int64_t min, std::int64_t max) {
  const Json* value = member(request, name);
  if (value == nullptr) return std::optional<std::int64_t>();
  bool too_big =
      value->is_number_unsigned() && value->get<std::uint64_t>() > std::uint64_t(kMaxLong);
  if (!value->is_number_integer() || too_big) {
    return invalid(std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                   std::to_string(max));
  }
  std::int64_t number = value->get<std::int64_t>();
  auto violation = [&](const char* constraint, std::int64_t bound) {
    return invalid("1 validation error detected: Value '" + std::to_string(number) + "' at '" +
                   name + "' failed to satisfy constraint: Member must have value " + constraint +
                   " " + std::to_string(bound));
  };
  if (number < min) return violation("greater than or equal to", min);
  if (number > max) return violation("less than or equal to", max);
  return std::optional<std::int64_t>(number);
}

Result<std::optional<std::vector<std::string>>> get_string_list(const Json& request,
                                                                const char* name, std::size_t min,
                                                                std::size_t max) {
  const Json* value = member(request, name);
  if (value == nullptr) return std::optional<std::vector<std::string>>();
  if (!value->is_array()) return invalid(std::string(name) + " must be a list of strings");
  if (value->size() < min || value->size() > max) {
    return invalid(std::string(name) + " must have " + std::to_string(min) + " to " +
                   std::to_string(max) + " members");
  }
  std::vector<std::string> strings;
  for (const Json& item : *value) {
    if (!item.is_string()) return invalid(std::string(name) + " must be a list of strings");
    strings.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(strings));
}

// Reads members in turn, keeping the first error, so that an operation
// checks all it reads in a few lines.
class Reader {
 public:
  explicit Reader(const Json& request) : request_(request) {}

  std::optional<std::string> string(const char* name) { return take(get_string(request_, name)); }
  std::optional<bool> boolean(const char* name) { return take(get_bool(request_, name)); }
  std::optional<std::int64_t> integer(const char* name, std::int64_t min, std::int64_t max) {
    return take(get_integer(request_, name, min, max));
  }
  std::optional<std::vector<std::string>> strings(const char* name, std::size_t min,
                                                  std::size_t max) {
    return take(get_string_list(request_, name, min, max));
  }
  // startTime/endTime: epoch ms, at least 0 (the model's Timestamp).
  std::optional<std::int64_t> time(const char* name) { return integer(name, 0, kMaxLong); }

  const Status& status() const { return status_; }

 private:
  template <typename T>
  std::optional<T> take(Result<std::optional<T>> result) {
    if (!result.is_ok()) {
      if (status_.is_ok()) status_ = result.status();
      return std::nullopt;
    }
    return std::move(result.value());
  }

  const Json& request_;
  Status status_;
};

// --- Tokens.

std::string hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned int byte = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, byte, 16);
    if (ec != std::errc() || end != text.data() + i + 2) return std::nullopt;
    out += static_cast<char>(byte);
  }
  return out;
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string check_digits(std::string_view kind, std::string_view payload) {
  std::string text(kind);
  text += '\0';
  text += payload;
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(fnv1a(text)));
  return digits;
}

// The opaque tokens of FilterLogEvents and the Describe* operations:
// `<kind>/<hex payload>/<check>`, the check telling a token of ours for this
// kind of listing from any other string.
std::string seal(std::string_view kind, std::string_view payload) {
  return std::string(kind) + "/" + hex(payload) + "/" + check_digits(kind, payload);
}

Result<std::string> unseal(std::string_view kind, std::string_view token) {
  std::size_t first = token.find('/');
  std::size_t last = token.rfind('/');
  if (first == std::string_view::npos || first == last || token.substr(0, first) != kind) {
    return invalid(kBadToken);
  }
  std::optional<std::string> payload = unhex(token.substr(first + 1, last - first - 1));
  if (!payload || token.substr(last + 1) != check_digits(kind, *payload)) return invalid(kBadToken);
  return std::move(*payload);
}

// Reads a decimal number at the start of `text` and the '/' after it.
template <typename T>
bool take_number(std::string_view* text, T* number) {
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), *number);
  if (ec != std::errc() || end == text->data() + text->size() || *end != '/') return false;
  text->remove_prefix(static_cast<std::size_t>(end - text->data()) + 1);
  return true;
}

// GetLogEvents' tokens look like CloudWatch's: `f/` or `b/` and 56 digits,
// here the event index (docs/logs-api.md).
struct StreamPosition {
  bool forward = true;
  std::uint64_t index = 0;
};

std::string position_token(bool forward, std::uint64_t index) {
  char text[64];
  std::snprintf(text, sizeof text, "%c/%056llu", forward ? 'f' : 'b',
                static_cast<unsigned long long>(index));
  return text;
}

Result<StreamPosition> parse_position(std::string_view token) {
  if (token.size() < 3 || token.size() > 58 || (token[0] != 'f' && token[0] != 'b') ||
      token[1] != '/') {
    return invalid(kBadToken);
  }
  std::string_view digits = token.substr(2);
  StreamPosition position{token[0] == 'f', 0};
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), position.index);
  if (ec != std::errc() || end != digits.data() + digits.size()) return invalid(kBadToken);
  return position;
}

// --- Names and ARNs.

struct Context {
  const logs::LogStore& store;
  const std::string& region;
  const std::string& account;

  std::string group_arn(const std::string& group) const {
    return "arn:aws:logs:" + region + ":" + account + ":log-group:" + group;
  }
};

// A logGroupIdentifier is a name or `arn:<partition>:logs:<region>:
// <account>:log-group:<name>` (with or without `:*`); an ARN of another
// region or account names no group of ours.
Result<std::string> group_from_identifier(const Context& ctx, const std::string& identifier) {
  if (identifier.rfind("arn:", 0) != 0) return identifier;
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    std::size_t colon = identifier.find(':', start);
    parts.push_back(identifier.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  bool shaped = (parts.size() == 7 || (parts.size() == 8 && parts[7] == "*")) &&
                parts[2] == "logs" && parts[5] == "log-group" && !parts[6].empty();
  if (!shaped) return invalid("logGroupIdentifier '" + identifier + "' is not a log group ARN");
  if (parts[3] != ctx.region || parts[4] != ctx.account) return not_found(kNoGroup);
  return parts[6];
}

// The group of an operation: logGroupName or logGroupIdentifier, exactly one.
Result<std::string> requested_group(const Context& ctx, Reader& reader) {
  std::optional<std::string> name = reader.string("logGroupName");
  std::optional<std::string> identifier = reader.string("logGroupIdentifier");
  if (!reader.status().is_ok()) return reader.status();
  if (name && identifier) {
    return invalid("logGroupName and logGroupIdentifier cannot both be specified");
  }
  if (!name && !identifier) return invalid("Either logGroupName or logGroupIdentifier is required");
  return name ? *name : group_from_identifier(ctx, *identifier);
}

Result<bool> group_exists(const Context& ctx, const std::string& group) {
  Result<std::vector<logs::GroupInfo>> groups = ctx.store.list_groups();
  if (!groups.is_ok()) return groups.status();
  return std::any_of(groups->begin(), groups->end(),
                     [&](const logs::GroupInfo& info) { return info.name == group; });
}

// describe(), with CloudWatch's answers for a missing group or stream.
Result<logs::StreamInfo> describe_stream(const Context& ctx, const std::string& group,
                                         const std::string& stream) {
  Result<logs::StreamInfo> info = ctx.store.describe(group, stream);
  if (info.is_ok() || info.status().code() != ErrorCode::kNotFound) return info;
  Result<bool> exists = group_exists(ctx, group);
  if (!exists.is_ok()) return exists.status();
  return not_found(exists.value() ? kNoStream : kNoGroup);
}

// A group's streams; ResourceNotFound for a group without any (the store
// has a group only through its streams).
Result<std::vector<logs::StreamInfo>> streams_of(const Context& ctx, const std::string& group) {
  Result<std::vector<logs::StreamInfo>> streams = ctx.store.list_streams(group);
  if (streams.is_ok() && streams->empty()) return not_found(kNoGroup);
  return streams;
}

// --- The operations.

Result<OutJson> get_log_events_response(const Context& ctx, const Json& request) {
  Reader reader(request);
  Result<std::string> group = requested_group(ctx, reader);
  std::optional<std::string> stream = reader.string("logStreamName");
  std::optional<std::int64_t> start_time = reader.time("startTime");
  std::optional<std::int64_t> end_time = reader.time("endTime");
  std::optional<std::string> token = reader.string("nextToken");
  std::optional<std::int64_t> limit = reader.integer("limit", 1, kMaxPageEvents);
  std::optional<bool> from_head = reader.boolean("startFromHead");
  reader.boolean("unmask");  // nothing is masked at read time: secrets never reach the store
  if (!reader.status().is_ok()) return reader.status();
  if (!group.is_ok()) return group.status();
  if (!stream) return invalid("logStreamName is required");
  std::optional<StreamPosition> position;
  if (token) {
    Result<StreamPosition> parsed = parse_position(*token);
    if (!parsed.is_ok()) return parsed.status();
    position = parsed.value();
  }
  Result<logs::StreamInfo> info = describe_stream(ctx, group.value(), *stream);
  if (!info.is_ok()) return info.status();

  TimeRange range{start_time.value_or(kMinLong), end_time.value_or(kMaxLong)};
  PageLimits limits;
  limits.max_events = static_cast<std::size_t>(limit.value_or(kMaxPageEvents));
  // The token's direction decides; without one, startFromHead (default
  // false: the last page of the stream, codebuild-semantics.md §4.6).
  bool forward = position ? position->forward : from_head.value_or(false);
  std::uint64_t at = position ? position->index : (forward ? 0 : info->event_count);
  Result<StreamSlice> slice = forward ? read_forward(ctx.store, info.value(), at, range, limits)
                                      : read_backward(ctx.store, info.value(), at, range, limits);
  if (!slice.is_ok()) return slice.status();

  OutJson events = OutJson::array();
  for (const IndexedEvent& item : slice->events) {
    events.push_back({{"timestamp", item.event.timestamp_ms},
                      {"message", item.event.message},
                      {"ingestionTime", item.event.ingestion_ms}});
  }
  return OutJson{{"events", std::move(events)},
                 {"nextForwardToken", position_token(true, slice->end)},
                 {"nextBackwardToken", position_token(false, slice->begin)}};
}

constexpr char kFilterTokenKind[] = "kiln-filter-1";

std::string filter_token(const EventKey& key) {
  return seal(kFilterTokenKind,
              std::to_string(key.timestamp) + "/" + std::to_string(key.index) + "/" + key.stream);
}

Result<EventKey> parse_filter_token(const std::string& token) {
  Result<std::string> payload = unseal(kFilterTokenKind, token);
  if (!payload.is_ok()) return payload.status();
  std::string_view rest = payload.value();
  EventKey key;
  if (!take_number(&rest, &key.timestamp) || !take_number(&rest, &key.index)) {
    return invalid(kBadToken);
  }
  key.stream = std::string(rest);
  return key;
}

// Unique within a group, and in the 56-digit shape of CloudWatch's:
// timestamp, a hash of the stream name, event index.
std::string event_id(const FoundEvent& found) {
  char text[80];
  std::snprintf(
      text, sizeof text, "%020llu%020llu%016llu",
      static_cast<unsigned long long>(std::max<std::int64_t>(0, found.event.timestamp_ms)),
      static_cast<unsigned long long>(fnv1a(found.stream) % 10000000000000000000ull),
      static_cast<unsigned long long>(found.index % 10000000000000000ull));
  return text;
}

// The streams FilterLogEvents searches: the named ones (each must exist) or
// those whose name starts with the prefix (all of them without either).
Result<std::vector<logs::StreamInfo>> selected_streams(
    const Context& ctx, const std::string& group,
    const std::optional<std::vector<std::string>>& names,
    const std::optional<std::string>& prefix) {
  if (!names) {
    Result<std::vector<logs::StreamInfo>> streams = streams_of(ctx, group);
    if (!streams.is_ok() || !prefix) return streams;
    std::vector<logs::StreamInfo> matching;
    for (logs::StreamInfo& info : streams.value()) {
      if (info.stream.rfind(*prefix, 0) == 0) matching.push_back(std::move(info));
    }
    return matching;
  }
  std::set<std::string> unique(names->begin(), names->end());
  std::vector<logs::StreamInfo> streams;
  for (const std::string& name : unique) {
    Result<logs::StreamInfo> info = describe_stream(ctx, group, name);
    if (!info.is_ok()) return info.status();
    streams.push_back(std::move(info.value()));
  }
  return streams;
}

Result<OutJson> filter_log_events_response(const Context& ctx, const Json& request) {
  Reader reader(request);
  Result<std::string> group = requested_group(ctx, reader);
  std::optional<std::vector<std::string>> names = reader.strings("logStreamNames", 1, 100);
  std::optional<std::string> prefix = reader.string("logStreamNamePrefix");
  std::optional<std::int64_t> start_time = reader.time("startTime");
  std::optional<std::int64_t> end_time = reader.time("endTime");
  std::optional<std::string> pattern_text = reader.string("filterPattern");
  std::optional<std::string> token = reader.string("nextToken");
  std::optional<std::int64_t> limit = reader.integer("limit", 1, kMaxPageEvents);
  reader.boolean("interleaved");  // deprecated; results are always interleaved
  reader.boolean("unmask");
  if (!reader.status().is_ok()) return reader.status();
  if (!group.is_ok()) return group.status();
  if (names && prefix) {
    return invalid("logStreamNames and logStreamNamePrefix cannot both be specified");
  }
  Result<LogFilterPattern> pattern = LogFilterPattern::parse(pattern_text.value_or(""));
  if (!pattern.is_ok()) return pattern.status();
  std::optional<EventKey> after;
  if (token) {
    Result<EventKey> key = parse_filter_token(*token);
    if (!key.is_ok()) return key.status();
    after = key.value();
  }
  Result<std::vector<logs::StreamInfo>> streams =
      selected_streams(ctx, group.value(), names, prefix);
  if (!streams.is_ok()) return streams.status();

  // FilterLogEvents' endTime is inclusive ("events with a timestamp later
  // than this time are not returned"), unlike GetLogEvents'.
  TimeRange range{start_time.value_or(kMinLong),
                  end_time && *end_time < kMaxLong ? *end_time + 1 : kMaxLong};
  PageLimits limits;
  limits.max_events = static_cast<std::size_t>(limit.value_or(kMaxPageEvents));
  Result<SearchResult> found =
      search_streams(ctx.store, streams.value(), range, pattern.value(), after, limits);
  if (!found.is_ok()) return found.status();

  OutJson events = OutJson::array();
  for (const FoundEvent& item : found->events) {
    events.push_back({{"logStreamName", item.stream},
                      {"timestamp", item.event.timestamp_ms},
                      {"message", item.event.message},
                      {"ingestionTime", item.event.ingestion_ms},
                      {"eventId", event_id(item)}});
  }
  OutJson searched = OutJson::array();
  for (const auto& [name, completely] : found->searched) {
    searched.push_back({{"logStreamName", name}, {"searchedCompletely", completely}});
  }
  OutJson response{{"events", std::move(events)}, {"searchedLogStreams", std::move(searched)}};
  // No nextToken on the last page: the CLI pages while one is present.
  if (found->resume_after) response["nextToken"] = filter_token(*found->resume_after);
  return response;
}

constexpr char kGroupsTokenKind[] = "kiln-groups-1";

Result<OutJson> describe_log_groups_response(const Context& ctx, const Json& request) {
  Reader reader(request);
  std::optional<std::string> prefix = reader.string("logGroupNamePrefix");
  std::optional<std::string> pattern = reader.string("logGroupNamePattern");
  std::optional<std::vector<std::string>> identifiers =
      reader.strings("logGroupIdentifiers", 1, 50);
  std::optional<std::string> group_class = reader.string("logGroupClass");
  std::optional<std::string> token = reader.string("nextToken");
  std::optional<std::int64_t> limit = reader.integer("limit", 1, kDescribeLimit);
  // Cross-account observability: kiln has one account, so nothing to add.
  reader.strings("accountIdentifiers", 0, 20);
  reader.boolean("includeLinkedAccounts");
  if (!reader.status().is_ok()) return reader.status();
  if (prefix && pattern) {
    return invalid("logGroupNamePrefix and logGroupNamePattern cannot both be specified");
  }
  if (identifiers && (prefix || pattern)) {
    return invalid(
        "logGroupIdentifiers cannot be combined with logGroupNamePrefix or "
        "logGroupNamePattern");
  }
  if (group_class && *group_class != "STANDARD" && *group_class != "INFREQUENT_ACCESS" &&
      *group_class != "DELIVERY") {
    return invalid("logGroupClass must be STANDARD, INFREQUENT_ACCESS or DELIVERY");
  }
  std::optional<std::string> after;
  if (token) {
    Result<std::string> name = unseal(kGroupsTokenKind, *token);
    if (!name.is_ok()) return name.status();
    after = name.value();
  }
  std::set<std::string> wanted;
  for (const std::string& identifier : identifiers.value_or(std::vector<std::string>{})) {
    Result<std::string> name = group_from_identifier(ctx, identifier);
    if (name.is_ok()) wanted.insert(name.value());
    if (!name.is_ok() && name.status().code() != ErrorCode::kNotFound) return name.status();
  }
  Result<std::vector<logs::GroupInfo>> groups = ctx.store.list_groups();
  if (!groups.is_ok()) return groups.status();

  auto selected = [&](const logs::GroupInfo& group) {
    // Every group here is of the STANDARD class.
    return (!group_class || *group_class == "STANDARD") && (!after || group.name > *after) &&
           (!prefix || group.name.rfind(*prefix, 0) == 0) &&
           (!pattern || group.name.find(*pattern) != std::string::npos) &&
           (!identifiers || wanted.count(group.name) > 0);
  };
  std::size_t page_size = static_cast<std::size_t>(limit.value_or(kDescribeLimit));
  OutJson list = OutJson::array();
  std::optional<std::string> last;
  bool more = false;
  for (const logs::GroupInfo& group : groups.value()) {  // sorted by name
    if (!selected(group)) continue;
    if (list.size() == page_size) {
      more = true;
      break;
    }
    OutJson item{{"logGroupName", group.name},
                 {"creationTime", group.creation_ms},
                 {"arn", ctx.group_arn(group.name) + ":*"}};
    // With logGroupNamePattern CloudWatch answers only these three.
    if (!pattern) {
      item["metricFilterCount"] = 0;
      item["storedBytes"] = 0;
      item["logGroupClass"] = "STANDARD";
      item["logGroupArn"] = ctx.group_arn(group.name);
    }
    list.push_back(std::move(item));
    last = group.name;
  }
  OutJson response{{"logGroups", std::move(list)}};
  if (more) response["nextToken"] = seal(kGroupsTokenKind, *last);
  return response;
}

// DescribeLogStreams sorts by this: (0, name), or (lastEventTimestamp, name)
// with streams without events first.
using StreamKey = std::pair<std::int64_t, std::string>;

StreamKey stream_key(const logs::StreamInfo& info, bool by_time) {
  return {by_time ? info.last_event_ms.value_or(kMinLong) : 0, info.stream};
}

std::string streams_token_kind(bool by_time, bool descending) {
  return std::string("kiln-streams-1") + (by_time ? "t" : "n") + (descending ? "d" : "a");
}

OutJson stream_json(const Context& ctx, const logs::StreamInfo& info) {
  OutJson item{{"logStreamName", info.stream}, {"creationTime", info.creation_ms}};
  if (info.first_event_ms) item["firstEventTimestamp"] = *info.first_event_ms;
  if (info.last_event_ms) item["lastEventTimestamp"] = *info.last_event_ms;
  if (info.last_ingestion_ms) item["lastIngestionTime"] = *info.last_ingestion_ms;
  char sequence[64];
  std::snprintf(sequence, sizeof sequence, "%056llu",
                static_cast<unsigned long long>(info.event_count + 1));
  item["uploadSequenceToken"] = sequence;
  item["arn"] = ctx.group_arn(info.group) + ":log-stream:" + info.stream;
  item["storedBytes"] = 0;
  return item;
}

Result<OutJson> describe_log_streams_response(const Context& ctx, const Json& request) {
  Reader reader(request);
  Result<std::string> group = requested_group(ctx, reader);
  std::optional<std::string> prefix = reader.string("logStreamNamePrefix");
  std::optional<std::string> order = reader.string("orderBy");
  std::optional<bool> descending = reader.boolean("descending");
  std::optional<std::string> token = reader.string("nextToken");
  std::optional<std::int64_t> limit = reader.integer("limit", 1, kDescribeLimit);
  if (!reader.status().is_ok()) return reader.status();
  if (!group.is_ok()) return group.status();
  if (order && *order != "LogStreamName" && *order != "LastEventTime") {
    return invalid("orderBy must be LogStreamName or LastEventTime");
  }
  bool by_time = order && *order == "LastEventTime";
  bool down = descending.value_or(false);
  if (by_time && prefix) {
    return invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  std::optional<StreamKey> after;
  if (token) {
    Result<std::string> payload = unseal(streams_token_kind(by_time, down), *token);
    if (!payload.is_ok()) return payload.status();
    std::string_view rest = payload.value();
    StreamKey key;
    if (!take_number(&rest, &key.first)) return invalid(kBadToken);
    key.second = std::string(rest);
    after = std::move(key);
  }
  Result<std::vector<logs::StreamInfo>> streams = streams_of(ctx, group.value());
  if (!streams.is_ok()) return streams.status();

  std::vector<std::pair<StreamKey, const logs::StreamInfo*>> sorted;
  for (const logs::StreamInfo& info : streams.value()) {
    if (prefix && info.stream.rfind(*prefix, 0) != 0) continue;
    StreamKey key = stream_key(info, by_time);
    if (after && (down ? key >= *after : key <= *after)) continue;
    sorted.emplace_back(std::move(key), &info);
  }
  std::sort(sorted.begin(), sorted.end(), [down](const auto& a, const auto& b) {
    return down ? b.first < a.first : a.first < b.first;
  });
  std::size_t page_size = static_cast<std::size_t>(limit.value_or(kDescribeLimit));
  OutJson list = OutJson::array();
  for (std::size_t i = 0; i < sorted.size() && i < page_size; ++i) {
    list.push_back(stream_json(ctx, *sorted[i].second));
  }
  OutJson response{{"logStreams", std::move(list)}};
  if (sorted.size() > page_size) {
    const StreamKey& last = sorted[page_size - 1].first;
    response["nextToken"] =
        seal(streams_token_kind(by_time, down), std::to_string(last.first) + "/" + last.second);
  }
  return response;
}

}  // namespace

LogsApi::LogsApi(const logs::LogStore& store, std::string region, std::string account_id)
    : store_(store), region_(std::move(region)), account_id_(std::move(account_id)) {}

ApiResult LogsApi::get_log_events(std::string_view body_json) const {
  Context ctx{store_, region_, account_id_};
  return answer(body_json,
                [&](const Json& request) { return get_log_events_response(ctx, request); });
}

ApiResult LogsApi::filter_log_events(std::string_view body_json) const {
  Context ctx{store_, region_, account_id_};
  return answer(body_json,
                [&](const Json& request) { return filter_log_events_response(ctx, request); });
}

ApiResult LogsApi::describe_log_groups(std::string_view body_json) const {
  Context ctx{store_, region_, account_id_};
  return answer(body_json,
                [&](const Json& request) { return describe_log_groups_response(ctx, request); });
}

ApiResult LogsApi::describe_log_streams(std::string_view body_json) const {
  Context ctx{store_, region_, account_id_};
  return answer(body_json,
                [&](const Json& request) { return describe_log_streams_response(ctx, request); });
}

std::optional<ApiResult> LogsApi::call(std::string_view operation,
                                       std::string_view body_json) const {
  if (operation == "GetLogEvents") return get_log_events(body_json);
  if (operation == "FilterLogEvents") return filter_log_events(body_json);
  if (operation == "DescribeLogGroups") return describe_log_groups(body_json);
  if (operation == "DescribeLogStreams") return describe_log_streams(body_json);
  return std::nullopt;
}

}  // namespace kiln::service
