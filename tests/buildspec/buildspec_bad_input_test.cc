// SPDX-License-Identifier: Apache-2.0
// parse_buildspec and load_buildspec_file on hostile or malformed input: each
// case ends in a located error diagnostic, in bounded time, never a crash.
#include "buildspec/buildspec_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "buildspec/parse_test_util.h"
#include "support/test_support.h"

namespace kiln::buildspec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// True when `message` names the 4 MiB limit in one of its usual spellings.
bool names_size_limit(const std::string& message) {
  for (const char* spelling : {"4194304", "4 MiB", "4MiB", "4 MB", "4MB", "4096 KiB"})
    if (message.find(spelling) != std::string::npos) return true;
  return false;
}

// Seconds taken by `fn`.
template <typename Fn>
double seconds_for(Fn&& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Every error of the last parse has a 1-based position.
#define EXPECT_ERRORS_LOCATED()                                                     \
  for (const Diagnostic& d : result_.errors()) {                                    \
    EXPECT_GE(d.line, 1) << d.to_string();                                          \
    EXPECT_GE(d.column, 1) << d.to_string();                                        \
  }

// ---------------------------------------------------------------- not YAML

TEST_F(BuildspecParserTest, RejectsYamlSyntaxErrorAtItsPosition) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands: @oops\n"));
  EXPECT_EQ(first_error().line, 4) << describe(result_);
  EXPECT_EQ(first_error().column, 15) << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsUnterminatedFlowSequence) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands: [make, test\n"));
  EXPECT_GE(first_error().line, 4) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsMergeConflictMarkers) {
  ASSERT_TRUE(rejects(R"(version: 0.2
phases:
  build:
    commands:
<<<<<<< HEAD
      - make
=======
      - make all
>>>>>>> feature
)"));
  EXPECT_GE(first_error().line, 5) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsTopLevelList) {
  ASSERT_TRUE(rejects("- version: 0.2\n- phases: {}\n"));
  EXPECT_EQ(first_error().line, 1) << describe(result_);
  EXPECT_EQ(first_error().column, 1) << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsTopLevelScalar) {
  ASSERT_TRUE(rejects("just some text\n"));
  EXPECT_EQ(first_error().line, 1) << describe(result_);
  EXPECT_EQ(first_error().column, 1) << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsTabIndentation) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n\tbuild:\n\t\tcommands: [make]\n"));
  EXPECT_EQ(first_error().line, 3) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsTabIndentedListItem) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n\t- make\n"));
  EXPECT_EQ(first_error().line, 5) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

// ---------------------------------------------------------------- encodings

TEST_F(BuildspecParserTest, RejectsInvalidUtf8) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n      - echo \xff\xfe\n"));
  EXPECT_EQ(first_error().line, 5) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsStrayContinuationByteOnFirstLine) {
  ASSERT_TRUE(rejects("version: 0.2 \x80\nphases:\n  build:\n    commands: [make]\n"));
  EXPECT_EQ(first_error().line, 1) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsTruncatedUtf8AtEndOfText) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n      - echo \xc3"));
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsOverlongUtf8Encoding) {
  // 0xC0 0xAF is an overlong '/', a classic filter bypass.
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n      - cat ..\xc0\xaf" "etc\n"));
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsNulByte) {
  ASSERT_TRUE(rejects(std::string("version: 0.2\nphases:\n  build:\n    commands:\n      - echo a") +
                      '\0' + "b\n"));
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, KeepsUtf8TextIntact) {
  ASSERT_TRUE(parses("version: 0.2\nphases:\n  build:\n    commands:\n"
                     "      - echo \"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x9a\x80\"\n"));
  EXPECT_THAT(spec().phases.build->commands,
              ElementsAre("echo \"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x9a\x80\""));
}

TEST_F(BuildspecParserTest, LoadRefusesEndlessStream) {
  double took = seconds_for([&] { result_ = load_buildspec_file("/dev/zero"); });
  ASSERT_TRUE(check_rejected());
  EXPECT_TRUE(names_size_limit(first_error().message)) << describe(result_);
  EXPECT_LT(took, 5.0);
}

TEST_F(BuildspecParserTest, AcceptsUtf8ByteOrderMark) {
  ASSERT_TRUE(parses(std::string("\xef\xbb\xbf") + std::string(kMinimal)));
  EXPECT_THAT(spec().phases.build->commands, ElementsAre("make"));
}

TEST_F(BuildspecParserTest, AcceptsCrlfLineEndings) {
  ASSERT_TRUE(parses("version: 0.2\r\nphases:\r\n  build:\r\n    commands:\r\n      - make\r\n"
                     "      - make check\r\n"));
  EXPECT_THAT(spec().phases.build->commands, ElementsAre("make", "make check"));
}

