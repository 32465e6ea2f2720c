// SPDX-License-Identifier: Apache-2.0
// Test helpers: scratch directories and running a command to completion.
#pragma once

#include <string>
#include <vector>

namespace kiln::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative (creating parent dirs); returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv (no shell) with stdin from /dev/null and waits for it.
CommandResult run_command(const std::vector<std::string>& argv);

// Starts argv (no shell) in the background with stdin from /dev/null,
// stdout and stderr to the given files (truncated), no blocked signals and
// SIGINT/SIGTERM at their defaults, so a test can signal it. Returns the
// pid, or -1 if it could not be started; the caller waits for it.
int spawn_in_background(const std::vector<std::string>& argv, const std::string& out_path,
                        const std::string& err_path);

// The whole content of `path` ("" when it cannot be read).
std::string read_file(const std::string& path);

// Pids of live (non-zombie) processes that have `arg` as one of their argv
// words; a container's processes are visible in the host's /proc too.
std::vector<int> live_processes_with_arg(const std::string& arg);

// Path of the kiln executable built with the tests.
std::string kiln_binary();
// Path of the source checkout.
std::string source_dir();

}  // namespace kiln::testing
