// SPDX-License-Identifier: Apache-2.0
#include "source/git_checkout.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "common/subprocess.h"

namespace kiln::source {

namespace {

using Clock = std::chrono::steady_clock;

struct Output {
  int exit_code = 0;
  std::vector<std::string> lines;  // stdout and stderr, merged
};

// Runs git commands by argv against one deadline, without prompts, with
// messages in English (they are classified below and end up in the build log).
class Git {
 public:
  Git(std::string git, Clock::time_point deadline, const ProgressSink& progress)
      : git_(std::move(git)), deadline_(deadline), progress_(progress) {}

  // Runs `git <args>`; `echo` copies its output to the progress sink.
  Result<Output> run(const std::vector<std::string>& args, bool echo) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) return Status(ErrorCode::kUnavailable, "git: source fetch timed out");
    std::vector<std::string> argv = {git_, "-c", "protocol.ext.allow=never", "-c",
                                     "advice.detachedHead=false", "-c", "init.defaultBranch=main"};
    argv.insert(argv.end(), args.begin(), args.end());
    Output out;
    Result<int> code = run_process(
        argv, {"GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "LANGUAGE=C"},
        [&](std::string_view line) {
          out.lines.emplace_back(line);
          if (echo && progress_) progress_(std::string(line));
        },
        left);
    if (!code.is_ok()) return code.status();
    out.exit_code = code.value();
    return out;
  }

  // Runs and fails with git's own message unless it exits 0.
  Result<Output> must(const std::vector<std::string>& args, bool echo) const {
    Result<Output> out = run(args, echo);
    if (out.is_ok() && out->exit_code != 0) return failure(args, out.value());
    return out;
  }

  static Status failure(const std::vector<std::string>& args, const Output& out) {
    std::string message;
    for (const std::string& line : out.lines) {
      if (line.empty()) continue;
      if (!message.empty()) message += "; ";
      message += line;
    }
    ErrorCode code = ErrorCode::kUnavailable;
    for (const char* missing : {"does not appear to be a git repository", "not found",
                                "does not exist", "did not match any", "not our ref",
                                "No such file or directory"}) {
      if (message.find(missing) != std::string::npos) code = ErrorCode::kNotFound;
    }
    const std::string& command = args.size() > 2 && args[0] == "-C" ? args[2] : args.front();
    return Status(code, "git " + command + " failed (exit " +
                            std::to_string(out.exit_code) + "): " + message);
  }

 private:
  std::string git_;
  Clock::time_point deadline_;
  const ProgressSink& progress_;
};

bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool is_full_sha(const std::string& s) { return (s.size() == 40 || s.size() == 64) && is_hex(s); }

bool is_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ref name -> SHA, plus "HEAD" -> the symref target under the key "ref: HEAD".
std::map<std::string, std::string> parse_ls_remote(const std::string& text) {
  std::map<std::string, std::string> refs;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string left = line.substr(0, tab);
    std::string name = line.substr(tab + 1);
    if (left.rfind("ref: ", 0) == 0) {
      refs["ref: " + name] = left.substr(5);
    } else if (is_full_sha(left)) {
      refs[name] = left;
    }
  }
  return refs;
}

ResolvedRef classify_ref(const std::string& ref, const std::string& sha) {
  if (ref.rfind("refs/heads/", 0) == 0) return {RefKind::kBranch, ref, ref.substr(11)};
  if (ref.rfind("refs/tags/", 0) == 0) return {RefKind::kTag, ref, ""};
  if (ref == "HEAD") return {RefKind::kCommit, sha, ""};
  return {RefKind::kOtherRef, ref, ""};
}

Status no_match(const std::string& version, const std::string& location) {
  return Status(ErrorCode::kNotFound,
                "source version '" + version +
                    "' did not match any branch, tag, pull request or commit of " + location);
}

// Where a fetched ref is kept locally.
std::string local_ref(const ResolvedRef& ref) {
  if (ref.kind == RefKind::kBranch) return "refs/remotes/origin/" + ref.branch;
  if (ref.kind == RefKind::kTag) return ref.ref;
  return "refs/remotes/origin/" + ref.ref.substr(5);  // refs/pull/3/head -> origin/pull/3/head
}

// A local repository path given relative to our directory must stay valid
// when git runs inside `dest`.
std::string absolute_location(const std::string& location) {
  std::error_code ec;
  if (location.find("://") == std::string::npos && std::filesystem::exists(location, ec)) {
    return std::filesystem::absolute(location, ec).string();
  }
  return location;
}

// Fetches what `ref` needs into the repository at `dest`. Shallow only for a
// ref or a full SHA (a server may refuse a SHA it does not advertise; then
// everything is fetched); an abbreviated SHA needs the whole history.
Status fetch(const Git& git, const std::string& dest, const ResolvedRef& ref,
             const std::string& version, int depth) {
  bool by_sha = ref.kind == RefKind::kCommit;
  if (depth > 0 && (!by_sha || is_full_sha(ref.ref))) {
    std::string refspec = by_sha ? ref.ref : "+" + ref.ref + ":" + local_ref(ref);
    Result<Output> out = git.run(
        {"-C", dest, "fetch", "--no-tags", "--depth", std::to_string(depth), "origin", refspec},
        true);
    if (!out.is_ok()) return out.status();
    if (out->exit_code == 0) return Status::ok();
    if (!by_sha) return Git::failure({"fetch"}, out.value());
  }
  std::vector<std::string> args = {"-C", dest, "fetch", "--tags", "origin",
                                   "+refs/heads/*:refs/remotes/origin/*"};
  if (ref.kind == RefKind::kOtherRef) args.push_back("+" + ref.ref + ":" + local_ref(ref));
  Result<Output> all = git.must(args, true);
  if (!all.is_ok()) return all.status();
  if (!by_sha) return Status::ok();
  // A commit reachable only from an unadvertised ref (a pull request's) can
  // still be fetched by its full SHA from servers that allow it.
  Result<Output> known = git.run({"-C", dest, "rev-parse", "--verify", "--quiet",
                                  ref.ref + "^{commit}"}, false);
  if (!known.is_ok()) return known.status();
  if (known->exit_code == 0) return Status::ok();
  if (is_full_sha(ref.ref)) {
    Result<Output> direct = git.run({"-C", dest, "fetch", "--no-tags", "origin", ref.ref}, true);
    if (!direct.is_ok()) return direct.status();
    if (direct->exit_code == 0) return Status::ok();
  }
  return Status(ErrorCode::kNotFound, "source version '" + version +
                                          "' did not match any commit of the repository");
}

