// SPDX-License-Identifier: Apache-2.0
// SqliteStateStore: opening, files and migrations, projects, access keys and
// idempotency tokens. Builds are in sqlite_state_store_builds_test.cc.
#include "store/sqlite_state_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "state_store_fixture.h"
#include "store/sqlite_db.h"
#include "store/sqlite_migrations.h"

namespace kiln::store {
namespace {

using SqliteStateStoreTest = StateStoreTest;

// --- opening ---

TEST_F(SqliteStateStoreTest, FilesAreOnlyReadableByTheOwner) {
  ASSERT_TRUE(store_->add_key({"AKID", "secret", "ci", 1, std::nullopt}).is_ok());
  for (const char* suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    ASSERT_EQ(::stat((db_path() + suffix).c_str(), &st), 0) << suffix;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << suffix;
  }
}

TEST_F(SqliteStateStoreTest, KeepsAWriteAheadLog) {
  Result<Database> db = Database::open(db_path());
  ASSERT_TRUE(db.is_ok());
  EXPECT_EQ(db->pragma("journal_mode").value(), "wal");  // recorded in the file
}

TEST_F(SqliteStateStoreTest, DataCommittedByOneStoreIsReadByAnotherOnTheSameFile) {
  // What the first store reported as done is on disk: a second connection
  // (as after a kill and restart) reads it while the first is still open.
  ASSERT_TRUE(store_->create_project(project("demo")).is_ok());
  BuildRecord build = insert("demo", "u1");
  ASSERT_TRUE(store_->add_key({"AKID", "secret", "ci", 1, std::nullopt}).is_ok());
  ASSERT_TRUE(store_->put_idempotency({"tok", "hash", build.id, 9000}).is_ok());

  auto second = open_store();
  ASSERT_TRUE(second);
  auto found = second->get_project("demo");
  ASSERT_TRUE(found.is_ok() && found.value());
  EXPECT_EQ(found.value()->document, project("demo").document);
  auto builds = second->get_builds({build.id});
  ASSERT_TRUE(builds.is_ok());
  ASSERT_EQ(builds->size(), 1u);
  EXPECT_EQ(builds->front().build_number, 1);
  EXPECT_EQ(builds->front().document, "{\"buildNumber\":1}");
  auto key = second->get_key("AKID");
  ASSERT_TRUE(key.is_ok() && key.value());
  EXPECT_EQ(key.value()->secret_access_key, "secret");
  auto token = second->find_idempotency("tok", 100);
  ASSERT_TRUE(token.is_ok() && token.value());
  EXPECT_EQ(token.value()->build_id, build.id);
}

TEST_F(SqliteStateStoreTest, ReopeningKeepsDataAndContinuesNumbers) {
  ASSERT_TRUE(store_->create_project(project("demo")).is_ok());
  insert("demo", "u1");
  insert("demo", "u2");
  store_.reset();
  store_ = open_store();
  ASSERT_TRUE(store_);
  EXPECT_TRUE(store_->get_project("demo").value().has_value());
  EXPECT_EQ(insert("demo", "u3").build_number, 3);
  Result<Database> db = Database::open(db_path());
  ASSERT_TRUE(db.is_ok());
  EXPECT_EQ(db->pragma("user_version").value(), std::to_string(state_store_migrations().size()));
}

TEST_F(SqliteStateStoreTest, ADatabaseFromTheFutureIsRefused) {
  store_.reset();
  {
    Result<Database> db = Database::open(db_path());
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE(db->exec("PRAGMA user_version = 1000").is_ok());
  }
  auto opened = SqliteStateStore::open(db_path());
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(opened.status().message().find("schema version 1000"), std::string::npos)
      << opened.status().message();
}

TEST_F(SqliteStateStoreTest, AFileThatIsNotADatabaseIsRefused) {
  const std::string path = tmp_.write("junk.db", std::string(8192, 'x'));
  auto opened = SqliteStateStore::open(path);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kIoError);
  EXPECT_NE(opened.status().message().find("not a database"), std::string::npos)
      << opened.status().message();
}

TEST_F(SqliteStateStoreTest, ADirectoryIsRefused) {
  auto opened = SqliteStateStore::open(tmp_.path());
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kIoError);
}

// --- projects ---

