// SPDX-License-Identifier: Apache-2.0
// A botocore `pattern` constraint, matched the way AWS's Java services match
// it: against the whole value (Matcher.matches), character by character.
//
// The patterns are Java regular expressions; std::regex speaks ECMAScript.
// The two agree on everything in botocore's CodeBuild and Logs models except
// \p{L}, \p{N}, \p{Z} (Unicode letters, numbers, separators) and a `-` next
// to a class escape ([\w-_]). So a value is matched after folding each
// non-ASCII character into one placeholder byte for its Unicode category,
// and \p{X} becomes a class of the ASCII members of X plus X's placeholder;
// such a character then counts as one, as in Java, instead of 2-4 bytes.
// Java-only syntax this translation does not know (\P{..}, \Q..\E, nested
// or intersected classes, unknown escapes) is refused at compile time,
// never matched with a different meaning.
//
// Immutable after compile(), so thread-safe: matches() may run concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::service {

class ModelPattern {
 public:
  // kInvalidInput naming the construct for a pattern we cannot translate.
  static Result<ModelPattern> compile(std::string_view java_pattern);

  // True when all of `utf8` matches. Linear in the value's length with a
  // bounded stack, so a megabyte-long value is no danger.
  bool matches(std::string_view utf8) const;

  // The pattern as the model spells it, for error messages.
  const std::string& source() const { return source_; }

 private:
  struct Compiled;
  ModelPattern(std::string source, std::shared_ptr<const Compiled> compiled);

  std::string source_;
  std::shared_ptr<const Compiled> compiled_;
};

// The length AWS checks `min`/`max` against: Java's String.length(), i.e.
// UTF-16 code units (a character beyond U+FFFF counts twice). An ill-formed
// UTF-8 byte counts as one.
std::size_t utf16_length(std::string_view utf8);

}  // namespace kiln::service
