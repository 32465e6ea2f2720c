// SPDX-License-Identifier: Apache-2.0
#include "service/log_query.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <vector>

#include "logs/file_log_store.h"
#include "support/test_support.h"

namespace kiln::service {
namespace {

using kiln::testing::TempDir;

constexpr char kGroup[] = "/aws/codebuild/query";

// The real store, counting the events its reads return, to show how much a
// query reads.
class CountingStore : public logs::LogStore {
 public:
  explicit CountingStore(logs::LogStore& inner) : inner_(inner) {}
  Result<std::unique_ptr<logs::LogWriter>> create_stream(const std::string& group,
                                                         const std::string& stream) override {
    return inner_.create_stream(group, stream);
  }
  Result<logs::LogPage> read(const std::string& group, const std::string& stream,
                             std::uint64_t start, std::size_t limit) const override {
    Result<logs::LogPage> page = inner_.read(group, stream, start, limit);
    if (page.is_ok()) events_read_ += page->events.size();
    return page;
  }
  Result<logs::StreamInfo> describe(const std::string& group,
                                    const std::string& stream) const override {
    return inner_.describe(group, stream);
  }
  Result<std::vector<logs::StreamInfo>> list_streams(const std::string& group) const override {
    return inner_.list_streams(group);
  }
  Result<std::vector<logs::GroupInfo>> list_groups() const override { return inner_.list_groups(); }
  std::uint64_t take_count() { return events_read_.exchange(0); }

 private:
  logs::LogStore& inner_;
  mutable std::atomic<std::uint64_t> events_read_{0};
};

struct Expected {
  std::string stream;
  std::uint64_t index;
  std::int64_t timestamp;
  std::string message;
};

class LogQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = logs::FileLogStore::open(tmp_.path() + "/logs");
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened.value());
  }

  // Writes `timestamps` as events "<stream> <i>" (every 7th also says
  // "needle"); closes the stream unless `keep_open`.
  void write(const std::string& stream, const std::vector<std::int64_t>& timestamps,
             bool keep_open = false) {
    auto writer = store_->create_stream(kGroup, stream);
    ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
    for (std::size_t i = 0; i < timestamps.size(); ++i) {
      std::string message = stream + " " + std::to_string(i) + (i % 7 == 0 ? " needle" : "");
      ASSERT_TRUE(writer.value()->append(timestamps[i], message).is_ok());
    }
    if (keep_open) {
      ASSERT_TRUE(writer.value()->flush().is_ok());
      open_writers_.push_back(std::move(writer.value()));
    } else {
      ASSERT_TRUE(writer.value()->close().is_ok());
    }
  }

  logs::StreamInfo info(const std::string& stream) {
    auto described = store_->describe(kGroup, stream);
    EXPECT_TRUE(described.is_ok()) << described.status().to_string();
    return described.is_ok() ? described.value() : logs::StreamInfo{};
  }

  // What a query must find, by reading everything.
  std::vector<Expected> brute_force(const std::string& stream, const TimeRange& range,
                                    const LogFilterPattern& pattern = {}) {
    std::vector<Expected> found;
    auto page = store_->read(kGroup, stream, 0, 1u << 30);
    EXPECT_TRUE(page.is_ok());
    for (std::size_t i = 0; i < page->events.size(); ++i) {
      const logs::LogEvent& event = page->events[i];
      if (range.contains(event.timestamp_ms) && pattern.matches(event.message)) {
        found.push_back({stream, i, event.timestamp_ms, event.message});
      }
    }
    return found;
  }

  TempDir tmp_;
  std::unique_ptr<logs::FileLogStore> store_;
  std::vector<std::unique_ptr<logs::LogWriter>> open_writers_;
};

std::vector<std::int64_t> sorted_times(std::mt19937& rng, int count) {
  std::vector<std::int64_t> times;
  std::int64_t t = 1000;
  for (int i = 0; i < count; ++i) times.push_back(t += static_cast<std::int64_t>(rng() % 3));
  return times;
}

std::vector<std::int64_t> shuffled_times(std::mt19937& rng, int count) {
  std::vector<std::int64_t> times;
  for (int i = 0; i < count; ++i) times.push_back(1000 + static_cast<std::int64_t>(rng() % 3000));
  return times;
}

