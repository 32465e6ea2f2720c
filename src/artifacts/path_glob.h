// SPDX-License-Identifier: Apache-2.0
// PathGlob: one buildspec artifact pattern (`files`, `exclude-paths`,
// `base-directory`) matched against relative paths split into segments
// (codebuild-semantics.md §1.8). Immutable value; thread-safe.
//
// Semantics, segment by segment:
//   `**` as a whole segment spans zero or more directory levels;
//   `*`, `?`, `[...]` match within one segment (fnmatch(3) without
//   FNM_PATHNAME or FNM_PERIOD), so `*` never crosses `/` and dotfiles match;
//   anything else is literal.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::artifacts {

// A relative path split at '/': {"dist", "app.jar"}.
using PathSegments = std::vector<std::string>;

class PathGlob {
 public:
  // Parses `pattern` as written. A leading "./", "." segments, repeated and
  // trailing slashes are dropped, so "." alone has no segments (it names the
  // directory the pattern is relative to). Fails with kInvalidInput for an
  // absolute pattern, a ".." segment or a NUL byte: artifact patterns may not
  // leave the source tree.
  static Result<PathGlob> parse(const std::string& pattern);

  const std::string& text() const { return text_; }
  const PathSegments& segments() const { return segments_; }
  // True if some segment uses `*`, `?` or `[`.
  bool has_wildcards() const { return has_wildcards_; }

  // True if `path` as a whole matches.
  bool matches(const PathSegments& path) const;
  // True if some path strictly below the directory `dir` could match: the
  // walker's test for whether descending into `dir` is worth it.
  bool may_match_below(const PathSegments& dir) const;
  // True if every path strictly below `dir` matches (`dir/**`, `dir/**/*`),
  // so an excluded directory need not be walked at all.
  bool matches_everything_below(const PathSegments& dir) const;

 private:
  PathGlob(std::string text, PathSegments segments);
  // Pattern positions reachable after consuming `path`; index size() = end.
  std::vector<bool> states_after(const PathSegments& path) const;
  void add_closure(std::vector<bool>& states) const;

  std::string text_;
  PathSegments segments_;
  bool has_wildcards_ = false;
};

}  // namespace kiln::artifacts
