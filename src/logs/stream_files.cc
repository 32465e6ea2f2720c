// SPDX-License-Identifier: Apache-2.0
#include "logs/stream_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "common/file_util.h"

namespace kiln::logs {

namespace {

constexpr std::size_t kMaxNameBytes = 512;
constexpr std::size_t kMaxFileNameBytes = 200;
constexpr char kMetaMagic[] = "kiln-log-stream 1";
constexpr char kGroupMagic[] = "kiln-log-group 1";

bool is_plain(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || (c == '.' && !first);
}

std::string escape(const std::string& name) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (is_plain(c, i == 0)) {
      out += c;
    } else {
      unsigned char b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

Result<std::string> unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned int byte = 0;
    if (i + 2 >= text.size() || std::sscanf(text.c_str() + i + 1, "%2X", &byte) != 1) {
      return Status(ErrorCode::kIoError, "malformed escaped name: " + text);
    }
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

Status check_length(const char* what, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Status(ErrorCode::kInvalidInput, std::string(what) + " must be 1-512 bytes long");
  }
  return Status::ok();
}

}  // namespace

Status check_group_name(const std::string& group) {
  if (Status s = check_length("log group name", group); !s.is_ok()) return s;
  for (char c : group) {
    if (!is_plain(c, false) && c != '/' && c != '#') {
      return Status(ErrorCode::kInvalidInput,
                    "log group name '" + group + "' must match [.-_/#A-Za-z0-9]+");
    }
  }
  return Status::ok();
}

Status check_stream_name(const std::string& stream) {
  if (Status s = check_length("log stream name", stream); !s.is_ok()) return s;
  if (stream.find_first_of(":*") != std::string::npos) {
    return Status(ErrorCode::kInvalidInput,
                  "log stream name '" + stream + "' must not contain ':' or '*'");
  }
  return Status::ok();
}

std::string file_name_for(const std::string& name) {
  std::string escaped = escape(name);
  if (escaped.size() <= kMaxFileNameBytes) return escaped;
  std::size_t cut = 160;
  // Never split a %XX escape.
  if (escaped[cut - 1] == '%') cut -= 1;
  else if (escaped[cut - 2] == '%') cut -= 2;
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(name)));
  return escaped.substr(0, cut) + "~" + hash;
}

StreamPaths stream_paths(const std::string& root, const std::string& group,
                         const std::string& stream) {
  StreamPaths paths;
  paths.group_dir = root + "/" + file_name_for(group);
  std::string base = paths.group_dir + "/" + file_name_for(stream);
  paths.log = base + ".log";
  paths.index = base + ".idx";
  paths.meta = base + ".meta";
  return paths;
}

namespace {

// Replaces `path` with `data`: written to `path.tmp`, fsynced, renamed.
Status write_atomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(ErrorCode::kIoError, tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fdatasync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    return Status(ErrorCode::kIoError, path + ": " + std::strerror(err));
  }
  return Status::ok();
}

}  // namespace

Status write_meta(const std::string& path, const StreamMeta& meta) {
  std::ostringstream text;
  text << kMetaMagic << "\ngroup " << escape(meta.group) << "\nstream " << escape(meta.stream)
       << "\ncreation_ms " << meta.creation_ms << "\ncomplete " << (meta.complete ? 1 : 0)
       << "\n";
  if (meta.min_ms && meta.max_ms) {
    text << "min_ms " << *meta.min_ms << "\nmax_ms " << *meta.max_ms << "\n";
  }
  if (meta.sorted) text << "sorted 1\n";
  return write_atomically(path, text.str());
}

Result<StreamMeta> read_meta(const std::string& path) {
  Result<std::string> text = read_file_limited(path, 8192);
  if (!text.is_ok()) return text.status();
  std::istringstream in(text.value());
  std::string magic, key, group, stream;
  StreamMeta meta;
  int complete = 0;
  std::getline(in, magic);
  bool ok = magic == kMetaMagic && (in >> key >> group) && key == "group" &&
            (in >> key >> stream) && key == "stream" && (in >> key >> meta.creation_ms) &&
            key == "creation_ms" && (in >> key >> complete) && key == "complete";
  if (!ok) return Status(ErrorCode::kIoError, path + ": malformed stream metadata");
  Result<std::string> group_name = unescape(group);
  Result<std::string> stream_name = unescape(stream);
  if (!group_name.is_ok()) return group_name.status();
  if (!stream_name.is_ok()) return stream_name.status();
  meta.group = group_name.value();
  meta.stream = stream_name.value();
  meta.complete = complete != 0;
  // Optional keys after the fixed ones; unknown keys are skipped so that an
  // older reader can read a newer file.
  for (std::int64_t value = 0; in >> key >> value;) {
    if (key == "min_ms") meta.min_ms = value;
    if (key == "max_ms") meta.max_ms = value;
    if (key == "sorted") meta.sorted = value != 0;
  }
  if (meta.min_ms.has_value() != meta.max_ms.has_value()) meta.min_ms = meta.max_ms = std::nullopt;
  return meta;
}

std::string group_meta_path(const std::string& group_dir) { return group_dir + "/.group"; }

Status write_group_meta(const std::string& path, const GroupInfo& group) {
  std::ostringstream text;
  text << kGroupMagic << "\ngroup " << escape(group.name) << "\ncreation_ms "
       << group.creation_ms << "\n";
  return write_atomically(path, text.str());
}

Result<GroupInfo> read_group_meta(const std::string& path) {
  Result<std::string> text = read_file_limited(path, 8192);
  if (!text.is_ok()) return text.status();
  std::istringstream in(text.value());
  std::string magic, key, name;
  GroupInfo group;
  std::getline(in, magic);
  bool ok = magic == kGroupMagic && (in >> key >> name) && key == "group" &&
            (in >> key >> group.creation_ms) && key == "creation_ms";
  if (!ok) return Status(ErrorCode::kIoError, path + ": malformed group metadata");
  Result<std::string> unescaped = unescape(name);
  if (!unescaped.is_ok()) return unescaped.status();
  group.name = unescaped.value();
  return group;
}

}  // namespace kiln::logs
