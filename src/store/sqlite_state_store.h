// SPDX-License-Identifier: Apache-2.0
// SqliteStateStore: the StateStore in one SQLite file, for a single server
// (tables and their invariants in docs/state-store.md).
//
// Durability: WAL journal with synchronous=FULL, so every commit is fsynced
// before the call returns. WAL's usual synchronous=NORMAL only syncs at
// checkpoints: it survives a crash of kiln but a power loss may undo the
// last commits, and we would have told a client about a build that no
// longer exists. FULL costs one fsync per commit, milliseconds on our VM
// (kiln_store_bench, docs/benchmarks.md); reads never wait for it.
//
// Thread-safe: one connection behind one mutex, so calls run one at a time.
// Other processes may open the same file; SQLite's locks order them, and a
// call fails with kUnavailable after waiting 5 s for a lock.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/state_store.h"

namespace kiln::store {

class SqliteStateStore : public StateStore {
 public:
  struct Options {
    // False selects synchronous=NORMAL: commits survive a crash of the
    // process but not of the machine. Only for throwaway databases, such
    // as filling one for a benchmark.
    bool sync_every_commit = true;
  };

  // Opens the database at `path`, creating it (mode 0600: it holds secret
  // keys) if missing, and brings its schema up to date. kIoError when the
  // file cannot be opened or is not a database; kInvalidInput when a newer
  // kiln has migrated it past the versions this one knows.
  static Result<std::unique_ptr<SqliteStateStore>> open(const std::string& path);
  static Result<std::unique_ptr<SqliteStateStore>> open(const std::string& path,
                                                        const Options& options);

  Status create_project(const ProjectRecord& project) override;
  Status update_project(const ProjectRecord& project) override;
  Result<std::optional<ProjectRecord>> get_project(const std::string& name) override;
  // Names in the order given; a repeated name gives its record again.
  Result<std::vector<ProjectRecord>> get_projects(const std::vector<std::string>& names) override;
  Result<bool> delete_project(const std::string& name) override;
  // kInvalidInput also for `limit` < 1. Cursors keep their meaning across
  // inserts and deletes: a page starts after the last item of the previous
  // one, whatever happened in between.
  Result<Page> list_projects(ProjectOrder order, bool descending, const std::string& cursor,
                             int limit) override;

  // kAlreadyExists when build.id is taken (nothing is inserted).
  Result<BuildRecord> insert_build(const NewBuild& build, const InsertLimits& limits) override;
  // A repeated id gives its record again.
  Result<std::vector<BuildRecord>> get_builds(const std::vector<std::string>& ids) override;
  // The lease is released for every state but kRunning. A kRunning update
  // (a running build's progress, about twenty per build) is committed with
  // synchronous=NORMAL: it survives a crash of kiln, not of the machine, and
  // costs no fsync; every other write, the final record included, is FULL.
  Status update_build(const std::string& id, BuildState state,
                      const std::string& document) override;
  Result<Page> list_builds(bool descending, const std::string& cursor, int limit) override;
  Result<Page> list_builds_for_project(const std::string& project, bool descending,
                                       const std::string& cursor, int limit) override;
  // A repeated id is kNotFound after its first deletion.
  Result<std::vector<DeleteOutcome>> delete_builds(const std::vector<std::string>& ids) override;

  // kInvalidInput for `limit` < 1.
  Result<std::vector<BuildRecord>> queued_builds(int limit) override;
  Result<std::int64_t> count_builds(BuildState state) override;
  // Also false for an unknown id.
  Result<bool> acquire_lease(const std::string& id, const std::string& owner,
                             EpochMillis expires_ms, const std::string& document) override;
  Status renew_leases(const std::string& owner, EpochMillis expires_ms) override;
  // Oldest (lowest seq) first.
  Result<std::vector<BuildRecord>> orphaned_builds(const std::string& owner,
                                                   EpochMillis now_ms) override;

  Status add_key(const AccessKey& key) override;
  Result<std::optional<AccessKey>> get_key(const std::string& access_key_id) override;
  // Oldest first.
  Result<std::vector<AccessKey>> list_keys() override;
  // Revoking a revoked key keeps its first revocation time.
  Status revoke_key(const std::string& access_key_id, EpochMillis now_ms) override;

  // An entry is expired once now_ms >= expires_ms. Every expired entry is
  // dropped, not only `token`'s, so the table stays small.
  Result<std::optional<IdempotencyEntry>> find_idempotency(const std::string& token,
                                                           EpochMillis now_ms) override;
  Status put_idempotency(const IdempotencyEntry& entry) override;

 private:
  SqliteStateStore(Database db, bool full_sync) : full_sync_(full_sync), db_(std::move(db)) {}

  const bool full_sync_;
  std::mutex mu_;
  Database db_;  // guarded by mu_
};

}  // namespace kiln::store
