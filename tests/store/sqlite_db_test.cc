// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_db.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "support/test_support.h"

namespace kiln::store {
namespace {

using kiln::testing::TempDir;

class SqliteDbTest : public ::testing::Test {
 protected:
  Database open(const std::string& name = "test.db") {
    Result<Database> db = Database::open(tmp_.path() + "/" + name);
    EXPECT_TRUE(db.is_ok()) << db.status().to_string();
    return std::move(db).value();
  }

  TempDir tmp_;
};

TEST_F(SqliteDbTest, CreatesTheFileWithMode0600) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (x)").is_ok());
  struct stat st {};
  ASSERT_EQ(::stat((tmp_.path() + "/test.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteDbTest, OpenFailsWithIoErrorWhereNoFileCanBe) {
  Result<Database> db = Database::open(tmp_.path() + "/missing-dir/test.db");
  ASSERT_FALSE(db.is_ok());
  EXPECT_EQ(db.status().code(), ErrorCode::kIoError);
  EXPECT_NE(db.status().message().find("missing-dir/test.db"), std::string::npos);
}

TEST_F(SqliteDbTest, BindsAndReadsIntegersTextAndNull) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, s TEXT, n TEXT)").is_ok());
  {
    Result<Query> insert = db.query("INSERT INTO t VALUES (?1, ?2, ?3)");
    ASSERT_TRUE(insert.is_ok()) << insert.status().to_string();
    insert.value()->bind(1, std::int64_t{-9007199254740993});
    insert.value()->bind(2, std::string_view("a\0b", 3));  // embedded NUL survives
    insert.value()->bind_null(3);
    ASSERT_TRUE(insert.value()->run().is_ok());
  }
  {
    Result<Query> insert = db.query("INSERT INTO t VALUES (?1, ?2, ?3)");
    ASSERT_TRUE(insert.is_ok());
    insert.value()->bind(1, std::int64_t{2});
    insert.value()->bind(2, std::string());  // '' is not NULL
    insert.value()->bind(3, std::string("x"));
    ASSERT_TRUE(insert.value()->run().is_ok());
  }
  Result<Query> select = db.query("SELECT i, s, n, s IS NULL FROM t ORDER BY rowid");
  ASSERT_TRUE(select.is_ok());
  Result<bool> row = select.value()->step();
  ASSERT_TRUE(row.is_ok() && row.value());
  EXPECT_EQ(select.value()->column_int64(0), -9007199254740993);
  EXPECT_EQ(select.value()->column_text(1), std::string("a\0b", 3));
  EXPECT_TRUE(select.value()->column_is_null(2));
  row = select.value()->step();
  ASSERT_TRUE(row.is_ok() && row.value());
  EXPECT_EQ(select.value()->column_text(1), "");
  EXPECT_EQ(select.value()->column_int64(3), 0);
  EXPECT_FALSE(select.value()->column_is_null(2));
  row = select.value()->step();
  ASSERT_TRUE(row.is_ok());
  EXPECT_FALSE(row.value());
}

TEST_F(SqliteDbTest, ACachedStatementStartsEachUseResetAndUnbound) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3)").is_ok());
  const std::string sql = "SELECT x FROM t WHERE ?1 IS NULL OR x = ?1 ORDER BY x";
  {
    Result<Query> q = db.query(sql);
    ASSERT_TRUE(q.is_ok());
    q.value()->bind(1, std::int64_t{3});
    Result<bool> row = q.value()->step();
    ASSERT_TRUE(row.is_ok() && row.value());
    EXPECT_EQ(q.value()->column_int64(0), 3);
  }  // left half-read
  Result<Query> q = db.query(sql);
  ASSERT_TRUE(q.is_ok());
  // Nothing bound this time: the earlier binding is gone, so all rows match,
  // and the scan starts again from the first.
  Result<bool> row = q.value()->step();
  ASSERT_TRUE(row.is_ok() && row.value());
  EXPECT_EQ(q.value()->column_int64(0), 1);
}

TEST_F(SqliteDbTest, UniqueViolationIsAlreadyExists) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES ('a')").is_ok());
  Result<Query> q = db.query("INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(q.is_ok());
  q.value()->bind(1, "a");
  Status status = q.value()->run();
  EXPECT_EQ(status.code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(status.message().find("UNIQUE"), std::string::npos) << status.message();
}

TEST_F(SqliteDbTest, SqlThatDoesNotCompileIsInternalAndQuoted) {
  Database db = open();
  Result<Query> q = db.query("SELEC 1");
  ASSERT_FALSE(q.is_ok());
  EXPECT_EQ(q.status().code(), ErrorCode::kInternal);
  EXPECT_NE(q.status().message().find("SELEC 1"), std::string::npos) << q.status().message();
  Status exec = db.exec("CREATE TABLE");
  EXPECT_EQ(exec.code(), ErrorCode::kInternal);
}

TEST_F(SqliteDbTest, BindingAMissingParameterIsReportedByStep) {
  Database db = open();
  Result<Query> q = db.query("SELECT ?1");
  ASSERT_TRUE(q.is_ok());
  q.value()->bind(2, std::int64_t{1});
  Result<bool> row = q.value()->step();
  ASSERT_FALSE(row.is_ok());
  EXPECT_NE(row.status().message().find("SELECT ?1"), std::string::npos);
}

TEST_F(SqliteDbTest, TransactionRollsBackUnlessCommitted) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (x)").is_ok());
  {
    Result<Transaction> tx = Transaction::begin(db, /*write=*/true);
    ASSERT_TRUE(tx.is_ok());
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)").is_ok());
  }
  {
    Result<Transaction> tx = Transaction::begin(db, /*write=*/true);
    ASSERT_TRUE(tx.is_ok());
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (2)").is_ok());
    ASSERT_TRUE(tx->commit().is_ok());
  }
  Result<Query> q = db.query("SELECT group_concat(x) FROM t");
  ASSERT_TRUE(q.is_ok());
  ASSERT_TRUE(q.value()->step().is_ok());
  EXPECT_EQ(q.value()->column_text(0), "2");
}

TEST_F(SqliteDbTest, AWriteLockHeldElsewhereIsUnavailable) {
  Database holder = open();
  Database waiter = open();
  ASSERT_TRUE(holder.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x)").is_ok());
  Result<Transaction> held = Transaction::begin(holder, /*write=*/true);
  ASSERT_TRUE(held.is_ok());
  ASSERT_TRUE(waiter.exec("PRAGMA busy_timeout = 0").is_ok());
  Result<Transaction> blocked = Transaction::begin(waiter, /*write=*/true);
  ASSERT_FALSE(blocked.is_ok());
  EXPECT_EQ(blocked.status().code(), ErrorCode::kUnavailable);
  // Readers are not blocked by a writer in WAL mode.
  Result<Transaction> reading = Transaction::begin(waiter, /*write=*/false);
  ASSERT_TRUE(reading.is_ok());
  EXPECT_TRUE(waiter.exec("SELECT count(*) FROM t").is_ok());
}

TEST_F(SqliteDbTest, ChangesCountsRowsOfTheLastStatement) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3)").is_ok());
  ASSERT_TRUE(db.exec("UPDATE t SET x = 0 WHERE x >= 2").is_ok());
  EXPECT_EQ(db.changes(), 2);
  ASSERT_TRUE(db.exec("DELETE FROM t WHERE x = 99").is_ok());
  EXPECT_EQ(db.changes(), 0);
}

}  // namespace
}  // namespace kiln::store
