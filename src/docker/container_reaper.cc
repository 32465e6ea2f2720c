// SPDX-License-Identifier: Apache-2.0
#include "docker/container_reaper.h"

#include <iostream>

namespace kiln::docker {

ContainerReaper::ContainerReaper(std::shared_ptr<const DockerClient> client)
    : client_(std::move(client)), thread_([this] { run(); }) {}

ContainerReaper::~ContainerReaper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ContainerReaper::remove(std::string id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(id));
  }
  cv_.notify_all();
}

void ContainerReaper::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && in_flight_ == 0; });
}

void ContainerReaper::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // Stopping still empties the queue first: nothing queued is left behind.
    if (queue_.empty()) return;
    std::string id = std::move(queue_.front());
    queue_.pop_front();
    ++in_flight_;
    lock.unlock();
    Status removed = client_->remove_container(id, /*force=*/true);
    if (!removed.is_ok() && removed.code() != ErrorCode::kNotFound)
      std::cerr << "kiln: cannot remove container " << id.substr(0, 12) << ": "
                << removed.message() << "\n";
    lock.lock();
    --in_flight_;
    cv_.notify_all();
  }
}

}  // namespace kiln::docker
