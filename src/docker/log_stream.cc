// SPDX-License-Identifier: Apache-2.0
#include "docker/log_stream.h"

#include <algorithm>
#include <cstdint>
#include <utility>

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

StreamDemultiplexer::StreamDemultiplexer(Callback on_payload)
    : on_payload_(std::move(on_payload)) {}

Status StreamDemultiplexer::feed(std::string_view bytes) {
  constexpr std::size_t kMaxErrorText = 64 * 1024;
  while (failed_.is_ok() && !bytes.empty()) {
    if (remaining_ == 0 && type_ != 3) {
      std::size_t take = std::min(kHeaderSize - header_.size(), bytes.size());
      header_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (header_.size() < kHeaderSize) break;
      type_ = static_cast<unsigned char>(header_[0]);
      remaining_ = read_be32(std::string_view(header_).substr(4, 4));
      header_.clear();
      if (type_ > 3) {
        failed_ = Status(ErrorCode::kInvalidInput,
                         "exec stream has unknown stream type " + std::to_string(type_));
      }
      continue;
    }
    std::size_t take = std::min(remaining_, bytes.size());
    std::string_view payload = bytes.substr(0, take);
    bytes.remove_prefix(take);
    remaining_ -= take;
    if (type_ == 3) {
      error_text_.append(payload.substr(0, kMaxErrorText - std::min(kMaxErrorText, error_text_.size())));
      if (remaining_ == 0) {
        failed_ = Status(ErrorCode::kInternal,
                         "the Docker daemon reported an error in the exec stream: " + error_text_);
      }
      continue;
    }
    // Type 0 (stdin) goes to stdout, as in demultiplex_log_stream.
    if (!payload.empty()) {
      on_payload_(type_ == 2 ? StreamKind::kStderr : StreamKind::kStdout, payload);
    }
  }
  return failed_;
}

Status StreamDemultiplexer::finish() const {
  if (!failed_.is_ok()) return failed_;
  if (!header_.empty() || remaining_ != 0) {
    return Status(ErrorCode::kInvalidInput, "exec stream ends inside a frame");
  }
  return Status::ok();
}

}  // namespace kiln::docker