TEST_F(SqliteStateStoreTest, CreatesGetsAndRefusesADuplicateProject) {
  ProjectRecord demo{"demo", "{\"a\":1}", 100, 200, 3};
  ASSERT_TRUE(store_->create_project(demo).is_ok());
  Status again = store_->create_project(demo);
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.message(), "project demo already exists");

  auto found = store_->get_project("demo");
  ASSERT_TRUE(found.is_ok() && found.value());
  EXPECT_EQ(found.value()->name, "demo");
  EXPECT_EQ(found.value()->document, "{\"a\":1}");
  EXPECT_EQ(found.value()->created_ms, 100);
  EXPECT_EQ(found.value()->last_modified_ms, 200);
  EXPECT_EQ(found.value()->concurrent_build_limit, 3);
  auto missing = store_->get_project("nope");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing.value());
}

TEST_F(SqliteStateStoreTest, UpdateReplacesAllButCreationTime) {
  ASSERT_TRUE(store_->create_project({"demo", "{}", 100, 100, 0}).is_ok());
  ASSERT_TRUE(store_->update_project({"demo", "{\"v\":2}", 999, 500, 4}).is_ok());
  auto found = store_->get_project("demo");
  ASSERT_TRUE(found.is_ok() && found.value());
  EXPECT_EQ(found.value()->document, "{\"v\":2}");
  EXPECT_EQ(found.value()->created_ms, 100);
  EXPECT_EQ(found.value()->last_modified_ms, 500);
  EXPECT_EQ(found.value()->concurrent_build_limit, 4);

  Status missing = store_->update_project(project("nope"));
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.message(), "project nope not found");
}

TEST_F(SqliteStateStoreTest, GetProjectsKeepsTheOrderAsked) {
  for (const char* name : {"a", "b", "c"})
    ASSERT_TRUE(store_->create_project(project(name)).is_ok());
  auto found = store_->get_projects({"c", "zzz", "a", "b"});
  ASSERT_TRUE(found.is_ok());
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ(found.value()[0].name, "c");
  EXPECT_EQ(found.value()[1].name, "a");
  EXPECT_EQ(found.value()[2].name, "b");
  auto none = store_->get_projects({});
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteStateStoreTest, DeleteProjectSaysWhetherThereWasOne) {
  ASSERT_TRUE(store_->create_project(project("demo")).is_ok());
  EXPECT_TRUE(store_->delete_project("demo").value());
  EXPECT_FALSE(store_->delete_project("demo").value());
  EXPECT_FALSE(store_->get_project("demo").value().has_value());
  EXPECT_TRUE(store_->create_project(project("demo")).is_ok());  // the name is free again
}

// Collects every page of a project listing; fails on a page over `limit`.
std::vector<std::string> all_project_pages(StateStore& store, ProjectOrder order, bool descending,
                                           int limit, int* pages) {
  std::vector<std::string> names;
  std::string cursor;
  *pages = 0;
  do {
    auto page = store.list_projects(order, descending, cursor, limit);
    EXPECT_TRUE(page.is_ok()) << page.status().to_string();
    if (!page.is_ok()) break;
    EXPECT_LE(static_cast<int>(page->items.size()), limit);
    names.insert(names.end(), page->items.begin(), page->items.end());
    cursor = page->next_cursor;
    ++*pages;
  } while (!cursor.empty() && *pages < 1000);
  return names;
}

TEST_F(SqliteStateStoreTest, ListsProjectsByNameBothWays) {
  for (const char* name : {"b", "a", "d", "c", "e"}) {
    ASSERT_TRUE(store_->create_project(project(name)).is_ok());
  }
  int pages = 0;
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kName, false, 2, &pages),
            (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kName, true, 2, &pages),
            (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(pages, 3);
  // Exactly full last page: no cursor.
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kName, false, 5, &pages).size(), 5u);
  EXPECT_EQ(pages, 1);
}

