// SPDX-License-Identifier: Apache-2.0
// Wall-clock time as the API records it: milliseconds since the Unix epoch
// (CodeBuild shows them as seconds with a fraction, CloudWatch Logs as
// integers). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace kiln {

inline std::int64_t epoch_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kiln
