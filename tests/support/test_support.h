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

// Path of the kiln executable built with the tests.
std::string kiln_binary();
// Path of the source checkout.
std::string source_dir();

}  // namespace kiln::testing
