// SPDX-License-Identifier: Apache-2.0
#include "images/busybox_rootfs.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace kiln::images {
namespace {

constexpr char kBusybox[] = "/bin/busybox";  // from Debian's busybox-static

TEST(BusyboxRootfsTest, DebiansBusyboxIsStatic) {
  Status status = check_static_executable(kBusybox);
  EXPECT_TRUE(status.is_ok()) << status.to_string()
                              << " (scripts/setup.sh installs busybox-static)";
}

TEST(BusyboxRootfsTest, DynamicExecutableIsRejectedWithAHint) {
  // /usr/bin/env comes from coreutils and is linked against libc.
  Status status = check_static_executable("/usr/bin/env");
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(status.message().find("dynamically linked"), std::string::npos);
  EXPECT_NE(status.message().find("busybox-static"), std::string::npos);
}

TEST(BusyboxRootfsTest, NonElfAndMissingFilesAreRejected) {
  testing::TempDir dir;
  std::string script = dir.write("busybox", "#!/bin/sh\necho fake\n");
  EXPECT_EQ(check_static_executable(script).code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(check_static_executable(dir.path() + "/missing").code(), ErrorCode::kNotFound);
}

TEST(BusyboxRootfsTest, TarballHasBusyboxAppletLinksAndEtc) {
  testing::TempDir dir;
  std::string tar = dir.path() + "/rootfs.tar";
  Result<TarWriter> writer = TarWriter::create(tar);
  ASSERT_TRUE(writer.is_ok());
  std::vector<std::string> progress;
  Status status =
      write_busybox_rootfs(kBusybox, writer.value(),
                           [&progress](std::string_view line) { progress.emplace_back(line); });
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  ASSERT_TRUE(writer->close().is_ok());

  testing::CommandResult listed = testing::run_command({"tar", "-tvf", tar});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  for (const char* link :
       {"bin/sh -> /bin/busybox", "bin/echo -> /bin/busybox", "bin/cat -> /bin/busybox",
        "bin/ls -> /bin/busybox", "bin/sleep -> /bin/busybox", "usr/bin/env -> /bin/busybox"}) {
    EXPECT_NE(listed.out.find(link), std::string::npos) << link;
  }
  EXPECT_NE(listed.out.find("-rwxr-xr-x root/root"), std::string::npos);
  std::size_t tmp = listed.out.find(" tmp/\n");
  ASSERT_NE(tmp, std::string::npos) << listed.out;
  std::size_t line_start = listed.out.rfind('\n', tmp) + 1;
  EXPECT_EQ(listed.out.substr(line_start, 20), "drwxrwxrwt root/root")
      << "tmp must be world-writable and sticky";
  testing::CommandResult passwd = testing::run_command({"tar", "-xOf", tar, "etc/passwd"});
  EXPECT_EQ(passwd.out.rfind("root:x:0:0:root:/root:/bin/sh\n", 0), 0u);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_NE(progress[0].find("applet links"), std::string::npos);
}

}  // namespace
}  // namespace kiln::images