TEST_F(BuildspecParserTest, CountsLinesWithCrlfLineEndings) {
  ASSERT_TRUE(rejects("version: 0.2\r\nphases:\r\n  build:\r\n    commands:\r\n"
                      "      - make\r\n      - echo a: b\r\n"));
  EXPECT_TRUE(has_error("phases.build.commands[1]", 6, 9));
}

// ---------------------------------------------------------------- documents

TEST_F(BuildspecParserTest, RejectsEmptyText) {
  ASSERT_TRUE(rejects(""));
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsWhitespaceOnlyText) {
  ASSERT_TRUE(rejects("\n   \n\n"));
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsCommentOnlyText) {
  ASSERT_TRUE(rejects("# version: 0.2\n# phases:\n#   build:\n"));
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, RejectsMultipleDocuments) {
  ASSERT_TRUE(rejects(std::string(kMinimal) + "---\n" + std::string(kMinimal)));
  EXPECT_GE(first_error().line, 6) << describe(result_);
  EXPECT_ERRORS_LOCATED();
}

TEST_F(BuildspecParserTest, AcceptsJsonText) {
  ASSERT_TRUE(parses(R"({"version": 0.2, "env": {"variables": {"N": 1}},
 "phases": {"build": {"commands": ["make", "make check"]}}})"));
  EXPECT_THAT(spec().env.variables, ElementsAre(::testing::Pair("N", "1")));
  EXPECT_THAT(spec().phases.build->commands, ElementsAre("make", "make check"));
}

TEST_F(BuildspecParserTest, AcceptsLeadingDocumentStartMarker) {
  ASSERT_TRUE(parses("\n---\n" + std::string(kMinimal)));
  EXPECT_THAT(spec().phases.build->commands, ElementsAre("make"));
}

TEST_F(BuildspecParserTest, AcceptsDocumentEndMarker) {
  ASSERT_TRUE(parses(std::string(kMinimal) + "...\n"));
}

// ---------------------------------------------------------------- size

TEST_F(BuildspecParserTest, AcceptsTextOfExactlyTheSizeLimit) {
  std::string text(kMinimal);
  text += "#";
  text.append(kMaxBuildspecBytes - text.size() - 1, 'x');
  text += "\n";
  ASSERT_EQ(text.size(), kMaxBuildspecBytes);
  EXPECT_TRUE(parses(text));
}

TEST_F(BuildspecParserTest, RefusesTextOverTheSizeLimit) {
  std::string text(kMinimal);
  text += "#";
  text.append(kMaxBuildspecBytes - text.size(), 'x');
  text += "\n";
  ASSERT_EQ(text.size(), kMaxBuildspecBytes + 1);
  ASSERT_TRUE(rejects(text));
  EXPECT_TRUE(names_size_limit(first_error().message)) << describe(result_);
}

TEST_F(BuildspecParserTest, LoadRefusesHugeFileNamingTheLimit) {
  kiln::testing::TempDir dir;
  std::string path = dir.write("huge.yml", std::string(kMinimal));
  std::filesystem::resize_file(path, 50u * 1024 * 1024);  // sparse: cheap to make
  double took = seconds_for([&] { result_ = load_buildspec_file(path); });
  ASSERT_TRUE(check_rejected());
  Diagnostic e = first_error();
  EXPECT_EQ(e.file, path);
  EXPECT_TRUE(names_size_limit(e.message)) << e.to_string();
  EXPECT_LT(took, 2.0);
}

TEST_F(BuildspecParserTest, LoadRefusesFileJustOverTheLimit) {
  kiln::testing::TempDir dir;
  std::string path = dir.write("big.yml", std::string(kMinimal));
  std::filesystem::resize_file(path, kMaxBuildspecBytes + 1);
  result_ = load_buildspec_file(path);
  ASSERT_TRUE(check_rejected());
  EXPECT_TRUE(names_size_limit(first_error().message)) << describe(result_);
}

TEST_F(BuildspecParserTest, LoadParsesAValidFile) {
  kiln::testing::TempDir dir;
  std::string path = dir.write("buildspec.yml", minimal_with("unknown-key: 1\n"));
  result_ = load_buildspec_file(path);
  ASSERT_TRUE(result_.ok()) << describe(result_);
  EXPECT_THAT(result_.spec->phases.build->commands, ElementsAre("make"));
  ASSERT_EQ(result_.warnings().size(), 1u) << describe(result_);
  EXPECT_EQ(result_.warnings()[0].file, path);
  EXPECT_EQ(result_.warnings()[0].line, 6);
}

TEST_F(BuildspecParserTest, LoadReportsMissingFile) {
  kiln::testing::TempDir dir;
  std::string path = dir.path() + "/nosuch.yml";
  result_ = load_buildspec_file(path);
  ASSERT_TRUE(check_rejected());
  EXPECT_EQ(first_error().file, path);
  EXPECT_FALSE(first_error().message.empty());
}

