// SPDX-License-Identifier: Apache-2.0
#include "docker/scoped_container.h"

#include <gtest/gtest.h>

#include "docker_fixture.h"

namespace kiln::docker {
namespace {

using ScopedContainerTest = DockerFixture;

TEST_F(ScopedContainerTest, RemovesItsContainerWhenItGoesOutOfScope) {
  require_image(kBusyboxImage);
  std::string id;
  {
    Result<ScopedContainer> container =
        ScopedContainer::create(client_, test_container(kBusyboxImage, {"sleep", "60"}));
    ASSERT_TRUE(container.is_ok()) << container.status().to_string();
    id = container->id();
    ASSERT_TRUE(client_.start_container(id).is_ok());
    ASSERT_TRUE(client_.container_exists(id).value());
  }
  EXPECT_FALSE(client_.container_exists(id).value());
}

TEST_F(ScopedContainerTest, MoveTransfersOwnership) {
  require_image(kBusyboxImage);
  Result<ScopedContainer> made =
      ScopedContainer::create(client_, test_container(kBusyboxImage, {"true"}));
  ASSERT_TRUE(made.is_ok());
  std::string id = made->id();
  {
    ScopedContainer first = std::move(made).value();
    ScopedContainer second = std::move(first);
    EXPECT_EQ(first.id(), "");  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_EQ(second.id(), id);
    EXPECT_TRUE(client_.container_exists(id).value());
  }
  EXPECT_FALSE(client_.container_exists(id).value());
}

TEST_F(ScopedContainerTest, ReleasedContainerIsKept) {
  require_image(kBusyboxImage);
  std::string id;
  {
    Result<ScopedContainer> container =
        ScopedContainer::create(client_, test_container(kBusyboxImage, {"true"}));
    ASSERT_TRUE(container.is_ok());
    id = container->release();
    EXPECT_EQ(container->id(), "");
  }
  EXPECT_TRUE(client_.container_exists(id).value());
  EXPECT_TRUE(client_.remove_container(id, true).is_ok());
}

TEST_F(ScopedContainerTest, RemoveOfVanishedContainerIsFine) {
  require_image(kBusyboxImage);
  Result<ScopedContainer> container =
      ScopedContainer::create(client_, test_container(kBusyboxImage, {"true"}));
  ASSERT_TRUE(container.is_ok());
  ASSERT_TRUE(client_.remove_container(container->id(), true).is_ok());
  EXPECT_TRUE(container->remove().is_ok());
  EXPECT_EQ(container->id(), "");
}

TEST_F(ScopedContainerTest, CreateFailureOwnsNothing) {
  Result<ScopedContainer> container =
      ScopedContainer::create(client_, test_container("kiln-test/absent:none", {"true"}));
  ASSERT_FALSE(container.is_ok());
  EXPECT_EQ(container.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kiln::docker