std::vector<TimeRange> ranges() {
  return {TimeRange{},
          TimeRange{1500, 2500},
          TimeRange{1000, 1001},
          TimeRange{5000, 6000},
          TimeRange{0, 1000},
          TimeRange{2999, 3004},
          TimeRange{1800, std::numeric_limits<std::int64_t>::max()}};
}

// Three streams that take the three paths: binary search (finished and
// sorted), bounds only (finished, unsorted), plain scan (still written).
class LogQueryStreamsTest : public LogQueryTest {
 protected:
  void SetUp() override {
    LogQueryTest::SetUp();
    std::mt19937 rng(7);
    write("sorted", sorted_times(rng, 2500));
    write("unsorted", shuffled_times(rng, 2500));
    write("open", sorted_times(rng, 2500), /*keep_open=*/true);
  }
};

TEST_F(LogQueryStreamsTest, ForwardPagesFindWhatAFullScanFinds) {
  for (const char* stream : {"sorted", "unsorted", "open"}) {
    for (const TimeRange& range : ranges()) {
      for (PageLimits limits :
           {PageLimits{}, PageLimits{37, kPageBytes, 200000}, PageLimits{1000, 2000, 300}}) {
        std::vector<Expected> expected = brute_force(stream, range);
        std::vector<IndexedEvent> got;
        std::uint64_t from = 0;
        for (int calls = 0;; ++calls) {
          ASSERT_LT(calls, 1000) << "no progress";
          auto slice = read_forward(*store_, info(stream), from, range, limits);
          ASSERT_TRUE(slice.is_ok()) << slice.status().to_string();
          ASSERT_EQ(slice->begin, from);
          ASSERT_LE(slice->events.size(), limits.max_events);
          for (IndexedEvent& event : slice->events) {
            ASSERT_GE(event.index, from);
            ASSERT_LT(event.index, slice->end);
            got.push_back(std::move(event));
          }
          if (slice->end == from) break;  // the follower's "nothing new"
          from = slice->end;
        }
        ASSERT_EQ(got.size(), expected.size())
            << stream << " [" << range.begin << ", " << range.end << ")";
        for (std::size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i].index, expected[i].index);
          ASSERT_EQ(got[i].event.message, expected[i].message);
        }
      }
    }
  }
}

TEST_F(LogQueryStreamsTest, BackwardPagesFindWhatAFullScanFinds) {
  for (const char* stream : {"sorted", "unsorted", "open"}) {
    for (const TimeRange& range : ranges()) {
      for (PageLimits limits :
           {PageLimits{}, PageLimits{37, kPageBytes, 200000}, PageLimits{1000, 2000, 300}}) {
        std::vector<Expected> expected = brute_force(stream, range);
        std::vector<IndexedEvent> got;
        std::uint64_t before = info(stream).event_count;
        for (int calls = 0;; ++calls) {
          ASSERT_LT(calls, 1000) << "no progress";
          auto slice = read_backward(*store_, info(stream), before, range, limits);
          ASSERT_TRUE(slice.is_ok()) << slice.status().to_string();
          ASSERT_EQ(slice->end, before);
          ASSERT_LE(slice->events.size(), limits.max_events);
          for (std::size_t i = 1; i < slice->events.size(); ++i) {
            ASSERT_LT(slice->events[i - 1].index, slice->events[i].index);
          }
          got.insert(got.begin(), std::make_move_iterator(slice->events.begin()),
                     std::make_move_iterator(slice->events.end()));
          if (slice->begin == before) break;  // nothing earlier
          before = slice->begin;
        }
        ASSERT_EQ(got.size(), expected.size())
            << stream << " [" << range.begin << ", " << range.end << ")";
        for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].index, expected[i].index);
      }
    }
  }
}

TEST_F(LogQueryStreamsTest, APageKeepsToItsByteBudgetButHoldsOneEvent) {
  PageLimits limits{10000, 100, 200000};
  auto slice = read_forward(*store_, info("sorted"), 0, TimeRange{}, limits);
  ASSERT_TRUE(slice.is_ok());
  // "sorted 0 needle" + 26 and "sorted 1" + 26 make 75; a third would pass 100.
  ASSERT_EQ(slice->events.size(), 2u);
  EXPECT_EQ(slice->end, 2u);
  limits.max_bytes = 1;
  slice = read_backward(*store_, info("sorted"), 10, TimeRange{}, limits);
  ASSERT_TRUE(slice.is_ok());
  ASSERT_EQ(slice->events.size(), 1u);
  EXPECT_EQ(slice->events[0].index, 9u);
  EXPECT_EQ(slice->begin, 9u);
}

