// SPDX-License-Identifier: Apache-2.0
// Persisted build logs: one ordered stream of timestamped events per build,
// in the shape CloudWatch Logs serves them (codebuild-semantics.md §2.6,
// §4.6): group `/aws/codebuild/<project>`, stream = the build's uuid, one
// event per output line, timestamps in epoch milliseconds.
// Implementations are thread-safe: one writer per stream, any number of
// readers (a reader may follow a stream while it is written).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::logs {

struct LogEvent {
  std::int64_t timestamp_ms = 0;  // when the line was produced
  std::int64_t ingestion_ms = 0;  // when it was stored
  std::string message;            // one line, without its '\n'
};

// Appends to one stream. Events are stored in append order; timestamps are
// not required to be increasing (they are the caller's clock).
class LogWriter {
 public:
  virtual ~LogWriter() = default;
  // Buffered; durable after flush() or close().
  virtual Status append(std::int64_t timestamp_ms, std::string_view message) = 0;
  virtual Status flush() = 0;
  // Flushes and marks the stream complete; later appends fail.
  virtual Status close() = 0;
};

struct LogPage {
  std::vector<LogEvent> events;
  // Index of the first event after this page (a forward token); equal to the
  // requested start when there was nothing new.
  std::uint64_t next_index = 0;
};

struct StreamInfo {
  std::string group;
  std::string stream;
  std::int64_t creation_ms = 0;
  std::optional<std::int64_t> first_event_ms;
  std::optional<std::int64_t> last_event_ms;
  std::optional<std::int64_t> last_ingestion_ms;  // DescribeLogStreams' lastIngestionTime
  std::uint64_t event_count = 0;
  bool complete = false;
  // Known once the stream is complete (kept in its metadata by close()), so
  // readers can skip or binary-search it; unset while it is still written.
  // Absent for an empty stream.
  std::optional<std::int64_t> min_event_ms;
  std::optional<std::int64_t> max_event_ms;
  // Complete, and no timestamp is smaller than the one before it.
  bool sorted = false;
};

struct GroupInfo {
  std::string name;
  std::int64_t creation_ms = 0;  // when its first stream was created
};

class LogStore {
 public:
  virtual ~LogStore() = default;
  // Creates the stream (kAlreadyExists if it exists) and returns its writer.
  virtual Result<std::unique_ptr<LogWriter>> create_stream(const std::string& group,
                                                           const std::string& stream) = 0;
  // Up to `limit` events starting at event index `start` (0-based).
  // kNotFound for an unknown group or stream.
  virtual Result<LogPage> read(const std::string& group, const std::string& stream,
                               std::uint64_t start, std::size_t limit) const = 0;
  virtual Result<StreamInfo> describe(const std::string& group,
                                      const std::string& stream) const = 0;
  // Streams of a group, sorted by name; empty (not an error) for an unknown group.
  virtual Result<std::vector<StreamInfo>> list_streams(const std::string& group) const = 0;
  // Every group that has a stream, sorted by name.
  virtual Result<std::vector<GroupInfo>> list_groups() const = 0;
};

}  // namespace kiln::logs
