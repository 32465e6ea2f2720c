// SPDX-License-Identifier: Apache-2.0
// `kiln buildspec check` over every real-world buildspec in
// shared/corpus/buildspecs, against the verdicts in its MANIFEST.tsv.
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace kiln::cli {
namespace {

namespace fs = std::filesystem;

std::string corpus_dir() { return kiln::testing::source_dir() + "/../shared/corpus/buildspecs"; }

// Every corpus file name (not MANIFEST.tsv), sorted; empty when the corpus is missing.
std::vector<std::string> corpus_files() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(corpus_dir(), ec)) {
    std::string name = e.path().filename().string();
    if (e.is_regular_file() && name != "MANIFEST.tsv") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(line);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!line.empty() && line.back() == sep) parts.emplace_back();
  return parts;
}

// file → expected ("valid" or "invalid: reason"), from MANIFEST.tsv's
// `file` and `expected` columns. Empty when the manifest is unreadable.
std::map<std::string, std::string> read_manifest() {
  std::map<std::string, std::string> expected;
  std::ifstream in(corpus_dir() + "/MANIFEST.tsv");
  std::string line;
  if (!std::getline(in, line)) return expected;
  std::vector<std::string> header = split(line, '\t');
  auto file_col = std::find(header.begin(), header.end(), "file") - header.begin();
  auto expected_col = std::find(header.begin(), header.end(), "expected") - header.begin();
  if (file_col == static_cast<long>(header.size()) ||
      expected_col == static_cast<long>(header.size()))
    return expected;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> row = split(line, '\t');
    if (row.size() > static_cast<std::size_t>(std::max(file_col, expected_col)))
      expected[row[file_col]] = row[expected_col];
  }
  return expected;
}

std::vector<std::string> lines_of(const std::string& text) { return split(text, '\n'); }

TEST(CorpusTest, CorpusAndManifestArePresentAndAgree) {
  ASSERT_TRUE(fs::is_directory(corpus_dir()))
      << "corpus missing: " << corpus_dir() << " (expected beside the checkout)";
  std::vector<std::string> files = corpus_files();
  std::map<std::string, std::string> manifest = read_manifest();
  ASSERT_FALSE(files.empty()) << "no buildspecs in " << corpus_dir();
  ASSERT_FALSE(manifest.empty()) << "MANIFEST.tsv missing, empty or without file/expected columns";
  for (const auto& [file, verdict] : manifest) {
    EXPECT_TRUE(fs::exists(corpus_dir() + "/" + file)) << "MANIFEST lists a missing file: " << file;
    EXPECT_TRUE(verdict == "valid" || verdict.rfind("invalid", 0) == 0)
        << file << ": unknown verdict '" << verdict << "'";
  }
  for (const std::string& file : files)
    EXPECT_TRUE(manifest.count(file)) << file << " has no MANIFEST.tsv row";
}

class CorpusFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusFileTest, CheckMatchesManifest) {
  const std::string& name = GetParam();
  std::map<std::string, std::string> manifest = read_manifest();
  ASSERT_TRUE(manifest.count(name)) << name << " has no MANIFEST.tsv row";
  const std::string& verdict = manifest[name];
  std::string path = corpus_dir() + "/" + name;

  kiln::testing::CommandResult r =
      kiln::testing::run_command({kiln::testing::kiln_binary(), "buildspec", "check", path});
  std::string context = "manifest: " + verdict + "\nstdout:\n" + r.out + "stderr:\n" + r.err;

  std::vector<std::string> lines = lines_of(r.out);
  bool printed_ok = std::find(lines.begin(), lines.end(), path + ": ok") != lines.end();
  // FILE:LINE:COL: error: ... with LINE and COL at least 1.
  std::regex located_error("^" + std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"),
                                                    R"(\$&)") +
                           R"(:([1-9][0-9]*):([1-9][0-9]*): error: .+)");
  bool located = false;
  bool any_error = false;
  for (const std::string& line : lines) {
    located |= std::regex_match(line, located_error);
    any_error |= line.find(": error: ") != std::string::npos;
  }

  if (verdict == "valid") {
    EXPECT_EQ(r.exit_code, 0) << context;
    EXPECT_TRUE(printed_ok) << "want '" << path << ": ok'\n" << context;
    EXPECT_FALSE(any_error) << context;
  } else {
    EXPECT_EQ(r.exit_code, 1) << context;
    EXPECT_TRUE(located) << "want an error line FILE:LINE:COL: error: ...\n" << context;
    EXPECT_FALSE(printed_ok) << context;
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  if (auto dot = name.rfind('.'); dot != std::string::npos) name.resize(dot);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name.empty() ? "file" + std::to_string(info.index) : name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusFileTest, ::testing::ValuesIn(corpus_files()), test_name);
// The corpus may be missing; CorpusAndManifestArePresentAndAgree then fails loudly.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CorpusFileTest);

}  // namespace
}  // namespace kiln::cli
