// SPDX-License-Identifier: Apache-2.0
// DockerClient: the few Docker Engine API calls kiln needs (images, container
// lifecycle, logs), spoken over the daemon's unix socket at API version 1.41
// (Docker 20.10, Debian 12's docker.io). No docker CLI, no shell.
// Thread-safe: methods keep no state between calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
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
  bool privileged = false;         // HostConfig.Privileged
  bool init = false;               // HostConfig.Init: docker-init as PID 1 reaps orphans
  std::int64_t nano_cpus = 0;      // HostConfig.NanoCpus (1e9 = one CPU); 0: no limit
  std::int64_t memory_bytes = 0;   // HostConfig.Memory; 0: no limit
};

struct ImageInfo {
  std::string id;  // "sha256:..."
  std::int64_t size_bytes = 0;
  std::string created;  // RFC 3339, as the daemon reports it
  std::map<std::string, std::string> labels;
  std::vector<std::string> env;  // Config.Env, "NAME=value" in the image's order
};

// What GET /containers/{id}/json says about a container, the parts kiln uses.
struct ContainerInfo {
  std::string id;
  bool running = false;
  bool privileged = false;
  std::int64_t nano_cpus = 0;
  std::int64_t memory_bytes = 0;
  std::map<std::string, std::string> labels;
};

// One row of GET /containers/json.
struct ContainerSummary {
  std::string id;
  std::string image;
  std::string state;  // "running", "exited", "created", ...
  std::map<std::string, std::string> labels;
};

// A process to run in a running container (`docker exec`), without stdin or a
// TTY; stdout and stderr are attached. Like ContainerOptions::cmd, `cmd` is an
// argv and is never interpreted by a shell on the host.
struct ExecOptions {
  std::vector<std::string> cmd;          // required
  std::vector<std::string> env;          // "NAME=value", added to the container's
  std::string working_dir;               // empty: the container's
  std::string user;                      // empty: the container's
};

// GET /exec/{id}/json.
struct ExecInfo {
  bool running = false;
  std::optional<int> exit_code;  // set once the process has ended
  int pid = 0;                   // host pid; 0 before start and after the end
};

using ExecOutputCallback = std::function<void(StreamKind, std::string_view)>;

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

  // Details of container `id`; kNotFound if there is none.
  Result<ContainerInfo> inspect_container(const std::string& id) const;

  // Sends `signal` ("SIGKILL", "SIGTERM", ...) to the container's PID 1.
  // kNotFound if there is no such container; the daemon's 409 (not running)
  // becomes kAlreadyExists.
  Status kill_container(const std::string& id, const std::string& signal = "SIGKILL") const;

  // Every container, running or not, carrying label `label` ("key" or
  // "key=value").
  Result<std::vector<ContainerSummary>> list_containers(const std::string& label) const;

  // Pulls `ref` ("repo[:tag]", "repo@sha256:..."; no tag means "latest")
  // from its registry. Fails with the daemon's message (no registry, no such
  // image, access denied) as reported by the HTTP status or mid-stream.
  Status pull_image(const std::string& ref,
                    std::chrono::milliseconds timeout = std::chrono::minutes(30)) const;

  // Creates an exec instance in running container `container_id`; returns
  // its id. kInvalidInput for an empty cmd; kNotFound or kAlreadyExists (the
  // container is not running) with the daemon's message.
  Result<std::string> create_exec(const std::string& container_id,
                                  const ExecOptions& options) const;

  // Starts exec `exec_id` and streams its stdout/stderr to `on_output`, in
  // the order the daemon sends it and as it arrives (memory stays bounded),
  // until the stream ends: the process exited and its output pipes were
  // closed (the daemon waits about 2 s for processes it left behind). No
  // timeout; when `cancelled` is given and returns true (polled at least
  // once a second) the stream is abandoned with kUnavailable, the process
  // keeps running. The exit code comes from inspect_exec afterwards.
  Status start_exec(const std::string& exec_id, const ExecOutputCallback& on_output,
                    const std::function<bool()>& cancelled = {}) const;

  Result<ExecInfo> inspect_exec(const std::string& exec_id) const;

 private:
  // Sends one request under kApiVersionPrefix. An HTTP status >= 400 becomes a
  // Status carrying that status and the daemon's `message`.
  Result<HttpResponse> call(HttpRequest request, bool* timed_out = nullptr) const;

  DaemonConnection connection_;
  std::chrono::milliseconds timeout_;
};

}  // namespace kiln::docker
