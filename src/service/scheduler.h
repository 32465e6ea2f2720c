// SPDX-License-Identifier: Apache-2.0
// Runs queued builds: oldest first, at most `max_concurrent_builds` at once,
// each on its own worker thread through the engine's BuildRunner
// (codebuild-semantics.md §2.7). A running build is owned through a lease in
// the StateStore, renewed while it runs, so a build whose server died is
// recognised (orphaned) and ended FAULT rather than left IN_PROGRESS forever.
// Queued builds past their queuedTimeoutInMinutes end TIMED_OUT.
//
// Thread-safe. One dispatcher thread plus one thread per running build.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "logs/log_store.h"
#include "objectstore/object_store.h"
#include "runner/build_runner.h"
#include "store/state_store.h"

namespace kiln::service {

struct SchedulerOptions {
  int max_concurrent_builds = 2;
  // This server's lease owner name; unique per process start.
  std::string owner;
  std::chrono::milliseconds lease_duration{30000};
  // How often the dispatcher looks at the queue without being woken, renews
  // leases and flushes running builds' logs.
  std::chrono::milliseconds tick{250};
  // Each build gets <work_root>/<uuid> as its scratch directory, removed after.
  std::string work_root;
};

class Scheduler {
 public:
  // The stores and the factory are borrowed and must outlive the scheduler.
  Scheduler(SchedulerOptions options, store::StateStore& store,
            runner::ExecutorFactory executor_factory, logs::LogStore& log_store,
            objectstore::ObjectStore& artifact_store);
  ~Scheduler();  // shutdown(std::chrono::seconds(0))

  // Ends the builds whose worker is gone (an earlier process of this server,
  // or an expired lease) as FAULT, then starts dispatching. Returns how many
  // builds it ended.
  Result<int> start();

  // A build was queued or capacity may have freed: look at the queue now.
  void wake();

  // StopBuild: a queued build ends STOPPED at once; a running one is asked to
  // stop and ends STOPPED when its open phase notices. kNotFound when the
  // build is neither queued nor running here (already finished).
  Status stop_build(const std::string& id);

  // Stops dispatching (queued builds stay queued for the next start), waits
  // up to `grace` for running builds to finish, then interrupts the rest and
  // records them as the restart rule does (FAULT, the service stopped).
  // Idempotent.
  void shutdown(std::chrono::milliseconds grace);


 private:
  struct Worker;

  void dispatch_loop();
  void dispatch_once();
  void time_out_queued(std::int64_t now_ms);
  void launch(const store::BuildRecord& record);
  void run_worker(Worker* worker);
  void finish_worker(const std::string& id);

  const SchedulerOptions options_;
  store::StateStore& store_;
  const runner::ExecutorFactory executor_factory_;
  logs::LogStore& log_store_;
  objectstore::ObjectStore& artifact_store_;

  mutable std::mutex mu_;
  std::condition_variable cv_;               // wakes the dispatcher
  std::condition_variable workers_done_cv_;  // a worker finished
  bool dispatching_ = false;                 // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  bool woken_ = false;                       // guarded by mu_
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // guarded by mu_, by build id
  std::thread dispatcher_;
};

}  // namespace kiln::service
