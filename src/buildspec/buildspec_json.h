// SPDX-License-Identifier: Apache-2.0
// The normalized model as JSON (`kiln buildspec check --json`): buildspec key
// names (kebab-case), every default written out, absent sections as null.
// Stateless and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "buildspec/buildspec_parser.h"
#include "model/buildspec.h"

namespace kiln::buildspec {

// Pretty-printed JSON object for `spec` (2-space indent).
std::string to_json(const model::BuildSpec& spec);

// {"file": ..., "ok": bool, "buildspec": <model or null>, "errors": [...],
//  "warnings": [...]} for one checked file.
std::string check_report_json(const std::string& file, const ParseResult& result);

}  // namespace kiln::buildspec
