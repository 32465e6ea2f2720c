// SPDX-License-Identifier: Apache-2.0
#include "images/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace kiln::images {

namespace {

struct EntryDeleter {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using Entry = std::unique_ptr<archive_entry, EntryDeleter>;

struct ReadDiskDeleter {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
struct LinkResolverDeleter {
  void operator()(archive_entry_linkresolver* resolver) const {
    archive_entry_linkresolver_free(resolver);
  }
};

Entry root_owned_entry(const std::string& path_in_tar, mode_t type, int mode) {
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), path_in_tar.c_str());
  archive_entry_set_filetype(entry.get(), type);
  archive_entry_set_perm(entry.get(), static_cast<mode_t>(mode));
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  archive_entry_set_uname(entry.get(), "root");
  archive_entry_set_gname(entry.get(), "root");
  archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
  return entry;
}

}  // namespace

void TarWriter::ArchiveDeleter::operator()(archive* handle) const { archive_write_free(handle); }

TarWriter::TarWriter(archive* handle, std::string path)
    : archive_(handle), path_(std::move(path)) {}

TarWriter::~TarWriter() = default;
TarWriter::TarWriter(TarWriter&& other) noexcept = default;
TarWriter& TarWriter::operator=(TarWriter&& other) noexcept = default;

Result<TarWriter> TarWriter::create(const std::string& path) {
  archive* handle = archive_write_new();
  if (handle == nullptr) return Status(ErrorCode::kInternal, "archive_write_new failed");
  TarWriter writer(handle, path);
  // pax_restricted writes plain ustar headers and adds pax records only for
  // what ustar cannot hold (long names, xattrs), which Docker reads.
  if (archive_write_set_format_pax_restricted(handle) != ARCHIVE_OK ||
      archive_write_add_filter_none(handle) != ARCHIVE_OK ||
      archive_write_open_filename(handle, path.c_str()) != ARCHIVE_OK) {
    return Status(ErrorCode::kIoError, path + ": " + archive_error_string(handle));
  }
  return writer;
}

Status TarWriter::check(int rc, const std::string& what) {
  if (rc >= ARCHIVE_WARN) return Status::ok();
  const char* reason = archive_error_string(archive_.get());
  return Status(ErrorCode::kIoError,
                path_ + ": writing " + what + ": " + (reason ? reason : "unknown error"));
}

Status TarWriter::add_directory(const std::string& path_in_tar, int mode) {
  Entry entry = root_owned_entry(path_in_tar, AE_IFDIR, mode);
  return check(archive_write_header(archive_.get(), entry.get()), path_in_tar);
}

Status TarWriter::add_symlink(const std::string& path_in_tar, const std::string& target) {
  Entry entry = root_owned_entry(path_in_tar, AE_IFLNK, 0777);
  archive_entry_set_symlink(entry.get(), target.c_str());
  return check(archive_write_header(archive_.get(), entry.get()), path_in_tar);
}

Status TarWriter::add_text_file(const std::string& path_in_tar, const std::string& content,
                                int mode) {
  Entry entry = root_owned_entry(path_in_tar, AE_IFREG, mode);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
  Status header = check(archive_write_header(archive_.get(), entry.get()), path_in_tar);
  if (!header.is_ok()) return header;
  la_ssize_t written = archive_write_data(archive_.get(), content.data(), content.size());
  if (written < 0 || static_cast<std::size_t>(written) != content.size()) {
    return check(ARCHIVE_FATAL, path_in_tar);
  }
  return Status::ok();
}

Status TarWriter::add_file(const std::string& path_in_tar, const std::string& source, int mode) {
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(ErrorCode::kIoError, source + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kIoError, source + ": not a readable regular file");
  }
  Entry entry = root_owned_entry(path_in_tar, AE_IFREG, mode);
  archive_entry_set_size(entry.get(), st.st_size);
  Status status = check(archive_write_header(archive_.get(), entry.get()), path_in_tar);
  char buf[65536];
  while (status.is_ok()) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = Status(ErrorCode::kIoError, source + ": " + std::strerror(errno));
    if (n <= 0) break;
    if (archive_write_data(archive_.get(), buf, static_cast<std::size_t>(n)) != n) {
      status = check(ARCHIVE_FATAL, path_in_tar);
    }
  }
  ::close(fd);
  return status;
}

Status TarWriter::add_tree(const std::string& root) {
  std::unique_ptr<archive, ReadDiskDeleter> disk(archive_read_disk_new());
  std::unique_ptr<archive_entry_linkresolver, LinkResolverDeleter> links(
      archive_entry_linkresolver_new());
  if (!disk || !links) return Status(ErrorCode::kInternal, "libarchive: out of memory");
  // Hard links become link entries after the first copy, as GNU tar does,
  // instead of storing gcc's and perl's linked binaries twice.
  archive_entry_linkresolver_set_strategy(links.get(), ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  if (archive_read_disk_open(disk.get(), root.c_str()) != ARCHIVE_OK) {
    return Status(ErrorCode::kIoError, root + ": " + archive_error_string(disk.get()));
  }
  const std::string prefix = root + "/";
  char buf[65536];
  for (;;) {
    Entry entry(archive_entry_new());
    int rc = archive_read_next_header2(disk.get(), entry.get());
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return Status(ErrorCode::kIoError, root + ": " + archive_error_string(disk.get()));
    }
    archive_read_disk_descend(disk.get());
    std::string source = archive_entry_pathname(entry.get());
    if (source.rfind(prefix, 0) != 0) continue;  // `root` itself
    std::string relative = source.substr(prefix.size());
    archive_entry_set_pathname(entry.get(), relative.c_str());

    archive_entry* to_write = entry.release();
    archive_entry* sparse = nullptr;
    archive_entry_linkify(links.get(), &to_write, &sparse);
    Entry owned(to_write);
    if (!owned) continue;  // only deferring strategies hold entries back; tar's does not
    Status header = check(archive_write_header(archive_.get(), owned.get()), relative);
    if (!header.is_ok()) return header;
    // A hard-link entry has size 0 and no data; everything else that has a
    // size is a regular file whose bytes follow.
    if (archive_entry_size(owned.get()) > 0) {
      for (;;) {
        la_ssize_t n = archive_read_data(disk.get(), buf, sizeof buf);
        if (n < 0) {
          return Status(ErrorCode::kIoError, source + ": " + archive_error_string(disk.get()));
        }
        if (n == 0) break;
        if (archive_write_data(archive_.get(), buf, static_cast<std::size_t>(n)) != n) {
          return check(ARCHIVE_FATAL, relative);
        }
      }
    }
  }
  return Status::ok();
}

Status TarWriter::close() {
  return check(archive_write_close(archive_.get()), "the end of the archive");
}

}  // namespace kiln::images
