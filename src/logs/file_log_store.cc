// SPDX-License-Identifier: Apache-2.0
#include "logs/file_log_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "logs/record_codec.h"
#include "logs/stream_files.h"
#include "logs/utf8.h"

namespace kiln::logs {

namespace {

constexpr std::size_t kWriteBufferBytes = 64 * 1024;
constexpr std::size_t kPageMessageBytes = 1024 * 1024;

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

Status io_error(const std::string& path, int err) {
  return Status(ErrorCode::kIoError, path + ": " + std::strerror(err));
}

Status write_all(int fd, const std::string& data, const std::string& path) {
  for (std::size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path, errno);
    done += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

// Reads whole records one after another from a byte offset of a log file.
// Stops for good at the end of the data, at a record still being written and
// at a corrupt one; memory stays within one record plus 64 KiB.
class RecordScanner {
 public:
  RecordScanner(int fd, std::uint64_t offset) : fd_(fd), read_offset_(offset) {}

  bool next(LogEvent* event) {
    if (!fill(kRecordHeaderBytes)) return false;
    std::size_t length = record_message_length(buffer_.data() + pos_);
    if (length == SIZE_MAX) return false;
    std::size_t total = kRecordHeaderBytes + length + kRecordTrailerBytes;
    if (!fill(total)) return false;
    if (!decode_record(std::string_view(buffer_).substr(pos_, total), event)) return false;
    pos_ += total;
    return true;
  }

 private:
  // Makes `need` unread bytes available; false at the end of the file.
  bool fill(std::size_t need) {
    while (buffer_.size() - pos_ < need) {
      buffer_.erase(0, pos_);
      pos_ = 0;
      std::size_t have = buffer_.size();
      std::size_t want = std::max<std::size_t>(64 * 1024, need - have);
      buffer_.resize(have + want);
      ssize_t n = ::pread(fd_, buffer_.data() + have, want, static_cast<off_t>(read_offset_));
      if (n < 0 && errno == EINTR) n = 0;
      buffer_.resize(have + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
      if (n <= 0) return false;
      read_offset_ += static_cast<std::uint64_t>(n);
    }
    return true;
  }

  int fd_;
  std::uint64_t read_offset_;  // file offset of buffer_'s end
  std::string buffer_;
  std::size_t pos_ = 0;
};

// Where to start scanning for event `start`: the indexed offset at or before
// it, and that entry's event number. The index is read before the log, and
// the writer writes the log first, so an entry never points past the data.
std::pair<std::uint64_t, std::uint64_t> locate(const std::string& index_path, std::uint64_t start) {
  Fd index(::open(index_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!index.valid() || ::fstat(index.get(), &st) != 0 || st.st_size < 8) return {0, 0};
  std::uint64_t entries = static_cast<std::uint64_t>(st.st_size) / 8;
  std::uint64_t entry = std::min(start / FileLogStore::kIndexInterval, entries - 1);
  char bytes[8];
  if (::pread(index.get(), bytes, 8, static_cast<off_t>(entry * 8)) != 8) return {0, 0};
  return {get_u64(bytes), entry * FileLogStore::kIndexInterval};
}

class FileLogWriter final : public LogWriter {
 public:
  FileLogWriter(Fd log, Fd index, StreamPaths paths, StreamMeta meta)
      : log_(std::move(log)),
        index_(std::move(index)),
        paths_(std::move(paths)),
        meta_(std::move(meta)) {}

  ~FileLogWriter() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) (void)flush_locked();
  }

  Status append(std::int64_t timestamp_ms, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.is_ok()) return error_;
    if (closed_)
      return Status(ErrorCode::kInvalidInput, "log stream " + meta_.stream + " is closed");
    LogEvent event;
    event.timestamp_ms = timestamp_ms;
    event.ingestion_ms = epoch_millis();
    event.message = sanitize_utf8(message);
    if (event.message.size() > kMaxMessageBytes) {
      event.message.resize(utf8_prefix(event.message, kMaxMessageBytes).size());
    }
    if (count_ % FileLogStore::kIndexInterval == 0) put_u64(end_offset_, &pending_index_);
    note_timestamp(timestamp_ms);
    std::size_t before = pending_.size();
    encode_record(event, &pending_);
    end_offset_ += pending_.size() - before;
    ++count_;
    return pending_.size() >= kWriteBufferBytes ? flush_locked() : Status::ok();
  }

  Status flush() override {
    std::lock_guard<std::mutex> lock(mu_);
    return flush_locked();
  }

  Status close() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return error_;
    if (Status s = flush_locked(); !s.is_ok()) return s;
    if (::fdatasync(log_.get()) != 0) return fail(io_error(paths_.log, errno));
    if (::fdatasync(index_.get()) != 0) return fail(io_error(paths_.index, errno));
    meta_.complete = true;
    meta_.min_ms = min_ms_;
    meta_.max_ms = max_ms_;
    meta_.sorted = sorted_;
    if (Status s = write_meta(paths_.meta, meta_); !s.is_ok()) return fail(s);
    closed_ = true;
    return Status::ok();
  }

