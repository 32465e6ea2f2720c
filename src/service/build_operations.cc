// SPDX-License-Identifier: Apache-2.0
// StartBuild, StopBuild, RetryBuild, BatchGetBuilds, ListBuilds,
// ListBuildsForProject and BatchDeleteBuilds (codebuild-semantics.md §4.4).
#include <chrono>
#include <unordered_map>

#include "common/clock.h"
#include "common/uuid.h"
#include "service/build_document.h"
#include "service/build_job.h"
#include "service/operations.h"
#include "service/page_token.h"
#include "service/project_document.h"
#include "sigv4/crypto.h"

namespace kiln::service::ops {

namespace {

constexpr int kPageSize = 100;  // fixed for the build listings (§4.5)
constexpr std::int64_t kIdempotencyLifetimeMs = 5 * 60 * 1000;

// What an idempotency token remembers of a request: its SHA-256 (the text
// itself should libcrypto refuse, which compares just as well).
std::string request_hash_of(const std::string& text) {
  return sigv4::sha256_hex(text).value_or(text);
}

// A build id from an id or a build ARN; InvalidInput when it has no ':'.
std::optional<std::string> build_id_from(const std::string& id_or_arn) {
  std::string id = id_or_arn;
  auto build = id.find(":build/");
  if (id.rfind("arn:", 0) == 0 && build != std::string::npos) id = id.substr(build + 7);
  auto colon = id.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == id.size()) return std::nullopt;
  return id;
}

ApiError malformed_id(const std::string& id) {
  return ApiError::invalid_input("Invalid build ID provided: " + id +
                                 " (expected <project-name>:<uuid> or a build ARN)");
}

// The build ids of a Batch* request, each an id or an ARN.
std::optional<ApiError> read_build_ids(const Input& input, std::vector<std::string>& ids) {
  for (const Input& raw : input.value("ids", Input::array())) {
    const std::string text = raw.is_string() ? raw.get<std::string>() : "";
    auto id = build_id_from(text);
    if (!id) return malformed_id(text);
    ids.push_back(*id);
  }
  return std::nullopt;
}

// The store cursor in a request's nextToken (empty without one).
std::optional<ApiError> read_cursor(const Input& input, const std::string& listing,
                                    std::string& cursor) {
  if (!input.contains("nextToken")) return std::nullopt;
  auto read = read_page_token(listing, input.value("nextToken", ""));
  if (!read) return ApiError::invalid_input("Invalid nextToken");
  cursor = *read;
  return std::nullopt;
}

std::string arn_of_build(const ServiceConfig& config, const std::string& id) {
  return "arn:aws:codebuild:" + config.region + ":" + config.account + ":build/" + id;
}

ApiResult build_response(const std::string& document) {
  return ApiResult::ok("{\"build\":" + document + "}");
}

Result<std::optional<store::BuildRecord>> get_build(store::StateStore& store,
                                                    const std::string& id) {
  auto records = store.get_builds({id});
  if (!records.is_ok()) return records.status();
  if (records.value().empty()) return std::optional<store::BuildRecord>();
  return std::optional<store::BuildRecord>(records.value().front());
}

// Looks up an idempotency token: a build to return again, an error for a
// token reused with other parameters, or nothing.
std::optional<ApiResult> replay_idempotent(const OperationContext& ctx, const std::string& token,
                                           const std::string& request_hash) {
  if (token.empty()) return std::nullopt;
  auto entry = ctx.store.find_idempotency(token, epoch_millis());
  if (!entry.is_ok()) return ApiResult::error(store_error(entry.status()));
  if (!entry.value()) return std::nullopt;
  if (entry.value()->request_hash != request_hash)
    return ApiResult::error(ApiError::invalid_input(
        "Idempotency token " + token +
        " was used within the last 5 minutes with different parameters (parameter mismatch)"));
  auto record = get_build(ctx.store, entry.value()->build_id);
  if (!record.is_ok()) return ApiResult::error(store_error(record.status()));
  if (!record.value()) return std::nullopt;  // the build was deleted since
  return build_response(record.value()->document);
}

// Queues a build with `settings` (effective settings JSON text).
ApiResult queue_build(const OperationContext& ctx, const std::string& project, int project_limit,
                      const std::string& settings, const std::string& token,
                      const std::string& request_hash) {
  BuildJob job;
  job.identity.project = project;
  job.identity.uuid = random_uuid();
  job.identity.region = ctx.config.region;
  job.identity.account = ctx.config.account;
  job.identity.initiator = ctx.caller.name;
  job.identity.submitted_ms = epoch_millis();
  job.identity.endpoint = ctx.config.endpoint;
  job.settings = settings;

  Json parsed = Json::parse(settings, nullptr, false);
  int queued_timeout = parsed.is_object() ? parsed.value("queuedTimeoutInMinutes", 480) : 480;

  store::NewBuild build;
  build.id = job.identity.id();
  build.project = project;
  build.queued_ms = job.identity.submitted_ms;
  build.queue_deadline_ms =
      job.identity.submitted_ms + static_cast<std::int64_t>(queued_timeout) * 60 * 1000;
  build.document = queued_document(job.identity, settings);
  build.request = encode_job(job);
  store::InsertLimits limits;
  limits.project_limit = project_limit;
  limits.queue_limit = ctx.config.queue_limit;
  auto inserted = ctx.store.insert_build(build, limits);
  if (!inserted.is_ok()) return ApiResult::error(store_error(inserted.status()));
  if (!token.empty()) {
    store::IdempotencyEntry entry{token, request_hash, build.id,
                                  epoch_millis() + kIdempotencyLifetimeMs};
    if (Status s = ctx.store.put_idempotency(entry); !s.is_ok())
      return ApiResult::error(store_error(s));
  }
  ctx.scheduler.wake();
  return build_response(inserted.value().document);
}

// A listing page as {"ids": [...], "nextToken": ...}.
ApiResult ids_page(const store::Page& page, const std::string& listing) {
  Json out;
  out["ids"] = page.items;
  if (!page.next_cursor.empty()) out["nextToken"] = make_page_token(listing, page.next_cursor);
  return ApiResult::ok(out.dump());
}

}  // namespace

