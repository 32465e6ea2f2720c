// SPDX-License-Identifier: Apache-2.0
// Running a helper program (git, debootstrap, busybox) by argv, never through a
// shell, with its output handed over line by line and a time limit.
// Thread-compatible: no shared state, but each call blocks its thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln {

// Called with each line the program writes to stdout or stderr (merged),
// without the newline.
using LineHandler = std::function<void(std::string_view line)>;

// Full path of program `name`, searched in $PATH and then in the sbin
// directories (root's tools such as debootstrap live there but a user's
// PATH often lacks them). kNotFound if it is nowhere.
Result<std::string> find_program(const std::string& name);

// Runs argv[0] (a full path) with argv, stdin from /dev/null, the caller's
// environment plus `extra_env` ("NAME=value", replacing same-named ones),
// in its own process group. Returns its exit status, or 128+N if signal N
// ended it. After `timeout` the whole group is killed and kUnavailable
// returned. kNotFound / kIoError when it cannot be started.
// Requires: argv is not empty.
Result<int> run_process(const std::vector<std::string>& argv,
                        const std::vector<std::string>& extra_env, const LineHandler& on_line,
                        std::chrono::milliseconds timeout);

}  // namespace kiln
