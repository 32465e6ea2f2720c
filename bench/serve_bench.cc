// SPDX-License-Identifier: Apache-2.0
// kiln_serve_bench: the client side of the `kiln serve` benchmarks
// (docs/benchmarks.md, "kiln serve"); bench/serve_bench.py starts the server
// and drives it. Each subcommand prints one JSON object of figures on stdout.
//
//   kiln_serve_bench fill --db DIR/state.db --template BUILD_ID --count 100000
//   kiln_serve_bench latency --data-dir DIR --project P --op batch-get --calls 1000
//   kiln_serve_bench load --data-dir DIR --project P --clients 200 --seconds 30
//   kiln_serve_bench throughput --data-dir DIR --project P --builds 1000 --clients 4
//
// The timed clients are C++ on kept-alive connections, because on a
// two-core machine a Python client's own CPU (signing, parsing) would be
// counted as server latency and would take CPU from the server.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/ini_file.h"
#include "signed_connection.h"
#include "store/sqlite_state_store.h"

namespace kiln::bench {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kCodeBuild[] = "CodeBuild_20161006.";

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

// Nearest-rank percentiles, in milliseconds, of latencies in seconds.
Json summary_ms(std::vector<double> seconds) {
  Json out;
  out["count"] = seconds.size();
  if (seconds.empty()) return out;
  std::sort(seconds.begin(), seconds.end());
  auto rank = [&](double p) {
    auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(seconds.size())));
    return seconds[std::min(seconds.size(), std::max<std::size_t>(index, 1)) - 1] * 1000;
  };
  double total = 0;
  for (double s : seconds) total += s;
  out["min"] = seconds.front() * 1000;
  out["p50"] = rank(0.50);
  out["p90"] = rank(0.90);
  out["p99"] = rank(0.99);
  out["max"] = seconds.back() * 1000;
  out["mean"] = total / static_cast<double>(seconds.size()) * 1000;
  return out;
}

// Where the server listens and the admin key it wrote, from its data dir.
struct Target {
  Endpoint endpoint;
  sigv4::Credentials credentials;
  std::string region = "us-east-1";

  std::unique_ptr<SignedConnection> connect() const {
    return std::make_unique<SignedConnection>(endpoint, credentials, region);
  }
};

bool load_target(const std::string& data_dir, Target& target) {
  std::ifstream endpoint_file(data_dir + "/endpoint");
  std::string url;
  std::getline(endpoint_file, url);
  if (!parse_endpoint(url, target.endpoint)) {
    std::cerr << data_dir << "/endpoint: expected http://HOST:PORT, got '" << url
              << "' (is kiln serve running on this data dir?)\n";
    return false;
  }
  auto ini = client::IniFile::load(data_dir + "/credentials");
  if (!ini.is_ok()) {
    std::cerr << ini.status().message() << "\n";
    return false;
  }
  auto key = ini->get("default", "aws_access_key_id");
  auto secret = ini->get("default", "aws_secret_access_key");
  if (!key || !secret) {
    std::cerr << data_dir << "/credentials: no [default] key pair\n";
    return false;
  }
  target.credentials = {*key, *secret};
  return true;
}

// Parses a 200 answer, or explains what came instead.
bool parse_reply(const Reply& reply, const std::string& what, Json& out) {
  if (!reply.ok()) {
    std::cerr << what << ": "
              << (reply.status ? "HTTP " + std::to_string(reply.status) : reply.error) << " "
              << reply.body.substr(0, 300) << "\n";
    return false;
  }
  out = Json::parse(reply.body, nullptr, false);
  if (out.is_discarded()) {
    std::cerr << what << ": the answer is not JSON\n";
    return false;
  }
  return true;
}

// Build ids and page tokens of one project, newest first, for requests that
// spread over the whole store rather than hit the same cached rows.
struct Sample {
  std::vector<std::string> ids;
  std::vector<std::string> tokens;  // "" is the first page
};

