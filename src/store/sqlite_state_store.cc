// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite_state_store.h"

#include <charconv>
#include <cstdint>
#include <functional>
#include <utility>

#include "store/sqlite_migrations.h"

namespace kiln::store {

namespace {

constexpr char kBuildNumberPlaceholder[] = "{{BUILD_NUMBER}}";

constexpr char kBuildColumns[] =
    "seq, id, project, build_number, state, queued_ms, queue_deadline_ms, document, request, "
    "lease_owner, lease_expires_ms";
constexpr char kProjectColumns[] =
    "name, document, created_ms, last_modified_ms, concurrent_build_limit";
constexpr char kKeyColumns[] = "access_key_id, secret_access_key, name, created_ms, revoked_ms";

const char* state_text(BuildState state) {
  switch (state) {
    case BuildState::kQueued:
      return "QUEUED";
    case BuildState::kRunning:
      return "RUNNING";
    case BuildState::kFinished:
      return "FINISHED";
  }
  return "FINISHED";
}

BuildState state_from_text(const std::string& text) {
  if (text == "QUEUED") return BuildState::kQueued;
  if (text == "RUNNING") return BuildState::kRunning;
  return BuildState::kFinished;  // the CHECK constraint admits nothing else
}

BuildRecord read_build(const Statement& row) {
  BuildRecord build;
  build.seq = row.column_int64(0);
  build.id = row.column_text(1);
  build.project = row.column_text(2);
  build.build_number = row.column_int64(3);
  build.state = state_from_text(row.column_text(4));
  build.queued_ms = row.column_int64(5);
  build.queue_deadline_ms = row.column_int64(6);
  build.document = row.column_text(7);
  build.request = row.column_text(8);
  build.lease_owner = row.column_text(9);
  build.lease_expires_ms = row.column_int64(10);
  return build;
}

ProjectRecord read_project(const Statement& row) {
  ProjectRecord project;
  project.name = row.column_text(0);
  project.document = row.column_text(1);
  project.created_ms = row.column_int64(2);
  project.last_modified_ms = row.column_int64(3);
  project.concurrent_build_limit = static_cast<int>(row.column_int64(4));
  return project;
}

AccessKey read_key(const Statement& row) {
  AccessKey key;
  key.access_key_id = row.column_text(0);
  key.secret_access_key = row.column_text(1);
  key.name = row.column_text(2);
  key.created_ms = row.column_int64(3);
  if (!row.column_is_null(4)) key.revoked_ms = row.column_int64(4);
  return key;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Steps `query` to the end, giving each row to `on_row`.
Status for_each_row(Query& query, const std::function<void(const Statement&)>& on_row) {
  for (;;) {
    Result<bool> row = query->step();
    if (!row.is_ok()) return row.status();
    if (!row.value()) return Status::ok();
    on_row(*query);
  }
}

// The single integer a `SELECT count(*)` or `RETURNING` yields.
Result<std::int64_t> single_int(Query& query) {
  Result<bool> row = query->step();
  if (!row.is_ok()) return row.status();
  if (!row.value()) return Status(ErrorCode::kInternal, "a query for one value returned no row");
  return query->column_int64(0);
}

// --- cursors ---
// A cursor is the sort key of the last item of the page before, tagged with
// the listing it belongs to: "b:<seq>" (ListBuilds), "n:<build number>"
// (ListBuildsForProject), "p:<name>", "c:<created ms>:<name>" and
// "m:<last modified ms>:<name>" (projects). Pages are keyset ranges, so
// every page costs one index seek however deep it is.

Status bad_cursor(const std::string& cursor) {
  return Status(ErrorCode::kInvalidInput, "invalid pagination cursor '" + cursor + "'");
}

bool parse_int(std::string_view text, std::int64_t* value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

Result<std::int64_t> int_cursor(const std::string& cursor, char tag) {
  std::int64_t value = 0;
  if (cursor.size() < 3 || cursor[0] != tag || cursor[1] != ':' ||
      !parse_int(std::string_view(cursor).substr(2), &value)) {
    return bad_cursor(cursor);
  }
  return value;
}

struct ProjectKey {
  std::int64_t time_ms = 0;  // unused for kName
  std::string name;
};

char project_tag(ProjectOrder order) {
  switch (order) {
    case ProjectOrder::kName:
      return 'p';
    case ProjectOrder::kCreatedTime:
      return 'c';
    case ProjectOrder::kLastModifiedTime:
      return 'm';
  }
  return 'p';
}

std::string make_project_cursor(ProjectOrder order, const ProjectKey& key) {
  std::string cursor = {project_tag(order), ':'};
  if (order != ProjectOrder::kName) cursor += std::to_string(key.time_ms) + ":";
  return cursor + key.name;
}

Result<ProjectKey> project_cursor(const std::string& cursor, ProjectOrder order) {
  if (cursor.size() < 3 || cursor[0] != project_tag(order) || cursor[1] != ':') {
    return bad_cursor(cursor);
  }
  ProjectKey key;
  std::string_view rest = std::string_view(cursor).substr(2);
  if (order != ProjectOrder::kName) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos || !parse_int(rest.substr(0, colon), &key.time_ms)) {
      return bad_cursor(cursor);
    }
    rest = rest.substr(colon + 1);
  }
  if (rest.empty()) return bad_cursor(cursor);
  key.name = std::string(rest);
  return key;
}

Status check_limit(int limit) {
  if (limit >= 1) return Status::ok();
  return Status(ErrorCode::kInvalidInput,
                "page limit must be at least 1, got " + std::to_string(limit));
}

// Reads up to limit + 1 rows of (id, int key): the extra row only says
// whether another page follows, so a page that is exactly full and last
// gets no cursor.
Result<Page> read_int_keyed_page(Query& query, int limit, char tag) {
  Page page;
  std::int64_t last_key = 0;
  bool more = false;
  Status read = for_each_row(query, [&](const Statement& row) {
    if (static_cast<int>(page.items.size()) == limit) {
      more = true;
      return;
    }
    page.items.push_back(row.column_text(0));
    last_key = row.column_int64(1);
  });
  if (!read.is_ok()) return read;
  if (more) page.next_cursor = std::string{tag, ':'} + std::to_string(last_key);
  return page;
}

const char* project_order_column(ProjectOrder order) {
  switch (order) {
    case ProjectOrder::kName:
      return nullptr;
    case ProjectOrder::kCreatedTime:
      return "created_ms";
    case ProjectOrder::kLastModifiedTime:
      return "last_modified_ms";
  }
  return nullptr;
}

// The listing's SQL: `?1`(, `?2`) hold the cursor's key when there is one,
// the last parameter the row count.
std::string project_page_sql(ProjectOrder order, bool descending, bool has_cursor) {
  const char* column = project_order_column(order);
  const std::string dir = descending ? " DESC" : "";
  std::string sql = "SELECT name";
  sql += column ? std::string(", ") + column : std::string();
  sql += " FROM projects";
  if (has_cursor) {
    const char* op = descending ? "<" : ">";
    sql += column ? std::string(" WHERE (") + column + ", name) " + op + " (?1, ?2)"
                  : std::string(" WHERE name ") + op + " ?1";
  }
  sql += " ORDER BY ";
  sql += column ? std::string(column) + dir + ", name" + dir : "name" + dir;
  sql += has_cursor ? (column ? " LIMIT ?3" : " LIMIT ?2") : " LIMIT ?1";
  return sql;
}

Status not_found(const std::string& what) { return Status(ErrorCode::kNotFound, what); }

// Adds `context` to a kAlreadyExists from a UNIQUE constraint, whose own
// message names only the column.
Status already_exists_as(Status status, const std::string& what) {
  if (status.code() != ErrorCode::kAlreadyExists) return status;
  return Status(ErrorCode::kAlreadyExists, what + " already exists");
}

}  // namespace

// --- opening ---

Result<std::unique_ptr<SqliteStateStore>> SqliteStateStore::open(const std::string& path) {
  return open(path, Options{});
}

Result<std::unique_ptr<SqliteStateStore>> SqliteStateStore::open(const std::string& path,
                                                                 const Options& options) {
  Result<Database> db = Database::open(path);
  if (!db.is_ok()) return db.status();
  // busy_timeout first: another process may hold the lock right now.
  Status configured = db->exec("PRAGMA busy_timeout = 5000");
  if (configured.is_ok()) {
    configured = db->exec(options.sync_every_commit ? "PRAGMA synchronous = FULL"
                                                    : "PRAGMA synchronous = NORMAL");
  }
  if (!configured.is_ok()) return configured;
  // The first statement that reads the file: a file that is not a database
  // fails here with SQLite's "file is not a database".
  Result<std::string> mode = db->pragma("journal_mode = WAL");
  if (!mode.is_ok()) return mode.status();
  if (mode.value() != "wal") {
    return Status(ErrorCode::kIoError,
                  path + ": cannot use a write-ahead log here (journal mode " + mode.value() + ")");
  }
  Status migrated = migrate(db.value(), state_store_migrations());
  if (!migrated.is_ok()) return migrated;
  return std::unique_ptr<SqliteStateStore>(
      new SqliteStateStore(std::move(db).value(), options.sync_every_commit));
}

// --- projects ---

Status SqliteStateStore::create_project(const ProjectRecord& project) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(
      "INSERT INTO projects (name, document, created_ms, last_modified_ms, "
      "concurrent_build_limit) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, project.name);
  q.value()->bind(2, project.document);
  q.value()->bind(3, project.created_ms);
  q.value()->bind(4, project.last_modified_ms);
  q.value()->bind(5, std::int64_t{project.concurrent_build_limit});
  return already_exists_as(q.value()->run(), "project " + project.name);
}

Status SqliteStateStore::update_project(const ProjectRecord& project) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(
      "UPDATE projects SET document = ?2, last_modified_ms = ?3, concurrent_build_limit = ?4 "
      "WHERE name = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, project.name);
  q.value()->bind(2, project.document);
  q.value()->bind(3, project.last_modified_ms);
  q.value()->bind(4, std::int64_t{project.concurrent_build_limit});
  Status updated = q.value()->run();
  if (!updated.is_ok()) return updated;
  if (db_.changes() == 0) return not_found("project " + project.name + " not found");
  return Status::ok();
}

Result<std::optional<ProjectRecord>> SqliteStateStore::get_project(const std::string& name) {
  Result<std::vector<ProjectRecord>> found = get_projects({name});
  if (!found.is_ok()) return found.status();
  if (found->empty()) return std::optional<ProjectRecord>();
  return std::optional<ProjectRecord>(std::move(found->front()));
}

Result<std::vector<ProjectRecord>> SqliteStateStore::get_projects(
    const std::vector<std::string>& names) {
  std::lock_guard lock(mu_);
  // One read transaction: all records from the same snapshot.
  Result<Transaction> tx = Transaction::begin(db_, /*write=*/false);
  if (!tx.is_ok()) return tx.status();
  std::vector<ProjectRecord> projects;
  for (const std::string& name : names) {
    Result<Query> q =
        db_.query(std::string("SELECT ") + kProjectColumns + " FROM projects WHERE name = ?1");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, name);
    Status read = for_each_row(
        q.value(), [&](const Statement& row) { projects.push_back(read_project(row)); });
    if (!read.is_ok()) return read;
  }
  return projects;
}

