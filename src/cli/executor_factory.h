// SPDX-License-Identifier: Apache-2.0
// Chooses and builds the executor for `kiln run`: the only place that knows
// both concrete executors.
#pragma once

#include <string>

#include "runner/build_runner.h"

namespace kiln::cli {

// `name`: "docker", "shell", or "" to pick docker when a daemon answers on
// the socket (DOCKER_HOST or /var/run/docker.sock), else shell with a
// one-line warning on stderr. kUnavailable when docker is asked for and no
// daemon answers, with the socket's path and how to start one.
// With `background_removal` (kiln serve), a finished build's container is
// removed by a reaper thread that the factory owns (and joins when it is
// destroyed), so the build completes without waiting for the daemon.
Result<runner::ExecutorFactory> make_executor_factory(const std::string& name,
                                                      bool background_removal = false);

}  // namespace kiln::cli
