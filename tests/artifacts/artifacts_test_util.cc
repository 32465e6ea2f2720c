// SPDX-License-Identifier: Apache-2.0
#include "artifacts_test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace kiln::artifacts::testing {

void make_files(const kiln::testing::TempDir& dir, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) dir.write(path, path);
}

std::vector<std::string> artifact_paths(const std::vector<SelectedFile>& files) {
  std::vector<std::string> out;
  for (const SelectedFile& f : files) out.push_back(f.artifact_path);
  return out;
}

std::vector<ZipEntry> read_zip(const std::string& path) {
  std::vector<ZipEntry> entries;
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  if (archive_read_open_filename(a, path.c_str(), 65536) != ARCHIVE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << archive_error_string(a);
    archive_read_free(a);
    return entries;
  }
  archive_entry* entry = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
    ZipEntry e;
    e.path = archive_entry_pathname(entry);
    e.mode = archive_entry_mode(entry);
    if (const char* target = archive_entry_symlink(entry)) e.symlink = target;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) e.content.append(buf, static_cast<size_t>(n));
    if (n < 0) ADD_FAILURE() << "reading " << e.path << ": " << archive_error_string(a);
    entries.push_back(std::move(e));
  }
  if (rc != ARCHIVE_EOF) ADD_FAILURE() << "reading " << path << ": " << archive_error_string(a);
  archive_read_free(a);
  return entries;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace kiln::artifacts::testing
