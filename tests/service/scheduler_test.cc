// SPDX-License-Identifier: Apache-2.0
// The Scheduler against a real SQLite store and the host shell: queued
// builds past their queuedTimeoutInMinutes end TIMED_OUT without running,
// queued builds run oldest first, StopBuild of a queued build, and restart
// recovery of a build whose lease belongs to a dead server.
#include "service/scheduler.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "executor/host_executor.h"
#include "logs/file_log_store.h"
#include "objectstore/local_object_store.h"
#include "service/build_document.h"
#include "service/build_job.h"
#include "store/sqlite_state_store.h"
#include "support/test_support.h"

namespace kiln::service {
namespace {

using Json = nlohmann::json;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::SqliteStateStore::open(dir_.path() + "/state.db").value();
    logs_ = logs::FileLogStore::open(dir_.path() + "/logs").value();
    artifacts_ = objectstore::LocalObjectStore::open(dir_.path() + "/artifacts").value();
  }

  std::unique_ptr<Scheduler> make_scheduler(int concurrency, const std::string& owner = "me") {
    SchedulerOptions options;
    options.max_concurrent_builds = concurrency;
    options.owner = owner;
    options.work_root = dir_.path() + "/work";
    options.tick = std::chrono::milliseconds(20);
    auto factory = [](const runner::BuildRequest& request,
                      const std::string& source_dir) -> Result<runner::ExecutionEnvironment> {
      executor::HostExecutorOptions host;
      host.workspace_root = request.work_dir;
      runner::ExecutionEnvironment env;
      env.executor = std::make_unique<executor::HostExecutor>(host);
      env.source_dir_in_build = source_dir;
      return env;
    };
    return std::make_unique<Scheduler>(options, *store_, factory, *logs_, *artifacts_);
  }

  // Queues a build of `commands` as StartBuild does; returns its id.
  // `queued_minutes_ago` > 0 makes it a build submitted that long ago with
  // a queuedTimeoutInMinutes of 5.
  std::string queue(const std::string& uuid, const std::string& command,
                    int queued_minutes_ago = 0) {
    BuildJob job;
    job.identity = BuildIdentity{"p",
                                 uuid,
                                 "us-east-1",
                                 "000000000000",
                                 "test",
                                 epoch_millis() - queued_minutes_ago * 60000LL,
                                 "http://127.0.0.1:1"};
    Json settings = {{"source",
                      {{"type", "NO_SOURCE"},
                       {"buildspec", "version: 0.2\nphases:\n  build:\n    commands:\n      - " +
                                         command + "\n"}}},
                     {"artifacts", {{"type", "NO_ARTIFACTS"}}},
                     {"timeoutInMinutes", 60}};
    job.settings = settings.dump();
    store::NewBuild build;
    build.id = job.identity.id();
    build.project = "p";
    build.queued_ms = job.identity.submitted_ms;
    build.queue_deadline_ms =
        job.identity.submitted_ms + (queued_minutes_ago > 0 ? 5 : 60) * 60000LL;
    build.document = queued_document(job.identity, job.settings);
    build.request = encode_job(job);
    EXPECT_TRUE(store_->insert_build(build, {}).is_ok());
    return build.id;
  }

  Json document(const std::string& id) {
    auto records = store_->get_builds({id});
    EXPECT_TRUE(records.is_ok() && records.value().size() == 1);
    return Json::parse(records.value().front().document);
  }

  // Waits until the build is COMPLETED (10 s at most); returns its document.
  Json wait_complete(const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      Json doc = document(id);
      if (doc["buildComplete"] == true) return doc;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << id << " did not complete";
    return document(id);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::SqliteStateStore> store_;
  std::unique_ptr<logs::FileLogStore> logs_;
  std::unique_ptr<objectstore::LocalObjectStore> artifacts_;
};

TEST_F(SchedulerTest, QueuedBuildPastItsDeadlineTimesOutWithoutRunning) {
  std::string marker = dir_.path() + "/ran";
  std::string id = queue("00000000-0000-4000-8000-000000000001", "touch " + marker, 6);
  // Queued 3 minutes ago: its 5 minutes are not over.
  std::string recent = queue("00000000-0000-4000-8000-000000000002", "true", 3);
  auto scheduler = make_scheduler(1);
  ASSERT_TRUE(scheduler->start().is_ok());
  Json doc = wait_complete(id);
  EXPECT_EQ(doc["buildStatus"], "TIMED_OUT");
  ASSERT_EQ(doc["phases"].size(), 3u);
  EXPECT_EQ(doc["phases"][1]["phaseType"], "QUEUED");
  EXPECT_EQ(doc["phases"][1]["phaseStatus"], "TIMED_OUT");
  EXPECT_EQ(doc["phases"][2]["phaseType"], "COMPLETED");
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(wait_complete(recent)["buildStatus"], "SUCCEEDED");
}

TEST_F(SchedulerTest, RunsQueuedBuildsOldestFirstWithinTheLimit) {
  std::string order = dir_.path() + "/order";
  std::string first = queue("00000000-0000-4000-8000-000000000001", "echo 1 >> " + order);
  std::string second = queue("00000000-0000-4000-8000-000000000002", "echo 2 >> " + order);
  std::string third = queue("00000000-0000-4000-8000-000000000003", "echo 3 >> " + order);
  auto scheduler = make_scheduler(1);
  ASSERT_TRUE(scheduler->start().is_ok());
  for (const std::string& id : {first, second, third})
    EXPECT_EQ(wait_complete(id)["buildStatus"], "SUCCEEDED");
  EXPECT_EQ(testing::read_file(order), "1\n2\n3\n");
}

TEST_F(SchedulerTest, StopBuildEndsAQueuedBuildAtOnce) {
  std::string blocker = queue("00000000-0000-4000-8000-000000000001", "sleep 30");
  std::string waiting = queue("00000000-0000-4000-8000-000000000002", "true");
  auto scheduler = make_scheduler(1);
  ASSERT_TRUE(scheduler->start().is_ok());
  ASSERT_TRUE(scheduler->stop_build(waiting).is_ok());
  Json doc = document(waiting);
  EXPECT_EQ(doc["buildStatus"], "STOPPED");
  EXPECT_EQ(doc["phases"][1]["phaseStatus"], "STOPPED");
  ASSERT_TRUE(scheduler->stop_build(blocker).is_ok());
  EXPECT_EQ(wait_complete(blocker)["buildStatus"], "STOPPED");
  EXPECT_EQ(scheduler->stop_build(blocker).code(), ErrorCode::kNotFound);
}

TEST_F(SchedulerTest, StartEndsBuildsLeasedByAnotherServerAsFault) {
  std::string id = queue("00000000-0000-4000-8000-000000000001", "true");
  // A server that died while the build ran: its lease, its document.
  ASSERT_TRUE(store_->acquire_lease(id, "dead-server", epoch_millis() + 60000, document(id).dump())
                  .value());
  auto scheduler = make_scheduler(1);
  auto ended = scheduler->start();
  ASSERT_TRUE(ended.is_ok());
  EXPECT_EQ(ended.value(), 1);
  Json doc = document(id);
  EXPECT_EQ(doc["buildStatus"], "FAULT");
  EXPECT_EQ(doc["phases"][1]["contexts"][0]["statusCode"], "SERVICE_STOPPED");
}

}  // namespace
}  // namespace kiln::service