 private:
  // The bounds and order kept in the metadata at close(), which let readers
  // skip a finished stream or binary-search it by time.
  void note_timestamp(std::int64_t timestamp_ms) {
    if (max_ms_ && timestamp_ms < last_ms_) sorted_ = false;
    last_ms_ = timestamp_ms;
    min_ms_ = std::min(min_ms_.value_or(timestamp_ms), timestamp_ms);
    max_ms_ = std::max(max_ms_.value_or(timestamp_ms), timestamp_ms);
  }

  // The log before the index, so a reader never finds an entry without data.
  Status flush_locked() {
    if (!error_.is_ok()) return error_;
    if (Status s = write_all(log_.get(), pending_, paths_.log); !s.is_ok()) return fail(s);
    pending_.clear();
    if (Status s = write_all(index_.get(), pending_index_, paths_.index); !s.is_ok()) {
      return fail(s);
    }
    pending_index_.clear();
    return Status::ok();
  }

  Status fail(Status status) {
    error_ = status;
    return status;
  }

  const Fd log_;
  const Fd index_;
  const StreamPaths paths_;

  std::mutex mu_;
  StreamMeta meta_;            // guarded by mu_
  std::string pending_;        // encoded records not yet written
  std::string pending_index_;  // index entries not yet written
  std::uint64_t count_ = 0;
  std::uint64_t end_offset_ = 0;  // log size once pending_ is written
  bool closed_ = false;
  std::optional<std::int64_t> min_ms_;
  std::optional<std::int64_t> max_ms_;
  std::int64_t last_ms_ = 0;
  bool sorted_ = true;
  Status error_;  // the first write error, returned from then on
};

}  // namespace

Result<std::unique_ptr<FileLogStore>> FileLogStore::open(const std::string& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return Status(ErrorCode::kIoError, root + ": " + ec.message());
  return std::unique_ptr<FileLogStore>(new FileLogStore(root));
}

Status FileLogStore::missing(const std::string& group, const std::string& stream) const {
  struct stat st {};
  if (::stat(stream_paths(root_, group, stream).group_dir.c_str(), &st) != 0) {
    return Status(ErrorCode::kNotFound, "log group '" + group + "' does not exist");
  }
  return Status(ErrorCode::kNotFound,
                "log stream '" + stream + "' does not exist in log group '" + group + "'");
}

