// SPDX-License-Identifier: Apache-2.0
// Copies a directory tree without following symlinks (a kLocalDirectory
// source). Thread-safe: no shared state.
#pragma once

#include <string>

#include "common/status.h"
#include "source/source_fetcher.h"

namespace kiln::source {

// Copies the contents of directory `from` into the existing, empty directory
// `to`: regular files (data, mode, mtime), directories (mode, including empty
// ones) and symlinks as links with the same target text, never dereferenced.
// Sockets, fifos and devices are skipped with a line to `progress`. `from` is
// only read. Fails with kInvalidInput if `from` is `to`, contains it, or `to`
// is not empty; kNotFound if `from` is missing; kLimitExceeded for trees
// deeper than 256 levels; kIoError naming the path otherwise (the partial copy
// is left for the caller to remove).
Status copy_tree(const std::string& from, const std::string& to, const ProgressSink& progress);

}  // namespace kiln::source
