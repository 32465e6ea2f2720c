// SPDX-License-Identifier: Apache-2.0
#include "objectstore/local_object_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "common/file_util.h"

namespace kiln::objectstore {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kCopyChunk = 1 << 16;
constexpr std::size_t kMaxMetaFileBytes = 64 * 1024;
// A temp file this old belongs to a writer that died; a live put of a large
// file on a slow disk may take long, so stay far from any real duration.
constexpr auto kStaleTempAge = std::chrono::hours(24);

std::string errno_text(int err) { return std::generic_category().message(err); }

Status os_error(const std::string& what, const std::string& path, int err) {
  ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::kNotFound : ErrorCode::kIoError;
  return Status(code, what + " " + path + ": " + errno_text(err));
}

// Owns one file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now and reports the error, which for a write is the last chance
  // to hear about it.
  int close_checked() { return ::close(std::exchange(fd_, -1)); }
  void reset() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

 private:
  int fd_;
};

// A file that is deleted on destruction unless released (committed).
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempFile& operator=(TempFile&&) = delete;
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

// Creates an empty private file from `dir`/`prefix`XXXXXX.
Result<std::pair<TempFile, UniqueFd>> make_temp(const std::string& dir, const std::string& prefix) {
  std::string tmpl = dir + "/" + prefix + "XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return os_error("cannot create a temp file in", dir, errno);
  return std::make_pair(TempFile(tmpl), UniqueFd(fd));
}

Status copy_fd(int in, const std::string& in_path, int out, const std::string& out_path) {
  char buf[kCopyChunk];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("cannot read", in_path, errno);
    }
    if (n == 0) return Status::ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return os_error("cannot write", out_path, errno);
      }
      done += w;
    }
  }
}

// Makes `fd` durable and closes it: the data must reach the disk before the
// rename that publishes it, or a power cut could publish an empty file.
Status sync_and_close(UniqueFd& fd, const std::string& path) {
  if (::fchmod(fd.get(), 0644) != 0) return os_error("cannot chmod", path, errno);
  if (::fsync(fd.get()) != 0) return os_error("cannot fsync", path, errno);
  if (fd.close_checked() != 0) return os_error("cannot close", path, errno);
  return Status::ok();
}

// Copies the regular file `source` into a new temp file in `tmp_dir`.
Result<TempFile> stage_copy(const std::string& source, const std::string& tmp_dir) {
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return os_error("cannot open", source, errno);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return os_error("cannot stat", source, errno);
  if (!S_ISREG(st.st_mode))
    return Status(ErrorCode::kInvalidInput, source + ": not a regular file");
  auto temp = make_temp(tmp_dir, "data-");
  if (!temp.is_ok()) return temp.status();
  auto& [file, out] = temp.value();
  if (Status s = copy_fd(in.get(), source, out.get(), file.path()); !s.is_ok()) return s;
  if (Status s = sync_and_close(out, file.path()); !s.is_ok()) return s;
  return std::move(file);
}

Result<TempFile> stage_text(const std::string& text, const std::string& tmp_dir) {
  auto temp = make_temp(tmp_dir, "meta-");
  if (!temp.is_ok()) return temp.status();
  auto& [file, out] = temp.value();
  for (std::size_t done = 0; done < text.size();) {
    ssize_t w = ::write(out.get(), text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return os_error("cannot write", file.path(), errno);
    }
    done += static_cast<std::size_t>(w);
  }
  if (Status s = sync_and_close(out, file.path()); !s.is_ok()) return s;
  return std::move(file);
}

// Makes a rename in `dir` durable.
Status sync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return os_error("cannot fsync", dir, errno);
  return Status::ok();
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The key's parent "directories", shortest first: "a/b/c" -> "a", "a/b".
std::vector<std::string> key_parents(const std::string& key) {
  std::vector<std::string> parents;
  for (std::size_t slash = key.find('/'); slash != std::string::npos;
       slash = key.find('/', slash + 1)) {
    parents.push_back(key.substr(0, slash));
  }
  return parents;
}

// Creates base/<each parent of key>. A parent that exists as a file is a
// conflicting object in the data tree; in the metadata tree
// (`remove_blockers`) it can only be an orphan left by a crash, so it goes.
Status make_parents(const std::string& base, const std::string& key, bool remove_blockers) {
  for (const std::string& parent : key_parents(key)) {
    std::string path = base + "/" + parent;
    if (::mkdir(path.c_str(), 0755) == 0 || is_directory(path)) continue;
    if (errno != EEXIST) return os_error("cannot create directory", path, errno);
    if (!remove_blockers)
      return Status(ErrorCode::kAlreadyExists,
                    "object key \"" + key + "\" conflicts with the existing object \"" + parent + "\"");
    if (::unlink(path.c_str()) != 0 || ::mkdir(path.c_str(), 0755) != 0)
      return os_error("cannot create directory", path, errno);
  }
  return Status::ok();
}