bool collect_sample(SignedConnection& conn, const std::string& project, int pages, Sample& sample) {
  std::string token;
  sample.tokens.push_back("");
  for (int page = 0; page < pages; ++page) {
    Json request = {{"projectName", project}};
    if (!token.empty()) request["nextToken"] = token;
    Json answer;
    if (!parse_reply(conn.call(std::string(kCodeBuild) + "ListBuildsForProject", request.dump()),
                     "ListBuildsForProject", answer))
      return false;
    for (const auto& id : answer.value("ids", Json::array())) sample.ids.push_back(id);
    token = answer.value("nextToken", "");
    if (token.empty()) break;
    sample.tokens.push_back(token);
  }
  if (sample.ids.empty()) {
    std::cerr << "project " << project << " has no builds\n";
    return false;
  }
  return true;
}

// One request of a mix, built from the sample.
struct Call {
  std::string op;  // "batch-get", "list-for-project", "list-projects"
  std::string target;
  std::string body;
  std::size_t expected_items = 0;  // builds or ids the answer must hold (0: unchecked)
};

Call make_call(const std::string& op, const std::string& project, const Sample& sample,
               int batch_size, std::mt19937_64& rng) {
  Call call{op, "", "", 0};
  if (op == "batch-get") {
    Json ids = Json::array();
    std::uniform_int_distribution<std::size_t> pick(0, sample.ids.size() - 1);
    // Distinct ids, so the answer must hold exactly batch_size builds.
    std::vector<std::size_t> chosen;
    while (static_cast<int>(chosen.size()) < batch_size && chosen.size() < sample.ids.size()) {
      std::size_t i = pick(rng);
      if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) chosen.push_back(i);
    }
    for (std::size_t i : chosen) ids.push_back(sample.ids[i]);
    call.target = std::string(kCodeBuild) + "BatchGetBuilds";
    call.body = Json{{"ids", ids}}.dump();
    call.expected_items = chosen.size();
  } else if (op == "list-for-project") {
    std::uniform_int_distribution<std::size_t> pick(0, sample.tokens.size() - 1);
    Json request = {{"projectName", project}};
    const std::string& token = sample.tokens[pick(rng)];
    if (!token.empty()) request["nextToken"] = token;
    call.target = std::string(kCodeBuild) + "ListBuildsForProject";
    call.body = request.dump();
  } else {
    call.target = std::string(kCodeBuild) + "ListProjects";
    call.body = "{}";
  }
  return call;
}

// Checks an answer's content: the count of builds (BatchGetBuilds) or the
// presence of ids (the listings).
bool answer_is_complete(const Call& call, const Json& answer) {
  if (call.op == "batch-get")
    return answer.contains("builds") && answer["builds"].size() == call.expected_items &&
           answer.value("buildsNotFound", Json::array()).empty();
  if (call.op == "list-for-project") return answer.contains("ids") && !answer["ids"].empty();
  return answer.contains("projects");
}

// --- fill ---------------------------------------------------------------

struct FillOptions {
  std::string db;
  std::string template_id;
  int count = 100000;
};

