// SPDX-License-Identifier: Apache-2.0
#include "source/git_checkout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "source/source_fetcher.h"
#include "support/test_support.h"

namespace kiln::source {
namespace {

using kiln::testing::run_command;
using kiln::testing::TempDir;

// An origin repository with history on `main`, a `feature` branch, a tag
// `v1` and a pull-request ref refs/pull/3/head, built with the real git.
class GitCheckoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    origin_ = tmp_.path() + "/origin";
    dest_ = tmp_.path() + "/dest";
    std::filesystem::create_directories(dest_);
    git({"init", "-q", "-b", "main", origin_});
    first_ = commit("a.txt", "one");
    tagged_ = commit("a.txt", "two");
    git({"-C", origin_, "tag", "v1"});
    main_ = commit("a.txt", "three");
    git({"-C", origin_, "checkout", "-q", "-b", "feature"});
    feature_ = commit("b.txt", "feature");
    git({"-C", origin_, "checkout", "-q", "-b", "pr3", "main"});
    pr_ = commit("c.txt", "pull request");
    git({"-C", origin_, "update-ref", "refs/pull/3/head", pr_});
    git({"-C", origin_, "checkout", "-q", "main"});
    git({"-C", origin_, "branch", "-q", "-D", "pr3"});
  }

  std::string git(std::vector<std::string> args) {
    std::vector<std::string> argv = {"git", "-c", "user.name=kiln test", "-c",
                                     "user.email=test@kiln.invalid", "-c", "commit.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    kiln::testing::CommandResult result = run_command(argv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::string out = result.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  std::string commit(const std::string& file, const std::string& content) {
    tmp_.write("origin/" + file, content);
    git({"-C", origin_, "add", file});
    git({"-C", origin_, "commit", "-q", "-m", "set " + file + " to " + content});
    return git({"-C", origin_, "rev-parse", "HEAD"});
  }

  Result<FetchedSource> fetch(const std::string& version, int depth = 0,
                              const std::string& location = "") {
    SourceRequest request;
    request.kind = SourceKind::kGit;
    request.location = location.empty() ? origin_ : location;
    request.version = version;
    request.git_clone_depth = depth;
    return fetch_source(request, dest_, [this](const std::string& line) {
      progress_.push_back(line);
    });
  }

  std::string dest_file(const std::string& name) {
    std::ifstream in(dest_ + "/" + name);
    std::string content;
    std::getline(in, content);
    return content;
  }

  TempDir tmp_;
  std::string origin_, dest_;
  std::string first_, tagged_, main_, feature_, pr_;
  std::vector<std::string> progress_;
};

TEST_F(GitCheckoutTest, DefaultIsTheRemoteHeadBranch) {
  Result<FetchedSource> fetched = fetch("");
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, main_);
  EXPECT_EQ(dest_file("a.txt"), "three");
  EXPECT_EQ(git({"-C", dest_, "rev-parse", "--abbrev-ref", "HEAD"}), "main");
  EXPECT_FALSE(progress_.empty());
}

TEST_F(GitCheckoutTest, ChecksOutABranch) {
  Result<FetchedSource> fetched = fetch("feature");
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, feature_);
  EXPECT_EQ(dest_file("b.txt"), "feature");
  EXPECT_EQ(git({"-C", dest_, "rev-parse", "--abbrev-ref", "HEAD"}), "feature");
}

TEST_F(GitCheckoutTest, ChecksOutATag) {
  Result<FetchedSource> fetched = fetch("v1");
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, tagged_);
  EXPECT_EQ(dest_file("a.txt"), "two");
}

TEST_F(GitCheckoutTest, ChecksOutAFullSha) {
  Result<FetchedSource> fetched = fetch(first_);
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, first_);
  EXPECT_EQ(dest_file("a.txt"), "one");
}

TEST_F(GitCheckoutTest, ChecksOutAnAbbreviatedSha) {
  Result<FetchedSource> fetched = fetch(tagged_.substr(0, 8));
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, tagged_);
}

TEST_F(GitCheckoutTest, ChecksOutAPullRequestByShortAndFullName) {
  Result<FetchedSource> fetched = fetch("pr/3");
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, pr_);
  EXPECT_EQ(dest_file("c.txt"), "pull request");

  TempDir other;
  dest_ = other.path();
  fetched = fetch("refs/pull/3/head", 1);
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, pr_);
}

TEST_F(GitCheckoutTest, DepthOneIsShallow) {
  Result<FetchedSource> fetched = fetch("main", 1);
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, main_);
  EXPECT_EQ(git({"-C", dest_, "rev-list", "--count", "HEAD"}), "1");
  EXPECT_EQ(git({"-C", dest_, "rev-parse", "--is-shallow-repository"}), "true");
}

TEST_F(GitCheckoutTest, DepthOneOfAFullSha) {
  Result<FetchedSource> fetched = fetch(tagged_, 1);
  ASSERT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->resolved_version, tagged_);
  EXPECT_EQ(dest_file("a.txt"), "two");
}

TEST_F(GitCheckoutTest, UnknownRefIsNotFound) {
  Result<FetchedSource> fetched = fetch("no-such-branch");
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(fetched.status().message().find("did not match any"), std::string::npos)
      << fetched.status().message();
}

TEST_F(GitCheckoutTest, UnknownShaIsNotFound) {
  Result<FetchedSource> fetched = fetch("deadbeefdeadbeef");
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(fetched.status().message().find("did not match any"), std::string::npos)
      << fetched.status().message();
}

TEST_F(GitCheckoutTest, MissingRepositoryCarriesGitsMessage) {
  Result<FetchedSource> fetched = fetch("", 0, tmp_.path() + "/nowhere");
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(fetched.status().message().find("does not appear to be a git repository"),
            std::string::npos)
      << fetched.status().message();
}

TEST_F(GitCheckoutTest, RejectsAnOptionLikeVersion) {
  Result<FetchedSource> fetched = fetch("--upload-pack=touch /tmp/x");
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.status().code(), ErrorCode::kInvalidInput);
}

TEST(ResolveVersionTest, BranchWinsOverTagAndHexIsACommit) {
  std::string sha(40, 'a');
  std::string listing = "ref: refs/heads/dev\tHEAD\n" + sha + "\tHEAD\n" + sha +
                        "\trefs/heads/dev\n" + sha + "\trefs/heads/x\n" + sha + "\trefs/tags/x\n";
  Result<ResolvedRef> head = resolve_version("", listing, "repo");
  ASSERT_TRUE(head.is_ok());
  EXPECT_EQ(head->kind, RefKind::kBranch);
  EXPECT_EQ(head->branch, "dev");
  Result<ResolvedRef> x = resolve_version("x", listing, "repo");
  ASSERT_TRUE(x.is_ok());
  EXPECT_EQ(x->kind, RefKind::kBranch);
  Result<ResolvedRef> commit = resolve_version("abc1234", listing, "repo");
  ASSERT_TRUE(commit.is_ok());
  EXPECT_EQ(commit->kind, RefKind::kCommit);
  EXPECT_FALSE(resolve_version("pr/7", listing, "repo").is_ok());
}

}  // namespace
}  // namespace kiln::source
