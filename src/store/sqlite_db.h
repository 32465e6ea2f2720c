// SPDX-License-Identifier: Apache-2.0
// Small RAII wrappers over the SQLite C API: Database owns a connection and
// its cache of prepared statements, Statement owns one prepared statement,
// Query borrows a cached one for one use, Transaction brackets a unit of work.
// Not thread-safe: a Database and everything borrowed from it belong to one
// thread at a time (SqliteStateStore serialises with its mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kiln::store {

// Owns one prepared statement; finalizes it on destruction.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, std::string sql) : stmt_(stmt), sql_(std::move(sql)) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL's `?1`; text is copied. A failed bind
  // (a programming error: index out of range) is remembered and reported by
  // step().
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view text);
  void bind_null(int index);

  // True when a row is ready, false when the statement has finished.
  // kAlreadyExists for a UNIQUE or PRIMARY KEY violation, kUnavailable when
  // the database stayed locked past the busy timeout, kIoError for disk
  // trouble, kInternal otherwise.
  Result<bool> step();
  // Steps to the end, for statements that return no rows.
  Status run();

  // Columns of the current row, 0-based.
  std::int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

  // Forgets the bindings and the position, releasing any read snapshot a
  // half-read SELECT would otherwise keep open.
  void reset();

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;  // for error messages
  int bind_error_ = 0;
};

// A cached statement lent for one use; resets it when it goes out of scope.
class Query {
 public:
  explicit Query(Statement* stmt) : stmt_(stmt) {}
  Query(Query&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  ~Query() {
    if (stmt_) stmt_->reset();
  }
  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
};

// Owns one connection; closes it on destruction.
class Database {
 public:
  Database(Database&& other) noexcept;
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;
  ~Database();

  // Opens (creating if needed) the database file at `path`. A new file is
  // created with mode 0600. kIoError when it cannot be opened.
  static Result<Database> open(const std::string& path);

  // Runs one or more statements, ignoring any rows (schema, BEGIN, COMMIT).
  Status exec(const std::string& sql);
  // The first column of the first row of `PRAGMA <body>` as text ("" when
  // it returns no row): pragma("user_version"), pragma("journal_mode=WAL").
  Result<std::string> pragma(const std::string& body);

  // The statement for `sql`, prepared on first use and kept for the
  // connection's life. kInternal when the SQL does not compile.
  // Requires: the Query is gone before the Database.
  Result<Query> query(const std::string& sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path);

  sqlite3* db_;
  std::string path_;
  // Declared after db_ so the statements are finalized before it closes.
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN on construction; rolls back on destruction unless committed.
class Transaction {
 public:
  // Requires: `db` outlives the Transaction.
  // `write`: BEGIN IMMEDIATE, taking the write lock up front, so two
  // connections never both read and then deadlock on upgrading to write.
  static Result<Transaction> begin(Database& db, bool write);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // On failure the transaction is rolled back; either way the destructor
  // has nothing left to do.
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}

  Database* db_;  // null once committed or rolled back
};

}  // namespace kiln::store