std::string random_uuid(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (char& c : out)
    if (c == 'x') c = kHex[rng() & 15];
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// Copies one finished build `count` times into the store (as the service
// would have written them: inserted QUEUED, numbered by the store, then
// finished), each with its own uuid and build number.
int run_fill(const FillOptions& options) {
  store::SqliteStateStore::Options store_options;
  store_options.sync_every_commit = false;  // a throwaway database
  auto store = store::SqliteStateStore::open(options.db, store_options);
  if (!store.is_ok()) {
    std::cerr << store.status().message() << "\n";
    return 1;
  }
  auto found = store.value()->get_builds({options.template_id});
  if (!found.is_ok() || found.value().empty() ||
      found.value().front().state != store::BuildState::kFinished) {
    std::cerr << "no finished build " << options.template_id << " in " << options.db << "\n";
    return 1;
  }
  const store::BuildRecord model = found.value().front();
  const std::string uuid = model.id.substr(model.id.rfind(':') + 1);
  const std::string number = "\"buildNumber\":" + std::to_string(model.build_number);
  std::string document = model.document;
  std::string request = model.request;
  if (document.find(number) == std::string::npos) {
    std::cerr << "the template's document has no " << number << "\n";
    return 1;
  }
  replace_all(document, number, "\"buildNumber\":{{BUILD_NUMBER}}");
  replace_all(document, uuid, "{{UUID}}");
  replace_all(request, uuid, "{{UUID}}");

  std::mt19937_64 rng(42);
  auto start = SteadyClock::now();
  for (int i = 0; i < options.count; ++i) {
    std::string id_uuid = random_uuid(rng);
    store::NewBuild build;
    build.id = model.project + ":" + id_uuid;
    build.project = model.project;
    build.queued_ms = model.queued_ms;
    build.document = document;
    build.request = request;
    replace_all(build.document, "{{UUID}}", id_uuid);
    replace_all(build.request, "{{UUID}}", id_uuid);
    auto inserted = store.value()->insert_build(build, {});
    Status finished = inserted.is_ok()
                          ? store.value()->update_build(build.id, store::BuildState::kFinished,
                                                        inserted.value().document)
                          : inserted.status();
    if (!finished.is_ok()) {
      std::cerr << "build " << i << ": " << finished.message() << "\n";
      return 1;
    }
    if ((i + 1) % 10000 == 0) std::cerr << "  " << i + 1 << " builds\n";
  }
  Json out = {{"builds", options.count},
              {"document_bytes", model.document.size()},
              {"seconds", seconds_since(start)}};
  std::cout << out.dump(1) << "\n";
  return 0;
}

// --- latency ------------------------------------------------------------

struct LatencyOptions {
  std::string data_dir;
  std::string project;
  std::string op = "batch-get";
  int calls = 1000;
  int warmup = 50;
  int batch_size = 100;
  int sample_pages = 1000;
};

// One connection, one request at a time: the latency of a single call on
// an otherwise idle server. Every answer is parsed and checked, outside the
// timed span.
int run_latency(const LatencyOptions& options) {
  Target target;
  if (!load_target(options.data_dir, target)) return 1;
  auto conn = target.connect();
  Sample sample;
  if (!collect_sample(*conn, options.project, options.sample_pages, sample)) return 1;
  std::mt19937_64 rng(7);
  std::vector<double> latencies;
  std::size_t bytes = 0;
  double cpu_before = 0;
  for (int i = 0; i < options.warmup + options.calls; ++i) {
    if (i == options.warmup) cpu_before = cpu_seconds();
    Call call = make_call(options.op, options.project, sample, options.batch_size, rng);
    auto start = SteadyClock::now();
    Reply reply = conn->call(call.target, call.body);
    double elapsed = seconds_since(start);
    Json answer;
    if (!parse_reply(reply, call.op, answer)) return 1;
    if (!answer_is_complete(call, answer)) {
      std::cerr << call.op << ": incomplete answer to " << call.body.substr(0, 200) << "\n";
      return 1;
    }
    if (i < options.warmup) continue;
    latencies.push_back(elapsed);
    bytes += reply.body.size();
  }
  Json out = {{"op", options.op},
              {"latency_ms", summary_ms(latencies)},
              {"mean_answer_bytes", bytes / latencies.size()},
              {"sampled_ids", sample.ids.size()},
              {"sampled_pages", sample.tokens.size()},
              {"connections", conn->connects()},
              {"client_cpu_ms_per_call", (cpu_seconds() - cpu_before) / options.calls * 1000}};
  std::cout << out.dump(1) << "\n";
  return 0;
}

// --- load ---------------------------------------------------------------

struct LoadOptions {
  std::string data_dir;
  std::string project;
  int clients = 200;
  double seconds = 30;
  int batch_size = 10;
  int sample_pages = 1000;
};

struct ClientTally {
  std::map<std::string, std::vector<double>> latencies;  // by op
  int errors = 0;
  std::string first_error;
  int connects = 0;
};

// `clients` threads, each with its own kept-alive connection, send requests
// back to back (no think time) for `seconds`, cycling through the three
// operations from a different starting point each.
int run_load(const LoadOptions& options) {
  Target target;
  if (!load_target(options.data_dir, target)) return 1;
  Sample sample;
  {
    auto conn = target.connect();
    if (!collect_sample(*conn, options.project, options.sample_pages, sample)) return 1;
  }
  static const char* kOps[] = {"batch-get", "list-for-project", "list-projects"};
  std::vector<ClientTally> tallies(options.clients);
  std::latch ready(options.clients + 1);
  std::atomic<bool> go{false};
  SteadyClock::time_point deadline;
  std::vector<std::thread> threads;
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      ClientTally& tally = tallies[c];
      std::mt19937_64 rng(1000 + c);
      auto conn = target.connect();
      // Connect (and check the key) before the clock starts: 200 connects
      // at once can overflow the listen backlog, and a dropped SYN is
      // retried after a second, which is TCP's cost, not a request's.
      Reply hello = conn->call(std::string(kCodeBuild) + "ListProjects", "{}");
      if (!hello.ok()) {
        ++tally.errors;
        tally.first_error = "first ListProjects: " +
                            (hello.status ? "HTTP " + std::to_string(hello.status) : hello.error);
      }
      ready.arrive_and_wait();
      go.wait(false);
      for (int n = c; SteadyClock::now() < deadline; ++n) {
        Call call = make_call(kOps[n % 3], options.project, sample, options.batch_size, rng);
        auto start = SteadyClock::now();
        Reply reply = conn->call(call.target, call.body);
        double elapsed = seconds_since(start);
        // Cheap checks only: parsing every answer here would take the
        // server's CPU on a two-core machine.
        bool good = reply.ok() && !reply.body.empty() && reply.body.front() == '{' &&
                    reply.body.back() == '}';
        if (!good) {
          if (tally.errors++ == 0)
            tally.first_error = call.op + ": " +
                                (reply.status ? "HTTP " + std::to_string(reply.status) + " " +
                                                    reply.body.substr(0, 200)
                                              : reply.error);
          continue;
        }
        tally.latencies[call.op].push_back(elapsed);
      }
      tally.connects = conn->connects();
    });
  }
  ready.arrive_and_wait();
  double cpu_before = cpu_seconds();
  auto start = SteadyClock::now();
  deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                         std::chrono::duration<double>(options.seconds));
  go = true;
  go.notify_all();
  for (std::thread& thread : threads) thread.join();
  double elapsed = seconds_since(start);

  std::map<std::string, std::vector<double>> by_op;
  std::vector<double> all;
  int errors = 0, connects = 0;
  std::string first_error;
  for (const ClientTally& tally : tallies) {
    for (const auto& [op, values] : tally.latencies) {
      by_op[op].insert(by_op[op].end(), values.begin(), values.end());
      all.insert(all.end(), values.begin(), values.end());
    }
    errors += tally.errors;
    connects += tally.connects;
    if (first_error.empty()) first_error = tally.first_error;
  }
  Json ops;
  for (auto& [op, values] : by_op) ops[op] = summary_ms(values);
  Json out = {{"clients", options.clients},
              {"seconds", elapsed},
              {"requests", all.size() + static_cast<std::size_t>(errors)},
              {"requests_per_second", static_cast<double>(all.size()) / elapsed},
              {"errors", errors},
              {"first_error", first_error},
              {"connections", connects},
              {"batch_size", options.batch_size},
              {"latency_ms", summary_ms(all)},
              {"by_op", ops},
              {"client_cpu_seconds", cpu_seconds() - cpu_before}};
  std::cout << out.dump(1) << "\n";
  return errors == 0 ? 0 : 3;
}