ApiResult start_build(const OperationContext& ctx, const Input& input) {
  const std::string name = project_name_from(input.value("projectName", ""));
  auto project = find_project(ctx, name);
  if (!project.is_ok()) return ApiResult::error(store_error(project.status()));
  const std::string token = input.value("idempotencyToken", "");
  Input hashed = input;
  hashed.erase("idempotencyToken");
  const std::string request_hash = request_hash_of("StartBuild\n" + hashed.dump());
  if (auto replay = replay_idempotent(ctx, token, request_hash)) return *replay;

  auto settings = effective_build_settings(project.value().document, input.dump());
  if (!settings.is_ok()) return ApiResult::error(store_error(settings.status()));
  return queue_build(ctx, name, project.value().concurrent_build_limit, settings.value(), token,
                     request_hash);
}

ApiResult retry_build(const OperationContext& ctx, const Input& input) {
  auto id = build_id_from(input.value("id", ""));
  if (!id) return ApiResult::error(malformed_id(input.value("id", "")));
  auto record = get_build(ctx.store, *id);
  if (!record.is_ok()) return ApiResult::error(store_error(record.status()));
  if (!record.value()) return ApiResult::error(ApiError::not_found("Build not found: " + *id));
  if (record.value()->state != store::BuildState::kFinished)
    return ApiResult::error(ApiError::invalid_input(
        "Build " + *id + " is still in progress; only a completed build can be retried"));
  const std::string token = input.value("idempotencyToken", "");
  const std::string request_hash = request_hash_of("RetryBuild\n" + *id);
  if (auto replay = replay_idempotent(ctx, token, request_hash)) return *replay;

  auto job = decode_job(record.value()->request);
  if (!job.is_ok()) return ApiResult::error(ApiError::internal(job.status().message()));
  auto project = find_project(ctx, job.value().identity.project);
  if (!project.is_ok()) return ApiResult::error(store_error(project.status()));
  // A retry runs with the original build's effective settings (§4.4).
  return queue_build(ctx, job.value().identity.project, project.value().concurrent_build_limit,
                     job.value().settings, token, request_hash);
}

