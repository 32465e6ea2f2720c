// SPDX-License-Identifier: Apache-2.0
// Access keys of a kiln server: making new ones and writing them where the
// AWS tools look (the shared-credentials INI format). The keys themselves
// live in the StateStore. Stateless; thread-safe.
#pragma once

#include <string>

#include "common/status.h"
#include "store/state_store.h"

namespace kiln::api {

// A fresh key: id "AKIA" + 16 upper-case letters/digits (AWS's form), a
// 40-character secret, both from the OS random source.
store::AccessKey generate_access_key(const std::string& name, std::int64_t now_ms);

// Writes (or replaces) `profile` in the shared-credentials file at `path`,
// keeping the file's other profiles; the file is created with mode 0600.
Status write_credentials_profile(const std::string& path, const std::string& profile,
                                 const store::AccessKey& key);

}  // namespace kiln::api
