// SPDX-License-Identifier: Apache-2.0
// model::Build as JSON in exactly the shape BatchGetBuilds returns it
// (botocore's `Build`): camelCase names, epoch seconds with a fraction,
// durationInSeconds truncated, open phases without status or end.
// Stateless; thread-safe.
#pragma once

#include <string>

#include "model/build.h"

namespace kiln::runner {

// Pretty-printed (2-space) JSON object of `build`.
std::string build_to_json(const model::Build& build);

}  // namespace kiln::runner