// Removes the now-empty directories of `key` under `base`, deepest first,
// so a later put of a key that was a "directory" is not blocked.
void prune_parents(const std::string& base, const std::string& key) {
  std::vector<std::string> parents = key_parents(key);
  for (auto it = parents.rbegin(); it != parents.rend(); ++it) {
    if (::rmdir((base + "/" + *it).c_str()) != 0) break;  // not empty: an ancestor is not either
  }
}

std::string encode_metadata(const Metadata& metadata) {
  // validate_metadata allows printable ASCII only, so dump() cannot throw.
  nlohmann::json doc = {{"metadata", metadata}};
  return doc.dump(2) + "\n";
}

Result<Metadata> decode_metadata(const std::string& text, const std::string& path) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Status corrupt(ErrorCode::kIoError, "corrupt metadata file " + path);
  if (doc.is_discarded() || !doc.is_object()) return corrupt;
  auto it = doc.find("metadata");
  if (it == doc.end() || !it->is_object()) return corrupt;
  Metadata metadata;
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) return corrupt;
    metadata[name] = value.get<std::string>();
  }
  return metadata;
}

Status validate_location(const std::string& bucket, const std::string& key) {
  if (Status s = validate_bucket_name(bucket); !s.is_ok()) return s;
  return validate_object_key(key);
}

void remove_stale_temps(const std::string& tmp_dir) {
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(tmp_dir, ec), end; !ec && it != end; it.increment(ec)) {
    auto mtime = it->last_write_time(ec);
    if (!ec && now - mtime > kStaleTempAge) fs::remove(it->path(), ec);
  }
}

}  // namespace

// Holds the in-process mutex and the cross-process flock for one tree change.
class LocalObjectStore::TreeLock {
 public:
  explicit TreeLock(LocalObjectStore& store) : guard_(store.mu_), fd_(store.lock_fd_) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~TreeLock() { ::flock(fd_, LOCK_UN); }
  TreeLock(const TreeLock&) = delete;
  TreeLock& operator=(const TreeLock&) = delete;

 private:
  std::lock_guard<std::mutex> guard_;
  int fd_;
};

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::open(const std::string& root) {
  std::error_code ec;
  std::string abs_root = fs::absolute(root, ec).lexically_normal().string();
  if (ec) return Status(ErrorCode::kIoError, "object store root " + root + ": " + ec.message());
  if (abs_root.size() > 1 && abs_root.back() == '/') abs_root.pop_back();
  for (const std::string& dir : {abs_root, abs_root + "/.tmp", abs_root + "/.meta"}) {
    fs::create_directories(dir, ec);
    if (ec) return Status(ErrorCode::kIoError, "cannot create directory " + dir + ": " + ec.message());
  }
  std::string lock_path = abs_root + "/.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("cannot open", lock_path, errno);
  remove_stale_temps(abs_root + "/.tmp");
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(abs_root, fd));
}

LocalObjectStore::LocalObjectStore(std::string root, int lock_fd)
    : root_(std::move(root)), lock_fd_(lock_fd) {}

LocalObjectStore::~LocalObjectStore() { ::close(lock_fd_); }

std::string LocalObjectStore::object_path(const std::string& bucket, const std::string& key) const {
  return root_ + "/" + bucket + "/" + key;
}

std::string LocalObjectStore::meta_path(const std::string& bucket, const std::string& key) const {
  return root_ + "/.meta/" + bucket + "/" + key;
}

Status LocalObjectStore::put_file(const std::string& bucket, const std::string& key,
                                  const std::string& local_path, const Metadata& metadata) {
  if (Status s = validate_location(bucket, key); !s.is_ok()) return s;
  if (Status s = validate_metadata(metadata); !s.is_ok()) return s;
  // Both files are complete and on disk before the tree changes, so the
  // locked part below is a few renames however large the object is.
  auto data = stage_copy(local_path, root_ + "/.tmp");
  if (!data.is_ok()) return data.status();
  auto meta = stage_text(encode_metadata(metadata), root_ + "/.tmp");
  if (!meta.is_ok()) return meta.status();
  if (Status s = commit(bucket, key, data->path(), meta->path()); !s.is_ok()) return s;
  data->release();
  meta->release();
  return Status::ok();
}

