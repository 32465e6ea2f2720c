// SPDX-License-Identifier: Apache-2.0
#include "logs/file_log_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace kiln::logs {
namespace {

using kiln::testing::TempDir;

constexpr char kGroup[] = "/aws/codebuild/demo";

class FileLogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_store(); }

  std::unique_ptr<FileLogStore> open_store() {
    auto opened = FileLogStore::open(tmp_.path() + "/logs");
    EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
    return std::move(opened.value());
  }

  std::unique_ptr<LogWriter> create(const std::string& stream) {
    auto writer = store_->create_stream(kGroup, stream);
    EXPECT_TRUE(writer.is_ok()) << writer.status().to_string();
    return writer.is_ok() ? std::move(writer.value()) : nullptr;
  }

  LogPage read(const std::string& stream, std::uint64_t start, std::size_t limit) {
    auto page = store_->read(kGroup, stream, start, limit);
    EXPECT_TRUE(page.is_ok()) << page.status().to_string();
    return page.is_ok() ? page.value() : LogPage{};
  }

  TempDir tmp_;
  std::unique_ptr<FileLogStore> store_;
};

TEST_F(FileLogStoreTest, ReadsEventsInAppendOrder) {
  auto writer = create("build-1");
  ASSERT_TRUE(writer->append(30, "first").is_ok());
  ASSERT_TRUE(writer->append(10, "second").is_ok());  // the caller's clock may go back
  ASSERT_TRUE(writer->append(20, "").is_ok());
  ASSERT_TRUE(writer->flush().is_ok());
  LogPage page = read("build-1", 0, 100);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events[0].message, "first");
  EXPECT_EQ(page.events[0].timestamp_ms, 30);
  EXPECT_GT(page.events[0].ingestion_ms, 0);
  EXPECT_EQ(page.events[1].message, "second");
  EXPECT_EQ(page.events[2].message, "");
  EXPECT_EQ(page.next_index, 3u);
}

TEST_F(FileLogStoreTest, PagesByIndexWithLimits) {
  auto writer = create("s");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer->append(i, "line " + std::to_string(i)).is_ok());
  ASSERT_TRUE(writer->flush().is_ok());
  LogPage page = read("s", 3, 4);
  ASSERT_EQ(page.events.size(), 4u);
  EXPECT_EQ(page.events.front().message, "line 3");
  EXPECT_EQ(page.next_index, 7u);
  page = read("s", 7, 100);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.next_index, 10u);
  // At the end the forward token comes back unchanged.
  page = read("s", 10, 100);
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.next_index, 10u);
  page = read("s", 50, 100);
  EXPECT_EQ(page.next_index, 50u);
  EXPECT_TRUE(read("s", 0, 0).events.empty());
}

TEST_F(FileLogStoreTest, DescribesAStream) {
  auto writer = create("s");
  auto fresh = store_->describe(kGroup, "s");
  ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
  EXPECT_EQ(fresh->event_count, 0u);
  EXPECT_FALSE(fresh->first_event_ms.has_value());
  EXPECT_FALSE(fresh->complete);
  EXPECT_GT(fresh->creation_ms, 0);
  ASSERT_TRUE(writer->append(100, "a").is_ok());
  ASSERT_TRUE(writer->append(300, "b").is_ok());
  ASSERT_TRUE(writer->append(200, "c").is_ok());
  ASSERT_TRUE(writer->close().is_ok());
  EXPECT_FALSE(writer->append(400, "late").is_ok());
  auto info = store_->describe(kGroup, "s");
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->group, kGroup);
  EXPECT_EQ(info->stream, "s");
  EXPECT_EQ(info->event_count, 3u);
  EXPECT_EQ(info->first_event_ms, 100);
  EXPECT_EQ(info->last_event_ms, 200);
  EXPECT_TRUE(info->last_ingestion_ms.has_value());
  EXPECT_TRUE(info->complete);
}