Result<bool> SqliteStateStore::delete_project(const std::string& name) {
  std::lock_guard lock(mu_);
  // build_counters keeps the project's row: a project recreated under the
  // same name continues its numbers (codebuild-semantics.md §8).
  Result<Query> q = db_.query("DELETE FROM projects WHERE name = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, name);
  Status deleted = q.value()->run();
  if (!deleted.is_ok()) return deleted;
  return db_.changes() > 0;
}

Result<Page> SqliteStateStore::list_projects(ProjectOrder order, bool descending,
                                             const std::string& cursor, int limit) {
  Status valid = check_limit(limit);
  if (!valid.is_ok()) return valid;
  ProjectKey after;
  if (!cursor.empty()) {
    Result<ProjectKey> key = project_cursor(cursor, order);
    if (!key.is_ok()) return key.status();
    after = std::move(key).value();
  }
  const bool timed = order != ProjectOrder::kName;

  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(project_page_sql(order, descending, !cursor.empty()));
  if (!q.is_ok()) return q.status();
  int next = 1;
  if (!cursor.empty()) {
    if (timed) q.value()->bind(next++, after.time_ms);
    q.value()->bind(next++, after.name);
  }
  q.value()->bind(next, std::int64_t{limit} + 1);

  Page page;
  ProjectKey last;
  bool more = false;
  Status read = for_each_row(q.value(), [&](const Statement& row) {
    if (static_cast<int>(page.items.size()) == limit) {
      more = true;
      return;
    }
    last.name = row.column_text(0);
    if (timed) last.time_ms = row.column_int64(1);
    page.items.push_back(last.name);
  });
  if (!read.is_ok()) return read;
  if (more) page.next_cursor = make_project_cursor(order, last);
  return page;
}

// --- builds ---

Result<BuildRecord> SqliteStateStore::insert_build(const NewBuild& build,
                                                   const InsertLimits& limits) {
  std::lock_guard lock(mu_);
  Result<Transaction> tx = Transaction::begin(db_, /*write=*/true);
  if (!tx.is_ok()) return tx.status();

  // Limits are checked in the same write transaction as the insert, so two
  // StartBuilds cannot both take the last slot (codebuild-semantics.md §4).
  if (limits.project_limit > 0) {
    Result<Query> q =
        db_.query("SELECT count(*) FROM builds WHERE project = ?1 AND state <> 'FINISHED'");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, build.project);
    Result<std::int64_t> unfinished = single_int(q.value());
    if (!unfinished.is_ok()) return unfinished.status();
    if (unfinished.value() >= limits.project_limit) {
      return Status(ErrorCode::kLimitExceeded, "Project " + build.project +
                                                   " has reached its concurrent build limit of " +
                                                   std::to_string(limits.project_limit));
    }
  }
  if (limits.queue_limit > 0) {
    Result<Query> q = db_.query("SELECT count(*) FROM builds WHERE state = 'QUEUED'");
    if (!q.is_ok()) return q.status();
    Result<std::int64_t> queued = single_int(q.value());
    if (!queued.is_ok()) return queued.status();
    if (queued.value() >= limits.queue_limit) {
      return Status(
          ErrorCode::kLimitExceeded,
          "Cannot have more than " + std::to_string(limits.queue_limit) + " queued builds");
    }
  }

  BuildRecord record;
  {
    Result<Query> q = db_.query(
        "INSERT INTO build_counters (project, last_number) VALUES (?1, 1) "
        "ON CONFLICT (project) DO UPDATE SET last_number = last_number + 1 "
        "RETURNING last_number");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, build.project);
    Result<std::int64_t> number = single_int(q.value());
    if (!number.is_ok()) return number.status();
    record.build_number = number.value();
  }
  const std::string number_text = std::to_string(record.build_number);
  record.id = build.id;
  record.project = build.project;
  record.state = BuildState::kQueued;
  record.queued_ms = build.queued_ms;
  record.queue_deadline_ms = build.queue_deadline_ms;
  record.document = replace_all(build.document, kBuildNumberPlaceholder, number_text);
  record.request = replace_all(build.request, kBuildNumberPlaceholder, number_text);
  {
    Result<Query> q = db_.query(
        "INSERT INTO builds (id, project, build_number, state, queued_ms, queue_deadline_ms, "
        "document, request) VALUES (?1, ?2, ?3, 'QUEUED', ?4, ?5, ?6, ?7) RETURNING seq");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, record.id);
    q.value()->bind(2, record.project);
    q.value()->bind(3, record.build_number);
    q.value()->bind(4, record.queued_ms);
    q.value()->bind(5, record.queue_deadline_ms);
    q.value()->bind(6, record.document);
    q.value()->bind(7, record.request);
    Result<std::int64_t> seq = single_int(q.value());
    if (!seq.is_ok()) return already_exists_as(seq.status(), "build " + build.id);
    record.seq = seq.value();
  }  // the INSERT must be reset before COMMIT
  Status committed = tx->commit();
  if (!committed.is_ok()) return committed;
  return record;
}