ApiResult stop_build(const OperationContext& ctx, const Input& input) {
  auto id = build_id_from(input.value("id", ""));
  if (!id) return ApiResult::error(malformed_id(input.value("id", "")));
  auto record = get_build(ctx.store, *id);
  if (!record.is_ok()) return ApiResult::error(store_error(record.status()));
  if (!record.value()) return ApiResult::error(ApiError::not_found("Build not found: " + *id));
  if (record.value()->state != store::BuildState::kFinished) {
    Status stopped = ctx.scheduler.stop_build(*id);
    if (!stopped.is_ok() && stopped.code() != ErrorCode::kNotFound)
      return ApiResult::error(store_error(stopped));
    // Stopping is asynchronous for a running build (§2.4): answer with the
    // record as it stands now.
    record = get_build(ctx.store, *id);
    if (!record.is_ok()) return ApiResult::error(store_error(record.status()));
    if (!record.value()) return ApiResult::error(ApiError::not_found("Build not found: " + *id));
  }
  return build_response(record.value()->document);
}

ApiResult batch_get_builds(const OperationContext& ctx, const Input& input) {
  std::vector<std::string> ids;
  if (auto bad = read_build_ids(input, ids)) return ApiResult::error(*bad);
  auto records = ctx.store.get_builds(ids);
  if (!records.is_ok()) return ApiResult::error(store_error(records.status()));
  std::unordered_map<std::string, const std::string*> documents;
  for (const store::BuildRecord& record : records.value()) documents[record.id] = &record.document;
  std::string body = "{\"builds\":[";
  std::vector<std::string> not_found;
  bool first = true;
  for (const std::string& id : ids) {
    auto found = documents.find(id);
    if (found == documents.end()) {
      not_found.push_back(id);
      continue;
    }
    if (!first) body += ',';
    body += *found->second;
    first = false;
  }
  body += "],\"buildsNotFound\":" + Json(not_found).dump() + "}";
  return ApiResult::ok(std::move(body));
}

ApiResult list_builds(const OperationContext& ctx, const Input& input) {
  const bool descending = input.value("sortOrder", "DESCENDING") != "ASCENDING";
  const std::string listing = std::string("builds:") + (descending ? "d" : "a");
  std::string cursor;
  if (auto bad = read_cursor(input, listing, cursor)) return ApiResult::error(*bad);
  auto page = ctx.store.list_builds(descending, cursor, kPageSize);
  if (!page.is_ok()) return ApiResult::error(store_error(page.status()));
  return ids_page(page.value(), listing);
}

ApiResult list_builds_for_project(const OperationContext& ctx, const Input& input) {
  const std::string name = project_name_from(input.value("projectName", ""));
  auto project = find_project(ctx, name);
  if (!project.is_ok()) return ApiResult::error(store_error(project.status()));
  const bool descending = input.value("sortOrder", "DESCENDING") != "ASCENDING";
  const std::string listing = "project-builds:" + name + ":" + std::string(descending ? "d" : "a");
  std::string cursor;
  if (auto bad = read_cursor(input, listing, cursor)) return ApiResult::error(*bad);
  auto page = ctx.store.list_builds_for_project(name, descending, cursor, kPageSize);
  if (!page.is_ok()) return ApiResult::error(store_error(page.status()));
  return ids_page(page.value(), listing);
}

ApiResult batch_delete_builds(const OperationContext& ctx, const Input& input) {
  std::vector<std::string> ids;
  if (auto bad = read_build_ids(input, ids)) return ApiResult::error(*bad);
  auto outcomes = ctx.store.delete_builds(ids);
  if (!outcomes.is_ok()) return ApiResult::error(store_error(outcomes.status()));
  Json deleted = Json::array();
  Json not_deleted = Json::array();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    switch (outcomes.value()[i]) {
      case store::DeleteOutcome::kDeleted:
        deleted.push_back(arn_of_build(ctx.config, ids[i]));
        break;
      case store::DeleteOutcome::kInProgress:
        not_deleted.push_back(
            {{"id", arn_of_build(ctx.config, ids[i])}, {"statusCode", "BUILD_IN_PROGRESS"}});
        break;
      case store::DeleteOutcome::kNotFound:
        not_deleted.push_back({{"id", ids[i]}, {"statusCode", "BUILD_NOT_FOUND"}});
        break;
    }
  }
  Json out = {{"buildsDeleted", deleted}, {"buildsNotDeleted", not_deleted}};
  return ApiResult::ok(out.dump());
}

}  // namespace kiln::service::ops
