// SPDX-License-Identifier: Apache-2.0
#include "artifacts/artifact_selection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "artifacts_test_util.h"
#include "support/test_support.h"

namespace kiln::artifacts {
namespace {

namespace fs = std::filesystem;
using kiln::artifacts::testing::artifact_paths;
using kiln::artifacts::testing::make_files;
using kiln::testing::TempDir;
using Paths = std::vector<std::string>;

class ArtifactSelectionTest : public ::testing::Test {
 protected:
  Result<std::vector<SelectedFile>> select(const std::vector<std::string>& files) {
    spec_.files = files;
    return select();
  }
  Result<std::vector<SelectedFile>> select() {
    log_.clear();
    return select_artifact_files(src_.path(), spec_, [this](const std::string& line) { log_.push_back(line); });
  }
  Paths selected(const std::vector<std::string>& files) {
    auto result = select(files);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    return result.is_ok() ? artifact_paths(result.value()) : Paths{};
  }
  bool logged(const std::string& line) const {
    return std::find(log_.begin(), log_.end(), line) != log_.end();
  }
  std::string path(const std::string& relative) const { return src_.path() + "/" + relative; }
  void link(const std::string& target, const std::string& relative) {
    fs::create_directories(fs::path(path(relative)).parent_path());
    fs::create_symlink(target, path(relative));
  }