Result<std::vector<BuildRecord>> SqliteStateStore::get_builds(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  Result<Transaction> tx = Transaction::begin(db_, /*write=*/false);
  if (!tx.is_ok()) return tx.status();
  std::vector<BuildRecord> builds;
  builds.reserve(ids.size());
  for (const std::string& id : ids) {
    Result<Query> q =
        db_.query(std::string("SELECT ") + kBuildColumns + " FROM builds WHERE id = ?1");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, id);
    Status read =
        for_each_row(q.value(), [&](const Statement& row) { builds.push_back(read_build(row)); });
    if (!read.is_ok()) return read;
  }
  return builds;
}

Status SqliteStateStore::update_build(const std::string& id, BuildState state,
                                      const std::string& document) {
  std::lock_guard lock(mu_);
  // A lease belongs to a running build only; any other state ends it.
  Result<Query> q = db_.query(
      "UPDATE builds SET state = ?2, document = ?3, "
      "lease_owner = CASE WHEN ?2 = 'RUNNING' THEN lease_owner ELSE '' END, "
      "lease_expires_ms = CASE WHEN ?2 = 'RUNNING' THEN lease_expires_ms ELSE 0 END "
      "WHERE id = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, id);
  q.value()->bind(2, state_text(state));
  q.value()->bind(3, document);
  const bool relaxed = full_sync_ && state == BuildState::kRunning;
  if (relaxed) {
    if (Status s = db_.exec("PRAGMA synchronous = NORMAL"); !s.is_ok()) return s;
  }
  Status updated = q.value()->run();
  const std::int64_t changes = db_.changes();
  if (relaxed) {
    if (Status s = db_.exec("PRAGMA synchronous = FULL"); !s.is_ok()) return s;
  }
  if (!updated.is_ok()) return updated;
  if (changes == 0) return not_found("build " + id + " not found");
  return Status::ok();
}

Result<Page> SqliteStateStore::list_builds(bool descending, const std::string& cursor, int limit) {
  Status valid = check_limit(limit);
  if (!valid.is_ok()) return valid;
  std::int64_t after = 0;
  if (!cursor.empty()) {
    Result<std::int64_t> key = int_cursor(cursor, 'b');
    if (!key.is_ok()) return key.status();
    after = key.value();
  }
  std::string sql = "SELECT id, seq FROM builds";
  if (!cursor.empty()) sql += descending ? " WHERE seq < ?2" : " WHERE seq > ?2";
  sql += descending ? " ORDER BY seq DESC LIMIT ?1" : " ORDER BY seq LIMIT ?1";

  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(sql);
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, std::int64_t{limit} + 1);
  if (!cursor.empty()) q.value()->bind(2, after);
  return read_int_keyed_page(q.value(), limit, 'b');
}

