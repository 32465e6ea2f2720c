// SPDX-License-Identifier: Apache-2.0
#include "source/local_copy.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "source/source_fetcher.h"
#include "support/test_support.h"

namespace kiln::source {
namespace {

namespace fs = std::filesystem;
using kiln::testing::TempDir;

// Everything about a tree that a copy must keep: type, mode, content or
// link target, keyed by relative path.
std::map<std::string, std::string> snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    std::string rel = fs::relative(it->path(), root).string();
    struct stat st {};
    EXPECT_EQ(::lstat(it->path().c_str(), &st), 0);
    std::string desc = std::to_string(st.st_mode) + ":";
    if (S_ISLNK(st.st_mode)) {
      desc += fs::read_symlink(it->path()).string();
    } else if (S_ISREG(st.st_mode)) {
      desc += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec);
    }
    out[rel] = desc;
  }
  return out;
}

class LocalCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = tmp_.path() + "/src";
    dest_ = tmp_.path() + "/dest";
    fs::create_directories(dest_);
    tmp_.write("src/README.md", "hello\n");
    tmp_.write("src/bin/run.sh", "#!/bin/sh\necho hi\n");
    ::chmod((src_ + "/bin/run.sh").c_str(), 0755);
    tmp_.write("src/secret.txt", "s");
    ::chmod((src_ + "/secret.txt").c_str(), 0600);
    tmp_.write("src/.git/HEAD", "ref: refs/heads/main\n");
    fs::create_directories(src_ + "/empty/nested");
    fs::create_directories(src_ + "/readonly");
    tmp_.write("src/readonly/f", "x");
    ::chmod((src_ + "/readonly").c_str(), 0555);
    outside_ = tmp_.write("outside/passwd", "not part of the source");
    fs::create_symlink("README.md", src_ + "/link-inside");
    fs::create_symlink(tmp_.path() + "/outside", src_ + "/link-outside");
    fs::create_symlink("missing-target", src_ + "/dangling");
  }
  void TearDown() override { ::chmod((src_ + "/readonly").c_str(), 0755); }

  Status copy() {
    return copy_tree(src_, dest_, [this](const std::string& line) { progress_.push_back(line); });
  }

  TempDir tmp_;
  std::string src_, dest_, outside_;
  std::vector<std::string> progress_;
};

TEST_F(LocalCopyTest, KeepsModesSymlinksAndEmptyDirectories) {
  std::map<std::string, std::string> before = snapshot(src_);
  ASSERT_TRUE(copy().is_ok());
  EXPECT_EQ(snapshot(dest_), before);
  EXPECT_TRUE(fs::is_symlink(dest_ + "/link-outside"));
  EXPECT_EQ(fs::read_symlink(dest_ + "/link-outside"), tmp_.path() + "/outside");
  EXPECT_TRUE(fs::is_directory(dest_ + "/empty/nested"));
  EXPECT_TRUE(fs::exists(dest_ + "/.git/HEAD"));
  EXPECT_EQ(fs::status(dest_ + "/bin/run.sh").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  ::chmod((dest_ + "/readonly").c_str(), 0755);
}

TEST_F(LocalCopyTest, NeverFollowsAnOutwardLink) {
  ASSERT_TRUE(copy().is_ok());
  ::chmod((dest_ + "/readonly").c_str(), 0755);
  // Only the link is copied; nothing of what it points to appears in dest.
  for (const auto& entry : fs::recursive_directory_iterator(dest_)) {
    EXPECT_NE(entry.path().filename(), "passwd") << entry.path();
  }
}

TEST_F(LocalCopyTest, LeavesTheSourceUnchanged) {
  std::map<std::string, std::string> before = snapshot(src_);
  ASSERT_TRUE(copy().is_ok());
  ::chmod((dest_ + "/readonly").c_str(), 0755);
  EXPECT_EQ(snapshot(src_), before);
}

TEST_F(LocalCopyTest, SkipsSocketsAndFifosWithAProgressLine) {
  ASSERT_EQ(::mkfifo((src_ + "/pipe").c_str(), 0644), 0);
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock_path = src_ + "/sock";
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock_path.c_str());
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_TRUE(copy().is_ok());
  ::close(sock);
  ::chmod((dest_ + "/readonly").c_str(), 0755);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dest_ + "/pipe")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dest_ + "/sock")));
  ASSERT_EQ(progress_.size(), 2u);
  EXPECT_NE(progress_[0].find("Skipping"), std::string::npos);
}

TEST_F(LocalCopyTest, RefusesADestinationInsideTheSource) {
  fs::create_directories(src_ + "/out");
  Status s = copy_tree(src_, src_ + "/out", nullptr);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidInput) << s.to_string();
  s = copy_tree(src_, src_, nullptr);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidInput) << s.to_string();
  EXPECT_FALSE(fs::exists(src_ + "/out/README.md"));
}

TEST_F(LocalCopyTest, RefusesANonEmptyDestinationAndAMissingSource) {
  tmp_.write("dest/x", "");
  EXPECT_EQ(copy().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(copy_tree(tmp_.path() + "/nope", tmp_.path(), nullptr).code(), ErrorCode::kNotFound);
}

TEST_F(LocalCopyTest, FetchSourceCopiesALocalDirectory) {
  SourceRequest request;
  request.kind = SourceKind::kLocalDirectory;
  request.location = src_;
  Result<FetchedSource> fetched = fetch_source(request, dest_, nullptr);
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  ::chmod((dest_ + "/readonly").c_str(), 0755);
  EXPECT_TRUE(fs::exists(dest_ + "/README.md"));
  request.kind = SourceKind::kNone;
  EXPECT_TRUE(fetch_source(request, dest_, nullptr).is_ok());
}

TEST(LocalCopyBigTreeTest, CopiesTenThousandFiles) {
  TempDir tmp;
  for (int d = 0; d < 100; ++d) {
    for (int f = 0; f < 100; ++f) {
      tmp.write("src/d" + std::to_string(d) + "/f" + std::to_string(f) + ".txt",
                std::string(200, static_cast<char>('a' + f % 26)));
    }
  }
  fs::create_directories(tmp.path() + "/dest");
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(copy_tree(tmp.path() + "/src", tmp.path() + "/dest", nullptr).is_ok());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::printf("copied 10000 files of 200 bytes in %lld ms\n", static_cast<long long>(ms.count()));
  EXPECT_TRUE(fs::exists(tmp.path() + "/dest/d99/f99.txt"));
}

}  // namespace
}  // namespace kiln::source
