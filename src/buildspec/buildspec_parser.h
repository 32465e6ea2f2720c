// SPDX-License-Identifier: Apache-2.0
// Buildspec text → model::BuildSpec, with diagnostics a person can act on
// (codebuild-semantics.md §1.2–§1.3). Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/buildspec.h"

namespace kiln::buildspec {

// Larger buildspecs are refused before parsing (a real one is a few KiB; a
// generated 10,000-command one is ~400 KiB).
inline constexpr std::size_t kMaxBuildspecBytes = 4 * 1024 * 1024;

// Deeper YAML nesting is refused (a buildspec needs about 7 levels).
inline constexpr int kMaxNestingDepth = 64;

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;  // as given by the caller
  int line = 0;      // 1-based; 0 when the problem has no position (e.g. too large)
  int column = 0;    // 1-based; 0 when unknown
  std::string path;  // key path such as "phases.build.commands[2]"; empty for the document
  std::string message;

  bool is_error() const { return severity == Severity::kError; }
  // "FILE:LINE:COL: error: PATH: MESSAGE" (parts without a value are left out).
  std::string to_string() const;
};

struct ParseResult {
  // Set only when there is no error: no partly filled model ever escapes.
  std::optional<model::BuildSpec> spec;
  // Errors and warnings, in document order.
  std::vector<Diagnostic> diagnostics;

  bool ok() const { return spec.has_value(); }
  std::vector<Diagnostic> errors() const;
  std::vector<Diagnostic> warnings() const;
};

// Parses and validates `text`. `file` names the source in diagnostics (a path,
// or e.g. "<buildspecOverride>"). Never throws; any input, including invalid
// UTF-8 and deeply nested YAML, gets diagnostics in bounded time and memory.
ParseResult parse_buildspec(std::string_view text, std::string_view file);

// Reads `path` (refusing files over kMaxBuildspecBytes without reading them)
// and parses it; a missing or unreadable file is an error diagnostic.
ParseResult load_buildspec_file(const std::string& path);

}  // namespace kiln::buildspec
