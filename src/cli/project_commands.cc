// SPDX-License-Identifier: Apache-2.0
// `kiln projects create|update|get|list|delete`: CodeBuild projects on a
// kiln server, through CreateProject, UpdateProject, BatchGetProjects,
// ListProjects and DeleteProject. Only wiring: the server validates.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client_options.h"
#include "cli/commands.h"

namespace kiln::cli {

namespace {

using Json = nlohmann::json;

// What a new project gets when neither a flag nor --from-json says.
constexpr const char* kDefaultImage = "kiln/standard:1.0";
constexpr const char* kDefaultComputeType = "BUILD_GENERAL1_SMALL";
constexpr const char* kDefaultServiceRole = "arn:aws:iam::000000000000:role/kiln";

// The project flags shared by create and update; empty or 0: not given.
struct ProjectFlags {
  ClientOptions client;
  std::string name;
  std::string from_json;
  std::string description;
  std::string source_type;
  std::string source_location;
  std::string source_version;
  std::string buildspec_file;
  std::string buildspec_inline;
  std::string image;
  std::string compute_type;
  bool privileged = false;
  std::vector<std::string> env;
  int timeout = 0;
  int queued_timeout = 0;
  int concurrent_build_limit = 0;
  std::string service_role;
  std::string artifacts_bucket;
  std::string artifacts_path;
  std::string artifacts_name;
  std::string artifacts_packaging;
  bool no_artifacts = false;
};

Json& object_member(Json& doc, const char* key) {
  if (!doc.contains(key) || !doc[key].is_object()) doc[key] = Json::object();
  return doc[key];
}

// Adds or replaces the variables `pairs` in environment.environmentVariables.
void set_variables(Json& environment,
                   const std::vector<std::pair<std::string, std::string>>& pairs) {
  Json& variables = environment["environmentVariables"];
  if (!variables.is_array()) variables = Json::array();
  for (const auto& [name, value] : pairs) {
    bool replaced = false;
    for (Json& variable : variables) {
      if (variable.is_object() && variable.value("name", "") == name) {
        variable["value"] = value;
        variable["type"] = "PLAINTEXT";
        replaced = true;
      }
    }
    if (!replaced) variables.push_back({{"name", name}, {"value", value}, {"type", "PLAINTEXT"}});
  }
}

// Applies the flags to `doc` (a CreateProject/UpdateProject input or a
// Project as BatchGetProjects returns it), adding the top-level members it
// changed to `touched`. kInvalidInput for a flag that cannot apply.
Status apply_flags(const ProjectFlags& f, Json& doc, std::set<std::string>& touched) {
  auto set = [&doc, &touched](const char* key, Json value) {
    doc[key] = std::move(value);
    touched.insert(key);
  };
  if (!f.description.empty()) set("description", f.description);
  if (!f.source_version.empty()) set("sourceVersion", f.source_version);
  if (f.timeout > 0) set("timeoutInMinutes", f.timeout);
  if (f.queued_timeout > 0) set("queuedTimeoutInMinutes", f.queued_timeout);
  if (f.concurrent_build_limit != 0) set("concurrentBuildLimit", f.concurrent_build_limit);
  if (!f.service_role.empty()) set("serviceRole", f.service_role);

  if (!f.source_type.empty() || !f.source_location.empty() || !f.buildspec_file.empty() ||
      !f.buildspec_inline.empty()) {
    Json& source = object_member(doc, "source");
    touched.insert("source");
    if (!f.source_type.empty()) source["type"] = f.source_type;
    if (!f.source_location.empty()) source["location"] = f.source_location;
    if (source.value("type", "") == "NO_SOURCE") source.erase("location");
    if (!f.buildspec_inline.empty()) source["buildspec"] = f.buildspec_inline;
    if (!f.buildspec_file.empty()) {
      auto text = read_user_file(f.buildspec_file, "--buildspec");
      if (!text.is_ok()) return text.status();
      source["buildspec"] = text.value();
    }
  }

  if (!f.image.empty() || !f.compute_type.empty() || f.privileged || !f.env.empty()) {
    Json& environment = object_member(doc, "environment");
    touched.insert("environment");
    if (!f.image.empty()) environment["image"] = f.image;
    if (!f.compute_type.empty()) environment["computeType"] = f.compute_type;
    if (f.privileged) environment["privilegedMode"] = true;
    auto pairs = parse_name_values(f.env, "--env");
    if (!pairs.is_ok()) return pairs.status();
    set_variables(environment, pairs.value());
  }

  if (f.no_artifacts) set("artifacts", {{"type", "NO_ARTIFACTS"}});
  if (!f.artifacts_bucket.empty()) {
    Json& artifacts = object_member(doc, "artifacts");
    // Another type's settings (e.g. a CODEPIPELINE name) do not carry over.
    if (artifacts.value("type", "") != "S3") artifacts = Json::object();
    artifacts["type"] = "S3";
    artifacts["location"] = f.artifacts_bucket;
    touched.insert("artifacts");
  }
  if (!f.artifacts_path.empty() || !f.artifacts_name.empty() || !f.artifacts_packaging.empty()) {
    Json& artifacts = object_member(doc, "artifacts");
    if (artifacts.value("type", "") != "S3") {
      return Status(ErrorCode::kInvalidInput,
                    "--artifacts-path, --artifacts-name and --artifacts-packaging need S3 "
                    "artifacts: add --artifacts-bucket BUCKET");
    }
    if (!f.artifacts_path.empty()) artifacts["path"] = f.artifacts_path;
    if (!f.artifacts_name.empty()) artifacts["name"] = f.artifacts_name;
    if (!f.artifacts_packaging.empty()) artifacts["packaging"] = f.artifacts_packaging;
    touched.insert("artifacts");
  }
  return Status::ok();
}

// The object in a --from-json file: the operation's input, as the aws
// CLI's --cli-input-json takes it.
// The request a create or update starts from: --from-json's object (or
// {}), with --name over its "name".
Result<Json> base_input(const ProjectFlags& f) {
  Json input = Json::object();
  if (!f.from_json.empty()) {
    auto text = read_user_file(f.from_json, "--from-json");
    if (!text.is_ok()) return text.status();
    input = Json::parse(text.value(), nullptr, /*allow_exceptions=*/false);
    if (!input.is_object())
      return Status(ErrorCode::kInvalidInput, "--from-json " + f.from_json + ": not a JSON object");
  }
  if (!f.name.empty()) input["name"] = f.name;
  return input;
}

std::string describe_buildspec(const Json& source) {
  auto buildspec = source.find("buildspec");
  if (buildspec == source.end() || !buildspec->is_string() || buildspec->get<std::string>().empty())
    return "buildspec.yml in the source";
  const std::string text = buildspec->get<std::string>();
  if (text.find('\n') == std::string::npos) return text;  // a path in the source
  auto lines = std::count(text.begin(), text.end(), '\n');
  return "inline, " + std::to_string(lines) + " lines";
}

std::string describe_artifacts(const Json& artifacts) {
  std::string type = artifacts.value("type", "-");
  if (type != "S3") return type;
  std::string where = artifacts.value("location", "");
  for (const char* part : {"path", "name"}) {
    std::string value = artifacts.value(part, "");
    if (!value.empty()) where += "/" + value;
  }
  std::string packaging = artifacts.value("packaging", "NONE");
  return "S3 " + where + (packaging == "ZIP" ? " (ZIP)" : "");
}

void print_project(const Json& p) {
  const Json empty = Json::object();
  const Json& source = p.contains("source") && p["source"].is_object() ? p["source"] : empty;
  const Json& env =
      p.contains("environment") && p["environment"].is_object() ? p["environment"] : empty;
  const Json& artifacts =
      p.contains("artifacts") && p["artifacts"].is_object() ? p["artifacts"] : empty;
  Table fields({"", ""});
  fields.add_row({"name:", p.value("name", "")});
  fields.add_row({"arn:", p.value("arn", "")});
  if (!p.value("description", "").empty())
    fields.add_row({"description:", p.value("description", "")});
  std::string location = source.value("location", "");
  fields.add_row({"source:", source.value("type", "-") + (location.empty() ? "" : " " + location)});
  if (!p.value("sourceVersion", "").empty())
    fields.add_row({"source version:", p.value("sourceVersion", "")});
  fields.add_row({"buildspec:", describe_buildspec(source)});
  fields.add_row({"image:", env.value("image", "-") + " (" + env.value("computeType", "-") + ", " +
                                env.value("type", "-") + ")"});
  if (auto vars = env.find("environmentVariables"); vars != env.end() && vars->is_array()) {
    // Names only: a plain-text value may still be a token someone pasted
    // there, and a table is what ends up in screenshots; --json shows all.
    std::string names;
    for (const Json& v : *vars) {
      if (v.is_object()) names += (names.empty() ? "" : ", ") + v.value("name", "");
    }
    if (!names.empty()) fields.add_row({"variables:", names});
  }
  fields.add_row({"artifacts:", describe_artifacts(artifacts)});
  fields.add_row({"timeout:", std::to_string(p.value("timeoutInMinutes", 60)) + " min, queued " +
                                  std::to_string(p.value("queuedTimeoutInMinutes", 480)) + " min"});
  if (p.contains("concurrentBuildLimit"))
    fields.add_row({"concurrent builds:", std::to_string(p.value("concurrentBuildLimit", 0))});
  fields.add_row({"created:", format_timestamp(p.value("created", Json()))});
  fields.add_row({"last modified:", format_timestamp(p.value("lastModified", Json()))});
  fields.print(std::cout);
}

// Prints CreateProject's or UpdateProject's answer.
int print_project_answer(CommandClient& c, const Json& answer) {
  if (c.options().json) {
    print_json(answer);
  } else if (answer.contains("project") && answer["project"].is_object()) {
    print_project(answer["project"]);
  }
  return kExitOk;
}

int create_project(const ProjectFlags& f) {
  CommandClient c("projects create", f.client);
  auto base = base_input(f);
  if (!base.is_ok()) return c.usage(base.status().message());
  Json input = std::move(base).value();
  if (!input.contains("name"))
    return c.usage("a project needs a name: --name NAME (or \"name\" in --from-json)");
  std::set<std::string> touched;
  if (Status s = apply_flags(f, input, touched); !s.is_ok()) return c.usage(s.message());
  // The members CreateProject requires, when neither flags nor the file
  // give them: a project that builds its inline buildspec in kiln's
  // standard image and keeps no artifacts.
  Json& source = object_member(input, "source");
  if (!source.contains("type")) source["type"] = "NO_SOURCE";
  if (!input.contains("artifacts")) input["artifacts"] = {{"type", "NO_ARTIFACTS"}};
  Json& env = object_member(input, "environment");
  if (!env.contains("type")) env["type"] = "LINUX_CONTAINER";
  if (!env.contains("image")) env["image"] = kDefaultImage;
  if (!env.contains("computeType")) env["computeType"] = kDefaultComputeType;
  if (!input.contains("serviceRole")) input["serviceRole"] = kDefaultServiceRole;

  if (!c.connect()) return c.exit_code();
  auto answer = c.call("CreateProject", input);
  if (!answer.is_ok()) return c.fail(answer.status());
  return print_project_answer(c, answer.value());
}

int update_project(const ProjectFlags& f) {
  CommandClient c("projects update", f.client);
  auto base = base_input(f);
  if (!base.is_ok()) return c.usage(base.status().message());
  Json input = std::move(base).value();
  if (!input.contains("name") || !input["name"].is_string())
    return c.usage("which project? NAME (or \"name\" in --from-json)");
  const std::string name = input["name"].get<std::string>();
  if (!c.connect()) return c.exit_code();

  // UpdateProject replaces a nested member (source, environment, artifacts)
  // whole, and requires its type, image, ...: a flag changing one field of
  // it starts from the project as it is.
  auto current = c.batch_get("BatchGetProjects", "names", {name}, "projects");
  if (!current.is_ok()) return c.fail(current.status());
  if (current.value()["projects"].empty())
    return c.fail(Status(ErrorCode::kNotFound, "project " + name + " does not exist"));
  Json doc = current.value()["projects"][0];
  for (const auto& [key, value] : input.items()) doc[key] = value;
  std::set<std::string> touched;
  if (Status s = apply_flags(f, doc, touched); !s.is_ok()) return c.usage(s.message());
  for (const std::string& key : touched) input[key] = doc[key];
  if (input.size() == 1)
    return c.usage("nothing to change: give the fields to update (see --help) or --from-json");

  auto answer = c.call("UpdateProject", input);
  if (!answer.is_ok()) return c.fail(answer.status());
  return print_project_answer(c, answer.value());
}

int get_projects(const ClientOptions& options, const std::vector<std::string>& names) {
  CommandClient c("projects get", options);
  if (!c.connect()) return c.exit_code();
  auto answer = c.batch_get("BatchGetProjects", "names", names, "projects");
  if (!answer.is_ok()) return c.fail(answer.status());
  if (options.json) {
    print_json(answer.value());
  } else {
    bool first = true;
    for (const Json& project : answer.value()["projects"]) {
      if (!first) std::cout << "\n";
      first = false;
      print_project(project);
    }
  }
  const Json& missing = answer.value()["projectsNotFound"];
  for (const Json& name : missing) c.warn("project not found: " + name.get<std::string>());
  return missing.empty() ? kExitOk : kExitFailed;
}

struct ListFlags {
  ClientOptions client;
  std::string sort_by;
  std::string sort_order;
};

int list_projects(const ListFlags& f) {
  CommandClient c("projects list", f.client);
  if (!c.connect()) return c.exit_code();
  Json input = Json::object();
  if (!f.sort_by.empty()) input["sortBy"] = f.sort_by;
  if (!f.sort_order.empty()) input["sortOrder"] = f.sort_order;
  auto names = c.list_all("ListProjects", input, "projects");
  if (!names.is_ok()) return c.fail(names.status());
  if (f.client.json) {
    print_json({{"projects", names.value()}});
    return kExitOk;
  }
  auto details = c.batch_get("BatchGetProjects", "names", names.value(), "projects");
  if (!details.is_ok()) return c.fail(details.status());
  Table table({"NAME", "SOURCE", "IMAGE", "LAST MODIFIED"});
  for (const Json& p : details.value()["projects"]) {
    const Json source = p.value("source", Json::object());
    const Json env = p.value("environment", Json::object());
    table.add_row({p.value("name", ""), source.value("type", "-"), env.value("image", "-"),
                   format_timestamp(p.value("lastModified", Json()))});
  }
  table.print(std::cout);
  return kExitOk;
}

int delete_project(const ClientOptions& options, const std::string& name) {
  CommandClient c("projects delete", options);
  if (!c.connect()) return c.exit_code();
  auto answer = c.call("DeleteProject", {{"name", name}});
  if (!answer.is_ok()) return c.fail(answer.status());
  if (options.json) {
    print_json(answer.value());
  } else {
    std::cout << "deleted project " << name << "\n";
  }
  return kExitOk;
}

void add_project_flags(CLI::App& cmd, ProjectFlags& f, bool create) {
  cmd.add_option("--from-json", f.from_json,
                 std::string("A JSON file with the ") +
                     (create ? "CreateProject" : "UpdateProject") +
                     " input (as the aws CLI's --cli-input-json); flags override its members");
  cmd.add_option("--description", f.description, "What the project builds");
  cmd.add_option("--source-type", f.source_type,
                 "NO_SOURCE, GITHUB, GITLAB, BITBUCKET, CODECOMMIT, ... (default NO_SOURCE)");
  cmd.add_option("--source-location", f.source_location,
                 "Where the source is: a git URL or a repository path on the server");
  cmd.add_option("--source-version", f.source_version, "Branch, tag or commit built by default");
  auto* file =
      cmd.add_option("--buildspec", f.buildspec_file, "A local buildspec file, sent inline");
  auto* inline_text =
      cmd.add_option("--buildspec-inline", f.buildspec_inline,
                     "The project's buildspec as given: inline YAML, or a path in the source");
  file->excludes(inline_text);
  cmd.add_option("--image", f.image,
                 std::string("Build image") + (create ? " (default kiln/standard:1.0)" : ""));
  cmd.add_option("--compute-type", f.compute_type,
                 std::string("BUILD_GENERAL1_SMALL, _MEDIUM, _LARGE, ...") +
                     (create ? " (default SMALL)" : ""));
  cmd.add_flag("--privileged", f.privileged, "Privileged mode (Docker in Docker)");
  cmd.add_option("--env", f.env, "NAME=VALUE, repeatable: adds or replaces a plain-text variable");
  cmd.add_option("--timeout", f.timeout, "Build timeout in minutes")->check(CLI::Range(1, 2160));
  cmd.add_option("--queued-timeout", f.queued_timeout, "Queued timeout in minutes")
      ->check(CLI::Range(1, 480));
  cmd.add_option("--concurrent-build-limit", f.concurrent_build_limit,
                 create ? "Builds of this project running or queued at once"
                        : "Builds of this project running or queued at once; -1 removes the limit")
      ->check(CLI::Range(-1, 100000));
  cmd.add_option("--service-role", f.service_role,
                 std::string("Service role ARN") +
                     (create ? " (default arn:aws:iam::000000000000:role/kiln)" : ""));
  cmd.add_option("--artifacts-bucket", f.artifacts_bucket,
                 "Keep artifacts in this bucket of the server's object store (S3 artifacts)");
  cmd.add_option("--artifacts-path", f.artifacts_path, "Key prefix in the bucket");
  cmd.add_option("--artifacts-name", f.artifacts_name, "Artifact name (a folder, or the ZIP)");
  cmd.add_option("--artifacts-packaging", f.artifacts_packaging, "NONE or ZIP")
      ->check(CLI::IsMember({"NONE", "ZIP"}));
  cmd.add_flag("--no-artifacts", f.no_artifacts, "Keep no artifacts (NO_ARTIFACTS)")
      ->excludes("--artifacts-bucket");
  add_client_options(cmd, f.client);
}

}  // namespace

void register_project_commands(CLI::App& app, int& exit_code) {
  CLI::App* projects = app.add_subcommand(
      "projects",
      "Manage CodeBuild projects on a kiln server (see `kiln serve`).\n"
      "Exit status: 0 done, 1 the server refused, 2 usage or configuration error,\n"
      "3 the server cannot be reached.");
  projects->require_subcommand(1);

  auto create_flags = std::make_shared<ProjectFlags>();
  CLI::App* create = projects->add_subcommand("create", "Create a project; prints it");
  create->add_option("--name", create_flags->name, "Project name (2 to 255 of A-Za-z0-9-_)");
  add_project_flags(*create, *create_flags, true);
  create->callback([create_flags, &exit_code] { exit_code = create_project(*create_flags); });

  auto update_flags = std::make_shared<ProjectFlags>();
  CLI::App* update = projects->add_subcommand(
      "update", "Change the given settings of a project, keep the rest; prints it");
  update->add_option("name", update_flags->name, "The project");
  add_project_flags(*update, *update_flags, false);
  update->callback([update_flags, &exit_code] { exit_code = update_project(*update_flags); });

  auto get_options = std::make_shared<ClientOptions>();
  auto get_names = std::make_shared<std::vector<std::string>>();
  CLI::App* get = projects->add_subcommand("get", "Show projects");
  get->add_option("names", *get_names, "Project names")->required();
  add_client_options(*get, *get_options);
  get->callback(
      [get_options, get_names, &exit_code] { exit_code = get_projects(*get_options, *get_names); });

  auto list_flags = std::make_shared<ListFlags>();
  CLI::App* list = projects->add_subcommand("list", "List every project");
  list->add_option("--sort-by", list_flags->sort_by, "NAME, CREATED_TIME or LAST_MODIFIED_TIME")
      ->check(CLI::IsMember({"NAME", "CREATED_TIME", "LAST_MODIFIED_TIME"}));
  list->add_option("--sort-order", list_flags->sort_order, "ASCENDING or DESCENDING")
      ->check(CLI::IsMember({"ASCENDING", "DESCENDING"}));
  add_client_options(*list, list_flags->client);
  list->callback([list_flags, &exit_code] { exit_code = list_projects(*list_flags); });

  auto delete_options = std::make_shared<ClientOptions>();
  auto delete_name = std::make_shared<std::string>();
  CLI::App* remove = projects->add_subcommand("delete", "Delete a project");
  remove->add_option("name", *delete_name, "The project")->required();
  add_client_options(*remove, *delete_options);
  remove->callback([delete_options, delete_name, &exit_code] {
    exit_code = delete_project(*delete_options, *delete_name);
  });
}

}  // namespace kiln::cli
