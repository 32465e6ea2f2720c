// SPDX-License-Identifier: Apache-2.0
// Reports what SqliteStateStore costs on the paths the API hits most, with
// 100,000 finished builds of one project stored (build documents of about
// 2 KB): get_builds of 100 ids (a full BatchGetBuilds), a
// ListBuildsForProject page at the start and from the middle, and
// insert_build (StartBuild's one transaction, fsynced as in production, and
// without the fsync to show its share). A benchmark, not a test: it prints
// figures and never judges them (docs/benchmarks.md). Google Benchmark runs
// each case several times; read the _median rows. Times and items/s are
// wall-clock (the store waits on the disk); the CPU column shows the rest.
//
//   kiln_store_bench [--db PATH] [--benchmark_* flags]
//
// --db keeps the filled database at PATH for the next run (filling takes
// about a minute); without it a temporary one is made and removed.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite_state_store.h"

namespace {

using kiln::store::BuildState;
using kiln::store::InsertLimits;
using kiln::store::NewBuild;
using kiln::store::SqliteStateStore;

constexpr int kBuilds = 100000;
constexpr char kProject[] = "big";
constexpr int kRepetitions = 9;

// What one stored build looks like: the shape of a BatchGetBuilds answer
// for a four-phase build, about 2 KB.
std::string build_document(const std::string& id, bool finished) {
  std::string doc = R"({"id":")" + id +
                    R"(","arn":"arn:aws:codebuild:us-east-1:000000000000:build/)" + id +
                    R"(","buildNumber":{{BUILD_NUMBER}},"startTime":1700000000.123,)";
  doc += finished
             ? R"("endTime":1700000123.456,"currentPhase":"COMPLETED","buildStatus":"SUCCEEDED",)"
             : R"("currentPhase":"QUEUED","buildStatus":"IN_PROGRESS",)";
  doc +=
      R"("sourceVersion":"refs/heads/main","resolvedSourceVersion":"4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",)"
      R"("projectName":"big","phases":[)";
  for (const char* phase : {"SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL",
                            "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING"}) {
    doc += R"({"phaseType":")" + std::string(phase) +
           R"(","phaseStatus":"SUCCEEDED","startTime":1700000001.5,"endTime":1700000002.5,)"
           R"("durationInSeconds":1},)";
  }
  doc.back() = ']';
  doc +=
      R"(,"source":{"type":"NO_SOURCE","buildspec":"version: 0.2\nphases:\n  build:\n    commands:\n      - make test\n"},)"
      R"("artifacts":{"location":""},"cache":{"type":"NO_CACHE"},"environment":{"type":"LINUX_CONTAINER",)"
      R"("image":"kiln/standard:1.0","computeType":"BUILD_GENERAL1_SMALL","environmentVariables":[)"
      R"({"name":"STAGE","value":"test","type":"PLAINTEXT"}],"privilegedMode":false,)"
      R"("imagePullCredentialsType":"CODEBUILD"},"logs":{"groupName":"/aws/codebuild/big",)"
      R"("streamName":")" +
      id.substr(id.find(':') + 1) +
      R"(","cloudWatchLogs":{"status":"ENABLED"}},"timeoutInMinutes":60,)"
      R"("queuedTimeoutInMinutes":480,"buildComplete":true,"initiator":"bench"})";
  return doc;
}

std::string uuid_for(int i) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", i);
  return text;
}

NewBuild new_build(const std::string& project, const std::string& uuid) {
  NewBuild build;
  build.id = project + ":" + uuid;
  build.project = project;
  build.queued_ms = 1700000000000;
  build.queue_deadline_ms = build.queued_ms + 8 * 3600 * 1000;
  build.document = build_document(build.id, false);
  build.request = R"({"buildspec":"version: 0.2","image":"kiln/standard:1.0"})";
  return build;
}

void die(const std::string& what, const kiln::Status& status) {
  std::fprintf(stderr, "kiln_store_bench: %s: %s\n", what.c_str(), status.to_string().c_str());
  std::exit(1);
}

std::unique_ptr<SqliteStateStore> open_or_die(const std::string& path, bool sync) {
  auto opened = SqliteStateStore::open(path, SqliteStateStore::Options{sync});
  if (!opened.is_ok()) die("open " + path, opened.status());
  return std::move(opened).value();
}

