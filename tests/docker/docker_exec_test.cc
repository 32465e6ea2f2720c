// SPDX-License-Identifier: Apache-2.0
// DockerClient's exec, kill, listing and pull calls against the real daemon,
// and the incremental StreamDemultiplexer they use.
#include "docker/docker_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "docker_fixture.h"

namespace kiln::docker {
namespace {

using namespace std::chrono_literals;

std::string frame(char type, const std::string& payload) {
  std::string header(8, '\0');
  header[0] = type;
  auto size = static_cast<std::uint32_t>(payload.size());
  header[4] = static_cast<char>(size >> 24);
  header[5] = static_cast<char>(size >> 16);
  header[6] = static_cast<char>(size >> 8);
  header[7] = static_cast<char>(size);
  return header + payload;
}

TEST(StreamDemultiplexerTest, SplitsFramesFedOneByteAtATime) {
  std::string out, err;
  StreamDemultiplexer demux([&](StreamKind kind, std::string_view bytes) {
    (kind == StreamKind::kStdout ? out : err).append(bytes);
  });
  std::string stream = frame(1, "hello ") + frame(2, "oops") + frame(1, "world") + frame(0, "!");
  for (char c : stream) ASSERT_TRUE(demux.feed(std::string_view(&c, 1)).is_ok());
  EXPECT_TRUE(demux.finish().is_ok());
  EXPECT_EQ(out, "hello world!");
  EXPECT_EQ(err, "oops");
}

TEST(StreamDemultiplexerTest, ReportsTruncationErrorFramesAndUnknownTypes) {
  auto sink = [](StreamKind, std::string_view) {};
  StreamDemultiplexer truncated(sink);
  ASSERT_TRUE(truncated.feed(frame(1, "abc").substr(0, 9)).is_ok());
  EXPECT_EQ(truncated.finish().code(), ErrorCode::kInvalidInput);
  StreamDemultiplexer error(sink);
  Status status = error.feed(frame(3, "boom"));
  EXPECT_EQ(status.code(), ErrorCode::kInternal);
  EXPECT_NE(status.message().find("boom"), std::string::npos);
  StreamDemultiplexer unknown(sink);
  EXPECT_EQ(unknown.feed(frame(9, "x")).code(), ErrorCode::kInvalidInput);
}

class DockerExecTest : public DockerFixture {
 protected:
  void SetUp() override {
    DockerFixture::SetUp();
    require_image(kBusyboxImage);
    ContainerOptions options = test_container(kBusyboxImage, {"sleep", "1000"});
    Result<ScopedContainer> created = ScopedContainer::create(client_, options);
    ASSERT_TRUE(created.is_ok()) << created.status().to_string();
    container_ = std::move(created).value();
    ASSERT_TRUE(client_.start_container(container_.id()).is_ok());
  }

  struct Output {
    std::string out, err;
    std::size_t chunks = 0;
  };

  Result<Output> exec(const ExecOptions& options, std::string* exec_id = nullptr) {
    Result<std::string> id = client_.create_exec(container_.id(), options);
    if (!id.is_ok()) return id.status();
    if (exec_id) *exec_id = id.value();
    Output output;
    Status status = client_.start_exec(id.value(), [&](StreamKind kind, std::string_view bytes) {
      (kind == StreamKind::kStdout ? output.out : output.err).append(bytes);
      ++output.chunks;
    });
    if (!status.is_ok()) return status;
    return output;
  }

  ScopedContainer container_;
};

TEST_F(DockerExecTest, StreamsBothOutputsAndReportsTheExitCode) {
  ExecOptions options;
  options.cmd = {"/bin/sh", "-c", "echo \"$GREETING from $(pwd) as $(id -u)\"; echo err >&2; exit 3"};
  options.env = {"GREETING=hello"};
  options.working_dir = "/tmp";
  options.user = "65534";
  std::string id;
  Result<Output> output = exec(options, &id);
  ASSERT_TRUE(output.is_ok()) << output.status().to_string();
  EXPECT_EQ(output->out, "hello from /tmp as 65534\n");
  EXPECT_EQ(output->err, "err\n");
  Result<ExecInfo> info = client_.inspect_exec(id);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_FALSE(info->running);
  ASSERT_TRUE(info->exit_code.has_value());
  EXPECT_EQ(*info->exit_code, 3);
}

TEST_F(DockerExecTest, LargeOutputArrivesInManyChunks) {
  ExecOptions options;
  options.cmd = {"/bin/sh", "-c", "yes 0123456789abcdef | head -c 8000000"};
  Result<Output> output = exec(options);
  ASSERT_TRUE(output.is_ok()) << output.status().to_string();
  EXPECT_EQ(output->out.size(), 8'000'000u);
  EXPECT_GT(output->chunks, 10u) << "delivered as it arrives, not at the end";
}

TEST_F(DockerExecTest, CancelledStreamReturnsEarly) {
  ExecOptions options;
  options.cmd = {"sleep", "30"};
  Result<std::string> id = client_.create_exec(container_.id(), options);
  ASSERT_TRUE(id.is_ok());
  auto start = std::chrono::steady_clock::now();
  Status status = client_.start_exec(
      id.value(), [](StreamKind, std::string_view) {},
      [start] { return std::chrono::steady_clock::now() - start > 500ms; });
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << status.to_string();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(DockerExecTest, ExecInAbsentContainerIsNotFound) {
  ExecOptions options;
  options.cmd = {"true"};
  EXPECT_EQ(client_.create_exec("kiln-no-such-container", options).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(client_.create_exec(container_.id(), ExecOptions{}).status().code(),
            ErrorCode::kInvalidInput);
}

TEST_F(DockerExecTest, KillStopsTheContainer) {
  ASSERT_TRUE(client_.kill_container(container_.id()).is_ok());
  Result<int> code = client_.wait_container(container_.id(), 10s);
  ASSERT_TRUE(code.is_ok()) << code.status().to_string();
  EXPECT_EQ(code.value(), 137);
  Result<ContainerInfo> info = client_.inspect_container(container_.id());
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->running);
  EXPECT_EQ(client_.kill_container("kiln-no-such-container").code(), ErrorCode::kNotFound);
}

TEST_F(DockerExecTest, ListsContainersByLabel) {
  std::string label = "org.kiln.test.list=" + std::to_string(::getpid());
  ContainerOptions options = test_container(kBusyboxImage, {"true"});
  options.labels["org.kiln.test.list"] = std::to_string(::getpid());
  Result<ScopedContainer> labelled = ScopedContainer::create(client_, options);
  ASSERT_TRUE(labelled.is_ok());
  Result<std::vector<ContainerSummary>> listed = client_.list_containers(label);
  ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
  ASSERT_EQ(listed->size(), 1u);  // created, not running: all=1 includes it
  EXPECT_EQ(listed->front().id, labelled->id());
  EXPECT_EQ(listed->front().state, "created");
  EXPECT_EQ(listed->front().labels.at("org.kiln.test.list"), std::to_string(::getpid()));
}

TEST_F(DockerExecTest, PullOfMissingImageFailsClearly) {
  // No registry is reachable from CI; either way the image does not exist.
  Status status = client_.pull_image("kiln-test/absent-image:0.0.1");
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("kiln-test/absent-image"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace kiln::docker