Result<std::unique_ptr<LogWriter>> FileLogStore::create_stream(const std::string& group,
                                                               const std::string& stream) {
  if (Status s = check_group_name(group); !s.is_ok()) return s;
  if (Status s = check_stream_name(stream); !s.is_ok()) return s;
  StreamPaths paths = stream_paths(root_, group, stream);
  if (::mkdir(paths.group_dir.c_str(), 0755) == 0) {
    // Only the creator of the directory writes the group's metadata; should
    // it crash before, list_groups() falls back on the streams' metadata.
    Status s = write_group_meta(group_meta_path(paths.group_dir), GroupInfo{group, epoch_millis()});
    if (!s.is_ok()) return s;
  } else if (errno != EEXIST) {
    return io_error(paths.group_dir, errno);
  }
  // The exclusive create of the log is what claims the stream name.
  Fd log(::open(paths.log.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
  if (!log.valid() && errno == EEXIST) {
    return Status(ErrorCode::kAlreadyExists,
                  "log stream '" + stream + "' already exists in log group '" + group + "'");
  }
  if (!log.valid()) return io_error(paths.log, errno);
  Fd index(::open(paths.index.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
  if (!index.valid()) return io_error(paths.index, errno);
  StreamMeta meta;
  meta.group = group;
  meta.stream = stream;
  meta.creation_ms = epoch_millis();
  if (Status s = write_meta(paths.meta, meta); !s.is_ok()) return s;
  return std::unique_ptr<LogWriter>(
      new FileLogWriter(std::move(log), std::move(index), std::move(paths), std::move(meta)));
}

Result<LogPage> FileLogStore::read(const std::string& group, const std::string& stream,
                                   std::uint64_t start, std::size_t limit) const {
  StreamPaths paths = stream_paths(root_, group, stream);
  auto [offset, index] = locate(paths.index, start);
  Fd log(::open(paths.log.c_str(), O_RDONLY | O_CLOEXEC));
  if (!log.valid() && errno == ENOENT) return missing(group, stream);
  if (!log.valid()) return io_error(paths.log, errno);
  LogPage page;
  page.next_index = start;
  RecordScanner scanner(log.get(), offset);
  LogEvent event;
  for (; index < start; ++index) {
    if (!scanner.next(&event)) return page;
  }
  std::size_t bytes = 0;
  while (page.events.size() < limit && bytes < kPageMessageBytes && scanner.next(&event)) {
    bytes += event.message.size();
    page.events.push_back(std::move(event));
  }
  page.next_index = start + page.events.size();
  return page;
}

Result<StreamInfo> FileLogStore::describe(const std::string& group,
                                          const std::string& stream) const {
  StreamPaths paths = stream_paths(root_, group, stream);
  Result<StreamMeta> meta = read_meta(paths.meta);
  if (!meta.is_ok() && meta.status().code() == ErrorCode::kNotFound) return missing(group, stream);
  if (!meta.is_ok()) return meta.status();
  Fd log(::open(paths.log.c_str(), O_RDONLY | O_CLOEXEC));
  if (!log.valid()) return io_error(paths.log, errno);
  StreamInfo info;
  info.group = meta->group;
  info.stream = meta->stream;
  info.creation_ms = meta->creation_ms;
  info.complete = meta->complete;
  if (meta->complete) {
    info.min_event_ms = meta->min_ms;
    info.max_event_ms = meta->max_ms;
    info.sorted = meta->sorted;
  }
  LogEvent event;
  if (RecordScanner(log.get(), 0).next(&event)) info.first_event_ms = event.timestamp_ms;
  // Only the records after the last index entry are read.
  auto [offset, index] = locate(paths.index, UINT64_MAX);
  RecordScanner scanner(log.get(), offset);
  for (; scanner.next(&event); ++index) {
    info.last_event_ms = event.timestamp_ms;
    info.last_ingestion_ms = event.ingestion_ms;
  }
  info.event_count = index;
  return info;
}

namespace {

// The stream metadata files of a group directory; empty if it is gone.
Result<std::vector<std::string>> meta_files_in(const std::string& dir_path) {
  std::vector<std::string> meta_files;
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr && errno == ENOENT) return meta_files;
  if (dir == nullptr) return io_error(dir_path, errno);
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".meta") == 0) {
      meta_files.push_back(dir_path + "/" + name);
    }
  }
  ::closedir(dir);
  return meta_files;
}

// A group directory without its `.group` file (its creator crashed, or an
// older kiln wrote it): the name and earliest creation of its streams.
Result<std::optional<GroupInfo>> group_from_streams(const std::string& dir_path) {
  Result<std::vector<std::string>> meta_files = meta_files_in(dir_path);
  if (!meta_files.is_ok()) return meta_files.status();
  std::optional<GroupInfo> group;
  for (const std::string& path : meta_files.value()) {
    Result<StreamMeta> meta = read_meta(path);
    if (!meta.is_ok()) return meta.status();
    if (!group) group = GroupInfo{meta->group, meta->creation_ms};
    group->creation_ms = std::min(group->creation_ms, meta->creation_ms);
  }
  return group;
}

}  // namespace

Result<std::vector<GroupInfo>> FileLogStore::list_groups() const {
  std::vector<GroupInfo> groups;
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) return io_error(root_, errno);
  std::vector<std::string> dirs;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") dirs.push_back(root_ + "/" + name);
  }
  ::closedir(dir);
  for (const std::string& path : dirs) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    Result<GroupInfo> group = read_group_meta(group_meta_path(path));
    if (group.is_ok()) {
      groups.push_back(std::move(group.value()));
      continue;
    }
    if (group.status().code() != ErrorCode::kNotFound) return group.status();
    Result<std::optional<GroupInfo>> fallback = group_from_streams(path);
    if (!fallback.is_ok()) return fallback.status();
    if (fallback.value()) groups.push_back(std::move(*fallback.value()));
  }
  std::sort(groups.begin(), groups.end(),
            [](const GroupInfo& a, const GroupInfo& b) { return a.name < b.name; });
  return groups;
}

Result<std::vector<StreamInfo>> FileLogStore::list_streams(const std::string& group) const {
  if (Status s = check_group_name(group); !s.is_ok()) return s;
  std::string dir_path = stream_paths(root_, group, "x").group_dir;
  std::vector<StreamInfo> streams;
  Result<std::vector<std::string>> meta_files = meta_files_in(dir_path);
  if (!meta_files.is_ok()) return meta_files.status();
  for (const std::string& path : meta_files.value()) {
    Result<StreamMeta> meta = read_meta(path);
    if (!meta.is_ok()) return meta.status();
    Result<StreamInfo> info = describe(group, meta->stream);
    if (!info.is_ok()) return info.status();
    streams.push_back(std::move(info.value()));
  }
  std::sort(streams.begin(), streams.end(),
            [](const StreamInfo& a, const StreamInfo& b) { return a.stream < b.stream; });
  return streams;
}

}  // namespace kiln::logs
