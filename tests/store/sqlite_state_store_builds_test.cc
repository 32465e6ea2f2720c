// SPDX-License-Identifier: Apache-2.0
// SqliteStateStore: builds, their numbers, limits, listings and leases.
#include "store/sqlite_state_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "state_store_fixture.h"

namespace kiln::store {
namespace {

using SqliteStateStoreBuildsTest = StateStoreTest;

TEST_F(SqliteStateStoreBuildsTest, InsertNumbersEachProjectFromOneAndFillsInTheNumber) {
  NewBuild build = new_build("demo", "u1");
  build.document = "{\"n\":{{BUILD_NUMBER}},\"env\":\"B{{BUILD_NUMBER}}{{BUILD_NUMBER}}\"}";
  build.request = "run #{{BUILD_NUMBER}}";
  auto first = store_->insert_build(build, InsertLimits{});
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first->id, "demo:u1");
  EXPECT_EQ(first->project, "demo");
  EXPECT_EQ(first->build_number, 1);
  EXPECT_EQ(first->state, BuildState::kQueued);
  EXPECT_EQ(first->queued_ms, 5000);
  EXPECT_EQ(first->queue_deadline_ms, build.queue_deadline_ms);
  EXPECT_EQ(first->document, "{\"n\":1,\"env\":\"B11\"}");
  EXPECT_EQ(first->request, "run #1");
  EXPECT_EQ(first->lease_owner, "");
  EXPECT_GT(first->seq, 0);

  BuildRecord other = insert("other", "u1");
  BuildRecord second = insert("demo", "u2");
  EXPECT_EQ(other.build_number, 1);
  EXPECT_EQ(second.build_number, 2);
  EXPECT_EQ(second.document, "{\"buildNumber\":2}");
  EXPECT_LT(first->seq, other.seq);
  EXPECT_LT(other.seq, second.seq);

  BuildRecord stored = get_build("demo:u1");
  EXPECT_EQ(stored.seq, first->seq);
  EXPECT_EQ(stored.document, first->document);
  EXPECT_EQ(stored.request, first->request);
  EXPECT_EQ(stored.queue_deadline_ms, first->queue_deadline_ms);
}

TEST_F(SqliteStateStoreBuildsTest, ADuplicateIdIsRefusedWithoutUsingANumber) {
  insert("demo", "u1");
  auto again = store_->insert_build(new_build("demo", "u1"), InsertLimits{});
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "build demo:u1 already exists");
  EXPECT_EQ(insert("demo", "u2").build_number, 2);
}

TEST_F(SqliteStateStoreBuildsTest, NumbersAreNeverReusedAfterDeletingBuilds) {
  std::vector<std::string> ids;
  for (const char* uuid : {"u1", "u2", "u3"}) {
    ids.push_back(insert("demo", uuid).id);
    finish(ids.back());
  }
  auto outcomes = store_->delete_builds(ids);
  ASSERT_TRUE(outcomes.is_ok());
  EXPECT_EQ(outcomes.value(), std::vector<DeleteOutcome>(3, DeleteOutcome::kDeleted));
  BuildRecord next = insert("demo", "u4");
  EXPECT_EQ(next.build_number, 4);
  store_ = open_store();  // and not after a restart either
  EXPECT_EQ(insert("demo", "u5").build_number, 5);
}

TEST_F(SqliteStateStoreBuildsTest, NumbersAreNeverReusedWhenAProjectIsRecreated) {
  ASSERT_TRUE(store_->create_project(project("demo")).is_ok());
  insert("demo", "u1");
  finish("demo:u1");
  insert("demo", "u2");
  finish("demo:u2");
  ASSERT_TRUE(store_->delete_project("demo").value());
  ASSERT_TRUE(store_->delete_builds({"demo:u1", "demo:u2"}).is_ok());
  ASSERT_TRUE(store_->create_project(project("demo")).is_ok());
  EXPECT_EQ(insert("demo", "u3").build_number, 3);
}

TEST_F(SqliteStateStoreBuildsTest, BuildsOutliveTheirProject) {
  ASSERT_TRUE(store_->create_project(project("demo")).is_ok());
  insert("demo", "u1");
  ASSERT_TRUE(store_->delete_project("demo").value());
  EXPECT_EQ(get_build("demo:u1").project, "demo");
  auto page = store_->list_builds_for_project("demo", false, "", 10);
  ASSERT_TRUE(page.is_ok());
  EXPECT_EQ(page->items, std::vector<std::string>{"demo:u1"});
}

