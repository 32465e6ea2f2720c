// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the buildspec parser: any bytes go through
// parse_buildspec, then the promises of buildspec_parser.h and
// buildspec_json.h are checked on the result. Sanitizers catch memory and
// undefined-behaviour bugs; the checks below catch broken contracts, which no
// sanitizer sees. Run it with scripts/fuzz.sh, or replay one input with
// `build/fuzz/fuzz/kiln_buildspec_fuzzer FILE`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "buildspec/buildspec_json.h"
#include "buildspec/buildspec_parser.h"

// Names the broken promise on stderr before trapping, so a crash report tells
// the reader which contract failed without a debugger. A trap rather than
// assert() keeps the check whatever NDEBUG says.
#define KILN_FUZZ_CHECK(condition)                                                \
  do {                                                                            \
    if (!(condition)) {                                                           \
      std::fprintf(stderr, "kiln_buildspec_fuzzer: contract broken: %s (%s:%d)\n", \
                   #condition, __FILE__, __LINE__);                               \
      __builtin_trap();                                                           \
    }                                                                             \
  } while (false)

namespace {

using kiln::buildspec::Diagnostic;
using kiln::buildspec::ParseResult;

constexpr std::string_view kFile = "fuzz/buildspec.yml";

bool has_error(const ParseResult& result) {
  for (const Diagnostic& d : result.diagnostics) {
    if (d.is_error()) return true;
  }
  return false;
}

// A position can never lie past the end of the text: libyaml counts at most one
// line or column per byte. Anything larger is an uninitialised or overflowed mark.
void check_diagnostic(const Diagnostic& d, std::size_t text_size) {
  KILN_FUZZ_CHECK(d.file == kFile);
  KILN_FUZZ_CHECK(d.line >= 0 && d.column >= 0);
  KILN_FUZZ_CHECK(static_cast<std::size_t>(d.line) <= text_size + 1);
  KILN_FUZZ_CHECK(static_cast<std::size_t>(d.column) <= text_size + 1);
  KILN_FUZZ_CHECK(d.column == 0 || d.line > 0);
  // A diagnostic without words helps nobody, whatever its severity.
  KILN_FUZZ_CHECK(!d.message.empty());
  const std::string rendered = d.to_string();
  KILN_FUZZ_CHECK(rendered.find(d.message) != std::string::npos);
}

void check_result(const ParseResult& result, std::size_t text_size) {
  // "Set only when there is no error: no partly filled model ever escapes."
  KILN_FUZZ_CHECK(result.ok() == !has_error(result));
  KILN_FUZZ_CHECK(result.ok() == result.spec.has_value());

  for (const Diagnostic& d : result.diagnostics) check_diagnostic(d, text_size);

  const auto errors = result.errors();
  const auto warnings = result.warnings();
  KILN_FUZZ_CHECK(errors.size() + warnings.size() == result.diagnostics.size());
  for (const Diagnostic& d : errors) KILN_FUZZ_CHECK(d.is_error());
  for (const Diagnostic& d : warnings) KILN_FUZZ_CHECK(!d.is_error());
}

// The JSON is read back by scripts and the API, so it must be well-formed
// even for commands holding quotes, control characters or odd Unicode.
void check_json(const ParseResult& result) {
  if (result.ok()) {
    const std::string json = kiln::buildspec::to_json(*result.spec);
    KILN_FUZZ_CHECK(nlohmann::json::accept(json));
    const auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    KILN_FUZZ_CHECK(parsed.is_object());
  }
  const std::string report = kiln::buildspec::check_report_json(std::string(kFile), result);
  const auto parsed = nlohmann::json::parse(report, nullptr, /*allow_exceptions=*/false);
  KILN_FUZZ_CHECK(parsed.is_object());
  KILN_FUZZ_CHECK(parsed.contains("ok") && parsed["ok"].is_boolean());
  KILN_FUZZ_CHECK(parsed["ok"].get<bool>() == result.ok());
}

// The parser is documented as stateless: a second parse of the same text must
// give the same verdict and the same diagnostics. A difference means hidden
// state (a static cache, a use of uninitialised memory that ASan cannot see).
void check_repeatable(std::string_view text, const ParseResult& first) {
  const ParseResult second = kiln::buildspec::parse_buildspec(text, kFile);
  KILN_FUZZ_CHECK(second.ok() == first.ok());
  KILN_FUZZ_CHECK(second.diagnostics.size() == first.diagnostics.size());
  for (std::size_t i = 0; i < first.diagnostics.size(); ++i) {
    KILN_FUZZ_CHECK(second.diagnostics[i].to_string() == first.diagnostics[i].to_string());
  }
  if (first.ok()) {
    KILN_FUZZ_CHECK(kiln::buildspec::to_json(*second.spec) ==
                    kiln::buildspec::to_json(*first.spec));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseResult result = kiln::buildspec::parse_buildspec(text, kFile);
  check_result(result, size);
  check_json(result);
  check_repeatable(text, result);
  return 0;
}
