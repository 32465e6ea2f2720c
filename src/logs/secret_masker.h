// SPDX-License-Identifier: Apache-2.0
// Hides secret values (parameter-store and secrets-manager variables) in log
// lines before they are stored, as CodeBuild masks them with `***`.
// Immutable after construction, so thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::logs {

class SecretMasker {
 public:
  // Secrets shorter than this are ignored: masking "a" or "42" would garble
  // every line while hiding nothing an observer could not guess.
  static constexpr std::size_t kMinSecretLength = 3;

  // A secret spanning lines also contributes each of its lines (without a
  // trailing '\r') as a secret, since masking works line by line.
  explicit SecretMasker(const std::vector<std::string>& secrets);

  // `line` with every byte covered by an exact occurrence of any secret
  // hidden: each maximal run of covered bytes (overlapping or adjacent
  // occurrences, of one secret or several) becomes a single "***", so no part
  // of an overlapping secret stays visible.
  std::string mask(std::string_view line) const;

  bool empty() const { return secrets_.empty(); }

 private:
  // Length of the longest secret occurring at `line[at]`, or 0.
  std::size_t longest_match(std::string_view line, std::size_t at) const;

  std::vector<std::string> secrets_;  // unique, longest first
  // Indices into secrets_ by first byte, longest first.
  std::array<std::vector<std::size_t>, 256> by_first_byte_;
};

}  // namespace kiln::logs