Status check_out(const Git& git, const std::string& dest, const ResolvedRef& ref) {
  std::vector<std::string> args = {"-C", dest, "checkout", "-q"};
  if (ref.kind == RefKind::kBranch) {
    args.insert(args.end(), {"-B", ref.branch, local_ref(ref)});
  } else if (ref.kind == RefKind::kCommit) {
    args.insert(args.end(), {"--detach", ref.ref + "^{commit}"});
  } else {
    args.insert(args.end(), {"--detach", local_ref(ref) + "^{commit}"});
  }
  args.push_back("--");
  return git.must(args, true).status();
}

Status check_argument(const std::string& what, const std::string& value) {
  if (!value.empty() && value.front() == '-') {
    return Status(ErrorCode::kInvalidInput, what + " '" + value + "' must not start with '-'");
  }
  if (value.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
    return Status(ErrorCode::kInvalidInput, what + " contains a control character");
  }
  return Status::ok();
}

}  // namespace

Result<ResolvedRef> resolve_version(const std::string& version, const std::string& ls_remote,
                                    const std::string& location) {
  std::map<std::string, std::string> refs = parse_ls_remote(ls_remote);
  auto sha_of = [&](const std::string& ref) {
    auto it = refs.find(ref);
    return it == refs.end() ? std::string() : it->second;
  };
  if (version.empty()) {
    std::string head = sha_of("ref: HEAD");
    if (!head.empty()) return classify_ref(head, sha_of(head));
    if (!sha_of("HEAD").empty()) return ResolvedRef{RefKind::kCommit, sha_of("HEAD"), ""};
    return Status(ErrorCode::kNotFound, location + " has no default branch (an empty repository?)");
  }
  std::string full = version;
  if (version.rfind("pr/", 0) == 0 && is_digits(version.substr(3))) {
    full = "refs/pull/" + version.substr(3) + "/head";
  }
  if (full.rfind("refs/", 0) == 0) {
    if (sha_of(full).empty()) return no_match(version, location);
    return classify_ref(full, sha_of(full));
  }
  for (const char* prefix : {"refs/heads/", "refs/tags/"}) {
    if (!sha_of(prefix + version).empty()) return classify_ref(std::string(prefix) + version, "");
  }
  if (version.size() >= 4 && version.size() <= 64 && is_hex(version)) {
    return ResolvedRef{RefKind::kCommit, version, ""};
  }
  return no_match(version, location);
}

Result<FetchedSource> git_checkout(const SourceRequest& request, const std::string& dest,
                                   const ProgressSink& progress) {
  if (request.location.empty()) {
    return Status(ErrorCode::kInvalidInput, "git source: location is empty");
  }
  if (Status s = check_argument("git location", request.location); !s.is_ok()) return s;
  if (Status s = check_argument("source version", request.version); !s.is_ok()) return s;
  Result<std::string> program = find_program("git");
  if (!program.is_ok()) return program.status();
  Git git(program.value(), Clock::now() + request.timeout, progress);
  std::string location = absolute_location(request.location);

  if (progress) progress("Listing the refs of " + request.location);
  Result<Output> listed = git.must({"ls-remote", "--symref", "--", location}, false);
  if (!listed.is_ok()) return listed.status();
  std::string ls_remote;
  for (const std::string& line : listed->lines) ls_remote += line + "\n";
  Result<ResolvedRef> ref = resolve_version(request.version, ls_remote, request.location);
  if (!ref.is_ok()) return ref.status();

  if (progress) {
    progress("Fetching " + (request.version.empty() ? "the default branch" : request.version) +
             " from " + request.location);
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"init", "-q", "--", dest},
        std::vector<std::string>{"-C", dest, "remote", "add", "origin", location}}) {
    if (Result<Output> out = git.must(args, true); !out.is_ok()) return out.status();
  }
  if (Status s = fetch(git, dest, ref.value(), request.version, request.git_clone_depth);
      !s.is_ok()) {
    return s;
  }
  if (Status s = check_out(git, dest, ref.value()); !s.is_ok()) return s;
  Result<Output> head = git.must({"-C", dest, "rev-parse", "HEAD"}, false);
  if (!head.is_ok()) return head.status();
  if (head->lines.empty() || !is_full_sha(head->lines.back())) {
    return Status(ErrorCode::kInternal, "git rev-parse HEAD printed no commit");
  }
  FetchedSource fetched;
  fetched.resolved_version = head->lines.back();
  if (progress) progress("Checked out commit " + fetched.resolved_version);
  return fetched;
}

}  // namespace kiln::source