TEST_F(SqliteStateStoreTest, ListsProjectsByTimeWithTiesBrokenByName) {
  // Same creation times on purpose: the cursor must carry the name too.
  ASSERT_TRUE(store_->create_project(project("x", 300, 10)).is_ok());
  ASSERT_TRUE(store_->create_project(project("b", 100, 30)).is_ok());
  ASSERT_TRUE(store_->create_project(project("a", 100, 20)).is_ok());
  ASSERT_TRUE(store_->create_project(project("c", 100, 40)).is_ok());
  ASSERT_TRUE(store_->create_project(project("m", 200, 50)).is_ok());
  int pages = 0;
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kCreatedTime, false, 1, &pages),
            (std::vector<std::string>{"a", "b", "c", "m", "x"}));
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kCreatedTime, true, 2, &pages),
            (std::vector<std::string>{"x", "m", "c", "b", "a"}));
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kLastModifiedTime, false, 3, &pages),
            (std::vector<std::string>{"x", "a", "b", "c", "m"}));
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kLastModifiedTime, true, 4, &pages),
            (std::vector<std::string>{"m", "c", "b", "a", "x"}));
}

TEST_F(SqliteStateStoreTest, ProjectCursorsSurviveChangesBetweenPages) {
  for (const char* name : {"a", "b", "c", "d"})
    ASSERT_TRUE(store_->create_project(project(name)).is_ok());
  auto first = store_->list_projects(ProjectOrder::kName, false, "", 2);
  ASSERT_TRUE(first.is_ok());
  ASSERT_EQ(first->items, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(store_->delete_project("b").value());  // the cursor's own item
  ASSERT_TRUE(store_->create_project(project("bb")).is_ok());
  auto second = store_->list_projects(ProjectOrder::kName, false, first->next_cursor, 2);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->items, (std::vector<std::string>{"bb", "c"}));
}

TEST_F(SqliteStateStoreTest, AnEmptyProjectListIsOnePageWithoutCursor) {
  auto page = store_->list_projects(ProjectOrder::kCreatedTime, true, "", 100);
  ASSERT_TRUE(page.is_ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next_cursor.empty());
}

TEST_F(SqliteStateStoreTest, RefusesGarbageProjectCursorsAndLimits) {
  ASSERT_TRUE(store_->create_project(project("a", 1, 1)).is_ok());
  ASSERT_TRUE(store_->create_project(project("b", 2, 2)).is_ok());
  auto page = store_->list_projects(ProjectOrder::kCreatedTime, false, "", 1);
  ASSERT_TRUE(page.is_ok());
  const std::string created_cursor = page->next_cursor;
  ASSERT_FALSE(created_cursor.empty());

  struct Case {
    ProjectOrder order;
    std::string cursor;
  };
  for (const Case& c : std::vector<Case>{{ProjectOrder::kName, "garbage"},
                                         {ProjectOrder::kName, "p:"},
                                         {ProjectOrder::kCreatedTime, "c:abc:a"},
                                         {ProjectOrder::kCreatedTime, "c:12"},
                                         {ProjectOrder::kCreatedTime, "c:12:"},
                                         {ProjectOrder::kCreatedTime, "c::a"},
                                         {ProjectOrder::kLastModifiedTime, created_cursor},
                                         {ProjectOrder::kName, created_cursor},
                                         {ProjectOrder::kName, "b:5"}}) {
    auto refused = store_->list_projects(c.order, false, c.cursor, 10);
    ASSERT_FALSE(refused.is_ok()) << c.cursor;
    EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidInput) << c.cursor;
    EXPECT_NE(refused.status().message().find("cursor"), std::string::npos);
  }
  for (int limit : {0, -1}) {
    auto refused = store_->list_projects(ProjectOrder::kName, false, "", limit);
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidInput);
  }
}

TEST_F(SqliteStateStoreTest, ProjectNamesWithColonsAndQuotesPage) {
  // The store does not validate names; whatever it holds must page.
  for (const char* name : {"a:b", "a'b", "a:b:c"}) {
    ASSERT_TRUE(store_->create_project(project(name, 7, 7)).is_ok());
  }
  int pages = 0;
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kCreatedTime, false, 1, &pages),
            (std::vector<std::string>{"a'b", "a:b", "a:b:c"}));
  EXPECT_EQ(all_project_pages(*store_, ProjectOrder::kName, true, 1, &pages),
            (std::vector<std::string>{"a:b:c", "a:b", "a'b"}));
}

// --- access keys ---

