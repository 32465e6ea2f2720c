// SPDX-License-Identifier: Apache-2.0
// Walks a directory inside a source tree for artifact selection, enforcing
// the one rule that matters for safety: nothing outside the source tree is
// reported or entered. Symlinks are resolved, never followed out; an in-tree
// symlinked directory is entered (with loop detection) unless kept as a
// link. Stateless apart from its arguments; thread-safe.
#pragma once

#include <functional>
#include <string>

#include "artifacts/path_glob.h"
#include "common/status.h"

namespace kiln::artifacts {

enum class NodeKind {
  kFile,        // a regular file, or a symlink to one (resolved)
  kDirectory,   // a directory, or a symlink to one (resolved)
  kKeptLink,    // a symlink kept as a link (WalkRules::keep_links)
  kBrokenLink,  // a symlink that does not resolve (dangling or a loop)
  kOther,       // FIFO, socket or device: nothing to archive
};

struct TreeNode {
  NodeKind kind = NodeKind::kFile;
  PathSegments segments;    // logical path below the walk's start, as the user sees it
  std::string real_path;    // canonical path of what to read; for links, the link itself
  std::string link_target;  // kKeptLink: the target to store, relative
};

struct WalkRules {
  // Report the node at this path (and, for a symlink, resolve it).
  std::function<bool(const PathSegments&)> wants;
  // Enter the directory at this path.
  std::function<bool(const PathSegments&)> descend;
  // A wanted in-tree symlink is reported as kKeptLink instead of resolved.
  bool keep_links = false;
};

struct WalkStart {
  std::string tree_root;  // canonical source directory: the boundary
  std::string real_dir;   // canonical directory to walk, inside tree_root
  std::string display;    // its path relative to tree_root ("" for the root), for messages
};

// Visits, in sorted order per directory, every node `rules` wants below
// `start.real_dir`. Fails with kInvalidInput naming the path (relative to the
// source directory) when a wanted symlink, or a symlinked directory the rules
// would enter, resolves outside `start.tree_root`; kLimitExceeded past 256
// levels or 1,000,000 visited entries (symlink fan-out is finite but can be
// large); kIoError when a directory cannot be read. A visitor error stops the
// walk and is returned.
Status walk_tree(const WalkStart& start, const WalkRules& rules,
                 const std::function<Status(TreeNode)>& visit);

// True if the canonical path `real` is `tree_root` or below it.
bool is_inside(const std::string& tree_root, const std::string& real);

}  // namespace kiln::artifacts