TEST_F(SqliteStateStoreBuildsTest, TheProjectLimitCountsQueuedAndRunningBuilds) {
  const InsertLimits limits{2, 0};
  ASSERT_TRUE(store_->insert_build(new_build("demo", "u1"), limits).is_ok());
  ASSERT_TRUE(store_->insert_build(new_build("demo", "u2"), limits).is_ok());
  ASSERT_TRUE(store_->acquire_lease("demo:u1", "w", 100, "{}").value());
  auto refused = store_->insert_build(new_build("demo", "u3"), limits);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(refused.status().message(), "Project demo has reached its concurrent build limit of 2");
  // Another project is not affected.
  EXPECT_TRUE(store_->insert_build(new_build("other", "u1"), limits).is_ok());

  finish("demo:u1");
  auto admitted = store_->insert_build(new_build("demo", "u3"), limits);
  ASSERT_TRUE(admitted.is_ok()) << admitted.status().to_string();
  EXPECT_EQ(admitted->build_number, 3);  // the refusal used no number
}

TEST_F(SqliteStateStoreBuildsTest, TheQueueLimitCountsQueuedBuildsOfAllProjects) {
  const InsertLimits limits{0, 2};
  ASSERT_TRUE(store_->insert_build(new_build("a", "u1"), limits).is_ok());
  ASSERT_TRUE(store_->insert_build(new_build("b", "u1"), limits).is_ok());
  auto refused = store_->insert_build(new_build("c", "u1"), limits);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(refused.status().message(), "Cannot have more than 2 queued builds");
  EXPECT_TRUE(store_->get_builds({"c:u1"}).value().empty());

  ASSERT_TRUE(store_->acquire_lease("a:u1", "w", 100, "{}").value());  // running: not queued
  auto admitted = store_->insert_build(new_build("c", "u1"), limits);
  ASSERT_TRUE(admitted.is_ok()) << admitted.status().to_string();
  EXPECT_EQ(admitted->build_number, 1);
}

TEST_F(SqliteStateStoreBuildsTest, GetBuildsFollowsTheOrderAsked) {
  insert("demo", "u1");
  insert("demo", "u2");
  auto found = store_->get_builds({"demo:u2", "demo:nope", "demo:u1", "demo:u2"});
  ASSERT_TRUE(found.is_ok());
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ(found.value()[0].id, "demo:u2");
  EXPECT_EQ(found.value()[1].id, "demo:u1");
  EXPECT_EQ(found.value()[2].id, "demo:u2");
  EXPECT_TRUE(store_->get_builds({}).value().empty());
}

TEST_F(SqliteStateStoreBuildsTest, UpdateReplacesTheDocumentAndEndsTheLeaseOnFinish) {
  insert("demo", "u1");
  ASSERT_TRUE(store_->acquire_lease("demo:u1", "worker-1", 7000, "{\"phase\":1}").value());
  ASSERT_TRUE(store_->update_build("demo:u1", BuildState::kRunning, "{\"phase\":2}").is_ok());
  BuildRecord running = get_build("demo:u1");
  EXPECT_EQ(running.document, "{\"phase\":2}");
  EXPECT_EQ(running.state, BuildState::kRunning);
  EXPECT_EQ(running.lease_owner, "worker-1");  // kept while running
  EXPECT_EQ(running.lease_expires_ms, 7000);

  ASSERT_TRUE(store_->update_build("demo:u1", BuildState::kFinished, "{\"done\":1}").is_ok());
  BuildRecord done = get_build("demo:u1");
  EXPECT_EQ(done.state, BuildState::kFinished);
  EXPECT_EQ(done.document, "{\"done\":1}");
  EXPECT_EQ(done.lease_owner, "");
  EXPECT_EQ(done.lease_expires_ms, 0);

  Status missing = store_->update_build("demo:nope", BuildState::kFinished, "{}");
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.message(), "build demo:nope not found");
}

