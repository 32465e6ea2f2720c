// SPDX-License-Identifier: Apache-2.0
// Helpers for the artifacts tests: building source trees and reading ZIPs
// back with libarchive's reader (independent of the writer's code path).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "artifacts/artifact_selection.h"
#include "support/test_support.h"

namespace kiln::artifacts::testing {

// Creates each relative path under `dir` as a file whose content is its path.
void make_files(const kiln::testing::TempDir& dir, const std::vector<std::string>& paths);

// The artifact paths of `files`, in order.
std::vector<std::string> artifact_paths(const std::vector<SelectedFile>& files);

struct ZipEntry {
  std::string path;
  mode_t mode = 0;           // file type and permission bits
  std::string symlink;       // target, for links
  std::string content;
};

// Reads every entry of the ZIP at `path`; fails the test on a read error.
std::vector<ZipEntry> read_zip(const std::string& path);

std::string slurp(const std::string& path);

}  // namespace kiln::artifacts::testing