// --- throughput ---------------------------------------------------------

struct ThroughputOptions {
  std::string data_dir;
  std::string project;
  int builds = 1000;
  int clients = 4;
  int poll_ms = 100;
};

struct Started {
  std::string id;
  double client_start = 0;  // epoch seconds, before the StartBuild call
};

// The phases of a finished build document: name -> (start, end) seconds.
std::map<std::string, std::pair<double, double>> phase_spans(const Json& build) {
  std::map<std::string, std::pair<double, double>> spans;
  for (const auto& phase : build.value("phases", Json::array())) {
    double start = phase.value("startTime", 0.0);
    spans[phase.value("phaseType", "")] = {start, phase.value("endTime", start)};
  }
  return spans;
}

// `builds` StartBuilds from `clients` threads as fast as they are answered;
// a poller reads the oldest unfinished builds with BatchGetBuilds until
// every one has completed. The wall time runs from the first StartBuild
// (client clock) to the last build's endTime (server clock; same host).
int run_throughput(const ThroughputOptions& options) {
  Target target;
  if (!load_target(options.data_dir, target)) return 1;
  std::mutex mu;
  std::deque<Started> outstanding;      // guarded by mu, in start order
  std::vector<double> start_latencies;  // guarded by mu
  std::atomic<int> started{0}, failed{0};
  std::string first_error;  // guarded by mu
  const double first_start = epoch_seconds();
  double cpu_before = cpu_seconds();
  std::vector<std::thread> threads;
  const std::string body = Json{{"projectName", options.project}}.dump();
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      auto conn = target.connect();
      int share = options.builds / options.clients + (c < options.builds % options.clients);
      for (int i = 0; i < share; ++i) {
        double t0 = epoch_seconds();
        auto s0 = SteadyClock::now();
        Reply reply = conn->call(std::string(kCodeBuild) + "StartBuild", body);
        double elapsed = seconds_since(s0);
        Json answer = reply.ok() ? Json::parse(reply.body, nullptr, false) : Json();
        std::lock_guard<std::mutex> lock(mu);
        if (!reply.ok() || !answer.contains("build")) {
          if (failed++ == 0) first_error = reply.error + " " + reply.body.substr(0, 300);
          continue;
        }
        outstanding.push_back({answer["build"].value("id", ""), t0});
        start_latencies.push_back(elapsed);
        ++started;
      }
    });
  }

  // The poller: at most 100 of the oldest outstanding builds per call.
  auto poller = target.connect();
  std::vector<Json> finished;
  double last_seen = 0;
  int poll_calls = 0;
  while (true) {
    std::vector<Started> batch;
    bool all_started = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (std::size_t i = 0; i < outstanding.size() && batch.size() < 100; ++i)
        batch.push_back(outstanding[i]);
      all_started = started + failed == options.builds;
    }
    if (batch.empty() && all_started) break;
    if (!batch.empty()) {
      Json ids = Json::array();
      for (const Started& s : batch) ids.push_back(s.id);
      Json answer;
      ++poll_calls;
      if (!parse_reply(
              poller->call(std::string(kCodeBuild) + "BatchGetBuilds", Json{{"ids", ids}}.dump()),
              "BatchGetBuilds", answer))
        return 1;
      std::map<std::string, Json> done;
      for (auto& build : answer["builds"]) {
        if (!build.value("buildComplete", false)) continue;
        // Not one statement: json's operator= takes its argument by value,
        // and C++17 builds it (moving `build` away) before the left side.
        std::string id = build.value("id", "");
        done[id] = std::move(build);
      }
      if (!done.empty()) {
        last_seen = epoch_seconds();
        std::lock_guard<std::mutex> lock(mu);
        std::deque<Started> rest;
        for (Started& s : outstanding) {
          auto it = done.find(s.id);
          if (it == done.end()) {
            rest.push_back(std::move(s));
            continue;
          }
          it->second["client_start"] = s.client_start;
          finished.push_back(std::move(it->second));
        }
        outstanding.swap(rest);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
  for (std::thread& thread : threads) thread.join();
  double client_cpu = cpu_seconds() - cpu_before;
  if (finished.empty()) {
    std::cerr << "no build finished; first StartBuild error: " << first_error << "\n";
    return 1;
  }

  double last_end = 0, last_start_call = 0;
  std::map<std::string, int> statuses;
  std::map<std::string, std::vector<double>> phases;
  std::vector<double> queued, running, whole;
  for (const Json& build : finished) {
    statuses[build.value("buildStatus", "?")]++;
    double end = build.value("endTime", 0.0);
    last_end = std::max(last_end, end);
    last_start_call = std::max(last_start_call, build.value("client_start", 0.0));
    auto spans = phase_spans(build);
    for (const auto& [name, span] : spans) phases[name].push_back(span.second - span.first);
    if (spans.count("QUEUED")) {
      queued.push_back(spans["QUEUED"].second - spans["QUEUED"].first);
      running.push_back(end - spans["QUEUED"].second);
    }
    whole.push_back(end - build.value("client_start", end));
  }
  Json phase_ms;
  for (auto& [name, values] : phases) phase_ms[name] = summary_ms(values);
  // How long a slot stays empty: from the end of the latest build that ended
  // before a build left the queue to that build leaving it (the dispatcher's
  // reaction plus taking the lease), for builds that waited in the queue.
  std::vector<double> ends, gaps;
  for (const Json& build : finished) ends.push_back(build.value("endTime", 0.0));
  std::sort(ends.begin(), ends.end());
  for (const Json& build : finished) {
    auto spans = phase_spans(build);
    if (!spans.count("QUEUED")) continue;
    double left_queue = spans["QUEUED"].second;
    auto it = std::upper_bound(ends.begin(), ends.end(), left_queue);
    if (it == ends.begin() || spans["QUEUED"].second - spans["QUEUED"].first < 0.05) continue;
    gaps.push_back(left_queue - *std::prev(it));
  }
  double busy = 0;
  for (double r : running) busy += r;
  const double wall = last_end - first_start;
  Json out = {{"builds_started", started.load()},
              {"start_errors", failed.load()},
              {"first_error", first_error},
              {"builds_finished", finished.size()},
              {"statuses", statuses},
              {"clients", options.clients},
              {"wall_seconds", wall},
              {"builds_per_second", static_cast<double>(finished.size()) / wall},
              {"starts_seconds", last_start_call - first_start},
              {"client_seen_wall_seconds", last_seen - first_start},
              {"start_build_ms", summary_ms(start_latencies)},
              {"queued_ms", summary_ms(queued)},
              {"running_ms", summary_ms(running)},
              {"slot_idle_ms", summary_ms(gaps)},
              {"running_seconds_total", busy},
              {"start_call_to_end_ms", summary_ms(whole)},
              {"phase_ms", phase_ms},
              {"poll_calls", poll_calls},
              {"client_cpu_seconds", client_cpu}};
  std::cout << out.dump(1) << "\n";
  return failed == 0 ? 0 : 3;
}

}  // namespace
}  // namespace kiln::bench