TEST_F(SqliteStateStoreBuildsTest, DeleteRefusesUnfinishedBuilds) {
  insert("demo", "queued");
  insert("demo", "running");
  insert("demo", "done");
  ASSERT_TRUE(store_->acquire_lease("demo:running", "w", 100, "{}").value());
  finish("demo:done");
  auto outcomes =
      store_->delete_builds({"demo:done", "demo:queued", "demo:nope", "demo:running", "demo:done"});
  ASSERT_TRUE(outcomes.is_ok());
  EXPECT_EQ(outcomes.value(),
            (std::vector<DeleteOutcome>{DeleteOutcome::kDeleted, DeleteOutcome::kInProgress,
                                        DeleteOutcome::kNotFound, DeleteOutcome::kInProgress,
                                        DeleteOutcome::kNotFound}));
  auto left = store_->get_builds({"demo:queued", "demo:running", "demo:done"});
  ASSERT_TRUE(left.is_ok());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left.value()[0].state, BuildState::kQueued);
  EXPECT_EQ(left.value()[1].state, BuildState::kRunning);
}

// --- listings ---

// Every page of a build listing, checking that only the last page lacks a
// cursor and no page is over `limit`.
template <typename ListFn>
std::vector<std::string> all_pages(ListFn list, int limit, int* pages) {
  std::vector<std::string> ids;
  std::string cursor;
  *pages = 0;
  do {
    Result<Page> page = list(cursor);
    EXPECT_TRUE(page.is_ok()) << page.status().to_string();
    if (!page.is_ok()) break;
    EXPECT_LE(static_cast<int>(page->items.size()), limit);
    if (!page->next_cursor.empty()) {
      EXPECT_EQ(static_cast<int>(page->items.size()), limit) << "a short page with a cursor";
    }
    ids.insert(ids.end(), page->items.begin(), page->items.end());
    cursor = page->next_cursor;
    ++*pages;
  } while (!cursor.empty() && *pages < 10000);
  return ids;
}

class BuildPagesTest : public StateStoreTest, public ::testing::WithParamInterface<int> {};

TEST_P(BuildPagesTest, PagesOfAHundredCoverEveryBuildOnceInOrder) {
  const int count = GetParam();
  constexpr int kLimit = 100;
  // A few builds of another project in between: in ListBuilds, not in the
  // project's listing.
  std::vector<std::string> demo, all;
  for (int i = 0; i < count; ++i) {
    if (i % 40 == 7) all.push_back(insert("other", "x" + std::to_string(i)).id);
    demo.push_back(insert("demo", "u" + std::to_string(i)).id);
    all.push_back(demo.back());
  }
  auto expect_pages = [&](const std::vector<std::string>& expected, auto list) {
    int pages = 0;
    for (bool descending : {false, true}) {
      std::vector<std::string> want = expected;
      if (descending) std::reverse(want.begin(), want.end());
      auto got =
          all_pages([&](const std::string& c) { return list(descending, c); }, kLimit, &pages);
      EXPECT_EQ(got, want) << (descending ? "descending" : "ascending");
      const int full = static_cast<int>(expected.size());
      EXPECT_EQ(pages, std::max(1, (full + kLimit - 1) / kLimit));
    }
  };
  expect_pages(demo, [&](bool descending, const std::string& cursor) {
    return store_->list_builds_for_project("demo", descending, cursor, kLimit);
  });
  expect_pages(all, [&](bool descending, const std::string& cursor) {
    return store_->list_builds(descending, cursor, kLimit);
  });
}

INSTANTIATE_TEST_SUITE_P(Counts, BuildPagesTest, ::testing::Values(0, 1, 100, 101, 250));

TEST_F(SqliteStateStoreBuildsTest, AnUnknownProjectHasOneEmptyPage) {
  auto page = store_->list_builds_for_project("nope", true, "", 100);
  ASSERT_TRUE(page.is_ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next_cursor.empty());
}

TEST_F(SqliteStateStoreBuildsTest, BuildCursorsSurviveDeletingTheirBuild) {
  for (int i = 1; i <= 4; ++i) finish(insert("demo", "u" + std::to_string(i)).id);
  auto first = store_->list_builds_for_project("demo", true, "", 2);
  auto first_all = store_->list_builds(true, "", 2);
  ASSERT_TRUE(first.is_ok() && first_all.is_ok());
  ASSERT_EQ(first->items, (std::vector<std::string>{"demo:u4", "demo:u3"}));
  ASSERT_TRUE(store_->delete_builds({"demo:u3"}).is_ok());
  auto second = store_->list_builds_for_project("demo", true, first->next_cursor, 2);
  auto second_all = store_->list_builds(true, first_all->next_cursor, 2);
  ASSERT_TRUE(second.is_ok() && second_all.is_ok());
  EXPECT_EQ(second->items, (std::vector<std::string>{"demo:u2", "demo:u1"}));
  EXPECT_EQ(second_all->items, (std::vector<std::string>{"demo:u2", "demo:u1"}));
  EXPECT_TRUE(second->next_cursor.empty());
}

