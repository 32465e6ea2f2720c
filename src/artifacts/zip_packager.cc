// SPDX-License-Identifier: Apache-2.0
#include "artifacts/zip_packager.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>

#include "artifacts/source_file.h"

namespace kiln::artifacts {

namespace {

constexpr std::size_t kChunk = 1 << 16;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

std::string errno_text(int err) { return std::generic_category().message(err); }

// Where libarchive's output goes: the file, the digests and a byte count,
// all in one pass so the ZIP is never read back.
struct Sink {
  int fd = -1;
  std::string path;
  ArtifactDigest digest;
  std::uint64_t written = 0;
  int write_errno = 0;
};

la_ssize_t write_callback(archive* a, void* client, const void* buffer, size_t length) {
  auto* sink = static_cast<Sink*>(client);
  const char* data = static_cast<const char*>(buffer);
  for (size_t done = 0; done < length;) {
    ssize_t n = ::write(sink->fd, data + done, length - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      sink->write_errno = errno;
      archive_set_error(a, errno, "write failed");
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  sink->digest.update(buffer, length);
  sink->written += length;
  return static_cast<la_ssize_t>(length);
}

class ZipWriter {
 public:
  explicit ZipWriter(Sink& sink) : sink_(sink), archive_(archive_write_new()) {}

  Status open() {
    archive* a = archive_.get();
    // Without bytes_in_last_block = 1 libarchive pads the end to a 10 KiB
    // block, which zip readers tolerate but the checksum would include.
    if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
        archive_write_zip_set_compression_deflate(a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open2(a, &sink_, nullptr, write_callback, nullptr, nullptr) != ARCHIVE_OK)
      return error("cannot start the zip");
    return Status::ok();
  }

  Status add(const SelectedFile& file) {
    return file.link_target.empty() ? add_file(file) : add_link(file);
  }

  Status close() {
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) return error("cannot finish the zip");
    return Status::ok();
  }

 private:
  Status error(const std::string& what) {
    if (sink_.write_errno != 0)
      return Status(ErrorCode::kIoError, "cannot write " + sink_.path + ": " + errno_text(sink_.write_errno));
    const char* detail = archive_error_string(archive_.get());
    return Status(ErrorCode::kInternal, what + ": " + (detail ? detail : "libarchive error"));
  }

  EntryPtr new_entry(const SelectedFile& file) {
    EntryPtr entry(archive_entry_new());
    // Linux file names are bytes, in practice UTF-8; ZIP wants UTF-8.
    archive_entry_set_pathname_utf8(entry.get(), file.artifact_path.c_str());
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    return entry;
  }

  Status add_link(const SelectedFile& file) {
    EntryPtr entry = new_entry(file);
    archive_entry_set_filetype(entry.get(), AE_IFLNK);
    archive_entry_set_perm(entry.get(), 0777);
    archive_entry_set_symlink_utf8(entry.get(), file.link_target.c_str());
    if (archive_write_header(archive_.get(), entry.get()) != ARCHIVE_OK)
      return error("cannot add " + file.artifact_path);
    return Status::ok();
  }

  Status add_file(const SelectedFile& file) {
    auto source = SourceFile::open(file.source_path);
    if (!source.is_ok()) return source.status();
    const struct stat& st = source->stat();
    EntryPtr entry = new_entry(file);
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), st.st_mode & 0777);
    archive_entry_set_size(entry.get(), st.st_size);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    if (archive_write_header(archive_.get(), entry.get()) != ARCHIVE_OK)
      return error("cannot add " + file.artifact_path);
    return copy_contents(source->fd(), static_cast<std::uint64_t>(st.st_size), file.source_path);
  }

  // Copies exactly `size` bytes, the size the header promised: growth after
  // the stat is ignored, shrinking is an error.
  Status copy_contents(int fd, std::uint64_t size, const std::string& path) {
    char buf[kChunk];
    for (std::uint64_t left = size; left > 0;) {
      ssize_t n = ::read(fd, buf, static_cast<size_t>(std::min<std::uint64_t>(left, sizeof buf)));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status(ErrorCode::kIoError, "cannot read " + path + ": " + errno_text(errno));
      }
      if (n == 0) return Status(ErrorCode::kInvalidInput, path + ": file shrank while being packaged");
      if (archive_write_data(archive_.get(), buf, static_cast<size_t>(n)) != n)
        return error("cannot write " + path + " into the zip");
      left -= static_cast<std::uint64_t>(n);
    }
    return Status::ok();
  }

  Sink& sink_;
  ArchivePtr archive_;
};

Result<ZipSummary> write_zip(const std::vector<SelectedFile>& files, Sink& sink) {
  std::vector<const SelectedFile*> sorted;
  for (const SelectedFile& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(),
            [](const SelectedFile* a, const SelectedFile* b) { return a->artifact_path < b->artifact_path; });
  ZipWriter writer(sink);
  if (Status s = writer.open(); !s.is_ok()) return s;
  for (const SelectedFile* file : sorted) {
    if (Status s = writer.add(*file); !s.is_ok()) return s;
  }
  if (Status s = writer.close(); !s.is_ok()) return s;
  auto checksums = sink.digest.finish();
  if (!checksums.is_ok()) return checksums.status();
  return ZipSummary{sink.written, std::move(checksums).value()};
}

}  // namespace

Result<ZipSummary> package_zip(const std::vector<SelectedFile>& files, const std::string& out_path) {
  auto digest = ArtifactDigest::create();
  if (!digest.is_ok()) return digest.status();
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(ErrorCode::kIoError, "cannot create " + out_path + ": " + errno_text(errno));
  Sink sink{fd, out_path, std::move(digest).value(), 0, 0};
  auto summary = write_zip(files, sink);
  if (::close(fd) != 0 && summary.is_ok())
    summary = Status(ErrorCode::kIoError, "cannot write " + out_path + ": " + errno_text(errno));
  if (!summary.is_ok()) ::unlink(out_path.c_str());
  return summary;
}

}  // namespace kiln::artifacts
