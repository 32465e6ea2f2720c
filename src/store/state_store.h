// SPDX-License-Identifier: Apache-2.0
// The service's durable state: projects, builds, build numbers, access keys,
// idempotency tokens and the leases through which a worker owns a running
// build. The store keeps documents (the API JSON of a project or a build) as
// opaque text next to the few columns it must index or compare; it never
// parses them, so the service alone owns the API shapes.
//
// Every mutating call is one transaction, committed before it returns: what
// a caller reports to a client is already durable. Implementations are
// thread-safe. SqliteStateStore is the embedded one; a PostgreSQL store can
// implement the same interface for a fleet (docs/server.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::store {

using EpochMillis = std::int64_t;

struct ProjectRecord {
  std::string name;
  std::string document;  // the Project JSON as BatchGetProjects returns it
  EpochMillis created_ms = 0;
  EpochMillis last_modified_ms = 0;
  // concurrentBuildLimit; 0 means no limit. Checked by insert_build.
  int concurrent_build_limit = 0;
};

enum class ProjectOrder { kName, kCreatedTime, kLastModifiedTime };

// One page of a listing. `next_cursor` is empty on the last page; the caller
// passes it back unchanged to get the next page. Cursors are the store's own
// text (the service wraps them into opaque API tokens).
struct Page {
  std::vector<std::string> items;
  std::string next_cursor;
};

// Where a build is in its life, as far as scheduling is concerned.
enum class BuildState {
  kQueued,    // waiting for capacity; no lease
  kRunning,   // leased by a worker
  kFinished,  // COMPLETED; document final
};

struct BuildRecord {
  std::string id;  // <project>:<uuid>
  std::string project;
  std::int64_t build_number = 0;
  std::int64_t seq = 0;  // global insertion order, assigned by the store
  BuildState state = BuildState::kQueued;
  EpochMillis queued_ms = 0;    // when it was submitted
  // Queued builds older than this are timed out by the scheduler.
  EpochMillis queue_deadline_ms = 0;
  std::string document;  // the Build JSON as BatchGetBuilds returns it
  std::string request;   // what a worker needs to run it (service-defined JSON)
  std::string lease_owner;  // empty unless kRunning
  EpochMillis lease_expires_ms = 0;
};

// A build to insert. The store assigns build_number and seq.
struct NewBuild {
  std::string id;
  std::string project;
  EpochMillis queued_ms = 0;
  EpochMillis queue_deadline_ms = 0;
  // The document and request may mention the build number; the store
  // replaces every occurrence of the text `{{BUILD_NUMBER}}` in both with the
  // number it assigns, so one round trip suffices.
  std::string document;
  std::string request;
};

struct InsertLimits {
  // The project's concurrentBuildLimit (0: none): refused with
  // kLimitExceeded when the project already has this many unfinished builds.
  int project_limit = 0;
  // Server-wide bound on queued builds (0: none): kLimitExceeded when reached.
  int queue_limit = 0;
};

enum class DeleteOutcome { kDeleted, kNotFound, kInProgress };

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string name;  // shown as a build's initiator
  EpochMillis created_ms = 0;
  std::optional<EpochMillis> revoked_ms;
};

// An idempotency token remembered for StartBuild/RetryBuild.
struct IdempotencyEntry {
  std::string token;
  std::string request_hash;  // what the first request asked for
  std::string build_id;      // what it created
  EpochMillis expires_ms = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // --- projects ---
  // kAlreadyExists when the name is taken.
  virtual Status create_project(const ProjectRecord& project) = 0;
  // Replaces document, last_modified_ms and limit; keeps created_ms.
  // kNotFound for an unknown name.
  virtual Status update_project(const ProjectRecord& project) = 0;
  virtual Result<std::optional<ProjectRecord>> get_project(const std::string& name) = 0;
  // Up to 100 names per call; unknown names are simply absent from the result.
  virtual Result<std::vector<ProjectRecord>> get_projects(const std::vector<std::string>& names) = 0;
  // True when a project was deleted. Its builds and its build-number counter
  // are kept, so a recreated project never reuses a number.
  virtual Result<bool> delete_project(const std::string& name) = 0;
  // kInvalidInput for a cursor this store did not produce.
  virtual Result<Page> list_projects(ProjectOrder order, bool descending,
                                     const std::string& cursor, int limit) = 0;

  // --- builds ---
  // Assigns the project's next build number (never reused) and the next seq,
  // checks `limits` and inserts in kQueued, atomically.
  virtual Result<BuildRecord> insert_build(const NewBuild& build, const InsertLimits& limits) = 0;
  // Records in the order of `ids`; unknown ids are absent.
  virtual Result<std::vector<BuildRecord>> get_builds(const std::vector<std::string>& ids) = 0;
  // Replaces the document of a build. When `state` is kFinished the lease is
  // released. kNotFound for an unknown id.
  virtual Status update_build(const std::string& id, BuildState state,
                              const std::string& document) = 0;
  // All builds by seq; ListBuilds.
  virtual Result<Page> list_builds(bool descending, const std::string& cursor, int limit) = 0;
  // One project's builds by build number; ListBuildsForProject.
  virtual Result<Page> list_builds_for_project(const std::string& project, bool descending,
                                               const std::string& cursor, int limit) = 0;
  // Unfinished builds are not deleted (kInProgress). One outcome per id, in order.
  virtual Result<std::vector<DeleteOutcome>> delete_builds(const std::vector<std::string>& ids) = 0;

  // --- scheduling ---
  // Queued builds, oldest (lowest seq) first.
  virtual Result<std::vector<BuildRecord>> queued_builds(int limit) = 0;
  // Unfinished builds of every state; for the queue position and limits.
  virtual Result<std::int64_t> count_builds(BuildState state) = 0;
  // Moves a queued build to kRunning under `owner`'s lease and stores
  // `document`. False (not an error) when the build is no longer queued.
  virtual Result<bool> acquire_lease(const std::string& id, const std::string& owner,
                                     EpochMillis expires_ms, const std::string& document) = 0;
  // Extends every lease `owner` holds.
  virtual Status renew_leases(const std::string& owner, EpochMillis expires_ms) = 0;
  // Running builds whose lease is not held by `owner` or expired before
  // `now_ms`: their worker is gone.
  virtual Result<std::vector<BuildRecord>> orphaned_builds(const std::string& owner,
                                                           EpochMillis now_ms) = 0;

  // --- access keys ---
  virtual Status add_key(const AccessKey& key) = 0;  // kAlreadyExists
  // Revoked keys are returned too (with revoked_ms set).
  virtual Result<std::optional<AccessKey>> get_key(const std::string& access_key_id) = 0;
  virtual Result<std::vector<AccessKey>> list_keys() = 0;
  // kNotFound for an unknown id.
  virtual Status revoke_key(const std::string& access_key_id, EpochMillis now_ms) = 0;

  // --- idempotency tokens ---
  // The unexpired entry for `token`, if any. Expired entries are dropped on
  // the way.
  virtual Result<std::optional<IdempotencyEntry>> find_idempotency(const std::string& token,
                                                                   EpochMillis now_ms) = 0;
  // Inserts or replaces the entry for entry.token.
  virtual Status put_idempotency(const IdempotencyEntry& entry) = 0;
};

}  // namespace kiln::store