TEST_F(SqliteStateStoreBuildsTest, RefusesGarbageBuildCursorsAndLimits) {
  insert("demo", "u1");
  insert("demo", "u2");
  auto page = store_->list_builds_for_project("demo", false, "", 1);
  ASSERT_TRUE(page.is_ok());
  const std::string project_cursor = page->next_cursor;
  ASSERT_FALSE(project_cursor.empty());
  for (const std::string& cursor :
       {std::string("garbage"), std::string("b:"), std::string("b:x"), std::string("b:1x"),
        std::string("b: 1"), std::string("b:99999999999999999999"), std::string("p:demo"),
        project_cursor, std::string("b:1\0", 4)}) {
    auto refused = store_->list_builds(false, cursor, 10);
    ASSERT_FALSE(refused.is_ok()) << cursor;
    EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidInput) << cursor;
  }
  auto own = store_->list_builds(false, "", 1);
  ASSERT_TRUE(own.is_ok());
  for (const std::string& cursor : {own->next_cursor, std::string("n:"), std::string("n:-")}) {
    auto refused = store_->list_builds_for_project("demo", false, cursor, 10);
    ASSERT_FALSE(refused.is_ok()) << cursor;
    EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidInput) << cursor;
  }
  EXPECT_EQ(store_->list_builds(false, "", 0).status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->list_builds_for_project("demo", true, "", -5).status().code(),
            ErrorCode::kInvalidInput);
}

// --- scheduling ---

TEST_F(SqliteStateStoreBuildsTest, QueuedBuildsAreOldestFirstAndCounted) {
  insert("b", "u1");
  insert("a", "u1");
  insert("a", "u2");
  insert("b", "u2");
  ASSERT_TRUE(store_->acquire_lease("a:u1", "w", 100, "{}").value());
  finish("b:u2");
  auto queued = store_->queued_builds(10);
  ASSERT_TRUE(queued.is_ok());
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ(queued.value()[0].id, "b:u1");
  EXPECT_EQ(queued.value()[1].id, "a:u2");
  auto one = store_->queued_builds(1);
  ASSERT_TRUE(one.is_ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().id, "b:u1");
  EXPECT_EQ(store_->queued_builds(0).status().code(), ErrorCode::kInvalidInput);

  EXPECT_EQ(store_->count_builds(BuildState::kQueued).value(), 2);
  EXPECT_EQ(store_->count_builds(BuildState::kRunning).value(), 1);
  EXPECT_EQ(store_->count_builds(BuildState::kFinished).value(), 1);
}

TEST_F(SqliteStateStoreBuildsTest, OnlyTheFirstLeaseOnABuildSucceeds) {
  insert("demo", "u1");
  auto first = store_->acquire_lease("demo:u1", "worker-1", 9000, "{\"running\":1}");
  ASSERT_TRUE(first.is_ok());
  EXPECT_TRUE(first.value());
  auto second = store_->acquire_lease("demo:u1", "worker-2", 9999, "{\"stolen\":1}");
  ASSERT_TRUE(second.is_ok());
  EXPECT_FALSE(second.value());
  BuildRecord build = get_build("demo:u1");
  EXPECT_EQ(build.state, BuildState::kRunning);
  EXPECT_EQ(build.lease_owner, "worker-1");
  EXPECT_EQ(build.lease_expires_ms, 9000);
  EXPECT_EQ(build.document, "{\"running\":1}");

  EXPECT_FALSE(store_->acquire_lease("demo:nope", "w", 1, "{}").value());
  finish("demo:u1");
  EXPECT_FALSE(store_->acquire_lease("demo:u1", "worker-1", 1, "{}").value());
}