TEST_F(BuildspecParserTest, LoadReportsDirectory) {
  kiln::testing::TempDir dir;
  result_ = load_buildspec_file(dir.path());
  ASSERT_TRUE(check_rejected());
  EXPECT_EQ(first_error().file, dir.path());
}

TEST_F(BuildspecParserTest, AcceptsTenThousandCommands) {
  std::string text = "version: 0.2\nphases:\n  build:\n    commands:\n";
  for (int i = 0; i < 10000; ++i) text += "      - echo step " + std::to_string(i) + "\n";
  double took = seconds_for([&] { EXPECT_TRUE(parses(text)); });
  ASSERT_TRUE(result_.spec);
  ASSERT_EQ(spec().phases.build->commands.size(), 10000u);
  EXPECT_EQ(spec().phases.build->commands[9999], "echo step 9999");
  EXPECT_LT(took, 10.0);
}

TEST_F(BuildspecParserTest, AcceptsOneMegabyteCommand) {
  std::string long_command = "echo " + std::string(1024 * 1024, 'a');
  ASSERT_TRUE(parses("version: 0.2\nphases:\n  build:\n    commands:\n      - " + long_command +
                     "\n"));
  EXPECT_THAT(spec().phases.build->commands, ElementsAre(long_command));
}

// ---------------------------------------------------------------- nesting

TEST_F(BuildspecParserTest, RejectsDeepFlowSequenceNesting) {
  std::string text = "version: 0.2\nphases:\n  build:\n    commands: " + std::string(10000, '[') +
                     std::string(10000, ']') + "\n";
  double took = seconds_for([&] { EXPECT_TRUE(rejects(text)); });
  EXPECT_GE(first_error().line, 4) << describe(result_);
  EXPECT_ERRORS_LOCATED();
  EXPECT_LT(took, 5.0);
}

TEST_F(BuildspecParserTest, RejectsDeepUnclosedFlowNestingAtTopLevel) {
  double took = seconds_for([&] { EXPECT_TRUE(rejects(std::string(10000, '['))); });
  EXPECT_ERRORS_LOCATED();
  EXPECT_LT(took, 5.0);
}

TEST_F(BuildspecParserTest, RejectsDeepFlowMappingNesting) {
  std::string text = std::string(kMinimal) + "x-deep: ";
  for (int i = 0; i < 10000; ++i) text += "{a: ";
  text += "1" + std::string(10000, '}') + "\n";
  double took = seconds_for([&] { EXPECT_TRUE(rejects(text)); });
  EXPECT_GE(first_error().line, 6) << describe(result_);
  EXPECT_ERRORS_LOCATED();
  EXPECT_LT(took, 5.0);
}

TEST_F(BuildspecParserTest, RejectsDeepBlockSequenceNesting) {
  // "- - - ... x": ten thousand block sequences, one inside the other.
  std::string text = std::string(kMinimal) + "x-deep:\n  ";
  for (int i = 0; i < 10000; ++i) text += "- ";
  text += "x\n";
  double took = seconds_for([&] { EXPECT_TRUE(rejects(text)); });
  EXPECT_GE(first_error().line, 6) << describe(result_);
  EXPECT_ERRORS_LOCATED();
  EXPECT_LT(took, 5.0);
}

TEST_F(BuildspecParserTest, RejectsDeepBlockMappingNesting) {
  // Each level indents one more space: 2,000 levels stay under the size limit.
  std::string text = std::string(kMinimal) + "x-deep:\n";
  for (int i = 1; i <= 2000; ++i) text += std::string(i, ' ') + "k:\n";
  ASSERT_LT(text.size(), kMaxBuildspecBytes);
  double took = seconds_for([&] { EXPECT_TRUE(rejects(text)); });
  EXPECT_GE(first_error().line, 6) << describe(result_);
  EXPECT_ERRORS_LOCATED();
  EXPECT_LT(took, 5.0);
}

TEST_F(BuildspecParserTest, AcceptsNestingWellBelowTheLimit) {
  // 40 levels under an ignored key: deeper than any real buildspec, yet allowed.
  std::string text = std::string(kMinimal) + "x-deep: " + std::string(40, '[') +
                     std::string(40, ']') + "\n";
  ASSERT_TRUE(parses(text));
  EXPECT_TRUE(has_warning("x-deep", 6, 1));
}

// ---------------------------------------------------------------- hostile