Result<Page> SqliteStateStore::list_builds_for_project(const std::string& project, bool descending,
                                                       const std::string& cursor, int limit) {
  Status valid = check_limit(limit);
  if (!valid.is_ok()) return valid;
  std::int64_t after = 0;
  if (!cursor.empty()) {
    Result<std::int64_t> key = int_cursor(cursor, 'n');
    if (!key.is_ok()) return key.status();
    after = key.value();
  }
  std::string sql = "SELECT id, build_number FROM builds WHERE project = ?1";
  if (!cursor.empty()) sql += descending ? " AND build_number < ?3" : " AND build_number > ?3";
  sql += descending ? " ORDER BY build_number DESC LIMIT ?2" : " ORDER BY build_number LIMIT ?2";

  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(sql);
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, project);
  q.value()->bind(2, std::int64_t{limit} + 1);
  if (!cursor.empty()) q.value()->bind(3, after);
  return read_int_keyed_page(q.value(), limit, 'n');
}

Result<std::vector<DeleteOutcome>> SqliteStateStore::delete_builds(
    const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  Result<Transaction> tx = Transaction::begin(db_, /*write=*/true);
  if (!tx.is_ok()) return tx.status();
  std::vector<DeleteOutcome> outcomes;
  for (const std::string& id : ids) {
    Result<Query> q = db_.query("DELETE FROM builds WHERE id = ?1 AND state = 'FINISHED'");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, id);
    Status deleted = q.value()->run();
    if (!deleted.is_ok()) return deleted;
    if (db_.changes() > 0) {
      outcomes.push_back(DeleteOutcome::kDeleted);
      continue;
    }
    // Not deleted: either no such build or one still in progress.
    Result<Query> exists = db_.query("SELECT count(*) FROM builds WHERE id = ?1");
    if (!exists.is_ok()) return exists.status();
    exists.value()->bind(1, id);
    Result<std::int64_t> count = single_int(exists.value());
    if (!count.is_ok()) return count.status();
    outcomes.push_back(count.value() > 0 ? DeleteOutcome::kInProgress : DeleteOutcome::kNotFound);
  }
  Status committed = tx->commit();
  if (!committed.is_ok()) return committed;
  return outcomes;
}

