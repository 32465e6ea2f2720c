// SPDX-License-Identifier: Apache-2.0
// The fixture of the SqliteStateStore tests: a store on a fresh file in a
// temporary directory, and short-hands that fail the test on an error.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/sqlite_state_store.h"
#include "support/test_support.h"

namespace kiln::store {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_store(); }

  std::string db_path() const { return tmp_.path() + "/state.db"; }

  std::unique_ptr<SqliteStateStore> open_store() {
    auto opened = SqliteStateStore::open(db_path());
    EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
    return opened.is_ok() ? std::move(opened).value() : nullptr;
  }

  static ProjectRecord project(const std::string& name, EpochMillis created = 1000,
                               EpochMillis modified = 1000) {
    return ProjectRecord{name, "{\"name\":\"" + name + "\"}", created, modified, 0};
  }

  static NewBuild new_build(const std::string& project, const std::string& uuid) {
    NewBuild build;
    build.id = project + ":" + uuid;
    build.project = project;
    build.queued_ms = 5000;
    build.queue_deadline_ms = 5000 + 8 * 3600 * 1000;
    build.document = "{\"buildNumber\":{{BUILD_NUMBER}}}";
    build.request = "{}";
    return build;
  }

  // Inserts a build without limits; fails the test on an error.
  BuildRecord insert(const std::string& project, const std::string& uuid) {
    auto inserted = store_->insert_build(new_build(project, uuid), InsertLimits{});
    EXPECT_TRUE(inserted.is_ok()) << inserted.status().to_string();
    return inserted.is_ok() ? inserted.value() : BuildRecord{};
  }

  // Marks a build finished, as its worker does at the end.
  void finish(const std::string& id) {
    ASSERT_TRUE(store_->update_build(id, BuildState::kFinished, "{\"done\":true}").is_ok());
  }

  BuildRecord get_build(const std::string& id) {
    auto found = store_->get_builds({id});
    EXPECT_TRUE(found.is_ok()) << found.status().to_string();
    EXPECT_EQ(found.is_ok() ? found->size() : 0u, 1u) << id;
    return found.is_ok() && found->size() == 1 ? found->front() : BuildRecord{};
  }

  kiln::testing::TempDir tmp_;
  std::unique_ptr<SqliteStateStore> store_;
};

}  // namespace kiln::store
