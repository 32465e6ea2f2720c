// SPDX-License-Identifier: Apache-2.0
// Proves a container starts from each curated image and has what docs/images.md
// promises: create, start, wait, read the logs, check the exit code, and check
// that the container is gone afterwards.
#include <gtest/gtest.h>

#include "docker_fixture.h"
#include "support/test_support.h"

namespace kiln::docker {
namespace {

struct RunOutput {
  int exit_code = -1;
  ContainerLogs logs;
};

class CuratedImagesTest : public DockerFixture {
 protected:
  // Runs `cmd` in a fresh container of `image` and removes the container.
  RunOutput run(const std::string& image, std::vector<std::string> cmd) {
    RunOutput output;
    std::string id;
    {
      Result<ScopedContainer> container =
          ScopedContainer::create(client_, test_container(image, std::move(cmd)));
      EXPECT_TRUE(container.is_ok()) << container.status().to_string();
      if (!container.is_ok()) return output;
      id = container->id();
      Status started = client_.start_container(id);
      EXPECT_TRUE(started.is_ok()) << started.to_string();
      Result<int> code = client_.wait_container(id, kRunTimeout);
      EXPECT_TRUE(code.is_ok()) << code.status().to_string();
      Result<ContainerLogs> logs = client_.container_logs(id);
      EXPECT_TRUE(logs.is_ok()) << logs.status().to_string();
      if (code.is_ok()) output.exit_code = code.value();
      if (logs.is_ok()) output.logs = std::move(logs).value();
    }
    EXPECT_FALSE(client_.container_exists(id).value()) << "container " << id << " was left";
    return output;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(CuratedImagesTest, BusyboxRunsItsApplets) {
  require_image(kBusyboxImage);
  RunOutput out = run(kBusyboxImage, {"sh", "-c",
                                      "echo hello from busybox; cat /etc/passwd | head -n1; "
                                      "ls /bin/sh; env | grep ^PATH=; sleep 0; id -u; "
                                      "echo to stderr >&2; exit 3"});
  EXPECT_EQ(out.exit_code, 3);
  EXPECT_EQ(out.logs.out,
            "hello from busybox\nroot:x:0:0:root:/root:/bin/sh\n/bin/sh\n"
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n0\n");
  EXPECT_EQ(out.logs.err, "to stderr\n");
}

TEST_F(CuratedImagesTest, BusyboxDefaultCommandIsAShell) {
  require_image(kBusyboxImage);
  // No cmd: CMD ["/bin/sh"] with stdin closed exits at once with 0.
  RunOutput out = run(kBusyboxImage, {});
  EXPECT_EQ(out.exit_code, 0);
}

TEST_F(CuratedImagesTest, StandardHasTheBuildTools) {
  require_image(kStandardImage);
  RunOutput out =
      run(kStandardImage,
          {"bash", "-c",
           // sed reads all its input; head would exit early and, under pipefail,
           // turn the writer's SIGPIPE into a flaky failure.
           "set -euo pipefail; echo \"bash $BASH_VERSION\"; git --version; python3 --version; "
           "gcc --version | sed -n 1p; make --version | sed -n 1p; curl --version | sed -n 1p; "
           "zip -v | sed -n 2p; unzip -v | sed -n 1p; "
           "test -s /etc/ssl/certs/ca-certificates.crt && echo certificates ok; "
           "echo \"LANG=$LANG\"; cat /etc/debian_version"});
  EXPECT_EQ(out.exit_code, 0) << out.logs.err;
  const std::string& text = out.logs.out;
  EXPECT_TRUE(contains(text, "bash 5.2")) << text;
  EXPECT_TRUE(contains(text, "git version 2.")) << text;
  EXPECT_TRUE(contains(text, "Python 3.11")) << text;
  EXPECT_TRUE(contains(text, "gcc (Debian 12")) << text;
  EXPECT_TRUE(contains(text, "GNU Make 4")) << text;
  EXPECT_TRUE(contains(text, "curl 7.88")) << text;
  EXPECT_TRUE(contains(text, "Zip 3.0")) << text;
  EXPECT_TRUE(contains(text, "UnZip 6.0")) << text;
  EXPECT_TRUE(contains(text, "certificates ok")) << text;
  EXPECT_TRUE(contains(text, "LANG=C.UTF-8")) << text;
  EXPECT_TRUE(contains(text, "\n12.")) << text;  // /etc/debian_version
}

TEST_F(CuratedImagesTest, StandardCompilesAndRunsAProgram) {
  require_image(kStandardImage);
  RunOutput out =
      run(kStandardImage, {"bash", "-c",
                           "cd /tmp && printf '#include <stdio.h>\\nint main(void) { "
                           "printf(\"compiled %%d\\\\n\", 6 * 7); return 0; }\\n' > hello.c && "
                           "gcc -Wall -o hello hello.c && ./hello && "
                           "python3 -c 'import json, ssl; print(json.dumps({\"py\": 3}))'"});
  EXPECT_EQ(out.exit_code, 0) << out.logs.err;
  EXPECT_EQ(out.logs.out, "compiled 42\n{\"py\": 3}\n");
}

TEST_F(CuratedImagesTest, StandardShipsNoAptListsOrHostLeftovers) {
  require_image(kStandardImage);
  RunOutput out =
      run(kStandardImage, {"bash", "-c",
                           "ls -A /var/lib/apt/lists | grep -v -x -e partial -e lock | wc -l; "
                           "ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l; "
                           "test -e /var/log/bootstrap.log && echo bootstrap-log || echo no-log"});
  EXPECT_EQ(out.exit_code, 0) << out.logs.err;
  EXPECT_EQ(out.logs.out, "0\n0\nno-log\n");
}

TEST_F(CuratedImagesTest, KilnImageListShowsBothPresent) {
  require_image(kBusyboxImage);
  require_image(kStandardImage);
  testing::CommandResult listed = testing::run_command({testing::kiln_binary(), "image", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(contains(listed.out, "kiln/standard:1.0")) << listed.out;
  EXPECT_TRUE(contains(listed.out, "kiln/busybox:1.0")) << listed.out;
  EXPECT_FALSE(contains(listed.out, " no ")) << listed.out;
  testing::CommandResult skipped =
      testing::run_command({testing::kiln_binary(), "image", "build", "all"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_TRUE(contains(skipped.err, "kiln/standard:1.0 is present")) << skipped.err;
  EXPECT_TRUE(contains(skipped.err, "kiln/busybox:1.0 is present")) << skipped.err;
}

}  // namespace
}  // namespace kiln::docker