// Fills the database with kBuilds finished builds of kProject unless it has
// them already. Without fsyncs: only the figures are measured with them.
void fill(const std::string& path) {
  auto store = open_or_die(path, /*sync=*/false);
  auto finished = store->count_builds(BuildState::kFinished);
  if (!finished.is_ok()) die("count", finished.status());
  if (finished.value() >= kBuilds) return;
  std::fprintf(stderr, "filling %s with %d builds...\n", path.c_str(), kBuilds);
  const auto start = std::chrono::steady_clock::now();
  for (int i = static_cast<int>(finished.value()); i < kBuilds; ++i) {
    NewBuild build = new_build(kProject, uuid_for(i));
    auto inserted = store->insert_build(build, InsertLimits{});
    if (!inserted.is_ok()) die("insert", inserted.status());
    std::string doc = build_document(build.id, true);
    doc.replace(doc.find("{{BUILD_NUMBER}}"), 16, std::to_string(inserted->build_number));
    kiln::Status updated = store->update_build(build.id, BuildState::kFinished, doc);
    if (!updated.is_ok()) die("update", updated);
  }
  std::fprintf(stderr, "filled in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

struct Bench {
  std::string path;
  std::unique_ptr<SqliteStateStore> store;        // synchronous=FULL, as kiln serve opens it
  std::vector<std::vector<std::string>> id_sets;  // 100 random ids each
  std::string middle_cursor;                      // after 50,000 builds, newest first
};
Bench* g_bench = nullptr;

void BM_GetBuilds100(benchmark::State& state) {
  std::size_t set = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto builds = g_bench->store->get_builds(g_bench->id_sets[set++ % g_bench->id_sets.size()]);
    if (!builds.is_ok() || builds->size() != 100) state.SkipWithError("get_builds failed");
    for (const auto& b : builds.value()) bytes += b.document.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

void list_page(benchmark::State& state, const std::string& cursor) {
  for (auto _ : state) {
    auto page = g_bench->store->list_builds_for_project(kProject, true, cursor, 100);
    if (!page.is_ok() || page->items.size() != 100) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(page->items.data());
  }
}

void BM_ListBuildsForProjectFirstPage(benchmark::State& state) { list_page(state, ""); }
void BM_ListBuildsForProjectMiddlePage(benchmark::State& state) {
  list_page(state, g_bench->middle_cursor);
}

// One StartBuild's store work: the limit checks, the counter, the insert,
// the commit. Each build is then finished, untimed, so the queue stays as
// short as a served queue does rather than growing with the iterations.
// state.range(0): 1 = fsync every commit (production), 0 = not.
void BM_InsertBuild(benchmark::State& state) {
  // Ids unique across runs too: --db keeps the builds inserted here.
  static const std::string prefix =
      "p" + std::to_string(::getpid()) + "-" +
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  static int next = 0;
  auto store = open_or_die(g_bench->path, state.range(0) != 0);
  const InsertLimits limits{10, 100};  // checked, never reached
  for (auto _ : state) {
    auto built =
        store->insert_build(new_build("fresh", prefix + "-" + std::to_string(next++)), limits);
    state.PauseTiming();
    if (!built.is_ok()) {
      state.SkipWithError(built.status().to_string().c_str());
      break;
    }
    kiln::Status finished = store->update_build(built->id, BuildState::kFinished, "{}");
    if (!finished.is_ok()) state.SkipWithError(finished.to_string().c_str());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_GetBuilds100)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Repetitions(kRepetitions)
    ->ReportAggregatesOnly();
BENCHMARK(BM_ListBuildsForProjectFirstPage)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Repetitions(kRepetitions)
    ->ReportAggregatesOnly();
BENCHMARK(BM_ListBuildsForProjectMiddlePage)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Repetitions(kRepetitions)
    ->ReportAggregatesOnly();
BENCHMARK(BM_InsertBuild)
    ->ArgName("fsync")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Repetitions(kRepetitions)
    ->ReportAggregatesOnly();

void prepare(Bench& bench) {
  fill(bench.path);
  bench.store = open_or_die(bench.path, /*sync=*/true);
  std::mt19937 random(42);
  std::uniform_int_distribution<int> pick(0, kBuilds - 1);
  bench.id_sets.resize(64);
  for (auto& ids : bench.id_sets) {
    for (int i = 0; i < 100; ++i)
      ids.push_back(std::string(kProject) + ":" + uuid_for(pick(random)));
  }
  std::string cursor;
  for (int page = 0; page < kBuilds / 2 / 100; ++page) {
    auto listed = bench.store->list_builds_for_project(kProject, true, cursor, 100);
    if (!listed.is_ok()) die("list", listed.status());
    cursor = listed->next_cursor;
  }
  bench.middle_cursor = cursor;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  std::vector<char*> args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--db" && i + 1 < argc) {
      db = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  int benchmark_argc = static_cast<int>(args.size());
  benchmark::Initialize(&benchmark_argc, args.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, args.data())) return 2;

  std::string temp_dir;
  if (db.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln_store_bench.XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::perror("kiln_store_bench: mkdtemp");
      return 1;
    }
    temp_dir = pattern;
    db = temp_dir + "/state.db";
  }
  Bench bench;
  bench.path = db;
  prepare(bench);
  g_bench = &bench;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  bench.store.reset();
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  return 0;
}