  TempDir src_;
  model::ArtifactsSpec spec_;
  std::vector<std::string> log_;
};

TEST_F(ArtifactSelectionTest, SelectsASingleFileWithItsCanonicalPath) {
  make_files(src_, {"dist/app.jar", "dist/other.jar"});
  auto files = select({"dist/app.jar"});
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ(files->at(0).artifact_path, "dist/app.jar");
  EXPECT_EQ(files->at(0).source_path, fs::canonical(path("dist/app.jar")).string());
  EXPECT_TRUE(files->at(0).link_target.empty());
}

TEST_F(ArtifactSelectionTest, DirStarSelectsOnlyFilesDirectlyInDir) {
  make_files(src_, {"dist/a", "dist/b", "dist/sub/c", "other/d"});
  EXPECT_EQ(selected({"dist/*"}), (Paths{"dist/a", "dist/b"}));
}

TEST_F(ArtifactSelectionTest, GlobstarStarSelectsEverythingRecursively) {
  make_files(src_, {"a", "dist/b", "dist/sub/deep/c", ".env", "dist/.hidden"});
  EXPECT_EQ(selected({"**/*"}), (Paths{".env", "a", "dist/.hidden", "dist/b", "dist/sub/deep/c"}));
}

TEST_F(ArtifactSelectionTest, DirGlobstarSelectsEverythingUnderDir) {
  make_files(src_, {"dist/a", "dist/sub/deep/c", "other/d", "dist.txt"});
  EXPECT_EQ(selected({"dist/**/*"}), (Paths{"dist/a", "dist/sub/deep/c"}));
}

TEST_F(ArtifactSelectionTest, StarDoesNotCrossDirectories) {
  make_files(src_, {"top.jar", "lib/nested.jar"});
  EXPECT_EQ(selected({"*.jar"}), (Paths{"top.jar"}));
  EXPECT_EQ(selected({"**/*.jar"}), (Paths{"lib/nested.jar", "top.jar"}));
}

TEST_F(ArtifactSelectionTest, DotfilesMatchStar) {
  make_files(src_, {".env", "dist/.hidden", "visible"});
  EXPECT_EQ(selected({"*"}), (Paths{".env", "visible"}));
  EXPECT_EQ(selected({"dist/*"}), (Paths{"dist/.hidden"}));
}

TEST_F(ArtifactSelectionTest, PlainBaseDirectoryContributesItsContentsNotItself) {
  make_files(src_, {"dist/a", "dist/sub/b", "other/c"});
  spec_.base_directory = "dist";
  EXPECT_EQ(selected({"**/*"}), (Paths{"a", "sub/b"}));
  EXPECT_TRUE(logged("Expanding base directory path: dist"));
  EXPECT_TRUE(logged("Expanding file paths for base directory dist"));
}

TEST_F(ArtifactSelectionTest, GlobBaseDirectoryMakesEachMatchARoot) {
  make_files(src_, {"build-a/x", "build-b/sub/y", "other/z", "build-file"});
  spec_.base_directory = "build-*";
  EXPECT_EQ(selected({"**/*"}), (Paths{"sub/y", "x"}));
  EXPECT_TRUE(logged("Expanding file paths for base directory build-a"));
  EXPECT_TRUE(logged("Expanding file paths for base directory build-b"));
}

TEST_F(ArtifactSelectionTest, MissingBaseDirectoryFailsAsCodeBuildDoes) {
  make_files(src_, {"dist/a"});
  spec_.base_directory = "out";
  auto files = select({"**/*"});
  EXPECT_EQ(files.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(files.status().message(), "no matching base directory path found for out");
  EXPECT_TRUE(logged("Skipping invalid file path out"));
}

TEST_F(ArtifactSelectionTest, ExcludePathsRemoveMatches) {
  make_files(src_, {"app.jar", "build.log", "logs/x.log", "tmp/a", "tmp/deep/b", "src/tmp/c"});
  spec_.exclude_paths = {"**/*.log", "tmp/**/*"};
  EXPECT_EQ(selected({"**/*"}), (Paths{"app.jar", "src/tmp/c"}));
}

TEST_F(ArtifactSelectionTest, ExcludePathsAreRelativeToTheBaseDirectory) {
  make_files(src_, {"dist/a", "dist/sub/b", "sub/c"});
  spec_.base_directory = "dist";
  spec_.exclude_paths = {"sub/*"};
  EXPECT_EQ(selected({"**/*"}), (Paths{"a"}));
}

TEST_F(ArtifactSelectionTest, DiscardPathsFlattens) {
  make_files(src_, {"com/x/App.java", "com/y/Lib.java"});
  spec_.discard_paths = true;
  auto files = select({"**/*.java"});
  ASSERT_TRUE(files.is_ok());
  EXPECT_EQ(artifact_paths(files.value()), (Paths{"App.java", "Lib.java"}));
  EXPECT_EQ(files->at(0).source_path, fs::canonical(path("com/x/App.java")).string());
}

TEST_F(ArtifactSelectionTest, DiscardPathsCollisionKeepsTheLaterFileAndWarns) {
  make_files(src_, {"a/App.class", "b/App.class"});
  spec_.discard_paths = true;
  auto files = select({"**/*.class"});
  ASSERT_TRUE(files.is_ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ(files->at(0).artifact_path, "App.class");
  EXPECT_EQ(files->at(0).source_path, fs::canonical(path("b/App.class")).string());
  EXPECT_TRUE(logged("Warning: more than one file maps to artifact path App.class; keeping b/App.class, "
                     "dropping a/App.class"));
  EXPECT_TRUE(logged("Found 1 file(s)"));
}

TEST_F(ArtifactSelectionTest, LaterPatternWinsACollision) {
  make_files(src_, {"a/App.class", "b/App.class"});
  spec_.discard_paths = true;
  auto files = select({"b/*", "a/*"});
  ASSERT_TRUE(files.is_ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ(files->at(0).source_path, fs::canonical(path("a/App.class")).string());
}

TEST_F(ArtifactSelectionTest, FileMatchedByTwoPatternsIsSelectedOnce) {
  make_files(src_, {"dist/a"});
  EXPECT_EQ(selected({"dist/*", "**/*", "dist/a"}), (Paths{"dist/a"}));
  EXPECT_FALSE(std::any_of(log_.begin(), log_.end(), [](const std::string& l) { return l.rfind("Warning", 0) == 0; }));
}

TEST_F(ArtifactSelectionTest, ZeroMatchesIsTheClientError) {
  make_files(src_, {"src/main.c"});
  auto files = select({"dist/*", "missing.jar"});
  EXPECT_EQ(files.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(files.status().message(), "no matching artifact paths found");
  EXPECT_EQ(files.status().message(), kNoMatchingPathsMessage);
  // CodeBuild names a literal path that matched nothing, not a glob.
  EXPECT_TRUE(logged("Skipping invalid file path missing.jar"));
  EXPECT_FALSE(logged("Skipping invalid file path dist/*"));
}

TEST_F(ArtifactSelectionTest, EverythingExcludedIsZeroMatches) {
  make_files(src_, {"a.log"});
  spec_.exclude_paths = {"*.log"};
  EXPECT_EQ(select({"*"}).status().message(), kNoMatchingPathsMessage);
}

TEST_F(ArtifactSelectionTest, BareDirectoryEntrySelectsNothing) {
  make_files(src_, {"dist/a", "dist/b", "README"});
  EXPECT_EQ(select({"dist"}).status().message(), kNoMatchingPathsMessage);
  EXPECT_TRUE(logged("Skipping invalid file path dist"));
  EXPECT_EQ(selected({"dist", "README"}), (Paths{"README"}));
}

TEST_F(ArtifactSelectionTest, LogsLikeCodeBuild) {
  make_files(src_, {"imagedefinitions.json"});
  ASSERT_TRUE(select({"imagedefinitions.json"}).is_ok());
  EXPECT_EQ(log_, (Paths{"Expanding base directory path: .", "Assembling file list", "Expanding .",
                         "Expanding file paths for base directory .", "Assembling file list",
                         "Expanding imagedefinitions.json", "Found 1 file(s)"}));
}

TEST_F(ArtifactSelectionTest, IsRelativeToTheSourceDirectoryNotTheCwd) {
  make_files(src_, {"dist/from-source"});
  TempDir elsewhere;
  make_files(elsewhere, {"dist/from-cwd"});
  std::string old_cwd = fs::current_path().string();
  fs::current_path(elsewhere.path());
  Paths got = selected({"dist/*"});
  fs::current_path(old_cwd);
  EXPECT_EQ(got, (Paths{"dist/from-source"}));
}

TEST_F(ArtifactSelectionTest, RefusesParentSegments) {
  make_files(src_, {"a"});
  auto files = select({"../x"});
  EXPECT_EQ(files.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(files.status().message().find("artifacts.files"), std::string::npos) << files.status().message();
  EXPECT_EQ(select({"a/../../x"}).status().code(), ErrorCode::kInvalidInput);
  spec_.exclude_paths = {"../a"};
  EXPECT_EQ(select({"a"}).status().code(), ErrorCode::kInvalidInput);
}

TEST_F(ArtifactSelectionTest, RefusesAbsolutePaths) {
  auto files = select({"/etc/passwd"});
  EXPECT_EQ(files.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(files.status().message().find("/etc/passwd"), std::string::npos);
}

TEST_F(ArtifactSelectionTest, RefusesABaseDirectoryAboveTheSource) {
  make_files(src_, {"a"});
  for (const std::string& base : std::vector<std::string>{"..", "../..", "dist/../..", "/etc"}) {
    spec_.base_directory = base;
    auto files = select({"**/*"});
    EXPECT_EQ(files.status().code(), ErrorCode::kInvalidInput) << base;
    EXPECT_NE(files.status().message().find("artifacts.base-directory"), std::string::npos);
  }
}

TEST_F(ArtifactSelectionTest, RefusesASymlinkToEtc) {
  make_files(src_, {"app"});
  link("/etc/passwd", "passwd");
  for (const Paths& patterns : {Paths{"passwd"}, Paths{"**/*"}, Paths{"*"}}) {
    auto files = select(patterns);
    EXPECT_EQ(files.status().code(), ErrorCode::kInvalidInput) << patterns[0];
    EXPECT_NE(files.status().message().find("artifact path passwd is a symlink to /etc/passwd"), std::string::npos)
        << files.status().message();
  }
}

TEST_F(ArtifactSelectionTest, RefusesASymlinkedDirectoryPointingOut) {
  make_files(src_, {"dist/app"});
  link("/etc", "dist/conf");
  auto files = select({"dist/conf/*"});
  EXPECT_EQ(files.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(files.status().message().find("dist/conf"), std::string::npos) << files.status().message();
  EXPECT_EQ(select({"dist/**/*"}).status().code(), ErrorCode::kInvalidInput);
  spec_.base_directory = "dist/conf";
  EXPECT_EQ(select({"passwd"}).status().code(), ErrorCode::kInvalidInput);
}

TEST_F(ArtifactSelectionTest, RefusesALinkThatEscapesThroughRelativeDots) {
  TempDir outside;
  make_files(outside, {"secret"});
  make_files(src_, {"app"});
  link(fs::relative(outside.path() + "/secret", src_.path()).string(), "innocent");
  EXPECT_EQ(select({"innocent"}).status().code(), ErrorCode::kInvalidInput);
}

TEST_F(ArtifactSelectionTest, UnselectedOrExcludedEscapingLinksDoNotMatter) {
  make_files(src_, {"dist/app"});
  link("/etc", "node_modules/etc");
  link("/etc/passwd", "passwd");
  EXPECT_EQ(selected({"dist/*"}), (Paths{"dist/app"}));
  spec_.exclude_paths = {"passwd", "node_modules/**/*"};
  EXPECT_EQ(selected({"**/*"}), (Paths{"dist/app"}));
}

TEST_F(ArtifactSelectionTest, FollowsSymlinksInsideTheTreeAsFiles) {
  make_files(src_, {"releases/v2.txt"});
  link("releases/v2.txt", "latest.txt");
  auto files = select({"latest.txt"});
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ(files->at(0).artifact_path, "latest.txt");
  EXPECT_EQ(files->at(0).source_path, fs::canonical(path("releases/v2.txt")).string());
  EXPECT_TRUE(files->at(0).link_target.empty());
}

TEST_F(ArtifactSelectionTest, EntersSymlinkedDirectoriesInsideTheTree) {
  make_files(src_, {"releases/v2/app", "releases/v2/lib/x"});
  link("releases/v2", "current");
  EXPECT_EQ(selected({"current/**/*"}), (Paths{"current/app", "current/lib/x"}));
}

TEST_F(ArtifactSelectionTest, SymlinkLoopsEndTheWalk) {
  make_files(src_, {"dist/a"});
  link("..", "dist/up");
  link(".", "dist/self");
  EXPECT_EQ(selected({"**/*"}), (Paths{"dist/a"}));
}

TEST_F(ArtifactSelectionTest, EnableSymlinksKeepsInTreeLinksAsRelativeLinks) {
  make_files(src_, {"releases/v2.txt"});
  link("releases/v2.txt", "latest.txt");
  link(path("releases/v2.txt"), "absolute.txt");
  link("releases", "rel-dir");
  spec_.enable_symlinks = true;
  auto files = select({"*"});
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  ASSERT_EQ(artifact_paths(files.value()), (Paths{"absolute.txt", "latest.txt", "rel-dir"}));
  EXPECT_EQ(files->at(0).link_target, "releases/v2.txt");  // absolute made relative
  EXPECT_EQ(files->at(1).link_target, "releases/v2.txt");
  EXPECT_EQ(files->at(2).link_target, "releases");
}

TEST_F(ArtifactSelectionTest, EnableSymlinksStillRefusesLinksOut) {
  link("/etc/passwd", "passwd");
  spec_.enable_symlinks = true;
  EXPECT_EQ(select({"*"}).status().code(), ErrorCode::kInvalidInput);
}

TEST_F(ArtifactSelectionTest, BrokenSymlinksAreSkippedWithALogLine) {
  make_files(src_, {"real"});
  link("does-not-exist", "dangling");
  EXPECT_EQ(selected({"*"}), (Paths{"real"}));
  EXPECT_TRUE(logged("Skipping broken symlink dangling"));
}

TEST_F(ArtifactSelectionTest, MissingSourceDirectoryIsInvalidInput) {
  EXPECT_EQ(select_artifact_files(src_.path() + "/nope", spec_).status().code(), ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace kiln::artifacts
