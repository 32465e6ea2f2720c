// SPDX-License-Identifier: Apache-2.0
#include "service/log_query.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace kiln::service {

namespace {

constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();
// Events asked of the store per read(); it also stops after about 1 MiB.
constexpr std::uint64_t kReadChunk = 1024;
// A backward chunk aims at this many bytes of events, so that reading the
// tail of a stream of large events does not hold much more than a page.
constexpr std::size_t kBackwardChunkBytes = 256 * 1024;

std::size_t cost(const logs::LogEvent& event) { return event.message.size() + kEventOverheadBytes; }

// The first index whose timestamp is at least `t`.
// Requires: `stream` is finished and sorted.
Result<std::uint64_t> first_at_or_after(const logs::LogStore& store, const logs::StreamInfo& stream,
                                        std::int64_t t) {
  std::uint64_t lo = 0;
  std::uint64_t hi = stream.event_count;
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    Result<logs::LogPage> page = store.read(stream.group, stream.stream, mid, 1);
    if (!page.is_ok()) return page.status();
    if (page->events.empty() || page->events[0].timestamp_ms >= t) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// Indices [lo, hi) outside which no event of `stream` can be in `range`.
// Only a finished stream's metadata narrows it; `hi` is kUnbounded for a
// stream still being written.
Result<std::pair<std::uint64_t, std::uint64_t>> candidates(const logs::LogStore& store,
                                                           const logs::StreamInfo& stream,
                                                           const TimeRange& range) {
  if (!stream.complete) return std::pair<std::uint64_t, std::uint64_t>{0, kUnbounded};
  std::uint64_t count = stream.event_count;
  if (!stream.min_event_ms || !stream.max_event_ms)
    return std::pair<std::uint64_t, std::uint64_t>{0, count};
  if (*stream.max_event_ms < range.begin || *stream.min_event_ms >= range.end) {
    return std::pair<std::uint64_t, std::uint64_t>{count, count};
  }
  if (!stream.sorted) return std::pair<std::uint64_t, std::uint64_t>{0, count};
  std::uint64_t lo = 0;
  std::uint64_t hi = count;
  if (range.begin > *stream.min_event_ms) {
    Result<std::uint64_t> found = first_at_or_after(store, stream, range.begin);
    if (!found.is_ok()) return found.status();
    lo = found.value();
  }
  if (range.end <= *stream.max_event_ms) {
    Result<std::uint64_t> found = first_at_or_after(store, stream, range.end);
    if (!found.is_ok()) return found.status();
    hi = found.value();
  }
  return std::pair<std::uint64_t, std::uint64_t>{lo, std::max(lo, hi)};
}

// Events [start, end) of the stream, fewer if it has fewer.
Result<std::vector<logs::LogEvent>> read_range(const logs::LogStore& store,
                                               const logs::StreamInfo& stream, std::uint64_t start,
                                               std::uint64_t end) {
  std::vector<logs::LogEvent> events;
  for (std::uint64_t pos = start; pos < end;) {
    Result<logs::LogPage> page =
        store.read(stream.group, stream.stream, pos, static_cast<std::size_t>(end - pos));
    if (!page.is_ok()) return page.status();
    if (page->events.empty()) break;
    pos += page->events.size();
    for (logs::LogEvent& event : page->events) events.push_back(std::move(event));
  }
  return events;
}

using KeyView = std::tuple<const std::int64_t&, const std::string&, const std::uint64_t&>;

KeyView view(const FoundEvent& found) {
  return {found.event.timestamp_ms, found.stream, found.index};
}
KeyView view(const EventKey& key) { return {key.timestamp, key.stream, key.index}; }

bool key_less(const FoundEvent& a, const FoundEvent& b) { return view(a) < view(b); }

}  // namespace

Result<StreamSlice> read_forward(const logs::LogStore& store, const logs::StreamInfo& stream,
                                 std::uint64_t from, const TimeRange& range,
                                 const PageLimits& limits) {
  Result<std::pair<std::uint64_t, std::uint64_t>> bounds = candidates(store, stream, range);
  if (!bounds.is_ok()) return bounds.status();
  auto [lo, hi] = bounds.value();
  StreamSlice slice;
  slice.begin = from;
  std::uint64_t pos = std::max(from, lo);
  std::size_t bytes = 0;
  std::uint64_t examined = 0;
  bool full = false;
  while (!full && pos < hi && examined < limits.max_examined) {
    std::uint64_t want = kReadChunk;
    if (range.everything())
      want = std::min<std::uint64_t>(want, limits.max_events - slice.events.size());
    if (hi != kUnbounded) want = std::min(want, hi - pos);
    Result<logs::LogPage> page =
        store.read(stream.group, stream.stream, pos, static_cast<std::size_t>(want));
    if (!page.is_ok()) return page.status();
    if (page->events.empty()) break;  // the end of what is written
    for (logs::LogEvent& event : page->events) {
      if (range.contains(event.timestamp_ms)) {
        if (!slice.events.empty() && bytes + cost(event) > limits.max_bytes) {
          full = true;
          break;
        }
        bytes += cost(event);
        slice.events.push_back({pos, std::move(event)});
      }
      ++pos;
      ++examined;
      if (slice.events.size() >= limits.max_events) {
        full = true;
        break;
      }
    }
  }
  slice.end = pos;
  // A finished stream has nothing in range past `hi`: a next read may start
  // at its end, and a follower then gets this same position back.
  if (!full && pos >= hi && stream.complete) slice.end = std::max(pos, stream.event_count);
  return slice;
}

Result<StreamSlice> read_backward(const logs::LogStore& store, const logs::StreamInfo& stream,
                                  std::uint64_t before, const TimeRange& range,
                                  const PageLimits& limits) {
  Result<std::pair<std::uint64_t, std::uint64_t>> bounds = candidates(store, stream, range);
  if (!bounds.is_ok()) return bounds.status();
  auto [lo, hi] = bounds.value();
  before = std::min(before, stream.event_count);
  StreamSlice slice;
  slice.end = before;
  std::uint64_t cur = std::min(before, hi);
  std::vector<IndexedEvent> newest_first;
  std::size_t bytes = 0;
  std::uint64_t examined = 0;
  std::uint64_t chunk = 64;
  bool full = false;
  while (!full && cur > lo && examined < limits.max_examined) {
    std::uint64_t want = std::min(chunk, cur - lo);
    if (range.everything())
      want = std::min<std::uint64_t>(want, limits.max_events - newest_first.size());
    std::uint64_t start = cur - want;
    Result<std::vector<logs::LogEvent>> events = read_range(store, stream, start, cur);
    if (!events.is_ok()) return events.status();
    std::size_t chunk_bytes = 0;
    for (std::size_t k = events->size(); k-- > 0 && !full;) {
      logs::LogEvent& event = events.value()[k];
      std::uint64_t index = start + k;
      chunk_bytes += cost(event);
      ++examined;
      if (!range.contains(event.timestamp_ms)) continue;
      if (!newest_first.empty() && bytes + cost(event) > limits.max_bytes) {
        full = true;
        cur = index + 1;
        break;
      }
      bytes += cost(event);
      newest_first.push_back({index, std::move(event)});
      if (newest_first.size() >= limits.max_events) {
        full = true;
        cur = index;
      }
    }
    if (!full) cur = start;
    if (!events->empty()) {
      std::size_t average = std::max<std::size_t>(1, chunk_bytes / events->size());
      chunk = std::clamp<std::uint64_t>(kBackwardChunkBytes / average, 16, kReadChunk);
    }
  }
  // Below `lo` nothing is in range: a next backward read has nothing to do.
  slice.begin = (!full && cur <= lo) ? 0 : cur;
  slice.events.assign(std::make_move_iterator(newest_first.rbegin()),
                      std::make_move_iterator(newest_first.rend()));
  return slice;
}

Result<SearchResult> search_streams(const logs::LogStore& store,
                                    const std::vector<logs::StreamInfo>& streams,
                                    const TimeRange& range, const LogFilterPattern& pattern,
                                    const std::optional<EventKey>& after,
                                    const PageLimits& limits) {
  // A max-heap by key of the smallest keys found so far. Invariant: it holds
  // every matching event seen with a key below `threshold` (the smallest
  // key pushed out of it or turned away), and no other.
  std::vector<FoundEvent> heap;
  std::size_t bytes = 0;
  std::optional<EventKey> threshold;
  std::set<std::string> unfinished;  // streams with matches left for a next page
  TimeRange narrowed = range;
  if (after) narrowed.begin = std::max(narrowed.begin, after->timestamp);

  for (const logs::StreamInfo& stream : streams) {
    Result<std::pair<std::uint64_t, std::uint64_t>> bounds = candidates(store, stream, narrowed);
    if (!bounds.is_ok()) return bounds.status();
    auto [pos, hi] = bounds.value();
    bool done = false;
    while (!done && pos < hi) {
      std::uint64_t want = hi == kUnbounded ? kReadChunk : std::min(kReadChunk, hi - pos);
      Result<logs::LogPage> page =
          store.read(stream.group, stream.stream, pos, static_cast<std::size_t>(want));
      if (!page.is_ok()) return page.status();
      if (page->events.empty()) break;
      for (logs::LogEvent& event : page->events) {
        std::uint64_t index = pos++;
        if (!narrowed.contains(event.timestamp_ms)) continue;
        FoundEvent found{stream.stream, index, std::move(event)};
        if (after && view(found) <= view(*after)) continue;
        if (threshold && view(found) >= view(*threshold)) {
          // Past the page. In a sorted stream every later key is larger still,
          // so one match settles that the stream has more.
          if (pattern.matches(found.event.message)) {
            unfinished.insert(stream.stream);
            done = stream.sorted;
            if (done) break;
          }
          continue;
        }
        if (!pattern.matches(found.event.message)) continue;
        bytes += cost(found.event);
        heap.push_back(std::move(found));
        std::push_heap(heap.begin(), heap.end(), key_less);
        while (heap.size() > limits.max_events || (bytes > limits.max_bytes && heap.size() > 1)) {
          std::pop_heap(heap.begin(), heap.end(), key_less);
          threshold = heap.back().key();
          unfinished.insert(heap.back().stream);
          bytes -= cost(heap.back().event);
          heap.pop_back();
        }
      }
    }
  }

  SearchResult result;
  std::sort_heap(heap.begin(), heap.end(), key_less);
  result.events = std::move(heap);
  if (!unfinished.empty() && !result.events.empty())
    result.resume_after = result.events.back().key();
  for (const logs::StreamInfo& stream : streams) {
    result.searched.emplace_back(stream.stream, unfinished.count(stream.stream) == 0);
  }
  return result;
}

}  // namespace kiln::service
