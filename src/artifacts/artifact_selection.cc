// SPDX-License-Identifier: Apache-2.0
#include "artifacts/artifact_selection.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "artifacts/path_glob.h"
#include "artifacts/tree_walker.h"

namespace kiln::artifacts {

namespace fs = std::filesystem;

namespace {

std::string join(const PathSegments& segments) {
  std::string out;
  for (const std::string& s : segments) out += (out.empty() ? "" : "/") + s;
  return out;
}

std::string join(const std::string& prefix, const PathSegments& segments) {
  std::string rest = join(segments);
  if (prefix.empty()) return rest;
  return rest.empty() ? prefix : prefix + "/" + rest;
}

Result<std::vector<PathGlob>> parse_globs(const std::vector<std::string>& texts, const char* key) {
  std::vector<PathGlob> globs;
  for (const std::string& text : texts) {
    auto glob = PathGlob::parse(text);
    if (!glob.is_ok()) return Status(glob.status().code(), std::string(key) + ": " + glob.status().message());
    globs.push_back(std::move(glob).value());
  }
  return globs;
}

// A base directory: one root whose contents (not the directory itself) go
// into the artifact.
struct Root {
  std::string real;     // canonical path
  std::string display;  // relative to the source directory; "" is the source directory
};

// One candidate below a root, before patterns are applied in order.
struct Candidate {
  TreeNode node;
  std::string relative;  // path below the root
};

// What the selection has chosen so far, in choice order.
struct Chosen {
  SelectedFile file;
  std::string display;  // relative to the source directory, for messages
};

class Selector {
 public:
  Selector(std::string tree_root, const model::ArtifactsSpec& spec, const LogLine& log)
      : tree_root_(std::move(tree_root)), spec_(spec), log_(log) {}

  Status parse_patterns();
  Result<std::vector<Root>> find_roots();
  Status select_in(const Root& root);
  Result<std::vector<SelectedFile>> finish();

 private:
  void log(const std::string& line) const {
    if (log_) log_(line);
  }
  bool any_include_matches(const PathSegments& path) const {
    return std::any_of(include_.begin(), include_.end(), [&](const PathGlob& g) { return g.matches(path); });
  }
  bool any_exclude_matches(const PathSegments& path) const {
    return std::any_of(exclude_.begin(), exclude_.end(), [&](const PathGlob& g) { return g.matches(path); });
  }
  bool worth_entering(const PathSegments& dir) const {
    return std::any_of(include_.begin(), include_.end(), [&](const PathGlob& g) { return g.may_match_below(dir); }) &&
           std::none_of(exclude_.begin(), exclude_.end(),
                        [&](const PathGlob& g) { return g.matches_everything_below(dir); });
  }
  Result<std::vector<Candidate>> collect(const Root& root) const;
  void choose(const Candidate& candidate, const Root& root);

