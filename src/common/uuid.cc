// SPDX-License-Identifier: Apache-2.0
#include "common/uuid.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace kiln {

std::string random_uuid() {
  unsigned char b[16];
  std::size_t have = 0;
  while (have < sizeof b) {
    ssize_t n = ::getrandom(b + have, sizeof b - have, 0);
    if (n > 0) have += static_cast<std::size_t>(n);
    // getrandom only fails for bad arguments or a signal; retry the latter.
    else if (errno != EINTR)
      throw std::runtime_error("getrandom failed");
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace kiln
