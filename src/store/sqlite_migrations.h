// SPDX-License-Identifier: Apache-2.0
// The state store's schema as an ordered list of migration steps, and the
// runner that brings a database up to date. `PRAGMA user_version` records
// how many steps a database has taken. Tables are described in
// docs/state-store.md. Not thread-safe: runs on the one connection it is
// given (other connections to the same file are excluded by the write lock).
#pragma once

#include <vector>

#include "common/status.h"
#include "store/sqlite_db.h"

namespace kiln::store {

struct Migration {
  const char* description;  // for error messages
  const char* sql;          // one or more statements
};

// The kiln schema, oldest first: step i takes a database from version i to
// i + 1. Append only; a step once released is never edited.
const std::vector<Migration>& state_store_migrations();

// Applies the steps `db` has not taken yet, each in its own write
// transaction together with the user_version it reaches, so a failed step
// leaves the database at the previous version. kInvalidInput when the
// database is at a version newer than `migrations` knows (written by a
// newer kiln); errors of a step carry its number and description.
Status migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace kiln::store