// --- scheduling ---

Result<std::vector<BuildRecord>> SqliteStateStore::queued_builds(int limit) {
  Status valid = check_limit(limit);
  if (!valid.is_ok()) return valid;
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(std::string("SELECT ") + kBuildColumns +
                              " FROM builds WHERE state = 'QUEUED' ORDER BY seq LIMIT ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, std::int64_t{limit});
  std::vector<BuildRecord> builds;
  Status read =
      for_each_row(q.value(), [&](const Statement& row) { builds.push_back(read_build(row)); });
  if (!read.is_ok()) return read;
  return builds;
}

Result<std::int64_t> SqliteStateStore::count_builds(BuildState state) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query("SELECT count(*) FROM builds WHERE state = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, state_text(state));
  return single_int(q.value());
}

Result<bool> SqliteStateStore::acquire_lease(const std::string& id, const std::string& owner,
                                             EpochMillis expires_ms, const std::string& document) {
  std::lock_guard lock(mu_);
  // One statement: the state test and the change are atomic even against
  // another process's scheduler on the same file.
  Result<Query> q = db_.query(
      "UPDATE builds SET state = 'RUNNING', lease_owner = ?2, lease_expires_ms = ?3, "
      "document = ?4 WHERE id = ?1 AND state = 'QUEUED'");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, id);
  q.value()->bind(2, owner);
  q.value()->bind(3, expires_ms);
  q.value()->bind(4, document);
  Status updated = q.value()->run();
  if (!updated.is_ok()) return updated;
  return db_.changes() > 0;
}

