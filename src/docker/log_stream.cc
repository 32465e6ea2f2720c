// SPDX-License-Identifier: Apache-2.0
#include "docker/log_stream.h"

#include <cstdint>

namespace kiln::docker {

namespace {

constexpr std::size_t kHeaderSize = 8;

std::uint32_t read_be32(std::string_view bytes) {
  auto b = [&bytes](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
  };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

Result<ContainerLogs> demultiplex_log_stream(std::string_view stream) {
  ContainerLogs logs;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    if (stream.size() - pos < kHeaderSize) {
      return Status(ErrorCode::kInvalidInput,
                    "log stream ends inside a frame header at byte " + std::to_string(pos));
    }
    auto type = static_cast<unsigned char>(stream[pos]);
    std::size_t length = read_be32(stream.substr(pos + 4, 4));
    if (stream.size() - pos - kHeaderSize < length) {
      return Status(ErrorCode::kInvalidInput,
                    "log stream ends inside a frame at byte " + std::to_string(pos) + ": " +
                        std::to_string(length) + " bytes announced, " +
                        std::to_string(stream.size() - pos - kHeaderSize) + " present");
    }
    std::string_view payload = stream.substr(pos + kHeaderSize, length);
    switch (type) {
      // Type 0 (stdin) is written to stdout, as the docker CLI's stdcopy does.
      case 0:
      case 1:
        logs.out.append(payload);
        break;
      case 2:
        logs.err.append(payload);
        break;
      case 3:
        return Status(
            ErrorCode::kInternal,
            "the Docker daemon reported an error in the log stream: " + std::string(payload));
      default:
        return Status(ErrorCode::kInvalidInput, "log stream has unknown stream type " +
                                                    std::to_string(type) + " at byte " +
                                                    std::to_string(pos));
    }
    pos += kHeaderSize + length;
  }
  return logs;
}

}  // namespace kiln::docker
