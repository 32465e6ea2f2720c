// SPDX-License-Identifier: Apache-2.0
// Docker's multiplexed log stream, as sent for containers without a TTY:
// frames of an 8-byte header (stream type; three zero bytes; payload length,
// big-endian uint32) followed by the payload. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::docker {

struct ContainerLogs {
  std::string out;  // the container's stdout
  std::string err;  // the container's stderr
};

// Splits `stream` into stdout and stderr, each in its original order.
// Fails with kInvalidInput when the stream ends inside a frame or names an
// unknown stream type, and kInternal with the daemon's text for a frame of
// type 3 (the daemon reporting an error mid-stream).
Result<ContainerLogs> demultiplex_log_stream(std::string_view stream);

}  // namespace kiln::docker
