// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace kiln::store {

namespace {

// SQLITE_TRANSIENT without its C-style cast: SQLite copies bound text, so a
// caller may bind a temporary.
const sqlite3_destructor_type kCopyText =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

ErrorCode code_for(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return ErrorCode::kAlreadyExists;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kIoError;
    default:
      return ErrorCode::kInternal;
  }
}

// "<file>: <SQLite's message> (<the SQL, shortened>)".
Status sqlite_error(int rc, sqlite3* db, std::string_view sql) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  std::string message = file && *file ? std::string(file) + ": " : std::string();
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (!sql.empty()) {
    constexpr std::size_t kShown = 60;
    message += " (" + std::string(sql.substr(0, kShown)) + (sql.size() > kShown ? "...)" : ")");
  }
  return Status(code_for(rc), std::move(message));
}

}  // namespace

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)),
      bind_error_(other.bind_error_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind(int index, std::string_view text) {
  // A null data pointer would bind NULL; an empty string must stay ''.
  const int rc = sqlite3_bind_text64(stmt_, index, text.empty() ? "" : text.data(), text.size(),
                                     kCopyText, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) {
    return sqlite_error(bind_error_, sqlite3_db_handle(stmt_), sql_);
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, sqlite3_db_handle(stmt_), sql_);
}

Status Statement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row.is_ok()) return row.status();
    if (!row.value()) return Status::ok();
  }
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

// --- Database ---

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      cache_(std::move(other.cache_)) {}

Database::~Database() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

Result<Database> Database::open(const std::string& path) {
  // SQLite would create the file with 0644 less the umask; the store holds
  // secret keys, so make it ourselves first. SQLite gives the -wal and -shm
  // files the database file's mode.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status(ErrorCode::kIoError, path + ": " + std::strerror(errno));
  ::close(fd);

  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = sqlite_error(rc, db, "");
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, path);
}

Status Database::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg still has it
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, sql);
  return Status::ok();
}

Result<std::string> Database::pragma(const std::string& body) {
  const std::string sql = "PRAGMA " + body;
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, sql);
  Statement stmt(raw, sql);
  Result<bool> row = stmt.step();
  if (!row.is_ok()) return row.status();
  return row.value() ? stmt.column_text(0) : std::string();
}

Result<Query> Database::query(const std::string& sql) {
  auto found = cache_.find(sql);
  if (found == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
      Status status = sqlite_error(rc, db_, sql);
      return Status(ErrorCode::kInternal, status.message());
    }
    found = cache_.emplace(sql, std::make_unique<Statement>(raw, sql)).first;
  }
  return Query(found->second.get());
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

// --- Transaction ---

Result<Transaction> Transaction::begin(Database& db, bool write) {
  Status begun = db.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!begun.is_ok()) return begun;
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  Database* db = std::exchange(db_, nullptr);
  Status committed = db->exec("COMMIT");
  // A failed COMMIT (SQLITE_BUSY, a full disk) can leave the transaction
  // open; close it so the connection is usable again. SQLite may already
  // have rolled back, so this ROLLBACK's own error says nothing.
  if (!committed.is_ok()) (void)db->exec("ROLLBACK");
  return committed;
}

}  // namespace kiln::store