  const std::string tree_root_;
  const model::ArtifactsSpec& spec_;
  const LogLine& log_;
  std::string base_text_;
  std::vector<PathGlob> base_;  // exactly one after parse_patterns()
  std::vector<PathGlob> include_;
  std::vector<PathGlob> exclude_;
  std::vector<Chosen> chosen_;
};

Status Selector::parse_patterns() {
  base_text_ = spec_.base_directory.empty() ? "." : spec_.base_directory;
  auto base = parse_globs({base_text_}, "artifacts.base-directory");
  if (!base.is_ok()) return base.status();
  base_ = std::move(base).value();
  auto include = parse_globs(spec_.files, "artifacts.files");
  if (!include.is_ok()) return include.status();
  include_ = std::move(include).value();
  auto exclude = parse_globs(spec_.exclude_paths, "artifacts.exclude-paths");
  if (!exclude.is_ok()) return exclude.status();
  exclude_ = std::move(exclude).value();
  return Status::ok();
}

// §1.8 step 1: base-directory may be a glob; every directory it matches is a
// root. The walk refuses a base directory that is a symlink leading out.
Result<std::vector<Root>> Selector::find_roots() {
  log("Expanding base directory path: " + base_text_);
  log("Assembling file list");
  log("Expanding " + base_text_);
  const PathGlob& base = base_.front();
  if (base.segments().empty()) return std::vector<Root>{{tree_root_, ""}};
  std::vector<Root> roots;
  WalkRules rules{[&](const PathSegments& p) { return base.matches(p); },
                  [&](const PathSegments& p) { return base.may_match_below(p); }, false};
  Status s = walk_tree({tree_root_, tree_root_, ""}, rules, [&](TreeNode node) {
    if (node.kind == NodeKind::kDirectory) roots.push_back({node.real_path, join(node.segments)});
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  if (roots.empty()) {
    // Observed CodeBuild output for a missing base directory (aws-cdk#28519).
    log("Skipping invalid file path " + base_text_);
    return Status(ErrorCode::kNotFound, "no matching base directory path found for " + base_text_);
  }
  return roots;
}

// Every file below `root` that some `files` pattern matches and no
// `exclude-paths` pattern does, sorted by path.
Result<std::vector<Candidate>> Selector::collect(const Root& root) const {
  std::vector<Candidate> candidates;
  WalkRules rules{[&](const PathSegments& p) { return any_include_matches(p) && !any_exclude_matches(p); },
                  [&](const PathSegments& p) { return worth_entering(p); }, spec_.enable_symlinks};
  Status s = walk_tree({tree_root_, root.real, root.display}, rules, [&](TreeNode node) {
    if (node.kind != NodeKind::kDirectory) {
      std::string relative = join(node.segments);
      candidates.push_back({std::move(node), std::move(relative)});
    }
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.relative < b.relative; });
  return candidates;
}

Status Selector::select_in(const Root& root) {
  log("Expanding file paths for base directory " + (root.display.empty() ? base_text_ : root.display));
  log("Assembling file list");
  auto candidates = collect(root);
  if (!candidates.is_ok()) return candidates.status();
  std::set<std::string> taken;  // a file matched by two patterns is chosen once
  for (const PathGlob& pattern : include_) {
    log("Expanding " + pattern.text());
    std::size_t matched = 0;
    for (const Candidate& candidate : candidates.value()) {
      if (!pattern.matches(candidate.node.segments)) continue;
      ++matched;
      if (taken.insert(candidate.relative).second) choose(candidate, root);
    }
    // CodeBuild logs this for a literal path that names no file (including a
    // bare directory such as `dist`); a glob that matches nothing is silent.
    if (matched == 0 && !pattern.has_wildcards()) log("Skipping invalid file path " + pattern.text());
  }
  return Status::ok();
}

void Selector::choose(const Candidate& candidate, const Root& root) {
  const TreeNode& node = candidate.node;
  std::string display = join(root.display, node.segments);
  if (node.kind == NodeKind::kBrokenLink) {
    log("Skipping broken symlink " + display);
    return;
  }
  if (node.kind == NodeKind::kOther) {
    log("Skipping " + display + ": not a regular file");
    return;
  }
  // §1.8 step 4: discard-paths keeps only the file name.
  std::string artifact_path = spec_.discard_paths ? node.segments.back() : candidate.relative;
  chosen_.push_back({{node.real_path, std::move(artifact_path), node.link_target}, std::move(display)});
}

// Resolves duplicate artifact paths (§1.8 step 4 leaves collisions open; we
// let the later file win and say so) and sorts.
Result<std::vector<SelectedFile>> Selector::finish() {
  std::map<std::string, std::size_t> by_path;  // artifact path -> index into chosen_
  for (std::size_t i = 0; i < chosen_.size(); ++i) {
    auto [it, inserted] = by_path.emplace(chosen_[i].file.artifact_path, i);
    if (inserted) continue;
    const Chosen& old = chosen_[it->second];
    bool same = old.file.source_path == chosen_[i].file.source_path &&
                old.file.link_target == chosen_[i].file.link_target;
    if (!same)
      log("Warning: more than one file maps to artifact path " + it->first + "; keeping " +
          chosen_[i].display + ", dropping " + old.display);
    it->second = i;
  }
  if (by_path.empty()) return Status(ErrorCode::kNotFound, kNoMatchingPathsMessage);
  std::vector<SelectedFile> files;
  for (const auto& [path, index] : by_path) files.push_back(std::move(chosen_[index].file));
  log("Found " + std::to_string(files.size()) + " file(s)");
  return files;
}

}  // namespace

Result<std::vector<SelectedFile>> select_artifact_files(const std::string& source_dir,
                                                        const model::ArtifactsSpec& spec,
                                                        const LogLine& log) {
  std::error_code ec;
  fs::path tree_root = fs::canonical(source_dir, ec);
  if (ec || !fs::is_directory(tree_root, ec))
    return Status(ErrorCode::kInvalidInput, "source directory " + source_dir + " is not a directory");
  Selector selector(tree_root.string(), spec, log);
  if (Status s = selector.parse_patterns(); !s.is_ok()) return s;
  auto roots = selector.find_roots();
  if (!roots.is_ok()) return roots.status();
  for (const Root& root : roots.value()) {
    if (Status s = selector.select_in(root); !s.is_ok()) return s;
  }
  return selector.finish();
}

}  // namespace kiln::artifacts
