// SPDX-License-Identifier: Apache-2.0
#include "service/scheduler.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "executor/orphan_processes.h"
#include "service/build_document.h"
#include "service/build_job.h"

namespace kiln::service {

namespace {

// How many queued builds one look at the queue considers for time-outs, and
// how often it looks: queuedTimeoutInMinutes is at least 5 (the model's
// minimum), so builds queued less than 5 minutes ago cannot have timed out,
// and a few seconds of lateness on a timeout of minutes is immaterial.
constexpr int kTimeoutScanLimit = 10000;
constexpr std::int64_t kMinQueuedTimeoutMs = 5 * 60 * 1000;
constexpr std::chrono::seconds kTimeoutScanInterval{5};

void remove_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string uuid_of(const std::string& build_id) {
  auto colon = build_id.rfind(':');
  return colon == std::string::npos ? build_id : build_id.substr(colon + 1);
}

}  // namespace

struct Scheduler::Worker {
  std::string id;
  std::int64_t build_number = 0;
  BuildJob job;
  std::unique_ptr<runner::BuildRunner> runner;
  std::thread thread;
  std::atomic<bool> abandoned{false};  // shutdown interrupted it
  std::atomic<bool> done{false};
};

namespace {

// Writes each phase change of a running build to the store.
class StoreObserver : public runner::BuildObserver {
 public:
  StoreObserver(store::StateStore& store, const std::string& id, const BuildJob& job,
                const std::atomic<bool>& abandoned)
      : store_(store), id_(id), job_(job), abandoned_(abandoned) {}

  void on_phase_change(const model::Build& build) override {
    // After a shutdown interrupted the build, its record ends as an orphan's
    // (FAULT), not as the STOPPED the interruption would otherwise write.
    if (abandoned_.load()) return;
    last_document_ = engine_document(build, job_.identity, job_.settings);
    // The engine reports a phase's end and, at once, the next phase's start
    // (or COMPLETED's start and then the final record): only the second of
    // each pair is written, as it carries the first. Every write is a
    // synchronous commit, and this halves them (18 to 9 a build), the largest
    // cost of a short build (docs/benchmarks.md, "kiln serve"). Nothing
    // durable is lost: a server that dies in between ends the build FAULT
    // from whichever phase was last written.
    if (followed_at_once(build)) return;
    store::BuildState state =
        build.build_complete ? store::BuildState::kFinished : store::BuildState::kRunning;
    if (Status s = store_.update_build(id_, state, last_document_); !s.is_ok())
      spdlog::error("build {}: cannot record phase {}: {}", id_,
                    model::to_string(build.current_phase), s.message());
  }

  const std::string& last_document() const { return last_document_; }

 private:
  // A phase just closed (the next one opens next), or COMPLETED just opened
  // (the final record follows): BuildSession::run and finish().
  static bool followed_at_once(const model::Build& build) {
    if (build.build_complete || build.phases.empty()) return false;
    const model::BuildPhase& last = build.phases.back();
    return last.end_time.has_value() || last.type == model::PhaseType::kCompleted;
  }

  store::StateStore& store_;
  const std::string& id_;
  const BuildJob& job_;
  const std::atomic<bool>& abandoned_;
  std::string last_document_;
};

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, store::StateStore& store,
                     runner::ExecutorFactory executor_factory, logs::LogStore& log_store,
                     objectstore::ObjectStore& artifact_store)
    : options_(std::move(options)),
      store_(store),
      executor_factory_(std::move(executor_factory)),
      log_store_(log_store),
      artifact_store_(artifact_store) {}

Scheduler::~Scheduler() { shutdown(std::chrono::milliseconds(0)); }

Result<int> Scheduler::start() {
  auto orphans = store_.orphaned_builds(options_.owner, epoch_millis());
  if (!orphans.is_ok()) return orphans.status();
  int ended = 0;
  for (const store::BuildRecord& record : orphans.value()) {
    std::string document = end_orphaned(
        record.document,
        "kiln serve stopped while this build was running (the process ended or lost its "
        "lease); the build was not resumed",
        epoch_millis());
    if (Status s = store_.update_build(record.id, store::BuildState::kFinished, document);
        !s.is_ok())
      return s;
    // A host build's processes outlive a kill -9 of the server; its
    // containers are swept by the docker executor factory.
    const std::string work_dir = options_.work_root + "/" + uuid_of(record.id);
    if (int killed = executor::kill_processes_under(work_dir); killed > 0)
      spdlog::warn("build {}: killed {} process group(s) it left running", record.id, killed);
    remove_dir(work_dir);
    spdlog::warn("build {}: ended FAULT, its server stopped while it ran", record.id);
    ++ended;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (dispatching_ || stopping_) return Status(ErrorCode::kInternal, "scheduler started twice");
  dispatching_ = true;
  dispatcher_ = std::thread([this] { dispatch_loop(); });
  return ended;
}

void Scheduler::wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void Scheduler::dispatch_loop() {
  auto last_timeout_scan = std::chrono::steady_clock::time_point{};
  auto last_renewal = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.tick, [this] { return woken_ || stopping_; });
    woken_ = false;
    if (stopping_) break;
    auto now = std::chrono::steady_clock::now();
    if (now - last_timeout_scan >= kTimeoutScanInterval) {
      time_out_queued(epoch_millis());
      last_timeout_scan = now;
    }
    if (now - last_renewal >= options_.lease_duration / 3) {
      if (Status s =
              store_.renew_leases(options_.owner, epoch_millis() + options_.lease_duration.count());
          !s.is_ok())
        spdlog::error("cannot renew build leases: {}", s.message());
      last_renewal = now;
    }
    dispatch_once();
    for (auto& [id, worker] : workers_) worker->runner->flush_log();
  }
}

