// SPDX-License-Identifier: Apache-2.0
// DockerClient against the real daemon: images, the container lifecycle,
// logs and the daemon's errors.
#include "docker/docker_client.h"

#include <gtest/gtest.h>

#include "docker_fixture.h"
#include "images/busybox_rootfs.h"
#include "images/tar_writer.h"
#include "support/test_support.h"

namespace kiln::docker {
namespace {

using DockerClientTest = DockerFixture;

TEST_F(DockerClientTest, AbsentImageIsNotAnError) {
  Result<bool> exists = client_.image_exists("kiln-test/absent:none");
  ASSERT_TRUE(exists.is_ok()) << exists.status().to_string();
  EXPECT_FALSE(exists.value());
  Result<std::optional<ImageInfo>> info = client_.inspect_image("kiln-test/absent:none");
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->has_value());
}

TEST_F(DockerClientTest, InspectsCuratedImageWithItsLabels) {
  require_image(kBusyboxImage);
  Result<std::optional<ImageInfo>> info = client_.inspect_image(kBusyboxImage);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  ASSERT_TRUE(info->has_value());
  const ImageInfo& image = info->value();
  EXPECT_EQ(image.id.rfind("sha256:", 0), 0u);
  EXPECT_GT(image.size_bytes, 500'000);  // a static busybox is about 2 MB
  EXPECT_LT(image.size_bytes, 10'000'000);
  EXPECT_EQ(image.labels.at("org.kiln.image"), "busybox");
}

TEST_F(DockerClientTest, ApiErrorCarriesHttpStatusAndDaemonMessage) {
  Result<std::string> id = client_.create_container(test_container("kiln-test/absent:none", {}));
  ASSERT_FALSE(id.is_ok());
  EXPECT_EQ(id.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(id.status().message(),
            "Docker API POST /v1.41/containers/create: HTTP 404: No such image: "
            "kiln-test/absent:none");
  Status removed = client_.remove_container("kiln-test-no-such-container", false);
  EXPECT_EQ(removed.code(), ErrorCode::kNotFound);
  EXPECT_NE(removed.message().find("HTTP 404"), std::string::npos) << removed.message();
}

TEST_F(DockerClientTest, RunsBusyboxContainerThroughItsWholeLifecycle) {
  require_image(kBusyboxImage);
  ContainerOptions options = test_container(
      kBusyboxImage,
      {"sh", "-c", "echo out; echo err >&2; echo \"$GREETING\"; pwd; echo late >&2; exit 7"});
  options.env = {{"GREETING", "hello; $(not expanded)"}};
  options.working_dir = "/tmp";
  Result<std::string> id = client_.create_container(options);
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  ASSERT_TRUE(client_.container_exists(id.value()).value());

  ASSERT_TRUE(client_.start_container(id.value()).is_ok());
  Result<int> code = client_.wait_container(id.value(), kRunTimeout);
  ASSERT_TRUE(code.is_ok()) << code.status().to_string();
  EXPECT_EQ(code.value(), 7);
  Result<ContainerLogs> logs = client_.container_logs(id.value());
  ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
  EXPECT_EQ(logs->out, "out\nhello; $(not expanded)\n/tmp\n");
  EXPECT_EQ(logs->err, "err\nlate\n");

  ASSERT_TRUE(client_.remove_container(id.value(), false).is_ok());
  Result<bool> exists = client_.container_exists(id.value());
  ASSERT_TRUE(exists.is_ok());
  EXPECT_FALSE(exists.value());
}

TEST_F(DockerClientTest, LargeInterleavedOutputIsDemultiplexed) {
  require_image(kBusyboxImage);
  Result<ScopedContainer> container = ScopedContainer::create(
      client_, test_container(kBusyboxImage, {"sh", "-c", "seq 1 20000; seq 1 500 >&2"}));
  ASSERT_TRUE(container.is_ok()) << container.status().to_string();
  ASSERT_TRUE(client_.start_container(container->id()).is_ok());
  ASSERT_EQ(client_.wait_container(container->id(), kRunTimeout).value(), 0);
  Result<ContainerLogs> logs = client_.container_logs(container->id());
  ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
  EXPECT_EQ(logs->out.size(), 108'894u);  // digits and newlines of 1..20000
  EXPECT_EQ(logs->out.substr(logs->out.size() - 6), "20000\n");
  EXPECT_EQ(logs->err.substr(0, 4), "1\n2\n");

  Result<ContainerLogs> capped = client_.container_logs(container->id(), 1000);
  ASSERT_FALSE(capped.is_ok());
  EXPECT_EQ(capped.status().code(), ErrorCode::kLimitExceeded);
}

TEST_F(DockerClientTest, WaitTimesOutWhileContainerRuns) {
  require_image(kBusyboxImage);
  Result<ScopedContainer> container =
      ScopedContainer::create(client_, test_container(kBusyboxImage, {"sleep", "60"}));
  ASSERT_TRUE(container.is_ok()) << container.status().to_string();
  ASSERT_TRUE(client_.start_container(container->id()).is_ok());
  Result<int> code = client_.wait_container(container->id(), std::chrono::milliseconds(500));
  ASSERT_FALSE(code.is_ok());
  EXPECT_EQ(code.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(code.status().message().find("still runs after 500 ms"), std::string::npos)
      << code.status().message();
  // Force removal kills the running container.
  std::string id = container->id();
  ASSERT_TRUE(container->remove().is_ok());
  EXPECT_FALSE(client_.container_exists(id).value());
}

TEST_F(DockerClientTest, MissingExecutableFailsAtStartWithDaemonMessage) {
  require_image(kBusyboxImage);
  Result<ScopedContainer> container =
      ScopedContainer::create(client_, test_container(kBusyboxImage, {"/no/such/program"}));
  ASSERT_TRUE(container.is_ok()) << container.status().to_string();
  Status started = client_.start_container(container->id());
  ASSERT_FALSE(started.is_ok());
  EXPECT_NE(started.message().find("/start: HTTP "), std::string::npos) << started.message();
  EXPECT_NE(started.message().find("/no/such/program"), std::string::npos) << started.message();
}

TEST_F(DockerClientTest, ImportsTarballWithChangesAndRunsIt) {
  testing::TempDir dir;
  std::string tar = dir.path() + "/rootfs.tar";
  {
    Result<images::TarWriter> writer = images::TarWriter::create(tar);
    ASSERT_TRUE(writer.is_ok());
    ASSERT_TRUE(images::write_busybox_rootfs("/bin/busybox", writer.value(), nullptr).is_ok());
    ASSERT_TRUE(writer->close().is_ok());
  }
  std::string tag = unique_tag("import");
  std::string ref = "kiln-test/busybox:" + tag;
  Result<std::string> image = client_.import_image(
      tar, "kiln-test/busybox", tag,
      {"ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin", R"(ENV MESSAGE="from the image")", "WORKDIR /root",
       "LABEL org.kiln.test=import", R"(CMD ["sh", "-c", "echo $MESSAGE in $PWD"])"});
  ASSERT_TRUE(image.is_ok()) << image.status().to_string();
  EXPECT_EQ(image->rfind("sha256:", 0), 0u);
  EXPECT_EQ(client_.inspect_image(ref).value()->labels.at("org.kiln.test"), "import");

  {
    // No cmd: the image's CMD, ENV and WORKDIR apply.
    Result<ScopedContainer> container = ScopedContainer::create(client_, test_container(ref, {}));
    ASSERT_TRUE(container.is_ok()) << container.status().to_string();
    ASSERT_TRUE(client_.start_container(container->id()).is_ok());
    EXPECT_EQ(client_.wait_container(container->id(), kRunTimeout).value(), 0);
    EXPECT_EQ(client_.container_logs(container->id()).value().out, "from the image in /root\n");
  }
  EXPECT_TRUE(client_.remove_image(ref, false).is_ok());
  EXPECT_FALSE(client_.image_exists(ref).value());
  EXPECT_EQ(client_.remove_image(ref, false).code(), ErrorCode::kNotFound);
}

TEST_F(DockerClientTest, ImportReportsRejectedChange) {
  testing::TempDir dir;
  std::string tar = dir.path() + "/rootfs.tar";
  {
    Result<images::TarWriter> writer = images::TarWriter::create(tar);
    ASSERT_TRUE(writer.is_ok());
    ASSERT_TRUE(writer->add_text_file("hello", "hi\n", 0644).is_ok());
    ASSERT_TRUE(writer->close().is_ok());
  }
  Result<std::string> image =
      client_.import_image(tar, "kiln-test/bad", unique_tag("bad"), {"FROM debian"});
  ASSERT_FALSE(image.is_ok());
  EXPECT_NE(image.status().message().find("from"), std::string::npos) << image.status().message();
  EXPECT_FALSE(client_.image_exists("kiln-test/bad:" + unique_tag("bad")).value());
}

}  // namespace
}  // namespace kiln::docker
