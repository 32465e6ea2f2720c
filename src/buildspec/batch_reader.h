// SPDX-License-Identifier: Apache-2.0
// The buildspec `batch` section (codebuild-semantics.md §7.3): build-list,
// build-graph, build-matrix or build-fanout. Internal to the buildspec module.
#pragma once

#include <optional>
#include <string>

#include "buildspec/node_reader.h"
#include "model/buildspec.h"

namespace kiln::buildspec {

// Reads `value` (the node under `batch:`), reporting problems through
// `reader`. Returns nullopt when the section is unusable.
std::optional<model::BatchSpec> read_batch(NodeReader& reader, const YamlNode& value,
                                           const std::string& path);

}  // namespace kiln::buildspec
