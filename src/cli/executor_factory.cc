// SPDX-License-Identifier: Apache-2.0
#include "cli/executor_factory.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <random>

#include "docker/container_reaper.h"
#include "docker/docker_client.h"
#include "executor/docker_executor.h"
#include "executor/host_executor.h"

namespace kiln::cli {

namespace {

// The kiln process that owns a build container; leftovers are containers
// whose owner is gone (a crash or kill -9), never another live run's.
constexpr const char* kOwnerLabel = "org.kiln.owner-pid";

runner::ExecutorFactory host_factory() {
  return [](const runner::BuildRequest& request,
            const std::string& host_source_dir) -> Result<runner::ExecutionEnvironment> {
    executor::HostExecutorOptions options;
    options.workspace_root = request.work_dir;
    runner::ExecutionEnvironment env;
    env.executor = std::make_unique<executor::HostExecutor>(options);
    env.source_dir_in_build = host_source_dir;
    return env;
  };
}

void remove_orphaned_containers(const docker::DockerClient& client) {
  auto containers = client.list_containers(executor::kBuildLabel);
  if (!containers.is_ok()) return;
  for (const auto& c : containers.value()) {
    auto owner = c.labels.find(kOwnerLabel);
    if (owner == c.labels.end()) continue;
    pid_t pid = static_cast<pid_t>(std::atol(owner->second.c_str()));
    if (pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;
    if (client.remove_container(c.id, /*force=*/true).is_ok())
      std::cerr << "kiln: removed container " << c.id.substr(0, 12)
                << " left behind by an earlier run (pid " << owner->second << ")\n";
  }
}

// CodeBuild-like source path: /codebuild/output/src<digits>/src (§3).
std::string container_source_dir() {
  std::random_device rd;
  return "/codebuild/output/src" + std::to_string(100000000 + rd() % 900000000) + "/src";
}

runner::ExecutorFactory docker_factory(std::shared_ptr<docker::DockerClient> client,
                                       std::shared_ptr<docker::ContainerReaper> reaper) {
  return [client, reaper](const runner::BuildRequest& request,
                  const std::string& host_source_dir) -> Result<runner::ExecutionEnvironment> {
    // PROVISIONING: the image must be here (or pullable) before DOWNLOAD_SOURCE.
    auto present = client->image_exists(request.image);
    if (!present.is_ok()) return present.status();
    if (!present.value()) {
      kiln::Status pulled = client->pull_image(request.image);
      if (!pulled.is_ok())
        return kiln::Status(ErrorCode::kNotFound,
                            "unable to pull image " + request.image + ": " + pulled.message());
    }
    executor::DockerExecutorOptions options;
    options.image = request.image;
    options.build_id = request.project_name + ":" + request.uuid;
    options.host_source_dir = host_source_dir;
    options.container_source_dir = container_source_dir();
    options.compute_type = request.compute_type;
    options.privileged = request.privileged;
    options.labels[kOwnerLabel] = std::to_string(::getpid());
    options.state_root = request.work_dir;
    options.reaper = reaper.get();
    runner::ExecutionEnvironment env;
    env.source_dir_in_build = options.container_source_dir;
    env.executor = std::make_unique<executor::DockerExecutor>(*client, options);
    return env;
  };
}

}  // namespace

Result<runner::ExecutorFactory> make_executor_factory(const std::string& name,
                                                      bool background_removal) {
  if (name == "shell") return host_factory();
  if (!name.empty() && name != "docker")
    return kiln::Status(ErrorCode::kInvalidInput, "unknown executor \"" + name + "\"");
  auto socket = docker::DockerClient::socket_path_from_docker_host(std::getenv("DOCKER_HOST"));
  if (!socket.is_ok()) return socket.status();
  auto client = std::make_shared<docker::DockerClient>(socket.value());
  kiln::Status ping = client->ping();
  if (!ping.is_ok()) {
    if (name == "docker") return ping;
    std::cerr << "kiln: no Docker daemon answers (" << ping.message()
              << "); running the build in the host shell\n";
    return host_factory();
  }
  remove_orphaned_containers(*client);
  std::shared_ptr<docker::ContainerReaper> reaper;
  if (background_removal) reaper = std::make_shared<docker::ContainerReaper>(client);
  return docker_factory(std::move(client), std::move(reaper));
}

}  // namespace kiln::cli
