// SPDX-License-Identifier: Apache-2.0
// The fixture shared by the parser tests: parse a text, then assert on the
// spec or on located diagnostics. Failures print every diagnostic.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "buildspec/buildspec_parser.h"

namespace kiln::buildspec {

// One diagnostic per line, as the CLI prints them.
inline std::string describe(const ParseResult& result) {
  std::ostringstream out;
  for (const Diagnostic& d : result.diagnostics) out << "  " << d.to_string() << "\n";
  if (result.diagnostics.empty()) out << "  (no diagnostics)\n";
  return out.str();
}

// A valid buildspec of five lines; tests append sections to it.
inline constexpr std::string_view kMinimal =
    "version: 0.2\n"
    "phases:\n"
    "  build:\n"
    "    commands:\n"
    "      - make\n";

inline std::string minimal_with(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

class BuildspecParserTest : public ::testing::Test {
 protected:
  static constexpr const char* kFile = "buildspec.yml";
  static constexpr int kAny = -1;  // "don't care" for line or column

  // Parses `text`; succeeds when that gives a spec and no error.
  ::testing::AssertionResult parses(std::string_view text) {
    result_ = parse_buildspec(text, kFile);
    if (result_.spec && result_.errors().empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected a valid spec; diagnostics:\n"
                                         << describe(result_);
  }

  // Parses `text`; succeeds when that gives at least one error and no spec.
  ::testing::AssertionResult rejects(std::string_view text) {
    result_ = parse_buildspec(text, kFile);
    return check_rejected();
  }

  ::testing::AssertionResult check_rejected() const {
    if (result_.spec)
      return ::testing::AssertionFailure() << "expected an error, but got a spec; diagnostics:\n"
                                           << describe(result_);
    if (result_.ok()) return ::testing::AssertionFailure() << "ok() is true without a spec";
    if (result_.errors().empty())
      return ::testing::AssertionFailure() << "no spec, yet no error diagnostic:\n"
                                           << describe(result_);
    return ::testing::AssertionSuccess();
  }

  const model::BuildSpec& spec() const { return *result_.spec; }

  // An error with exactly this path (and line/column unless kAny).
  ::testing::AssertionResult has_error(std::string_view path, int line = kAny,
                                       int column = kAny) const {
    return has(Diagnostic::Severity::kError, path, false, line, column);
  }
  // An error whose path starts with `prefix`.
  ::testing::AssertionResult has_error_under(std::string_view prefix, int line = kAny,
                                             int column = kAny) const {
    return has(Diagnostic::Severity::kError, prefix, true, line, column);
  }
  ::testing::AssertionResult has_warning(std::string_view path, int line = kAny,
                                         int column = kAny) const {
    return has(Diagnostic::Severity::kWarning, path, false, line, column);
  }
  ::testing::AssertionResult has_warning_under(std::string_view prefix, int line = kAny,
                                               int column = kAny) const {
    return has(Diagnostic::Severity::kWarning, prefix, true, line, column);
  }

  // The first error; requires one.
  Diagnostic first_error() const {
    auto errors = result_.errors();
    return errors.empty() ? Diagnostic{} : errors.front();
  }

  ParseResult result_;

 private:
  ::testing::AssertionResult has(Diagnostic::Severity severity, std::string_view path,
                                 bool prefix, int line, int column) const {
    for (const Diagnostic& d : result_.diagnostics) {
      if (d.severity != severity) continue;
      bool path_matches = prefix ? std::string_view(d.path).substr(0, path.size()) == path
                                 : d.path == path;
      if (!path_matches) continue;
      if (line != kAny && d.line != line) continue;
      if (column != kAny && d.column != column) continue;
      if (d.file != kFile) continue;
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "no " << (severity == Diagnostic::Severity::kError ? "error" : "warning")
           << (prefix ? " under path '" : " at path '") << path << "'"
           << (line == kAny ? "" : " line " + std::to_string(line))
           << (column == kAny ? "" : " column " + std::to_string(column))
           << " in file '" << kFile << "'; diagnostics:\n"
           << describe(result_);
  }
};

}  // namespace kiln::buildspec
