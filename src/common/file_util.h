// SPDX-License-Identifier: Apache-2.0
// Small whole-file helpers with explicit size limits. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace kiln {

// Reads `path` whole. Fails with kLimitExceeded, without reading the file,
// when it is larger than `max_bytes`; kNotFound / kIoError otherwise name the
// path and the OS's reason.
Result<std::string> read_file_limited(const std::string& path, std::size_t max_bytes);

}  // namespace kiln
