// SPDX-License-Identifier: Apache-2.0
// Force-removes containers on a thread of its own, so a build's end need not
// wait for the daemon's teardown of a live container (about 100 ms, the
// largest part of a short build's overhead: docs/benchmarks.md, "kiln
// serve"). `docker run --rm` leaves the same work to the daemon.
// Thread-safe. The destructor waits until every queued removal was tried, so
// a reaper that is destroyed leaves no container behind.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "docker/docker_client.h"

namespace kiln::docker {

class ContainerReaper {
 public:
  explicit ContainerReaper(std::shared_ptr<const DockerClient> client);
  ~ContainerReaper();
  ContainerReaper(const ContainerReaper&) = delete;
  ContainerReaper& operator=(const ContainerReaper&) = delete;

  // Queues container `id` for a forced removal. A failure is reported on
  // stderr (the container is then left for the next start's sweep).
  void remove(std::string id);

  // Blocks until the queue is empty (tests, orderly shutdowns).
  void drain();

 private:
  void run();

  const std::shared_ptr<const DockerClient> client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  int in_flight_ = 0;              // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::thread thread_;
};

}  // namespace kiln::docker
