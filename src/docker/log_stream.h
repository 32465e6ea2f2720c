// SPDX-License-Identifier: Apache-2.0
// Docker's multiplexed log stream, as sent for containers without a TTY:
// frames of an 8-byte header (stream type; three zero bytes; payload length,
// big-endian uint32) followed by the payload. demultiplex_log_stream is a
// pure function (thread-safe); a StreamDemultiplexer belongs to one reader.
#pragma once

#include <cstddef>
#include <functional>
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

enum class StreamKind { kStdout, kStderr };

// The same format, fed in arbitrary pieces as they arrive (an exec's output):
// payload bytes are passed on at once, possibly a frame in several calls, so
// only a partial 8-byte header is ever held.
class StreamDemultiplexer {
 public:
  using Callback = std::function<void(StreamKind, std::string_view)>;
  explicit StreamDemultiplexer(Callback on_payload);

  // Passes on the payload in `bytes`. Fails as demultiplex_log_stream does
  // for an unknown stream type or an error frame (type 3, whose text is
  // collected up to 64 KiB); after a failure every call fails.
  Status feed(std::string_view bytes);

  // Whether the stream ended between frames; kInvalidInput otherwise.
  Status finish() const;

 private:
  Callback on_payload_;
  std::string header_;         // the partial header of the next frame
  std::size_t remaining_ = 0;  // payload bytes still due in the current frame
  int type_ = 0;               // the current frame's stream type
  std::string error_text_;     // payload of a type-3 frame
  Status failed_;
};

}  // namespace kiln::docker
