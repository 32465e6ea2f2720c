// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_migrations.h"

#include <charconv>
#include <cstdint>
#include <string>

namespace kiln::store {

namespace {

// Version 1. Documents are opaque text; the columns beside them are the
// ones the store filters or sorts on. Builds are not tied to projects by a
// foreign key: they outlive a deleted project (codebuild-semantics.md §8,
// build numbers are never reused), and so does build_counters.
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE projects (
  name TEXT PRIMARY KEY NOT NULL,
  document TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  concurrent_build_limit INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX projects_by_created ON projects (created_ms, name);
CREATE INDEX projects_by_last_modified ON projects (last_modified_ms, name);

CREATE TABLE build_counters (
  project TEXT PRIMARY KEY NOT NULL,
  last_number INTEGER NOT NULL
);

-- AUTOINCREMENT: seq is never reused, even for the last row after a delete,
-- so a ListBuilds cursor never lands on a different build.
CREATE TABLE builds (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  build_number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'FINISHED')),
  queued_ms INTEGER NOT NULL,
  queue_deadline_ms INTEGER NOT NULL,
  document TEXT NOT NULL,
  request TEXT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX builds_by_project ON builds (project, build_number);
CREATE INDEX builds_by_state ON builds (state, seq);
-- Counting a project's unfinished builds for its concurrentBuildLimit reads
-- only those, however many finished builds the project has; with `state` in
-- the index the count never touches the table (SQLite does not infer that
-- the index's WHERE already holds).
CREATE INDEX builds_unfinished_by_project ON builds (project, state) WHERE state <> 'FINISHED';

CREATE TABLE access_keys (
  access_key_id TEXT PRIMARY KEY NOT NULL,
  secret_access_key TEXT NOT NULL,
  name TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);

CREATE TABLE idempotency (
  token TEXT PRIMARY KEY NOT NULL,
  request_hash TEXT NOT NULL,
  build_id TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX idempotency_by_expiry ON idempotency (expires_ms);
)sql";

Result<std::int64_t> user_version(Database& db) {
  Result<std::string> text = db.pragma("user_version");
  if (!text.is_ok()) return text.status();
  std::int64_t version = 0;
  const std::string& s = text.value();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), version);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return Status(ErrorCode::kInternal, db.path() + ": unreadable user_version '" + s + "'");
  }
  return version;
}

Status check_supported(const Database& db, std::int64_t version,
                       const std::vector<Migration>& migrations) {
  const auto known = static_cast<std::int64_t>(migrations.size());
  if (version <= known) return Status::ok();
  return Status(ErrorCode::kInvalidInput, db.path() + ": the state database is at schema version " +
                                              std::to_string(version) +
                                              ", newer than this kiln knows (" +
                                              std::to_string(known) + "); run a newer kiln");
}

// Applies step `index` (0-based) if the database has not taken it yet.
// The version is read inside the write transaction, so two processes
// opening a new file at once cannot both run the same step.
Status apply_step(Database& db, const std::vector<Migration>& migrations, std::size_t index) {
  Result<Transaction> tx = Transaction::begin(db, /*write=*/true);
  if (!tx.is_ok()) return tx.status();
  Result<std::int64_t> version = user_version(db);
  if (!version.is_ok()) return version.status();
  Status supported = check_supported(db, version.value(), migrations);
  if (!supported.is_ok()) return supported;
  if (version.value() > static_cast<std::int64_t>(index)) return Status::ok();  // taken

  const Migration& step = migrations[index];
  const std::string name = "migration " + std::to_string(index + 1) + " (" + step.description + ")";
  Status applied = db.exec(step.sql);
  if (applied.is_ok()) applied = db.exec("PRAGMA user_version = " + std::to_string(index + 1));
  if (!applied.is_ok()) return Status(applied.code(), name + ": " + applied.message());
  Status committed = tx->commit();
  if (!committed.is_ok()) return Status(committed.code(), name + ": " + committed.message());
  return Status::ok();
}

}  // namespace

const std::vector<Migration>& state_store_migrations() {
  static const std::vector<Migration> migrations = {
      {"initial schema", kInitialSchema},
  };
  return migrations;
}

Status migrate(Database& db, const std::vector<Migration>& migrations) {
  // The common case, an up-to-date database, needs no write lock.
  Result<std::int64_t> version = user_version(db);
  if (!version.is_ok()) return version.status();
  Status supported = check_supported(db, version.value(), migrations);
  if (!supported.is_ok()) return supported;
  for (auto i = static_cast<std::size_t>(version.value()); i < migrations.size(); ++i) {
    Status status = apply_step(db, migrations, i);
    if (!status.is_ok()) return status;
  }
  return Status::ok();
}

}  // namespace kiln::store
