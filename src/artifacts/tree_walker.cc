// SPDX-License-Identifier: Apache-2.0
#include "artifacts/tree_walker.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

namespace kiln::artifacts {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxDepth = 256;
constexpr std::size_t kMaxEntries = 1'000'000;

std::string errno_text(int err) { return std::generic_category().message(err); }

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

Result<std::vector<std::string>> sorted_names(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), ::closedir);
  if (!handle) return Status(ErrorCode::kIoError, "cannot read directory " + dir + ": " + errno_text(errno));
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(handle.get())) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  if (errno != 0) return Status(ErrorCode::kIoError, "cannot read directory " + dir + ": " + errno_text(errno));
  std::sort(names.begin(), names.end());
  return names;
}

class Walker {
 public:
  Walker(const WalkStart& start, const WalkRules& rules, const std::function<Status(TreeNode)>& visit)
      : start_(start), rules_(rules), visit_(visit) {}

  Status run() {
    ancestors_.push_back(start_.real_dir);
    return walk_dir(start_.real_dir);
  }

 private:
  Status walk_dir(const std::string& real_dir);
  Status walk_entry(const std::string& path, bool wanted, bool enter);
  Status walk_link(const std::string& dir, const std::string& path, bool wanted, bool enter);
  Status enter_dir(const std::string& real_dir);
  Status report(NodeKind kind, std::string real_path, std::string link_target = {}) {
    return visit_(TreeNode{kind, segments_, std::move(real_path), std::move(link_target)});
  }
  std::string display() const {
    std::string out = start_.display;
    for (const std::string& s : segments_) out += (out.empty() ? "" : "/") + s;
    return out;
  }

  const WalkStart& start_;
  const WalkRules& rules_;
  const std::function<Status(TreeNode)>& visit_;
  PathSegments segments_;               // logical path of the current node
  std::vector<std::string> ancestors_;  // real directories being walked, for loop detection
  std::size_t entries_ = 0;
};

Status Walker::walk_dir(const std::string& real_dir) {
  if (segments_.size() >= kMaxDepth)
    return Status(ErrorCode::kLimitExceeded, "artifact path " + display() + ": nested deeper than 256 levels");
  auto names = sorted_names(real_dir);
  if (!names.is_ok()) return names.status();
  for (const std::string& name : names.value()) {
    if (++entries_ > kMaxEntries)
      return Status(ErrorCode::kLimitExceeded, "more than 1,000,000 entries under the artifact base directory");
    segments_.push_back(name);
    // Ask the patterns first: most of a large tree is neither wanted nor
    // entered, and then costs no system call at all.
    bool wanted = rules_.wants(segments_);
    bool enter = rules_.descend(segments_);
    Status s = (wanted || enter) ? walk_entry(join(real_dir, name), wanted, enter) : Status::ok();
    segments_.pop_back();
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

Status Walker::walk_entry(const std::string& path, bool wanted, bool enter) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::ok();  // removed while we walked
    return Status(ErrorCode::kIoError, "cannot stat " + path + ": " + errno_text(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    if (wanted) {
      if (Status s = report(NodeKind::kDirectory, path); !s.is_ok()) return s;
    }
    return enter ? enter_dir(path) : Status::ok();
  }
  if (S_ISLNK(st.st_mode)) return walk_link(fs::path(path).parent_path().string(), path, wanted, enter);
  if (!wanted) return Status::ok();
  return report(S_ISREG(st.st_mode) ? NodeKind::kFile : NodeKind::kOther, path);
}

Status Walker::enter_dir(const std::string& real_dir) {
  ancestors_.push_back(real_dir);
  Status s = walk_dir(real_dir);
  ancestors_.pop_back();
  return s;
}

// codebuild-semantics.md §1.8 leaves symlinks open; our rule is that a link
// may be read or entered only if its fully resolved target is inside the
// source tree, so a build cannot smuggle /etc/shadow (or the host's files
// through a bind mount) into an artifact.
Status Walker::walk_link(const std::string& dir, const std::string& path, bool wanted, bool enter) {
  std::error_code ec;
  fs::path resolved = fs::canonical(path, ec);
  if (ec) return wanted ? report(NodeKind::kBrokenLink, path) : Status::ok();
  std::string target = resolved.string();
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) return wanted ? report(NodeKind::kBrokenLink, path) : Status::ok();
  bool is_dir = S_ISDIR(st.st_mode);
  if (!is_inside(start_.tree_root, target)) {
    // Only a link we would read or enter is an error; an unrelated one (a
    // tool's link into /usr somewhere in node_modules) does not fail the build.
    if (wanted || (is_dir && enter))
      return Status(ErrorCode::kInvalidInput,
                    "artifact path " + display() + " is a symlink to " + target +
                        ", outside the source directory; refusing to follow it");
    return Status::ok();
  }
  if (rules_.keep_links && wanted) {
    std::error_code read_ec;
    fs::path text = fs::read_symlink(path, read_ec);
    if (read_ec) return Status(ErrorCode::kIoError, "cannot read symlink " + path + ": " + read_ec.message());
    // An absolute target is meaningless once the archive is unpacked
    // elsewhere; it is inside the tree, so a relative one says the same.
    if (text.is_absolute()) text = resolved.lexically_relative(dir);
    return report(NodeKind::kKeptLink, path, text.string());
  }
  if (!is_dir) {
    if (!wanted) return Status::ok();
    return report(S_ISREG(st.st_mode) ? NodeKind::kFile : NodeKind::kOther, target);
  }
  if (wanted) {
    if (Status s = report(NodeKind::kDirectory, target); !s.is_ok()) return s;
  }
  // A link back to a directory we are inside would loop forever; its
  // contents are being walked already.
  if (!enter || std::find(ancestors_.begin(), ancestors_.end(), target) != ancestors_.end())
    return Status::ok();
  return enter_dir(target);
}

}  // namespace

bool is_inside(const std::string& tree_root, const std::string& real) {
  if (tree_root == "/") return true;
  return real == tree_root ||
         (real.size() > tree_root.size() && real.compare(0, tree_root.size(), tree_root) == 0 &&
          real[tree_root.size()] == '/');
}

Status walk_tree(const WalkStart& start, const WalkRules& rules,
                 const std::function<Status(TreeNode)>& visit) {
  Walker walker(start, rules, visit);
  return walker.run();
}

}  // namespace kiln::artifacts
