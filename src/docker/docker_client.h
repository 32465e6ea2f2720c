// SPDX-License-Identifier: Apache-2.0
// DockerClient: the few Docker Engine API calls kiln needs (images, container
// lifecycle, logs), spoken over the daemon's unix socket at API version 1.41
// (Docker 20.10, Debian 12's docker.io). No docker CLI, no shell.
// Thread-safe: methods keep no state between calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "docker/daemon_connection.h"
#include "docker/log_stream.h"

namespace kiln::docker {

inline constexpr char kDefaultSocketPath[] = "/var/run/docker.sock";
// Every request path starts with this, so kiln behaves the same on newer daemons.
inline constexpr char kApiVersionPrefix[] = "/v1.41";

// What a new container runs. Commands are argv vectors handed to the daemon
// as JSON arrays; nothing here is ever interpreted by a shell on the host.
struct ContainerOptions {
  std::string image;                       // e.g. "kiln/busybox:1.0"; required
  std::vector<std::string> cmd;            // argv; empty: the image's CMD
  std::map<std::string, std::string> env;  // NAME -> value, overrides image ENV
  std::map<std::string, std::string> labels;
  std::string working_dir;         // empty: the image's WORKDIR
  std::string user;                // empty: the image's USER
  std::vector<std::string> binds;  // "host:container[:ro]" mounts
  std::string name;                // empty: the daemon picks one
};

struct ImageInfo {
  std::string id;  // "sha256:..."
  std::int64_t size_bytes = 0;
  std::string created;  // RFC 3339, as the daemon reports it
  std::map<std::string, std::string> labels;
};

class DockerClient {
 public:
  // Talks to the daemon listening on `socket_path`. `timeout` bounds every
  // request except those given their own timeout below.
  explicit DockerClient(std::string socket_path = kDefaultSocketPath,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // The socket named by a DOCKER_HOST value: "unix:///path" gives "/path";
  // null or empty gives kDefaultSocketPath. Other schemes (tcp://, ssh://)
  // fail with kInvalidInput, since kiln only speaks to a local socket.
  static Result<std::string> socket_path_from_docker_host(const char* docker_host);

  const std::string& socket_path() const { return connection_.socket_path(); }

  // OK when the daemon answers GET /_ping. kUnavailable otherwise, with a
  // message that names the socket and how to start the daemon.
  Status ping() const;

  // Whether `ref` ("repo:tag" or an image id) is present in the daemon.
  Result<bool> image_exists(const std::string& ref) const;

  // Details of image `ref`, or nullopt when it is absent.
  Result<std::optional<ImageInfo>> inspect_image(const std::string& ref) const;

  // Creates image repo:tag from the root filesystem tarball at `tar_path`,
  // streamed from disk, applying Dockerfile-style `changes` such as
  // `ENV PATH=/bin` or `CMD ["/bin/sh"]`. Returns the new image id.
  // Fails with kIoError if the tarball cannot be read and with the daemon's
  // message if it rejects the tarball or a change.
  Result<std::string> import_image(
      const std::string& tar_path, const std::string& repo, const std::string& tag,
      const std::vector<std::string>& changes,
      std::chrono::milliseconds timeout = std::chrono::minutes(10)) const;

  // Removes image `ref`; kNotFound if it is absent, kAlreadyExists (HTTP 409)
  // if a container still uses it and `force` is false.
  Status remove_image(const std::string& ref, bool force) const;

  // Creates (does not start) a container; returns its id. Fails with
  // kInvalidInput for an empty image or an env name that is empty or has
  // '=', kNotFound (with the daemon's message) if the image is absent.
  Result<std::string> create_container(const ContainerOptions& options) const;

  Status start_container(const std::string& id) const;

  // Waits until container `id` is not running and returns its exit code.
  // Fails with kUnavailable when it is still running after `timeout`; the
  // container is left as it is (the caller decides whether to remove it).
  Result<int> wait_container(const std::string& id, std::chrono::milliseconds timeout) const;

  // The container's stdout and stderr so far, demultiplexed. Fails with
  // kLimitExceeded when together they are larger than `max_bytes`.
  // Requires: the container was created without a TTY (as create_container does).
  Result<ContainerLogs> container_logs(const std::string& id,
                                       std::size_t max_bytes = 64u << 20) const;

  // Removes container `id` with its anonymous volumes; `force` kills it first
  // if it runs. kNotFound if there is no such container.
  Status remove_container(const std::string& id, bool force) const;

  // Whether container `id` exists (in any state).
  Result<bool> container_exists(const std::string& id) const;

 private:
  // Sends one request under kApiVersionPrefix. An HTTP status >= 400 becomes a
  // Status carrying that status and the daemon's `message`.
  Result<HttpResponse> call(HttpRequest request, bool* timed_out = nullptr) const;

  DaemonConnection connection_;
  std::chrono::milliseconds timeout_;
};

}  // namespace kiln::docker