TEST_F(SqliteStateStoreBuildsTest, EightWorkersRacingForOneBuildGetOneLease) {
  insert("demo", "u1");
  std::atomic<int> won{0}, failed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&, w] {
      auto got = store_->acquire_lease("demo:u1", "worker-" + std::to_string(w), 100, "{}");
      if (!got.is_ok()) {
        ++failed;
      } else if (got.value()) {
        ++won;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(failed.load(), 0);
}

TEST_F(SqliteStateStoreBuildsTest, RenewExtendsOnlyTheOwnersRunningLeases) {
  for (const char* uuid : {"mine", "theirs", "queued"}) insert("demo", uuid);
  ASSERT_TRUE(store_->acquire_lease("demo:mine", "me", 100, "{}").value());
  ASSERT_TRUE(store_->acquire_lease("demo:theirs", "them", 100, "{}").value());
  ASSERT_TRUE(store_->renew_leases("me", 500).is_ok());
  EXPECT_EQ(get_build("demo:mine").lease_expires_ms, 500);
  EXPECT_EQ(get_build("demo:theirs").lease_expires_ms, 100);
  EXPECT_EQ(get_build("demo:queued").lease_expires_ms, 0);
  EXPECT_EQ(get_build("demo:queued").state, BuildState::kQueued);
}

TEST_F(SqliteStateStoreBuildsTest, OrphansAreRunningBuildsOfOthersOrPastTheirLease) {
  for (const char* uuid : {"expired", "foreign", "live", "queued", "done"}) insert("demo", uuid);
  ASSERT_TRUE(store_->acquire_lease("demo:expired", "me", 1000, "{}").value());
  ASSERT_TRUE(store_->acquire_lease("demo:foreign", "gone", 9000, "{}").value());
  ASSERT_TRUE(store_->acquire_lease("demo:live", "me", 2000, "{}").value());
  ASSERT_TRUE(store_->acquire_lease("demo:done", "gone", 9000, "{}").value());
  finish("demo:done");

  auto orphans = store_->orphaned_builds("me", 2000);
  ASSERT_TRUE(orphans.is_ok());
  ASSERT_EQ(orphans->size(), 2u);
  EXPECT_EQ(orphans.value()[0].id, "demo:expired");
  EXPECT_EQ(orphans.value()[1].id, "demo:foreign");
  EXPECT_EQ(orphans.value()[1].lease_owner, "gone");
  // A lease expiring exactly now is still held.
  auto at_expiry = store_->orphaned_builds("me", 1000);
  ASSERT_TRUE(at_expiry.is_ok());
  ASSERT_EQ(at_expiry->size(), 1u);
  EXPECT_EQ(at_expiry->front().id, "demo:foreign");
}

// --- concurrency ---

TEST_F(SqliteStateStoreBuildsTest, EightThreadsInsertingGetDistinctConsecutiveNumbers) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::vector<BuildRecord>> inserted(kThreads);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto build = store_->insert_build(
            new_build("demo", "t" + std::to_string(t) + "-" + std::to_string(i)), InsertLimits{});
        if (build.is_ok()) {
          inserted[t].push_back(build.value());
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(errors.load(), 0);
  std::set<std::int64_t> numbers, seqs;
  for (const auto& mine : inserted) {
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(kPerThread));
    for (std::size_t i = 1; i < mine.size(); ++i) {
      EXPECT_LT(mine[i - 1].build_number, mine[i].build_number);  // in each thread's order
    }
    for (const BuildRecord& b : mine) {
      numbers.insert(b.build_number);
      seqs.insert(b.seq);
      EXPECT_EQ(b.document, "{\"buildNumber\":" + std::to_string(b.build_number) + "}");
    }
  }
  ASSERT_EQ(numbers.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), kThreads * kPerThread);  // distinct and no gaps
  EXPECT_EQ(seqs.size(), numbers.size());
}

TEST_F(SqliteStateStoreBuildsTest, ConcurrentInsertsNeverOvershootTheProjectLimit) {
  constexpr int kLimit = 5;
  std::atomic<int> admitted{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto build = store_->insert_build(
            new_build("demo", "t" + std::to_string(t) + "-" + std::to_string(i)),
            InsertLimits{kLimit, 0});
        if (build.is_ok()) {
          ++admitted;
        } else if (build.status().code() == ErrorCode::kLimitExceeded) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), kLimit);
  EXPECT_EQ(refused.load(), 24 - kLimit);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(store_->count_builds(BuildState::kQueued).value(), kLimit);
}

TEST_F(SqliteStateStoreBuildsTest, TwoStoresOnOneFileShareTheCounter) {
  // As two kiln processes on one file would: SQLite's lock orders them.
  auto second = open_store();
  ASSERT_TRUE(second);
  EXPECT_EQ(insert("demo", "u1").build_number, 1);
  auto other = second->insert_build(new_build("demo", "u2"), InsertLimits{});
  ASSERT_TRUE(other.is_ok()) << other.status().to_string();
  EXPECT_EQ(other->build_number, 2);
  EXPECT_EQ(insert("demo", "u3").build_number, 3);
}

}  // namespace
}  // namespace kiln::store
