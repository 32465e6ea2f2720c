// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace kiln::store {
namespace {

using kiln::testing::TempDir;

class SqliteMigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Database> db = Database::open(tmp_.path() + "/test.db");
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    db_.emplace(std::move(db).value());
  }

  std::string version() { return db_->pragma("user_version").value(); }

  std::int64_t count(const std::string& table) {
    Result<Query> q = db_->query("SELECT count(*) FROM " + table);
    EXPECT_TRUE(q.is_ok()) << q.status().to_string();
    if (!q.is_ok()) return -1;
    EXPECT_TRUE(q.value()->step().is_ok());
    return q.value()->column_int64(0);
  }

  TempDir tmp_;
  std::optional<Database> db_;
};

TEST_F(SqliteMigrationsTest, AFreshDatabaseTakesEveryStep) {
  ASSERT_TRUE(migrate(*db_, state_store_migrations()).is_ok());
  EXPECT_EQ(version(), std::to_string(state_store_migrations().size()));
  for (const char* table : {"projects", "build_counters", "builds", "access_keys", "idempotency"}) {
    EXPECT_EQ(count(table), 0) << table;
  }
}

TEST_F(SqliteMigrationsTest, EachStepRunsOnceAndNewStepsOnlyAreApplied) {
  std::vector<Migration> steps = {
      {"table", "CREATE TABLE log (step INTEGER)"},
      {"first row", "INSERT INTO log VALUES (2)"},
  };
  ASSERT_TRUE(migrate(*db_, steps).is_ok());
  ASSERT_TRUE(migrate(*db_, steps).is_ok());
  EXPECT_EQ(version(), "2");
  EXPECT_EQ(count("log"), 1);

  steps.push_back({"second row", "INSERT INTO log VALUES (3)"});
  ASSERT_TRUE(migrate(*db_, steps).is_ok());
  EXPECT_EQ(version(), "3");
  EXPECT_EQ(count("log"), 2);
}

TEST_F(SqliteMigrationsTest, AFailingStepIsRolledBackAndNamed) {
  const std::vector<Migration> steps = {
      {"table", "CREATE TABLE a (x)"},
      {"broken", "CREATE TABLE b (x); INSERT INTO no_such_table VALUES (1)"},
      {"never reached", "CREATE TABLE c (x)"},
  };
  Status status = migrate(*db_, steps);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("migration 2 (broken)"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("no_such_table"), std::string::npos) << status.message();
  EXPECT_EQ(version(), "1");
  EXPECT_EQ(count("a"), 0);
  EXPECT_FALSE(db_->query("SELECT * FROM b").is_ok());  // step 2's first table is gone too
  EXPECT_FALSE(db_->query("SELECT * FROM c").is_ok());
}

TEST_F(SqliteMigrationsTest, ADatabaseFromANewerKilnIsRefused) {
  ASSERT_TRUE(db_->exec("PRAGMA user_version = 99").is_ok());
  Status status = migrate(*db_, state_store_migrations());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(status.message().find("schema version 99"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("newer"), std::string::npos);
  EXPECT_EQ(version(), "99");
}

TEST_F(SqliteMigrationsTest, AnUpToDateDatabaseIsLeftAlone) {
  ASSERT_TRUE(migrate(*db_, state_store_migrations()).is_ok());
  ASSERT_TRUE(db_->exec("INSERT INTO build_counters VALUES ('p', 7)").is_ok());
  ASSERT_TRUE(migrate(*db_, state_store_migrations()).is_ok());
  EXPECT_EQ(count("build_counters"), 1);
}

}  // namespace
}  // namespace kiln::store