int main(int argc, char** argv) {
  using namespace kiln::bench;
  CLI::App app{"Client side of the kiln serve benchmarks (docs/benchmarks.md); JSON on stdout.",
               "kiln_serve_bench"};
  app.require_subcommand(1);

  FillOptions fill;
  auto* fill_cmd = app.add_subcommand("fill", "copy one finished build N times into state.db");
  fill_cmd->add_option("--db", fill.db, "the data dir's state.db (server stopped)")->required();
  fill_cmd->add_option("--template", fill.template_id, "id of a finished build to copy")
      ->required();
  fill_cmd->add_option("--count", fill.count)->check(CLI::Range(1, 10000000));

  LatencyOptions latency;
  auto* latency_cmd = app.add_subcommand("latency", "one connection, sequential calls");
  latency_cmd->add_option("--data-dir", latency.data_dir)->required();
  latency_cmd->add_option("--project", latency.project)->required();
  latency_cmd->add_option("--op", latency.op)
      ->check(CLI::IsMember({"batch-get", "list-for-project", "list-projects"}));
  latency_cmd->add_option("--calls", latency.calls)->check(CLI::Range(1, 10000000));
  latency_cmd->add_option("--warmup", latency.warmup)->check(CLI::Range(0, 100000));
  latency_cmd->add_option("--batch-size", latency.batch_size)->check(CLI::Range(1, 100));
  latency_cmd->add_option("--sample-pages", latency.sample_pages)->check(CLI::Range(1, 100000));

  LoadOptions load;
  auto* load_cmd = app.add_subcommand("load", "many concurrent keep-alive clients");
  load_cmd->add_option("--data-dir", load.data_dir)->required();
  load_cmd->add_option("--project", load.project)->required();
  load_cmd->add_option("--clients", load.clients)->check(CLI::Range(1, 5000));
  load_cmd->add_option("--seconds", load.seconds)->check(CLI::Range(0.1, 3600.0));
  load_cmd->add_option("--batch-size", load.batch_size)->check(CLI::Range(1, 100));
  load_cmd->add_option("--sample-pages", load.sample_pages)->check(CLI::Range(1, 100000));

  ThroughputOptions throughput;
  auto* throughput_cmd = app.add_subcommand("throughput", "N StartBuilds, until all complete");
  throughput_cmd->add_option("--data-dir", throughput.data_dir)->required();
  throughput_cmd->add_option("--project", throughput.project)->required();
  throughput_cmd->add_option("--builds", throughput.builds)->check(CLI::Range(1, 1000000));
  throughput_cmd->add_option("--clients", throughput.clients)->check(CLI::Range(1, 256));
  throughput_cmd->add_option("--poll-ms", throughput.poll_ms)->check(CLI::Range(1, 10000));

  CLI11_PARSE(app, argc, argv);
  if (*fill_cmd) return run_fill(fill);
  if (*latency_cmd) return run_latency(latency);
  if (*load_cmd) return run_load(load);
  if (*throughput_cmd) return run_throughput(throughput);
  return 2;
}
