// SPDX-License-Identifier: Apache-2.0
// Random (version 4) UUIDs in their lower-case text form: build ids and
// request ids. Thread-safe.
#pragma once

#include <string>

namespace kiln {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" from the kernel's random source.
std::string random_uuid();

}  // namespace kiln
