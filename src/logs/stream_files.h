// SPDX-License-Identifier: Apache-2.0
// Where FileLogStore keeps a stream (docs/logs.md): file names derived from
// group and stream names, and the `.meta` sidecar. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "logs/log_store.h"

namespace kiln::logs {

// kInvalidInput unless the names follow CloudWatch's rules (codebuild-
// semantics.md §4.6): group `[.-_/#A-Za-z0-9]+`, stream without ':' or '*',
// both 1-512 bytes.
Status check_group_name(const std::string& group);
Status check_stream_name(const std::string& stream);

// A name as one file name: bytes outside [A-Za-z0-9_-] (and a leading '.')
// become %XX; a result longer than 200 bytes is cut and ends in '~' and the
// name's 64-bit FNV-1a hash, so it stays under NAME_MAX.
std::string file_name_for(const std::string& name);

// Files of one stream: <root>/<file_name_for(group)>/<file_name_for(stream)>.{log,idx,meta}
struct StreamPaths {
  std::string group_dir;
  std::string log;
  std::string index;
  std::string meta;
};
StreamPaths stream_paths(const std::string& root, const std::string& group,
                         const std::string& stream);

struct StreamMeta {
  std::string group;
  std::string stream;
  std::int64_t creation_ms = 0;
  bool complete = false;
  // Written with `complete`; a file without them (an empty stream, or one
  // written before they existed) reads as unknown and unsorted.
  std::optional<std::int64_t> min_ms;
  std::optional<std::int64_t> max_ms;
  bool sorted = false;
};

// Writes `meta` to `path` atomically (a temporary file renamed over it).
Status write_meta(const std::string& path, const StreamMeta& meta);
// kNotFound if `path` is missing; kIoError if it is unreadable or malformed.
Result<StreamMeta> read_meta(const std::string& path);

// A group's own metadata, `<group dir>/.group` (a stream's file name never
// starts with '.'): its real name, which the directory name may have lost
// to shortening, and when it was created.
std::string group_meta_path(const std::string& group_dir);
Status write_group_meta(const std::string& path, const GroupInfo& group);
// kNotFound if `path` is missing; kIoError if it is unreadable or malformed.
Result<GroupInfo> read_group_meta(const std::string& path);

}  // namespace kiln::logs