Status SqliteStateStore::renew_leases(const std::string& owner, EpochMillis expires_ms) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(
      "UPDATE builds SET lease_expires_ms = ?2 WHERE state = 'RUNNING' AND lease_owner = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, owner);
  q.value()->bind(2, expires_ms);
  return q.value()->run();
}

Result<std::vector<BuildRecord>> SqliteStateStore::orphaned_builds(const std::string& owner,
                                                                   EpochMillis now_ms) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(std::string("SELECT ") + kBuildColumns +
                              " FROM builds WHERE state = 'RUNNING' AND "
                              "(lease_owner <> ?1 OR lease_expires_ms < ?2) ORDER BY seq");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, owner);
  q.value()->bind(2, now_ms);
  std::vector<BuildRecord> builds;
  Status read =
      for_each_row(q.value(), [&](const Statement& row) { builds.push_back(read_build(row)); });
  if (!read.is_ok()) return read;
  return builds;
}

// --- access keys ---

Status SqliteStateStore::add_key(const AccessKey& key) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(std::string("INSERT INTO access_keys (") + kKeyColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, key.access_key_id);
  q.value()->bind(2, key.secret_access_key);
  q.value()->bind(3, key.name);
  q.value()->bind(4, key.created_ms);
  if (key.revoked_ms) {
    q.value()->bind(5, *key.revoked_ms);
  } else {
    q.value()->bind_null(5);
  }
  return already_exists_as(q.value()->run(), "access key " + key.access_key_id);
}