TEST_F(BuildspecParserTest, AliasExpansionStaysBounded) {
  // "Billion laughs": nine levels of nine aliases each.
  std::string text = "version: 0.2\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  const std::string names = "abcdefghi";
  for (std::size_t i = 1; i < names.size(); ++i) {
    std::string prev = std::string("*") + names[i - 1];
    text += "x-" + std::string(1, names[i]) + ": &" + names[i] + " [" + prev;
    for (int j = 0; j < 8; ++j) text += ", " + prev;
    text += "]\n";
  }
  text += "phases:\n  build:\n    commands: *i\n";
  double took = seconds_for([&] { EXPECT_TRUE(rejects(text)); });
  EXPECT_ERRORS_LOCATED();
  EXPECT_LT(took, 5.0);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif
#else
constexpr bool kUnderAddressSanitizer = false;
#endif

// A 1 MiB anchored string, then as many aliases to it as the size limit
// allows: ~786,000 references, ~786 GB if each became its own copy.
std::string aliased_string_bomb(const std::string& prefix, const std::string& each,
                                const std::string& suffix) {
  std::string text = prefix + "&big \"" + std::string(1024 * 1024, 'x') + "\"";
  while (text.size() + each.size() + suffix.size() <= kMaxBuildspecBytes) text += each;  // each != ""
  return text + suffix;
}

// Parses `text` in a child limited to 1 GiB of address space; the child
// exits 0 when the parse returned an error, 3 when it returned a spec.
void parse_with_memory_cap(const std::string& text) {
  rlimit cap{1u << 30, 1u << 30};
  ::setrlimit(RLIMIT_AS, &cap);
  ParseResult r = parse_buildspec(text, "bomb.yml");
  std::_Exit(r.ok() ? 3 : (r.errors().empty() ? 4 : 0));
}

TEST_F(BuildspecParserTest, AliasedLongStringsStayWithinBoundedMemory) {
  if (kUnderAddressSanitizer) GTEST_SKIP() << "RLIMIT_AS and ASan's shadow memory do not mix";
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  std::string commands = aliased_string_bomb(
      "version: 0.2\nphases:\n  build:\n    commands: [", ", *big", "]\n");
  EXPECT_EXIT(parse_with_memory_cap(commands), ::testing::ExitedWithCode(0), "");
  std::string variables = "version: 0.2\nphases:\n  build:\n    commands: [make]\nx-anchor: &big \"" +
                          std::string(1024 * 1024, 'x') + "\"\nenv:\n  variables:\n";
  for (int i = 0; variables.size() + 32 < kMaxBuildspecBytes; ++i)
    variables += "    V" + std::to_string(i) + ": *big\n";
  EXPECT_EXIT(parse_with_memory_cap(variables), ::testing::ExitedWithCode(0), "");
}

TEST_F(BuildspecParserTest, ManyVariablesParseInLinearTime) {
  // 15,000 variables (~250 KiB, a sixteenth of the size limit) take
  // milliseconds when parsing is linear and seconds when it is quadratic.
  std::string text = minimal_with("env:\n  variables:\n");
  for (int i = 0; i < 15000; ++i) text += "    VAR" + std::to_string(i) + ": value\n";
  double took = seconds_for([&] { EXPECT_TRUE(parses(text)); });
  ASSERT_TRUE(result_.spec);
  EXPECT_EQ(spec().env.variables.size(), 15000u);
  EXPECT_LT(took, 2.0);
}

TEST_F(BuildspecParserTest, ManyWarningsKeepTheSpecValid) {
  // More warnings than the display limit must not turn into an error.
  std::string text(kMinimal);
  for (int i = 0; i < 150; ++i) text += "x-unknown-" + std::to_string(i) + ": 1\n";
  EXPECT_TRUE(parses(text));
  EXPECT_TRUE(result_.ok());
  EXPECT_TRUE(result_.errors().empty()) << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsUtf16Text) {
  // A buildspec is UTF-8; a UTF-16 file (with its byte order mark) is not.
  std::string utf16le = "\xff\xfe";
  for (char ch : std::string(kMinimal)) utf16le += std::string{ch, '\0'};
  EXPECT_TRUE(rejects(utf16le));
  std::string utf16be = "\xfe\xff";
  for (char ch : std::string(kMinimal)) utf16be += std::string{'\0', ch};
  EXPECT_TRUE(rejects(utf16be));
}

TEST_F(BuildspecParserTest, RejectsRandomBytes) {
  std::mt19937 rng(20240521);
  for (int round = 0; round < 20; ++round) {
    std::string text(4096, '\0');
    for (char& ch : text) ch = static_cast<char>(rng() & 0xff);
    SCOPED_TRACE(round);
    ASSERT_TRUE(rejects(text));
  }
}

TEST_F(BuildspecParserTest, SurvivesComplexKeys) {
  result_ = parse_buildspec(std::string(kMinimal) + "? [a, b]\n: c\n{x: 1}: y\n", kFile);
  EXPECT_FALSE(result_.diagnostics.empty());
  for (const Diagnostic& d : result_.diagnostics) EXPECT_GE(d.line, 6) << d.to_string();
}

}  // namespace
}  // namespace kiln::buildspec
