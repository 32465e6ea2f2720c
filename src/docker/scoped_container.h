// SPDX-License-Identifier: Apache-2.0
// ScopedContainer: owns a created container and force-removes it when it goes
// out of scope, so a failed build or test never leaves one behind.
// Move-only; not thread-safe (one owner at a time).
#pragma once

#include <string>

#include "common/status.h"
#include "docker/docker_client.h"

namespace kiln::docker {

class ScopedContainer {
 public:
  ScopedContainer() = default;
  // Owns container `id`. `client` is borrowed and must outlive this object.
  ScopedContainer(const DockerClient& client, std::string id);
  // Creates a container from `options`; the result owns it.
  static Result<ScopedContainer> create(const DockerClient& client,
                                        const ContainerOptions& options);

  ~ScopedContainer();
  ScopedContainer(ScopedContainer&& other) noexcept;
  ScopedContainer& operator=(ScopedContainer&& other) noexcept;
  ScopedContainer(const ScopedContainer&) = delete;
  ScopedContainer& operator=(const ScopedContainer&) = delete;

  // Empty when nothing is owned (default-constructed, moved from, released
  // or removed).
  const std::string& id() const { return id_; }

  // Gives up ownership without removing; returns the id.
  std::string release();

  // Force-removes the container now and reports how that went; afterwards
  // nothing is owned, even on failure (the destructor does not retry).
  Status remove();

 private:
  const DockerClient* client_ = nullptr;
  std::string id_;
};

}  // namespace kiln::docker