Result<std::optional<AccessKey>> SqliteStateStore::get_key(const std::string& access_key_id) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(std::string("SELECT ") + kKeyColumns +
                              " FROM access_keys WHERE access_key_id = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, access_key_id);
  std::optional<AccessKey> key;
  Status read = for_each_row(q.value(), [&](const Statement& row) { key = read_key(row); });
  if (!read.is_ok()) return read;
  return key;
}

Result<std::vector<AccessKey>> SqliteStateStore::list_keys() {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(std::string("SELECT ") + kKeyColumns +
                              " FROM access_keys ORDER BY created_ms, access_key_id");
  if (!q.is_ok()) return q.status();
  std::vector<AccessKey> keys;
  Status read =
      for_each_row(q.value(), [&](const Statement& row) { keys.push_back(read_key(row)); });
  if (!read.is_ok()) return read;
  return keys;
}

Status SqliteStateStore::revoke_key(const std::string& access_key_id, EpochMillis now_ms) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(
      "UPDATE access_keys SET revoked_ms = coalesce(revoked_ms, ?2) WHERE access_key_id = ?1");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, access_key_id);
  q.value()->bind(2, now_ms);
  Status updated = q.value()->run();
  if (!updated.is_ok()) return updated;
  if (db_.changes() == 0) return not_found("access key " + access_key_id + " not found");
  return Status::ok();
}

// --- idempotency tokens ---

Result<std::optional<IdempotencyEntry>> SqliteStateStore::find_idempotency(const std::string& token,
                                                                           EpochMillis now_ms) {
  std::lock_guard lock(mu_);
  Result<Transaction> tx = Transaction::begin(db_, /*write=*/true);
  if (!tx.is_ok()) return tx.status();
  {
    Result<Query> q = db_.query("DELETE FROM idempotency WHERE expires_ms <= ?1");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, now_ms);
    Status dropped = q.value()->run();
    if (!dropped.is_ok()) return dropped;
  }
  std::optional<IdempotencyEntry> entry;
  {
    Result<Query> q = db_.query(
        "SELECT token, request_hash, build_id, expires_ms FROM idempotency WHERE token = ?1");
    if (!q.is_ok()) return q.status();
    q.value()->bind(1, token);
    Status read = for_each_row(q.value(), [&](const Statement& row) {
      entry = IdempotencyEntry{row.column_text(0), row.column_text(1), row.column_text(2),
                               row.column_int64(3)};
    });
    if (!read.is_ok()) return read;
  }
  Status committed = tx->commit();
  if (!committed.is_ok()) return committed;
  return entry;
}

Status SqliteStateStore::put_idempotency(const IdempotencyEntry& entry) {
  std::lock_guard lock(mu_);
  Result<Query> q = db_.query(
      "INSERT OR REPLACE INTO idempotency (token, request_hash, build_id, expires_ms) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!q.is_ok()) return q.status();
  q.value()->bind(1, entry.token);
  q.value()->bind(2, entry.request_hash);
  q.value()->bind(3, entry.build_id);
  q.value()->bind(4, entry.expires_ms);
  return q.value()->run();
}

}  // namespace kiln::store