TEST_F(FileLogStoreTest, ListsStreamsSortedByName) {
  for (const char* name : {"b", "prefix/uuid-1", "a"}) ASSERT_NE(create(name), nullptr);
  auto other = store_->create_stream("/aws/codebuild/other", "z");
  ASSERT_TRUE(other.is_ok());
  auto streams = store_->list_streams(kGroup);
  ASSERT_TRUE(streams.is_ok()) << streams.status().to_string();
  ASSERT_EQ(streams->size(), 3u);
  EXPECT_EQ(streams.value()[0].stream, "a");
  EXPECT_EQ(streams.value()[1].stream, "b");
  EXPECT_EQ(streams.value()[2].stream, "prefix/uuid-1");
  auto none = store_->list_streams("/aws/codebuild/nothing");
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(FileLogStoreTest, UnknownStreamOrGroupIsNotFound) {
  ASSERT_NE(create("s"), nullptr);
  auto page = store_->read(kGroup, "missing", 0, 10);
  EXPECT_EQ(page.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->describe(kGroup, "missing").status().code(), ErrorCode::kNotFound);
  auto group = store_->read("/no/group", "s", 0, 10);
  EXPECT_EQ(group.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(group.status().message().find("log group"), std::string::npos);
}

TEST_F(FileLogStoreTest, CreatingTwiceIsAlreadyExists) {
  ASSERT_NE(create("s"), nullptr);
  EXPECT_EQ(store_->create_stream(kGroup, "s").status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(FileLogStoreTest, RejectsNamesCloudWatchRefuses) {
  EXPECT_EQ(store_->create_stream("bad group", "s").status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->create_stream(kGroup, "a:b").status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->create_stream(kGroup, "").status().code(), ErrorCode::kInvalidInput);
}

TEST_F(FileLogStoreTest, LongAndDottedNamesStayDistinct) {
  std::string long_a = std::string(500, 'a') + "1";
  std::string long_b = std::string(500, 'a') + "2";
  for (const std::string& name : {long_a, long_b, std::string(".."), std::string(".")}) {
    auto writer = create(name);
    ASSERT_NE(writer, nullptr) << name;
    ASSERT_TRUE(writer->append(1, name).is_ok());
    ASSERT_TRUE(writer->close().is_ok());
  }
  EXPECT_EQ(read(long_b, 0, 10).events.at(0).message, long_b);
  EXPECT_EQ(read("..", 0, 10).events.at(0).message, "..");
  EXPECT_EQ(store_->list_streams(kGroup)->size(), 4u);
}

TEST_F(FileLogStoreTest, DataIsDurableAfterTheWriterIsGone) {
  {
    auto writer = create("s");
    ASSERT_TRUE(writer->append(1, "flushed").is_ok());
    ASSERT_TRUE(writer->flush().is_ok());
    ASSERT_TRUE(writer->append(2, "written by the destructor").is_ok());
  }
  store_ = open_store();
  LogPage page = read("s", 0, 10);
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[1].message, "written by the destructor");
  auto info = store_->describe(kGroup, "s");
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->complete);
}

TEST_F(FileLogStoreTest, KeepsCarriageReturnsAndRepairsInvalidUtf8) {
  auto writer = create("s");
  ASSERT_TRUE(writer->append(1, "progress\r 50%\r").is_ok());
  ASSERT_TRUE(writer->append(2, std::string("bad \xFF\xFE byte\0nul", 15)).is_ok());
  ASSERT_TRUE(writer->append(3, std::string(300000, 'x')).is_ok());
  ASSERT_TRUE(writer->flush().is_ok());
  LogPage page = read("s", 0, 10);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events[0].message, "progress\r 50%\r");
  EXPECT_EQ(page.events[1].message, std::string("bad \xEF\xBF\xBD\xEF\xBF\xBD byte\0nul", 19));
  EXPECT_EQ(page.events[2].message.size(), 262144u - 26u);
}

TEST_F(FileLogStoreTest, AReaderFollowingTheWriterSeesEveryEventOnce) {
  constexpr int kEvents = 20000;
  auto writer = create("live");
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int i = 0; i < kEvents; ++i) {
      EXPECT_TRUE(writer->append(i, "event " + std::to_string(i)).is_ok());
      if (i % 97 == 0) {
        EXPECT_TRUE(writer->flush().is_ok());
      }
    }
    EXPECT_TRUE(writer->close().is_ok());
    done = true;
  });
  std::vector<std::string> seen;
  std::uint64_t token = 0;
  for (;;) {
    bool finished = done.load();
    LogPage page = read("live", token, 1000);
    for (LogEvent& event : page.events) seen.push_back(std::move(event.message));
    token = page.next_index;
    if (finished && page.events.empty()) break;
  }
  producer.join();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) ASSERT_EQ(seen[i], "event " + std::to_string(i));
}

