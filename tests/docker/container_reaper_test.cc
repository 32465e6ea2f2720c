// SPDX-License-Identifier: Apache-2.0
// ContainerReaper removes live containers off the caller's thread, and its
// destructor leaves none behind.
#include "docker/container_reaper.h"

#include <gtest/gtest.h>

#include "docker/scoped_container.h"
#include "docker_fixture.h"

namespace kiln::docker {
namespace {

class ContainerReaperTest : public DockerFixture {
 protected:
  // A started busybox container that nothing owns.
  std::string running_container() {
    Result<ScopedContainer> made =
        ScopedContainer::create(client_, test_container(kBusyboxImage, {"sleep", "60"}));
    EXPECT_TRUE(made.is_ok()) << made.status().to_string();
    if (!made.is_ok()) return "";
    std::string id = made->release();
    EXPECT_TRUE(client_.start_container(id).is_ok());
    return id;
  }
};

TEST_F(ContainerReaperTest, RemovesQueuedLiveContainers) {
  require_image(kBusyboxImage);
  auto client = std::make_shared<DockerClient>(client_);
  ContainerReaper reaper(client);
  std::string a = running_container();
  std::string b = running_container();
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  reaper.remove(a);
  reaper.remove(b);
  reaper.remove("no-such-container");  // reported, not fatal
  reaper.drain();
  EXPECT_FALSE(client_.container_exists(a).value());
  EXPECT_FALSE(client_.container_exists(b).value());
}

TEST_F(ContainerReaperTest, DestructorFinishesTheQueue) {
  require_image(kBusyboxImage);
  std::string id = running_container();
  ASSERT_FALSE(id.empty());
  {
    ContainerReaper reaper(std::make_shared<DockerClient>(client_));
    reaper.remove(id);
  }
  EXPECT_FALSE(client_.container_exists(id).value());
}

}  // namespace
}  // namespace kiln::docker
