// SPDX-License-Identifier: Apache-2.0
// CreateProject, UpdateProject, DeleteProject, BatchGetProjects,
// ListProjects and ListCuratedEnvironmentImages (codebuild-semantics.md §4.4).
#include <chrono>

#include "common/clock.h"
#include "images/curated_image.h"
#include "service/operations.h"
#include "service/page_token.h"
#include "service/project_document.h"

namespace kiln::service::ops {

namespace {

constexpr int kPageSize = 100;  // fixed for ListProjects (§4.5)

ProjectContext project_context(const OperationContext& ctx) {
  return ProjectContext{ctx.config.region, ctx.config.account, epoch_millis(), ctx.config.endpoint};
}

// The store's record of a Project document.
store::ProjectRecord project_record(const std::string& document) {
  Json doc = Json::parse(document);
  store::ProjectRecord record;
  record.name = doc.value("name", "");
  record.document = document;
  record.created_ms = static_cast<std::int64_t>(doc.value("created", 0.0) * 1000.0 + 0.5);
  record.last_modified_ms =
      static_cast<std::int64_t>(doc.value("lastModified", 0.0) * 1000.0 + 0.5);
  const int limit = doc.value("concurrentBuildLimit", 0);
  record.concurrent_build_limit = limit > 0 ? limit : 0;
  return record;
}

ApiResult project_response(const std::string& document) {
  return ApiResult::ok("{\"project\":" + document + "}");
}

}  // namespace

ApiResult create_project(const OperationContext& ctx, const Input& input) {
  auto document = make_project(input.dump(), project_context(ctx));
  if (!document.is_ok()) return ApiResult::error(store_error(document.status()));
  store::ProjectRecord record = project_record(document.value());
  Status created = ctx.store.create_project(record);
  if (created.code() == ErrorCode::kAlreadyExists)
    return ApiResult::error({"ResourceAlreadyExistsException",
                             "Project already exists: " + project_arn(ctx, record.name), 400});
  if (!created.is_ok()) return ApiResult::error(store_error(created));
  return project_response(record.document);
}

ApiResult update_project(const OperationContext& ctx, const Input& input) {
  const std::string name = project_name_from(input.value("name", ""));
  auto stored = find_project(ctx, name);
  if (!stored.is_ok()) return ApiResult::error(store_error(stored.status()));
  Input update = input;
  update["name"] = name;
  auto document =
      service::update_project(stored.value().document, update.dump(), project_context(ctx));
  if (!document.is_ok()) return ApiResult::error(store_error(document.status()));
  store::ProjectRecord record = project_record(document.value());
  Status updated = ctx.store.update_project(record);
  if (updated.code() == ErrorCode::kNotFound)
    return ApiResult::error(
        ApiError::not_found("Project cannot be found: " + project_arn(ctx, name)));
  if (!updated.is_ok()) return ApiResult::error(store_error(updated));
  return project_response(record.document);
}

ApiResult delete_project(const OperationContext& ctx, const Input& input) {
  // Deleting a project that does not exist succeeds, as moto and the CLI
  // expect (§4.4); its builds are kept.
  auto deleted = ctx.store.delete_project(project_name_from(input.value("name", "")));
  if (!deleted.is_ok()) return ApiResult::error(store_error(deleted.status()));
  return ApiResult::ok("{}");
}

ApiResult batch_get_projects(const OperationContext& ctx, const Input& input) {
  std::vector<std::string> requested;
  std::vector<std::string> names;
  for (const Input& raw : input.value("names", Input::array())) {
    requested.push_back(raw.get<std::string>());
    names.push_back(project_name_from(requested.back()));
  }
  auto records = ctx.store.get_projects(names);
  if (!records.is_ok()) return ApiResult::error(store_error(records.status()));
  std::string body = "{\"projects\":[";
  Json not_found = Json::array();
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const store::ProjectRecord* found = nullptr;
    for (const auto& record : records.value())
      if (record.name == names[i]) found = &record;
    if (!found) {
      not_found.push_back(requested[i]);
      continue;
    }
    if (!first) body += ',';
    body += found->document;
    first = false;
  }
  body += "],\"projectsNotFound\":" + not_found.dump() + "}";
  return ApiResult::ok(std::move(body));
}

ApiResult list_projects(const OperationContext& ctx, const Input& input) {
  const std::string sort_by = input.value("sortBy", "NAME");
  const std::string sort_order = input.value("sortOrder", "ASCENDING");
  store::ProjectOrder order = sort_by == "CREATED_TIME" ? store::ProjectOrder::kCreatedTime
                              : sort_by == "LAST_MODIFIED_TIME"
                                  ? store::ProjectOrder::kLastModifiedTime
                                  : store::ProjectOrder::kName;
  const std::string listing = "projects:" + sort_by + ":" + sort_order;
  std::string cursor;
  if (input.contains("nextToken")) {
    auto read = read_page_token(listing, input.value("nextToken", ""));
    if (!read) return ApiResult::error(ApiError::invalid_input("Invalid nextToken"));
    cursor = *read;
  }
  auto page = ctx.store.list_projects(order, sort_order == "DESCENDING", cursor, kPageSize);
  if (!page.is_ok()) return ApiResult::error(store_error(page.status()));
  Json out;
  out["projects"] = page.value().items;
  if (!page.value().next_cursor.empty())
    out["nextToken"] = make_page_token(listing, page.value().next_cursor);
  return ApiResult::ok(out.dump());
}

ApiResult list_curated_environment_images(const OperationContext& ctx, const Input& input) {
  (void)ctx;
  (void)input;
  // kiln's curated images are Debian-based; they are offered under BASE,
  // CodeBuild's language for general-purpose images.
  Json images = Json::array();
  for (const images::CuratedImage& image : images::curated_images())
    images.push_back({{"name", image.ref()},
                      {"description", image.description},
                      {"versions", Json::array({image.ref()})}});
  Json out = {
      {"platforms",
       Json::array({{{"platform", "DEBIAN"},
                     {"languages", Json::array({{{"language", "BASE"}, {"images", images}}})}}})}};
  return ApiResult::ok(out.dump());
}

}  // namespace kiln::service::ops