TEST_F(FileLogStoreTest, ReadsAnyIndexOfALargeStream) {
  constexpr std::uint64_t kEvents = 200000;
  auto writer = create("big");
  for (std::uint64_t i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(writer->append(static_cast<std::int64_t>(i), "line " + std::to_string(i)).is_ok());
  }
  ASSERT_TRUE(writer->close().is_ok());
  // Every 997th index, each read locating its block through the sparse index.
  for (std::uint64_t i = 0; i < kEvents; i += 997) {
    LogPage page = read("big", i, 3);
    ASSERT_FALSE(page.events.empty()) << i;
    ASSERT_EQ(page.events[0].timestamp_ms, static_cast<std::int64_t>(i));
    ASSERT_EQ(page.events[0].message, "line " + std::to_string(i));
  }
  auto info = store_->describe(kGroup, "big");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->event_count, kEvents);
  EXPECT_EQ(info->last_event_ms, static_cast<std::int64_t>(kEvents - 1));
  LogPage last = read("big", kEvents - 2, 10);
  EXPECT_EQ(last.events.size(), 2u);
  EXPECT_EQ(last.next_index, kEvents);
}

TEST_F(FileLogStoreTest, ACompleteStreamKnowsItsTimeBoundsAndOrder) {
  auto sorted = create("sorted");
  for (std::int64_t ts : {100, 100, 250}) ASSERT_TRUE(sorted->append(ts, "x").is_ok());
  ASSERT_TRUE(sorted->flush().is_ok());
  auto open = store_->describe(kGroup, "sorted");
  ASSERT_TRUE(open.is_ok());
  // Unknown until close(): later events could still change them.
  EXPECT_FALSE(open->min_event_ms.has_value());
  EXPECT_FALSE(open->sorted);
  ASSERT_TRUE(sorted->close().is_ok());
  auto info = store_->describe(kGroup, "sorted");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->min_event_ms, 100);
  EXPECT_EQ(info->max_event_ms, 250);
  EXPECT_TRUE(info->sorted);

  auto unsorted = create("unsorted");
  for (std::int64_t ts : {300, 100, 200}) ASSERT_TRUE(unsorted->append(ts, "x").is_ok());
  ASSERT_TRUE(unsorted->close().is_ok());
  info = store_->describe(kGroup, "unsorted");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->min_event_ms, 100);
  EXPECT_EQ(info->max_event_ms, 300);
  EXPECT_FALSE(info->sorted);

  auto empty = create("empty");
  ASSERT_TRUE(empty->close().is_ok());
  info = store_->describe(kGroup, "empty");
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->min_event_ms.has_value());
  EXPECT_FALSE(info->max_event_ms.has_value());
}

TEST_F(FileLogStoreTest, ListsGroupsSortedByName) {
  auto none = store_->list_groups();
  ASSERT_TRUE(none.is_ok()) << none.status().to_string();
  EXPECT_TRUE(none->empty());
  std::string long_group = "/aws/codebuild/" + std::string(400, 'g');
  for (const std::string& group : {std::string("/aws/codebuild/b"), long_group,
                                   std::string("/aws/codebuild/a")}) {
    ASSERT_TRUE(store_->create_stream(group, "s1").is_ok());
    ASSERT_TRUE(store_->create_stream(group, "s2").is_ok());
  }
  auto groups = store_->list_groups();
  ASSERT_TRUE(groups.is_ok()) << groups.status().to_string();
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ(groups.value()[0].name, "/aws/codebuild/a");
  EXPECT_EQ(groups.value()[1].name, "/aws/codebuild/b");
  // The directory name is shortened; the real name comes from `.group`.
  EXPECT_EQ(groups.value()[2].name, long_group);
  EXPECT_GT(groups.value()[0].creation_ms, 0);
}

TEST_F(FileLogStoreTest, AGroupWithoutItsMetadataIsNamedByItsStreams) {
  ASSERT_NE(create("s1"), nullptr);
  ASSERT_NE(create("s2"), nullptr);
  std::string group_dir = tmp_.path() + "/logs/" + "%2Faws%2Fcodebuild%2Fdemo";
  ASSERT_EQ(::unlink((group_dir + "/.group").c_str()), 0);
  auto groups = store_->list_groups();
  ASSERT_TRUE(groups.is_ok()) << groups.status().to_string();
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ(groups.value()[0].name, kGroup);
  auto first = store_->describe(kGroup, "s1");
  ASSERT_TRUE(first.is_ok());
  EXPECT_LE(groups.value()[0].creation_ms, first->creation_ms);
  // `.group` is no stream.
  EXPECT_EQ(store_->list_streams(kGroup)->size(), 2u);
}

}  // namespace
}  // namespace kiln::logs
