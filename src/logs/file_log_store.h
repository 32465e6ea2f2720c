// SPDX-License-Identifier: Apache-2.0
// FileLogStore: LogStore on a local directory, one append-only record file per
// stream plus a sparse index and a metadata file (layout in docs/logs.md).
// Thread-safe: the store keeps no mutable state, each writer has its own
// mutex; readers open the files per call and see only whole, checksummed
// records, so any number may follow a stream while its writer appends.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "logs/log_store.h"

namespace kiln::logs {

class FileLogStore : public LogStore {
 public:
  // Events between two index entries; a read scans at most this many
  // records before its first event.
  static constexpr std::uint64_t kIndexInterval = 1024;

  // Uses (and creates if needed) directory `root`. kIoError if it cannot.
  static Result<std::unique_ptr<FileLogStore>> open(const std::string& root);

  // The writer buffers up to 64 KiB before writing; flush() makes events
  // visible to readers and safe from a crash of this process, close() also
  // fsyncs and marks the stream complete. Messages are stored as valid UTF-8
  // (ill-formed bytes become U+FFFD), cut to kMaxMessageBytes; timestamps
  // are kept as given, ingestion is the writer's clock. A write error sticks:
  // later calls fail with it. kInvalidInput for names CloudWatch would refuse.
  Result<std::unique_ptr<LogWriter>> create_stream(const std::string& group,
                                                   const std::string& stream) override;
  // Also stops after about 1 MiB of messages (at least one event), like
  // GetLogEvents; next_index then points at the first event not returned.
  Result<LogPage> read(const std::string& group, const std::string& stream,
                       std::uint64_t start, std::size_t limit) const override;
  Result<StreamInfo> describe(const std::string& group,
                              const std::string& stream) const override;
  Result<std::vector<StreamInfo>> list_streams(const std::string& group) const override;
  // Reads each group's `.group` file (docs/logs.md), not its streams.
  Result<std::vector<GroupInfo>> list_groups() const override;

 private:
  explicit FileLogStore(std::string root) : root_(std::move(root)) {}
  Status missing(const std::string& group, const std::string& stream) const;

  const std::string root_;
};

}  // namespace kiln::logs
