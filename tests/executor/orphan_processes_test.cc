// SPDX-License-Identifier: Apache-2.0
// kill_processes_under: what restart recovery uses to end the processes a
// host build left running when its server was killed.
#include "executor/orphan_processes.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace kiln::executor {
namespace {

// Waits until `pid`'s current directory is `dir` (the shell ran its `cd`).
bool wait_for_cwd(int pid, const std::string& dir) {
  for (int i = 0; i < 500; ++i) {
    std::error_code ec;
    auto cwd = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    if (!ec && cwd == dir) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(OrphanProcessesTest, KillsTheGroupsWorkingUnderTheDirectory) {
  testing::TempDir work;
  const std::string dir = std::filesystem::canonical(work.path()).string() + "/build/src";
  std::filesystem::create_directories(dir);
  // Its own session and group, as a host build's command; a child in the
  // same group that never looked at the directory goes too.
  int pid = testing::spawn_in_background(
      {"setsid", "sh", "-c", "cd '" + dir + "' && (cd / && exec sleep 30) & cd '" + dir +
                                 "' && exec sleep 30"},
      work.path() + "/out", work.path() + "/err");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(wait_for_cwd(pid, dir));
  EXPECT_EQ(kill_processes_under(std::filesystem::canonical(work.path()).string() + "/build"), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(OrphanProcessesTest, LeavesOtherDirectoriesAndItsOwnGroupAlone) {
  testing::TempDir work;
  const std::string dir = std::filesystem::canonical(work.path()).string();
  std::filesystem::create_directories(dir + "/a");
  std::filesystem::create_directories(dir + "/ab");
  int pid = testing::spawn_in_background(
      {"setsid", "sh", "-c", "cd '" + dir + "/ab' && exec sleep 30"}, dir + "/out", dir + "/err");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(wait_for_cwd(pid, dir + "/ab"));
  // "/a" is a prefix of "/ab" as text, not as a path.
  EXPECT_EQ(kill_processes_under(dir + "/a"), 0);
  EXPECT_EQ(kill_processes_under("relative/path"), 0);
  EXPECT_EQ(::kill(pid, 0), 0);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace kiln::executor