// Publishes staged files. Order matters for crashes: the old metadata goes
// first, then the data, then the new metadata, so at any instant an object's
// metadata file is either its own or absent, never a previous put's.
Status LocalObjectStore::commit(const std::string& bucket, const std::string& key,
                                const std::string& data_tmp, const std::string& meta_tmp) {
  TreeLock lock(*this);
  std::string bucket_dir = root_ + "/" + bucket;
  std::string meta_bucket_dir = root_ + "/.meta/" + bucket;
  for (const std::string& dir : {bucket_dir, meta_bucket_dir}) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return os_error("cannot create directory", dir, errno);
  }
  if (Status s = make_parents(bucket_dir, key, false); !s.is_ok()) return s;
  std::string data_path = object_path(bucket, key);
  // An empty directory here is debris of a failed put; a non-empty one holds
  // other objects' keys.
  if (is_directory(data_path) && ::rmdir(data_path.c_str()) != 0)
    return Status(ErrorCode::kAlreadyExists,
                  "object key \"" + key + "\" is a prefix of existing objects (\"" + key + "/...\")");
  if (Status s = make_parents(meta_bucket_dir, key, true); !s.is_ok()) return s;
  std::string meta_file = meta_path(bucket, key);
  std::error_code ec;
  fs::remove_all(meta_file, ec);  // a directory here holds only orphans: the data tree has none
  if (ec) return Status(ErrorCode::kIoError, "cannot remove " + meta_file + ": " + ec.message());
  if (::rename(data_tmp.c_str(), data_path.c_str()) != 0)
    return os_error("cannot rename into", data_path, errno);
  if (Status s = sync_dir(fs::path(data_path).parent_path()); !s.is_ok()) return s;
  if (::rename(meta_tmp.c_str(), meta_file.c_str()) != 0)
    return os_error("cannot rename into", meta_file, errno);
  return sync_dir(fs::path(meta_file).parent_path());
}

Status LocalObjectStore::get_file(const std::string& bucket, const std::string& key,
                                  const std::string& local_path) {
  if (Status s = validate_location(bucket, key); !s.is_ok()) return s;
  // The open fd pins one version: a concurrent put renames a new file over
  // the name but cannot change what this fd reads.
  std::string path = object_path(bucket, key);
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!in.valid() || ::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status(ErrorCode::kNotFound, "no such object " + s3_location_arn(bucket, key));
  fs::path dest(local_path);
  std::string dest_dir = dest.has_parent_path() ? dest.parent_path().string() : ".";
  auto temp = make_temp(dest_dir, "." + dest.filename().string() + ".kiln-");
  if (!temp.is_ok()) return temp.status();
  auto& [file, out] = temp.value();
  if (Status s = copy_fd(in.get(), path, out.get(), file.path()); !s.is_ok()) return s;
  if (Status s = sync_and_close(out, file.path()); !s.is_ok()) return s;
  if (::rename(file.path().c_str(), local_path.c_str()) != 0)
    return os_error("cannot rename into", local_path, errno);
  file.release();
  return Status::ok();
}

Result<ObjectInfo> LocalObjectStore::head(const std::string& bucket, const std::string& key) {
  if (Status s = validate_location(bucket, key); !s.is_ok()) return s;
  // Locked so the size and the metadata come from the same put.
  TreeLock lock(*this);
  struct stat st {};
  std::string path = object_path(bucket, key);
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status(ErrorCode::kNotFound, "no such object " + s3_location_arn(bucket, key));
  ObjectInfo info{key, static_cast<std::uint64_t>(st.st_size), {}};
  std::string meta_file = meta_path(bucket, key);
  auto text = read_file_limited(meta_file, kMaxMetaFileBytes);
  if (!text.is_ok()) {
    if (text.status().code() == ErrorCode::kNotFound) return info;
    return text.status();
  }
  auto metadata = decode_metadata(text.value(), meta_file);
  if (!metadata.is_ok()) return metadata.status();
  info.metadata = std::move(metadata).value();
  return info;
}

Result<std::vector<ObjectInfo>> LocalObjectStore::list(const std::string& bucket,
                                                       const std::string& prefix) {
  if (Status s = validate_bucket_name(bucket); !s.is_ok()) return s;
  std::vector<ObjectInfo> objects;
  // Walk only the directory the prefix lies in; a prefix whose directory
  // part is not a valid key can match no valid key.
  std::string bucket_dir = root_ + "/" + bucket;
  std::string start = bucket_dir;
  std::size_t slash = prefix.rfind('/');
  if (slash != std::string::npos) {
    std::string dir_part = prefix.substr(0, slash);
    if (!validate_object_key(dir_part).is_ok()) return objects;
    start += "/" + dir_part;
  }
  TreeLock lock(*this);
  if (!is_directory(start)) return objects;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(start, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string key = it->path().lexically_relative(bucket_dir).generic_string();
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    objects.push_back({key, static_cast<std::uint64_t>(it->file_size(ec)), {}});
  }
  if (ec) return Status(ErrorCode::kIoError, "cannot list " + start + ": " + ec.message());
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

Status LocalObjectStore::remove(const std::string& bucket, const std::string& key) {
  if (Status s = validate_location(bucket, key); !s.is_ok()) return s;
  TreeLock lock(*this);
  // Data first: a crash in between leaves only an orphan metadata file,
  // which head() never reads without the data and the next put replaces.
  std::string path = object_path(bucket, key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR && errno != EISDIR)
    return os_error("cannot remove", path, errno);
  std::string meta_file = meta_path(bucket, key);
  if (::unlink(meta_file.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR && errno != EISDIR)
    return os_error("cannot remove", meta_file, errno);
  prune_parents(root_ + "/" + bucket, key);
  prune_parents(root_ + "/.meta/" + bucket, key);
  return Status::ok();
}

}  // namespace kiln::objectstore
