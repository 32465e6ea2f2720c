// SPDX-License-Identifier: Apache-2.0
// `kiln builds start|get|list|stop|retry`: builds on a kiln server, through
// StartBuild, BatchGetBuilds, ListBuilds(ForProject), StopBuild and
// RetryBuild, and following a build's log live on kiln's log endpoint.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client_options.h"
#include "cli/commands.h"

namespace kiln::cli {

namespace {

using Json = nlohmann::json;

constexpr int kDefaultListLimit = 50;
// How long to wait before following again when a log stream ended while
// the build record still says it runs (a dropped connection).
constexpr std::chrono::seconds kRefollowDelay{1};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string text_of(const Json& object, const char* key, const char* fallback = "-") {
  auto found = object.find(key);
  if (found == object.end() || !found->is_string() || found->get<std::string>().empty())
    return fallback;
  return found->get<std::string>();
}

std::string number_of(const Json& build) {
  auto found = build.find("buildNumber");
  if (found == build.end() || !found->is_number_integer()) return "-";
  return std::to_string(found->get<std::int64_t>());
}

// "SUCCEEDED", or "IN_PROGRESS" while it runs.
std::string status_of(const Json& build) { return text_of(build, "buildStatus", "IN_PROGRESS"); }

std::string phase_duration(const Json& phase) {
  if (auto d = phase.find("durationInSeconds"); d != phase.end() && d->is_number())
    return format_duration(d->get<std::int64_t>());
  if (auto start = phase.find("startTime"); start != phase.end() && start->is_number())
    return format_duration(static_cast<std::int64_t>(now_seconds() - start->get<double>())) +
           " so far";
  return "-";
}

std::string phase_context(const Json& phase) {
  auto contexts = phase.find("contexts");
  if (contexts == phase.end() || !contexts->is_array()) return "";
  std::string out;
  for (const Json& context : *contexts) {
    if (!context.is_object()) continue;
    std::string code = context.value("statusCode", "");
    std::string message = context.value("message", "");
    if (code.empty() && message.empty()) continue;
    if (!out.empty()) out += "; ";
    out += code.empty() ? message : message.empty() ? code : code + ": " + message;
  }
  return out;
}

// A build as `kiln builds get` shows it: a few fields, then its phases.
void print_build(const Json& b, std::ostream& out) {
  Table fields({"", ""});
  fields.add_row({"build:", text_of(b, "id") + " (#" + number_of(b) + ")"});
  fields.add_row({"status:", status_of(b) + (b.value("buildComplete", false)
                                                 ? ""
                                                 : ", in " + text_of(b, "currentPhase"))});
  fields.add_row({"initiator:", text_of(b, "initiator")});
  if (b.contains("resolvedSourceVersion") || b.contains("sourceVersion"))
    fields.add_row({"source version:", text_of(b, "resolvedSourceVersion",
                                               text_of(b, "sourceVersion").c_str())});
  fields.add_row({"started:", format_timestamp(b.value("startTime", Json()))});
  if (b.contains("endTime")) fields.add_row({"ended:", format_timestamp(b["endTime"])});
  if (auto a = b.find("artifacts"); a != b.end() && a->is_object() && text_of(*a, "location") != "-")
    fields.add_row({"artifacts:", text_of(*a, "location")});
  fields.print(out);
  out << "\n";
  Table phases({"PHASE", "STATUS", "DURATION", "CONTEXT"});
  if (auto list = b.find("phases"); list != b.end() && list->is_array()) {
    for (const Json& phase : *list) {
      if (!phase.is_object() || phase.value("phaseType", "") == "COMPLETED") continue;
      phases.add_row({text_of(phase, "phaseType"), text_of(phase, "phaseStatus", "..."),
                      phase_duration(phase), phase_context(phase)});
    }
  }
  phases.print(out);
}

Result<Json> get_build(const CommandClient& c, const std::string& id) {
  auto answer = c.batch_get("BatchGetBuilds", "ids", {id}, "builds");
  if (!answer.is_ok()) return answer.status();
  if (answer.value()["builds"].empty())
    return Status(ErrorCode::kNotFound, "build " + id + " does not exist");
  return answer.value()["builds"][0];
}

// Follows the log of `id` until the build completes, then prints its
// record and returns its exit code. The log goes to stdout, or to stderr
// with --json so that stdout holds only the final {"build": ...}.
int follow_build(CommandClient& c, const std::string& id) {
  const bool json = c.options().json;
  std::ostream& log = json ? std::cerr : std::cout;
  std::uint64_t offset = 0;
  Json build;
  for (;;) {
    Status streamed = c.stream_log(id, /*follow=*/true, log, &offset);
    if (!streamed.is_ok()) return c.fail(streamed);
    // The stream ends when the build is complete; a stream cut short (a
    // proxy's timeout) is followed again from where it stopped.
    auto record = get_build(c, id);
    if (!record.is_ok()) return c.fail(record.status());
    build = std::move(record).value();
    if (build.value("buildComplete", false)) break;
    std::this_thread::sleep_for(kRefollowDelay);
  }
  if (json) {
    print_json({{"build", build}});
  } else {
    std::cerr << "\n";
    print_build(build, std::cerr);
  }
  return build_exit_code(status_of(build));
}

struct StartFlags {
  ClientOptions client;
  std::string target;  // the project (start) or the build (retry)
  std::string source_version;
  std::vector<std::string> env;
  std::string buildspec_file;
  std::string buildspec_inline;
  std::string image;
  std::string compute_type;
  int timeout = 0;
  std::string idempotency_token;
  bool follow = false;
};

// Prints the answer of StartBuild or RetryBuild, or follows the build.
int started(CommandClient& c, const StartFlags& f, const Json& answer) {
  const Json build = answer.value("build", Json::object());
  const std::string id = text_of(build, "id", "");
  if (id.empty()) return c.fail(Status(ErrorCode::kUnavailable, "the answer names no build id"));
  if (!f.follow) {
    if (f.client.json) {
      print_json(answer);
    } else {
      std::cout << id << "\n";
    }
    return kExitOk;
  }
  std::cerr << "build " << id << " (" << text_of(build, "currentPhase") << ")\n";
  return follow_build(c, id);
}

int start_build(const StartFlags& f) {
  CommandClient c("builds start", f.client);
  Json input = {{"projectName", f.target}};
  if (!f.source_version.empty()) input["sourceVersion"] = f.source_version;
  auto pairs = parse_name_values(f.env, "--env");
  if (!pairs.is_ok()) return c.usage(pairs.status().message());
  if (!pairs.value().empty()) {
    Json& variables = input["environmentVariablesOverride"] = Json::array();
    for (const auto& [name, value] : pairs.value())
      variables.push_back({{"name", name}, {"value", value}, {"type", "PLAINTEXT"}});
  }
  if (!f.buildspec_inline.empty()) input["buildspecOverride"] = f.buildspec_inline;
  if (!f.buildspec_file.empty()) {
    auto text = read_user_file(f.buildspec_file, "--buildspec-override");
    if (!text.is_ok()) return c.usage(text.status().message());
    input["buildspecOverride"] = text.value();
  }
  if (!f.image.empty()) input["imageOverride"] = f.image;
  if (!f.compute_type.empty()) input["computeTypeOverride"] = f.compute_type;
  if (f.timeout > 0) input["timeoutInMinutesOverride"] = f.timeout;
  if (!f.idempotency_token.empty()) input["idempotencyToken"] = f.idempotency_token;
  if (!c.connect()) return c.exit_code();
  auto answer = c.call("StartBuild", input);
  if (!answer.is_ok()) return c.fail(answer.status());
  return started(c, f, answer.value());
}

int retry_build(const StartFlags& f) {
  CommandClient c("builds retry", f.client);
  Json input = {{"id", build_id_of(f.target)}};
  if (!f.idempotency_token.empty()) input["idempotencyToken"] = f.idempotency_token;
  if (!c.connect()) return c.exit_code();
  auto answer = c.call("RetryBuild", input);
  if (!answer.is_ok()) return c.fail(answer.status());
  return started(c, f, answer.value());
}

int get_builds(const ClientOptions& options, const std::vector<std::string>& ids) {
  CommandClient c("builds get", options);
  std::vector<std::string> plain;
  for (const std::string& id : ids) plain.push_back(build_id_of(id));
  if (!c.connect()) return c.exit_code();
  auto answer = c.batch_get("BatchGetBuilds", "ids", plain, "builds");
  if (!answer.is_ok()) return c.fail(answer.status());
  if (options.json) {
    print_json(answer.value());
  } else {
    bool first = true;
    for (const Json& build : answer.value()["builds"]) {
      if (!first) std::cout << "\n";
      first = false;
      print_build(build, std::cout);
    }
  }
  const Json& missing = answer.value()["buildsNotFound"];
  for (const Json& id : missing) c.warn("build not found: " + id.get<std::string>());
  return missing.empty() ? kExitOk : kExitFailed;
}

struct ListFlags {
  ClientOptions client;
  std::string project;
  int limit = -1;  // not given
  bool queued = false;
};

Result<Json> list_details(const CommandClient& c, const ListFlags& f, const char* order,
                          std::size_t limit) {
  Json input = {{"sortOrder", order}};
  const char* operation = "ListBuilds";
  if (!f.project.empty()) {
    input["projectName"] = f.project;
    operation = "ListBuildsForProject";
  }
  auto ids = c.list_all(operation, input, "ids", limit);
  if (!ids.is_ok()) return ids.status();
  return c.batch_get("BatchGetBuilds", "ids", ids.value(), "builds");
}

int list_builds(const ListFlags& f) {
  CommandClient c("builds list", f.client);
  if (!c.connect()) return c.exit_code();
  std::size_t limit = f.limit < 0 ? kDefaultListLimit : static_cast<std::size_t>(f.limit);
  auto details = list_details(c, f, "DESCENDING", limit);
  if (!details.is_ok()) return c.fail(details.status());
  if (f.client.json) {
    print_json(details.value());
    return kExitOk;
  }
  Table table({"BUILD ID", "NUMBER", "STATUS", "PHASE", "STARTED"});
  for (const Json& b : details.value()["builds"]) {
    table.add_row({text_of(b, "id"), number_of(b), status_of(b), text_of(b, "currentPhase"),
                   format_timestamp(b.value("startTime", Json()))});
  }
  table.print(std::cout);
  return kExitOk;
}

// The server starts queued builds oldest first across all projects
// (docs/server.md), so a build's position counts every queued build older
// than it, whatever its project: the whole queue is read, then filtered.
int list_queued(const ListFlags& f) {
  CommandClient c("builds list", f.client);
  if (!c.connect()) return c.exit_code();
  ListFlags every_project = f;
  every_project.project.clear();
  auto details = list_details(c, every_project, "ASCENDING", 0);
  if (!details.is_ok()) return c.fail(details.status());
  std::vector<Json> queued;
  for (Json& b : details.value()["builds"]) {
    if (!b.value("buildComplete", false) && b.value("currentPhase", "") == "QUEUED")
      queued.push_back(std::move(b));
  }
  std::stable_sort(queued.begin(), queued.end(), [](const Json& a, const Json& b) {
    return a.value("startTime", 0.0) < b.value("startTime", 0.0);
  });
  Json rows = Json::array();
  Table table({"POSITION", "BUILD ID", "NUMBER", "QUEUED SINCE", "WAITING"});
  for (std::size_t i = 0; i < queued.size(); ++i) {
    const Json& b = queued[i];
    if (!f.project.empty() && b.value("projectName", "") != f.project) continue;
    if (f.limit > 0 && rows.size() >= static_cast<std::size_t>(f.limit)) break;
    rows.push_back({{"position", i + 1}, {"build", b}});
    double since = b.value("startTime", now_seconds());
    table.add_row({std::to_string(i + 1), text_of(b, "id"), number_of(b),
                   format_timestamp(b.value("startTime", Json())),
                   format_duration(static_cast<std::int64_t>(now_seconds() - since))});
  }
  if (f.client.json) {
    print_json({{"queuedBuilds", rows}});
  } else {
    table.print(std::cout);
  }
  return kExitOk;
}

int stop_build(const ClientOptions& options, const std::string& id) {
  CommandClient c("builds stop", options);
  if (!c.connect()) return c.exit_code();
  auto answer = c.call("StopBuild", {{"id", build_id_of(id)}});
  if (!answer.is_ok()) return c.fail(answer.status());
  if (options.json) {
    print_json(answer.value());
    return kExitOk;
  }
  const Json build = answer.value().value("build", Json::object());
  Table table({"BUILD ID", "STATUS", "PHASE"});
  // A running build stops within its grace period; until then its record
  // says IN_PROGRESS.
  table.add_row({text_of(build, "id"), status_of(build), text_of(build, "currentPhase")});
  table.print(std::cout);
  return kExitOk;
}

void add_start_flags(CLI::App& cmd, StartFlags& f) {
  cmd.add_option("--idempotency-token", f.idempotency_token,
                 "The same token within 5 minutes returns the same build instead of a new one");
  cmd.add_flag("--follow", f.follow,
               "Stream the build's log until it ends, then exit with its status\n"
               "(0 SUCCEEDED, 1 FAILED, 3 FAULT, 4 TIMED_OUT, 5 STOPPED); Ctrl-C stops\n"
               "following, not the build");
  add_client_options(cmd, f.client);
}

}  // namespace

void register_build_commands(CLI::App& app, int& exit_code) {
  CLI::App* builds = app.add_subcommand(
      "builds",
      "Start, watch and stop builds on a kiln server (see `kiln serve`).\n"
      "Exit status: 0 done, 1 the server refused, 2 usage or configuration error,\n"
      "3 the server cannot be reached; with --follow, the build's status as for kiln run.");
  builds->require_subcommand(1);

  auto start_flags = std::make_shared<StartFlags>();
  CLI::App* start = builds->add_subcommand("start", "Start a build of a project; prints its id");
  start->add_option("project", start_flags->target, "The project")->required();
  start->add_option("--source-version", start_flags->source_version,
                    "Branch, tag, commit or pr/N instead of the project's");
  start->add_option("--env", start_flags->env,
                    "NAME=VALUE, repeatable: a plain-text variable for this build");
  auto* file = start->add_option("--buildspec-override", start_flags->buildspec_file,
                                 "A local buildspec file for this build, sent inline");
  start->add_option("--buildspec-override-inline", start_flags->buildspec_inline,
                    "Inline YAML, or a path in the source, for this build")
      ->excludes(file);
  start->add_option("--image", start_flags->image, "Build image for this build");
  start->add_option("--compute-type", start_flags->compute_type, "Compute type for this build");
  start->add_option("--timeout", start_flags->timeout, "Build timeout in minutes for this build")
      ->check(CLI::Range(1, 2160));
  add_start_flags(*start, *start_flags);
  start->callback([start_flags, &exit_code] { exit_code = start_build(*start_flags); });

  auto retry_flags = std::make_shared<StartFlags>();
  CLI::App* retry = builds->add_subcommand(
      "retry", "Start a new build with the settings of an earlier one; prints its id");
  retry->add_option("build-id", retry_flags->target, "PROJECT:UUID or a build ARN")->required();
  add_start_flags(*retry, *retry_flags);
  retry->callback([retry_flags, &exit_code] { exit_code = retry_build(*retry_flags); });

  auto get_options = std::make_shared<ClientOptions>();
  auto get_ids = std::make_shared<std::vector<std::string>>();
  CLI::App* get = builds->add_subcommand("get", "Show builds and their phases");
  get->add_option("build-ids", *get_ids, "PROJECT:UUID or build ARNs")->required();
  add_client_options(*get, *get_options);
  get->callback([get_options, get_ids, &exit_code] {
    exit_code = get_builds(*get_options, *get_ids);
  });

  auto list_flags = std::make_shared<ListFlags>();
  CLI::App* list = builds->add_subcommand(
      "list", "List builds, newest first; with --queued the waiting ones and their places");
  list->add_option("--project", list_flags->project, "Only this project's builds");
  list->add_option("--limit", list_flags->limit,
                   "At most this many (default 50, or all with --queued; 0: all)")
      ->check(CLI::Range(0, 1000000));
  list->add_flag("--queued", list_flags->queued,
                 "Queued builds, oldest first, with their position in the server's queue");
  add_client_options(*list, list_flags->client);
  list->callback([list_flags, &exit_code] {
    exit_code = list_flags->queued ? list_queued(*list_flags) : list_builds(*list_flags);
  });

  auto stop_options = std::make_shared<ClientOptions>();
  auto stop_id = std::make_shared<std::string>();
  CLI::App* stop = builds->add_subcommand("stop", "Stop a queued or running build");
  stop->add_option("build-id", *stop_id, "PROJECT:UUID or a build ARN")->required();
  add_client_options(*stop, *stop_options);
  stop->callback([stop_options, stop_id, &exit_code] {
    exit_code = stop_build(*stop_options, *stop_id);
  });
}

}  // namespace kiln::cli
