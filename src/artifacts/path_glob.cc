// SPDX-License-Identifier: Apache-2.0
#include "artifacts/path_glob.h"

#include <fnmatch.h>

#include <algorithm>
#include <utility>

namespace kiln::artifacts {

namespace {

constexpr const char* kGlobChars = "*?[";

bool segment_has_wildcards(const std::string& segment) {
  return segment.find_first_of(kGlobChars) != std::string::npos;
}

bool segment_matches(const std::string& pattern, const std::string& name) {
  if (!segment_has_wildcards(pattern)) return pattern == name;
  return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

Status refuse(const std::string& pattern, const std::string& why) {
  return Status(ErrorCode::kInvalidInput, "artifact path \"" + pattern + "\": " + why);
}

}  // namespace

PathGlob::PathGlob(std::string text, PathSegments segments)
    : text_(std::move(text)), segments_(std::move(segments)) {
  has_wildcards_ = std::any_of(segments_.begin(), segments_.end(), segment_has_wildcards);
}

Result<PathGlob> PathGlob::parse(const std::string& pattern) {
  if (pattern.find('\0') != std::string::npos) return refuse(pattern, "contains a NUL byte");
  if (!pattern.empty() && pattern.front() == '/')
    return refuse(pattern, "absolute paths are not allowed; paths are relative to the source directory");
  PathSegments segments;
  std::size_t start = 0;
  while (start <= pattern.size()) {
    std::size_t slash = pattern.find('/', start);
    if (slash == std::string::npos) slash = pattern.size();
    std::string segment = pattern.substr(start, slash - start);
    if (segment == "..") return refuse(pattern, "\"..\" segments are not allowed");
    if (!segment.empty() && segment != ".") segments.push_back(std::move(segment));
    start = slash + 1;
  }
  return PathGlob(pattern, std::move(segments));
}

// `**` may match nothing, so reaching it also reaches the position after it.
void PathGlob::add_closure(std::vector<bool>& states) const {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (states[i] && segments_[i] == "**") states[i + 1] = true;
  }
}

// A small NFA over pattern positions: linear in path length times pattern
// length, with no backtracking blow-up on patterns like `**/**/**/x`.
std::vector<bool> PathGlob::states_after(const PathSegments& path) const {
  std::vector<bool> states(segments_.size() + 1, false);
  states[0] = true;
  add_closure(states);
  for (const std::string& name : path) {
    std::vector<bool> next(segments_.size() + 1, false);
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      if (!states[i]) continue;
      if (segments_[i] == "**") {
        next[i] = true;
      } else if (segment_matches(segments_[i], name)) {
        next[i + 1] = true;
      }
    }
    add_closure(next);
    states = std::move(next);
  }
  return states;
}

bool PathGlob::matches(const PathSegments& path) const { return states_after(path).back(); }

bool PathGlob::may_match_below(const PathSegments& dir) const {
  std::vector<bool> states = states_after(dir);
  // Any live position short of the end still has a segment to consume.
  return std::find(states.begin(), states.end() - 1, true) != states.end() - 1;
}

bool PathGlob::matches_everything_below(const PathSegments& dir) const {
  std::vector<bool> states = states_after(dir);
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (!states[i]) continue;
    // The rest must accept any depth >= 1: only `*` and `**`, at least one
    // `**`, and at most one `*` (two would demand depth >= 2).
    int stars = 0, globstars = 0;
    bool only_wild = true;
    for (std::size_t j = i; j < segments_.size(); ++j) {
      if (segments_[j] == "**") {
        ++globstars;
      } else if (segments_[j] == "*") {
        ++stars;
      } else {
        only_wild = false;
      }
    }
    if (only_wild && globstars >= 1 && stars <= 1) return true;
  }
  return false;
}

}  // namespace kiln::artifacts
