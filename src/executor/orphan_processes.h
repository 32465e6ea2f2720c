// SPDX-License-Identifier: Apache-2.0
// Finding what a host build left running after the kiln process that ran it
// died (kill -9 of `kiln serve`): a host build's processes work inside its
// scratch directory (their cwd is its source dir, the wrapper shell's
// command line names its state dir), and each command is its own process
// group. Stateless; thread-safe.
#pragma once

#include <string>

namespace kiln::executor {

// Sends SIGKILL to the process group of every process whose current
// directory or command line lies under `dir` (an absolute path), except this
// process's own group. Returns the number of groups killed. Linux (/proc).
int kill_processes_under(const std::string& dir);

}  // namespace kiln::executor