TEST_F(SqliteStateStoreTest, AddsGetsListsAndRevokesKeys) {
  ASSERT_TRUE(store_->add_key({"AKID2", "s2", "second", 20, std::nullopt}).is_ok());
  ASSERT_TRUE(store_->add_key({"AKID1", "s1", "first", 10, std::nullopt}).is_ok());
  Status duplicate = store_->add_key({"AKID1", "other", "x", 30, std::nullopt});
  EXPECT_EQ(duplicate.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(duplicate.message(), "access key AKID1 already exists");

  auto key = store_->get_key("AKID1");
  ASSERT_TRUE(key.is_ok() && key.value());
  EXPECT_EQ(key.value()->secret_access_key, "s1");
  EXPECT_EQ(key.value()->name, "first");
  EXPECT_EQ(key.value()->created_ms, 10);
  EXPECT_FALSE(key.value()->revoked_ms);
  EXPECT_FALSE(store_->get_key("nope").value().has_value());

  ASSERT_TRUE(store_->revoke_key("AKID1", 50).is_ok());
  ASSERT_TRUE(store_->revoke_key("AKID1", 60).is_ok());  // keeps the first time
  key = store_->get_key("AKID1");
  ASSERT_TRUE(key.is_ok() && key.value());
  EXPECT_EQ(key.value()->revoked_ms, std::optional<EpochMillis>(50));
  EXPECT_EQ(store_->revoke_key("nope", 1).code(), ErrorCode::kNotFound);

  auto keys = store_->list_keys();
  ASSERT_TRUE(keys.is_ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys.value()[0].access_key_id, "AKID1");  // oldest first, revoked included
  EXPECT_TRUE(keys.value()[0].revoked_ms);
  EXPECT_EQ(keys.value()[1].access_key_id, "AKID2");
  EXPECT_FALSE(keys.value()[1].revoked_ms);
}

TEST_F(SqliteStateStoreTest, AKeyMayBeAddedAlreadyRevoked) {
  ASSERT_TRUE(store_->add_key({"AKID", "s", "n", 1, EpochMillis{2}}).is_ok());
  EXPECT_EQ(store_->get_key("AKID").value()->revoked_ms, std::optional<EpochMillis>(2));
}

// --- idempotency tokens ---

TEST_F(SqliteStateStoreTest, FindsAnIdempotencyTokenUntilItExpires) {
  ASSERT_TRUE(store_->put_idempotency({"tok", "h1", "demo:1", 1000}).is_ok());
  auto found = store_->find_idempotency("tok", 999);
  ASSERT_TRUE(found.is_ok() && found.value());
  EXPECT_EQ(found.value()->token, "tok");
  EXPECT_EQ(found.value()->request_hash, "h1");
  EXPECT_EQ(found.value()->build_id, "demo:1");
  EXPECT_EQ(found.value()->expires_ms, 1000);
  auto expired = store_->find_idempotency("tok", 1000);
  ASSERT_TRUE(expired.is_ok());
  EXPECT_FALSE(expired.value());
  // Dropped, not only hidden: an earlier clock does not bring it back.
  EXPECT_FALSE(store_->find_idempotency("tok", 0).value().has_value());
  EXPECT_FALSE(store_->find_idempotency("unknown", 0).value().has_value());
}

TEST_F(SqliteStateStoreTest, FindingOneTokenDropsEveryExpiredOne) {
  ASSERT_TRUE(store_->put_idempotency({"old", "h", "demo:1", 100}).is_ok());
  ASSERT_TRUE(store_->put_idempotency({"new", "h", "demo:2", 10000}).is_ok());
  EXPECT_FALSE(store_->find_idempotency("unrelated", 500).value().has_value());
  EXPECT_FALSE(store_->find_idempotency("old", 0).value().has_value());
  EXPECT_TRUE(store_->find_idempotency("new", 0).value().has_value());
}

TEST_F(SqliteStateStoreTest, PuttingATokenAgainReplacesIt) {
  ASSERT_TRUE(store_->put_idempotency({"tok", "h1", "demo:1", 1000}).is_ok());
  ASSERT_TRUE(store_->put_idempotency({"tok", "h2", "demo:2", 2000}).is_ok());
  auto found = store_->find_idempotency("tok", 1500);
  ASSERT_TRUE(found.is_ok() && found.value());
  EXPECT_EQ(found.value()->request_hash, "h2");
  EXPECT_EQ(found.value()->build_id, "demo:2");
}

}  // namespace
}  // namespace kiln::store