// Requires: mu_ held.
void Scheduler::dispatch_once() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->second->done.load()) {
      it->second->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  int free = options_.max_concurrent_builds - static_cast<int>(workers_.size());
  if (free <= 0) return;
  auto queued = store_.queued_builds(free);
  if (!queued.is_ok()) {
    spdlog::error("cannot read the build queue: {}", queued.status().message());
    return;
  }
  for (const store::BuildRecord& record : queued.value()) {
    auto leased =
        store_.acquire_lease(record.id, options_.owner,
                             epoch_millis() + options_.lease_duration.count(), record.document);
    if (!leased.is_ok()) {
      spdlog::error("build {}: cannot take its lease: {}", record.id, leased.status().message());
      continue;
    }
    if (leased.value()) launch(record);
  }
}

// Requires: mu_ held.
void Scheduler::time_out_queued(std::int64_t now) {
  // Oldest first: read a small batch, and more only while every build read
  // is old enough to have timed out, so a long queue of recent builds costs
  // one short read.
  for (int limit = 100;; limit *= 10) {
    auto queued = store_.queued_builds(std::min(limit, kTimeoutScanLimit));
    if (!queued.is_ok()) return;
    for (const store::BuildRecord& record : queued.value()) {
      if (record.queued_ms > now - kMinQueuedTimeoutMs) return;
      if (record.queue_deadline_ms <= 0 || record.queue_deadline_ms > now) continue;
      std::string document = end_in_queue(record.document, model::Status::kTimedOut, now);
      if (Status s = store_.update_build(record.id, store::BuildState::kFinished, document);
          !s.is_ok())
        spdlog::error("build {}: cannot record its queue timeout: {}", record.id, s.message());
    }
    if (static_cast<int>(queued.value().size()) < limit || limit >= kTimeoutScanLimit) return;
  }
}

// Requires: mu_ held; the build's lease is ours.
void Scheduler::launch(const store::BuildRecord& record) {
  auto worker = std::make_unique<Worker>();
  worker->id = record.id;
  worker->build_number = record.build_number;
  auto job = decode_job(record.request);
  if (!job.is_ok()) {
    // A record this code cannot run: end it rather than retry it forever.
    std::string document = end_orphaned(record.document, job.status().message(), epoch_millis());
    static_cast<void>(store_.update_build(record.id, store::BuildState::kFinished, document));
    return;
  }
  worker->job = std::move(job).value();
  worker->runner =
      std::make_unique<runner::BuildRunner>(executor_factory_, log_store_, artifact_store_);
  Worker* raw = worker.get();
  workers_.emplace(record.id, std::move(worker));
  raw->thread = std::thread([this, raw] { run_worker(raw); });
}

void Scheduler::run_worker(Worker* worker) {
  const std::string work_dir = options_.work_root + "/" + worker->job.identity.uuid;
  std::error_code ec;
  std::filesystem::create_directories(work_dir, ec);
  runner::BuildRequest request = to_build_request(worker->job, worker->build_number, work_dir);
  StoreObserver observer(store_, worker->id, worker->job, worker->abandoned);
  worker->runner->run(request, observer);
  if (worker->abandoned.load()) {
    std::string document = end_orphaned(
        observer.last_document(),
        "kiln serve shut down while this build was running; the build was not finished",
        epoch_millis());
    static_cast<void>(store_.update_build(worker->id, store::BuildState::kFinished, document));
  }
  remove_dir(work_dir);
  finish_worker(worker->id);
}

void Scheduler::finish_worker(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(id);
  if (it != workers_.end()) it->second->done.store(true);
  woken_ = true;
  cv_.notify_all();
  workers_done_cv_.notify_all();
}

Status Scheduler::stop_build(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(id);
  if (it != workers_.end()) {
    if (!it->second->done.load()) it->second->runner->stop();
    return Status::ok();
  }
  auto records = store_.get_builds({id});
  if (!records.is_ok()) return records.status();
  if (records.value().empty()) return Status(ErrorCode::kNotFound, "no build " + id);
  const store::BuildRecord& record = records.value().front();
  if (record.state != store::BuildState::kQueued)
    return Status(ErrorCode::kNotFound, "build " + id + " is not queued or running here");
  std::string document = end_in_queue(record.document, model::Status::kStopped, epoch_millis());
  return store_.update_build(id, store::BuildState::kFinished, document);
}

void Scheduler::shutdown(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!stopping_) {
    stopping_ = true;
    cv_.notify_all();
  }
  if (dispatcher_.joinable()) {
    lock.unlock();
    dispatcher_.join();
    lock.lock();
  }
  auto all_done = [this] {
    for (auto& [id, worker] : workers_)
      if (!worker->done.load()) return false;
    return true;
  };
  workers_done_cv_.wait_for(lock, grace, all_done);
  for (auto& [id, worker] : workers_) {
    if (worker->done.load()) continue;
    worker->abandoned.store(true);
    worker->runner->stop();
  }
  workers_done_cv_.wait(lock, all_done);
  for (auto& [id, worker] : workers_) {
    lock.unlock();
    worker->thread.join();
    lock.lock();
  }
  workers_.clear();
}

}  // namespace kiln::service
