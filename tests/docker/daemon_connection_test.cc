// SPDX-License-Identifier: Apache-2.0
// DockerClient's behaviour when no daemon answers: an absent socket, a stale
// socket file, and a socket whose owner never replies. No daemon needed.
#include "docker/daemon_connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "docker/docker_client.h"
#include "support/test_support.h"

namespace kiln::docker {
namespace {

using std::chrono::milliseconds;

// A unix socket bound at `path`; listening (but never accepting) if asked.
class BoundSocket {
 public:
  BoundSocket(const std::string& path, bool listening) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    if (listening) {
      EXPECT_EQ(::listen(fd_, 4), 0);
    }
  }
  ~BoundSocket() { ::close(fd_); }

 private:
  int fd_ = -1;
};

TEST(DaemonConnectionTest, AbsentSocketSaysWhereAndHowToStartTheDaemon) {
  testing::TempDir dir;
  std::string socket = dir.path() + "/docker.sock";
  DockerClient client(socket);
  Status status = client.ping();
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.message(), "cannot reach the Docker daemon at " + socket +
                                  " (connect: No such file or directory); start it with "
                                  "'dockerd' or 'systemctl start docker'");
}

TEST(DaemonConnectionTest, StaleSocketFileIsConnectionRefused) {
  testing::TempDir dir;
  std::string socket = dir.path() + "/docker.sock";
  BoundSocket stale(socket, /*listening=*/false);
  Result<bool> exists = DockerClient(socket).image_exists("kiln/busybox:1.0");
  ASSERT_FALSE(exists.is_ok());
  EXPECT_EQ(exists.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(exists.status().message().find("(connect: Connection refused)"), std::string::npos)
      << exists.status().message();
}

TEST(DaemonConnectionTest, SilentDaemonTimesOut) {
  testing::TempDir dir;
  std::string socket = dir.path() + "/docker.sock";
  BoundSocket silent(socket, /*listening=*/true);
  DockerClient client(socket, milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  Status status = client.ping();
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.message(),
            "the Docker daemon at " + socket + " did not answer GET /v1.41/_ping within 0.3 s");
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(DaemonConnectionTest, WaitOnSilentDaemonSaysContainerStillRuns) {
  testing::TempDir dir;
  std::string socket = dir.path() + "/docker.sock";
  BoundSocket silent(socket, /*listening=*/true);
  Result<int> code = DockerClient(socket).wait_container("0123456789abcdef", milliseconds(200));
  ASSERT_FALSE(code.is_ok());
  EXPECT_NE(code.status().message().find("container 0123456789ab still runs after 200 ms"),
            std::string::npos)
      << code.status().message();
}

TEST(DaemonConnectionTest, MissingBodyFileIsAnIoErrorBeforeConnecting) {
  DaemonConnection connection("/nonexistent/docker.sock");
  HttpRequest request;
  request.method = "POST";
  request.target = "/v1.41/images/create";
  request.body_file = "/nonexistent/rootfs.tar";
  Result<HttpResponse> response = connection.send(request);
  ASSERT_FALSE(response.is_ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kIoError);
  EXPECT_NE(response.status().message().find("/nonexistent/rootfs.tar"), std::string::npos);
}

TEST(DockerClientTest, CreateRejectsBadEnvNamesWithoutAskingTheDaemon) {
  DockerClient client("/nonexistent/docker.sock");
  ContainerOptions options;
  options.image = "kiln/busybox:1.0";
  options.env = {{"A=B", "x"}};
  Result<std::string> id = client.create_container(options);
  ASSERT_FALSE(id.is_ok());
  EXPECT_EQ(id.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(id.status().message().find("'A=B'"), std::string::npos);

  options.image.clear();
  options.env.clear();
  EXPECT_EQ(client.create_container(options).status().code(), ErrorCode::kInvalidInput);
}

TEST(DockerClientTest, SocketPathFromDockerHost) {
  EXPECT_EQ(DockerClient::socket_path_from_docker_host(nullptr).value(), "/var/run/docker.sock");
  EXPECT_EQ(DockerClient::socket_path_from_docker_host("").value(), "/var/run/docker.sock");
  EXPECT_EQ(DockerClient::socket_path_from_docker_host("unix:///run/user/1000/docker.sock").value(),
            "/run/user/1000/docker.sock");
  for (const char* bad : {"tcp://127.0.0.1:2375", "ssh://me@host", "unix://", "/var/run/x.sock"}) {
    Result<std::string> path = DockerClient::socket_path_from_docker_host(bad);
    ASSERT_FALSE(path.is_ok()) << bad;
    EXPECT_EQ(path.status().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(path.status().message().find("unix:///"), std::string::npos);
  }
}

}  // namespace
}  // namespace kiln::docker
