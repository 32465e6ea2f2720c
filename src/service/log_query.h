// SPDX-License-Identifier: Apache-2.0
// How the Logs API reads a LogStore (codebuild-semantics.md §4.6): slices of
// one stream by event index, forwards or backwards (GetLogEvents), and a
// search of several streams in timestamp order (FilterLogEvents). Every call
// is bounded in events, bytes and (for slices) events examined; a finished
// stream's time bounds and order (StreamInfo) let it skip what cannot match
// and binary-search by time. No JSON here.
// Thread-safe as the LogStore is: these functions keep no state.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "logs/log_store.h"
#include "service/log_filter_pattern.h"

namespace kiln::service {

// CloudWatch counts an event as its message bytes plus 26 (PutLogEvents'
// rule); a page stays within 1 MB of that (but holds at least one event).
inline constexpr std::size_t kEventOverheadBytes = 26;
inline constexpr std::size_t kPageBytes = 1024 * 1024;
inline constexpr std::size_t kMaxPageEvents = 10000;

// Timestamps `begin <= t < end`, in epoch ms.
struct TimeRange {
  std::int64_t begin = std::numeric_limits<std::int64_t>::min();
  std::int64_t end = std::numeric_limits<std::int64_t>::max();

  bool contains(std::int64_t t) const { return begin <= t && t < end; }
  bool everything() const {
    return begin == std::numeric_limits<std::int64_t>::min() &&
           end == std::numeric_limits<std::int64_t>::max();
  }
};

struct PageLimits {
  std::size_t max_events = kMaxPageEvents;
  std::size_t max_bytes = kPageBytes;
  // Slices only: after examining this many events without filling the page,
  // a slice returns what it has (possibly nothing) and where it stopped.
  std::uint64_t max_examined = 200000;
};

struct IndexedEvent {
  std::uint64_t index = 0;
  logs::LogEvent event;
};

// Events of one stream in index order, and the index range [begin, end)
// that was examined to find them: nothing else in it is in the time range.
struct StreamSlice {
  std::vector<IndexedEvent> events;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

// Events in `range` from index `from` on. `end` is where a next forward read
// continues: `from` itself when nothing new was examined (the end of the
// stream), the stream's end once a finished stream has nothing further in
// range. `stream` is the stream's describe() answer.
Result<StreamSlice> read_forward(const logs::LogStore& store, const logs::StreamInfo& stream,
                                 std::uint64_t from, const TimeRange& range,
                                 const PageLimits& limits);

// The last events in `range` before index `before` (clamped to the stream's
// event count), returned in index order. `begin` is where a next backward
// read continues: `before` itself when nothing was examined, 0 once nothing
// earlier can be in range.
Result<StreamSlice> read_backward(const logs::LogStore& store, const logs::StreamInfo& stream,
                                  std::uint64_t before, const TimeRange& range,
                                  const PageLimits& limits);

// The order FilterLogEvents returns events in, across streams.
struct EventKey {
  std::int64_t timestamp = 0;
  std::string stream;
  std::uint64_t index = 0;

  auto operator<=>(const EventKey&) const = default;
};

struct FoundEvent {
  std::string stream;
  std::uint64_t index = 0;
  logs::LogEvent event;

  EventKey key() const { return {event.timestamp_ms, stream, index}; }
};

struct SearchResult {
  std::vector<FoundEvent> events;  // ascending by key()
  // Set when events after the page may match: the next search starts after it.
  std::optional<EventKey> resume_after;
  // Each stream searched, and whether it has nothing left for a next page.
  std::vector<std::pair<std::string, bool>> searched;
};

// The events of `streams` (describe() answers) in `range` matching
// `pattern`, with keys after `after`, the smallest keys first, within
// `limits` (max_examined does not apply: every stream is searched to the
// end, so that a page is never empty while more remain).
Result<SearchResult> search_streams(const logs::LogStore& store,
                                    const std::vector<logs::StreamInfo>& streams,
                                    const TimeRange& range, const LogFilterPattern& pattern,
                                    const std::optional<EventKey>& after, const PageLimits& limits);

}  // namespace kiln::service
