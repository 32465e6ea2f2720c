// SPDX-License-Identifier: Apache-2.0
// Shared setup of the docker-labelled tests: a client for the real daemon
// ($DOCKER_HOST or /var/run/docker.sock) and a check that the curated images
// exist. A missing daemon or image fails the test, never skips it, so CI
// cannot pass without having run these.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "docker/docker_client.h"
#include "docker/scoped_container.h"

namespace kiln::docker {

class DockerFixture : public ::testing::Test {
 protected:
  DockerFixture()
      : client_(DockerClient::socket_path_from_docker_host(std::getenv("DOCKER_HOST")).value()) {}

  void SetUp() override {
    Status ping = client_.ping();
    ASSERT_TRUE(ping.is_ok()) << ping.message();
  }

  // Fails the test unless `ref` is present, with the command that makes it.
  void require_image(const std::string& ref) {
    Result<bool> exists = client_.image_exists(ref);
    ASSERT_TRUE(exists.is_ok()) << exists.status().message();
    ASSERT_TRUE(exists.value()) << ref << " is missing; run `kiln image build all` first";
  }

  // Options for a container labelled as a kiln test, so strays can be found.
  static ContainerOptions test_container(const std::string& image, std::vector<std::string> cmd) {
    ContainerOptions options;
    options.image = image;
    options.cmd = std::move(cmd);
    options.labels["org.kiln.test"] =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    return options;
  }

  // A name unique to this process, for images a test makes and removes.
  static std::string unique_tag(const std::string& what) {
    return what + "-" + std::to_string(::getpid());
  }

  DockerClient client_;
};

inline constexpr char kBusyboxImage[] = "kiln/busybox:1.0";
inline constexpr char kStandardImage[] = "kiln/standard:1.0";
inline constexpr std::chrono::seconds kRunTimeout{120};

}  // namespace kiln::docker