TEST_F(LogQueryStreamsTest, SearchPagesAcrossStreamsInKeyOrder) {
  std::mt19937 rng(11);
  std::vector<std::string> streams = {"open", "sorted", "unsorted"};
  for (const TimeRange& range : ranges()) {
    for (const char* pattern_text : {"", "needle", "-needle"}) {
      for (PageLimits limits :
           {PageLimits{}, PageLimits{97, kPageBytes, 0}, PageLimits{10000, 3000, 0}}) {
        LogFilterPattern pattern = LogFilterPattern::parse(pattern_text).value();
        std::vector<Expected> expected;
        for (const std::string& stream : streams) {
          for (Expected& e : brute_force(stream, range, pattern)) expected.push_back(std::move(e));
        }
        std::sort(expected.begin(), expected.end(), [](const Expected& a, const Expected& b) {
          return std::tie(a.timestamp, a.stream, a.index) <
                 std::tie(b.timestamp, b.stream, b.index);
        });
        std::vector<logs::StreamInfo> infos;
        for (const std::string& stream : streams) infos.push_back(info(stream));
        std::vector<FoundEvent> got;
        std::optional<EventKey> after;
        for (int calls = 0;; ++calls) {
          ASSERT_LT(calls, 1000) << "no progress";
          auto result = search_streams(*store_, infos, range, pattern, after, limits);
          ASSERT_TRUE(result.is_ok()) << result.status().to_string();
          ASSERT_LE(result->events.size(), limits.max_events);
          ASSERT_EQ(result->searched.size(), 3u);
          if (result->resume_after) {
            ASSERT_FALSE(result->events.empty()) << "a page with a token must make progress";
            EXPECT_EQ(*result->resume_after, result->events.back().key());
          } else {
            for (const auto& [name, completely] : result->searched) EXPECT_TRUE(completely) << name;
          }
          for (FoundEvent& event : result->events) got.push_back(std::move(event));
          if (!result->resume_after) break;
          after = result->resume_after;
        }
        ASSERT_EQ(got.size(), expected.size())
            << "[" << range.begin << ", " << range.end << ") '" << pattern_text << "'";
        for (std::size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i].stream, expected[i].stream) << i;
          ASSERT_EQ(got[i].index, expected[i].index) << i;
          ASSERT_EQ(got[i].event.message, expected[i].message) << i;
        }
      }
    }
  }
}

TEST_F(LogQueryTest, TheTailOfALongStreamReadsLittle) {
  constexpr int kEvents = 200000;
  std::vector<std::int64_t> times;
  for (int i = 0; i < kEvents; ++i) times.push_back(1000000 + i);
  write("long", times);
  CountingStore counting(*store_);
  logs::StreamInfo long_info = info("long");
  PageLimits limits;
  limits.max_events = 100;

  auto tail = read_backward(counting, long_info, long_info.event_count, TimeRange{}, limits);
  ASSERT_TRUE(tail.is_ok());
  ASSERT_EQ(tail->events.size(), 100u);
  EXPECT_EQ(tail->events.back().index, kEvents - 1u);
  EXPECT_EQ(tail->begin, kEvents - 100u);
  EXPECT_LE(counting.take_count(), 200u);

  // A time range on a finished, sorted stream: a binary search, then the page.
  TimeRange range{1000000 + 150000, 1000000 + 150050};
  auto middle = read_forward(counting, long_info, 0, range, limits);
  ASSERT_TRUE(middle.is_ok());
  ASSERT_EQ(middle->events.size(), 50u);
  EXPECT_EQ(middle->events.front().index, 150000u);
  EXPECT_EQ(middle->end, static_cast<std::uint64_t>(kEvents));  // nothing further can match
  EXPECT_LE(counting.take_count(), 200u);

  std::vector<logs::StreamInfo> streams = {long_info};
  auto found = search_streams(counting, streams, range, LogFilterPattern(), std::nullopt, limits);
  ASSERT_TRUE(found.is_ok());
  EXPECT_EQ(found->events.size(), 50u);
  EXPECT_FALSE(found->resume_after.has_value());
  EXPECT_LE(counting.take_count(), 200u);
}

}  // namespace
}  // namespace kiln::service
