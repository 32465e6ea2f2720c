// SPDX-License-Identifier: Apache-2.0
#include "docker/scoped_container.h"

#include <utility>

namespace kiln::docker {

ScopedContainer::ScopedContainer(const DockerClient& client, std::string id)
    : client_(&client), id_(std::move(id)) {}

Result<ScopedContainer> ScopedContainer::create(const DockerClient& client,
                                                const ContainerOptions& options) {
  Result<std::string> id = client.create_container(options);
  if (!id.is_ok()) return id.status();
  return ScopedContainer(client, std::move(id).value());
}

ScopedContainer::~ScopedContainer() {
  // A destructor cannot report failure; a container the daemon refuses to
  // remove is left for `kiln` to find later by its labels.
  (void)remove();
}

ScopedContainer::ScopedContainer(ScopedContainer&& other) noexcept
    : client_(other.client_), id_(std::exchange(other.id_, std::string())) {}

ScopedContainer& ScopedContainer::operator=(ScopedContainer&& other) noexcept {
  if (this != &other) {
    (void)remove();
    client_ = other.client_;
    id_ = std::exchange(other.id_, std::string());
  }
  return *this;
}

std::string ScopedContainer::release() { return std::exchange(id_, std::string()); }

Status ScopedContainer::remove() {
  if (id_.empty() || client_ == nullptr) return Status::ok();
  std::string id = std::exchange(id_, std::string());
  Status removed = client_->remove_container(id, /*force=*/true);
  // Already gone is what we wanted.
  if (removed.code() == ErrorCode::kNotFound) return Status::ok();
  return removed;
}

}  // namespace kiln::docker
