// SPDX-License-Identifier: Apache-2.0
// TarWriter's tarballs, read back with GNU tar, an independent reader.
#include "images/tar_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace kiln::images {
namespace {

namespace fs = std::filesystem;

std::string listing(const std::string& tar) {
  testing::CommandResult listed = testing::run_command({"tar", "--numeric-owner", "-tvf", tar});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  return listed.out;
}

std::string member(const std::string& tar, const std::string& name) {
  testing::CommandResult shown = testing::run_command({"tar", "-xOf", tar, name});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  return shown.out;
}

TEST(TarWriterTest, WritesRootOwnedEntries) {
  testing::TempDir dir;
  std::string source = dir.write("payload.bin", std::string(200'000, 'k'));
  std::string tar = dir.path() + "/out.tar";
  Result<TarWriter> writer = TarWriter::create(tar);
  ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
  ASSERT_TRUE(writer->add_directory("bin", 0755).is_ok());
  ASSERT_TRUE(writer->add_file("bin/tool", source, 0755).is_ok());
  ASSERT_TRUE(writer->add_symlink("bin/sh", "/bin/tool").is_ok());
  ASSERT_TRUE(writer->add_text_file("etc/motd", "hello\n", 0644).is_ok());
  ASSERT_TRUE(writer->close().is_ok());

  std::string list = listing(tar);
  EXPECT_NE(list.find("drwxr-xr-x 0/0 "), std::string::npos) << list;
  EXPECT_NE(list.find("-rwxr-xr-x 0/0          200000"), std::string::npos) << list;
  EXPECT_NE(list.find("bin/sh -> /bin/tool"), std::string::npos) << list;
  EXPECT_EQ(member(tar, "etc/motd"), "hello\n");
  EXPECT_EQ(member(tar, "bin/tool"), std::string(200'000, 'k'));
}

TEST(TarWriterTest, AddTreeKeepsModesOwnersSymlinksAndHardLinks) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to group 42 needs root";
  testing::TempDir dir;
  std::string root = dir.path() + "/rootfs";
  dir.write("rootfs/usr/bin/gcc", "compiler");
  dir.write("rootfs/etc/shadow", "secret");
  ::chmod((root + "/etc/shadow").c_str(), 0640);
  ASSERT_EQ(::chown((root + "/etc/shadow").c_str(), 0, 42), 0);
  fs::create_hard_link(root + "/usr/bin/gcc", root + "/usr/bin/cc");
  fs::create_symlink("usr/bin", root + "/bin");
  fs::create_directories(root + "/tmp");
  ::chmod((root + "/tmp").c_str(), 01777);

  std::string tar = dir.path() + "/out.tar";
  Result<TarWriter> writer = TarWriter::create(tar);
  ASSERT_TRUE(writer.is_ok());
  Status added = writer->add_tree(root);
  ASSERT_TRUE(added.is_ok()) << added.to_string();
  ASSERT_TRUE(writer->close().is_ok());

  std::string list = listing(tar);
  EXPECT_EQ(list.find("rootfs"), std::string::npos) << "paths must be relative to the root\n"
                                                    << list;
  EXPECT_NE(list.find("-rw-r----- 0/42"), std::string::npos) << list;
  EXPECT_NE(list.find("drwxrwxrwt"), std::string::npos) << list;
  EXPECT_NE(list.find("bin -> usr/bin"), std::string::npos) << list;
  // One of the two names carries the bytes, the other is a hard link to it.
  bool linked = list.find("usr/bin/cc link to usr/bin/gcc") != std::string::npos ||
                list.find("usr/bin/gcc link to usr/bin/cc") != std::string::npos;
  EXPECT_TRUE(linked) << list;
  EXPECT_EQ(member(tar, "usr/bin/gcc"), "compiler");

  // Extracting gives back both names with the same content.
  std::string out = dir.path() + "/extracted";
  fs::create_directories(out);
  EXPECT_EQ(testing::run_command({"tar", "-xf", tar, "-C", out}).exit_code, 0);
  EXPECT_EQ(fs::hard_link_count(out + "/usr/bin/cc"), 2u);
}

TEST(TarWriterTest, UnreadableSourceIsAnIoError) {
  testing::TempDir dir;
  Result<TarWriter> writer = TarWriter::create(dir.path() + "/out.tar");
  ASSERT_TRUE(writer.is_ok());
  Status status = writer->add_file("bin/x", dir.path() + "/missing", 0755);
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_NE(status.message().find("missing"), std::string::npos);
}

TEST(TarWriterTest, CreateFailsInMissingDirectory) {
  Result<TarWriter> writer = TarWriter::create("/nonexistent/dir/out.tar");
  ASSERT_FALSE(writer.is_ok());
  EXPECT_EQ(writer.status().code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace kiln::images
