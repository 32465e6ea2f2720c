// SPDX-License-Identifier: Apache-2.0
// Typed reads of YAML nodes the way CodeBuild reads buildspec scalars, each
// failure recorded as a located Diagnostic. Internal to the buildspec module.
// Not thread-safe: one NodeReader per parse.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "buildspec/buildspec_parser.h"
#include "buildspec/yaml_document.h"
#include "model/buildspec.h"

namespace kiln::buildspec {

// "a.b" + "c" → "a.b.c"; "" + "c" → "c".
std::string join_path(const std::string& path, std::string_view key);
// Letters, digits and underscores only, at least one (artifact and batch
// task identifiers).
bool is_identifier(std::string_view s);
// "a.b" + 2 → "a.b[2]".
std::string index_path(const std::string& path, size_t index);

class NodeReader {
 public:
  explicit NodeReader(std::string file) : file_(std::move(file)) {}

  void error(const YamlNode& at, const std::string& path, std::string message);
  void error(int line, int column, const std::string& path, std::string message);
  void warning(const YamlNode& at, const std::string& path, std::string message);
  bool has_errors() const { return error_count_ > 0; }
  std::vector<Diagnostic> take_diagnostics() { return std::move(diagnostics_); }

  // Scalar text; numbers and booleans keep their written text. A null node
  // gives "" when `null_ok`, else an error. Lists and mappings are errors.
  std::optional<std::string> text(const YamlNode& node, const std::string& path,
                                   bool null_ok = false);
  // Like text(), and the result must not be empty.
  std::optional<std::string> non_empty_text(const YamlNode& node, const std::string& path);
  // yes/no/true/false/on/off/y/n in any of YAML 1.1's spellings.
  std::optional<bool> flag(const YamlNode& node, const std::string& path);
  // A non-negative integer within [min, max].
  std::optional<int> integer(const YamlNode& node, const std::string& path, int min, int max);
  // A list of scalars; a single scalar is a one-element list and null an
  // empty one. Every bad element is reported.
  std::optional<std::vector<std::string>> text_list(const YamlNode& node,
                                                    const std::string& path);
  // A mapping of name → scalar text (null values give ""); null is empty.
  std::optional<model::NamedValues> text_map(const YamlNode& node, const std::string& path);

  // True when `node` is a mapping; otherwise reports "expected <what>".
  bool expect_mapping(const YamlNode& node, const std::string& path, std::string_view what);

  using KeyVisitor =
      std::function<void(const std::string& key, const YamlNode& value, const std::string& path)>;
  // Returns advice for an unknown key, or "" for the generic message.
  using UnknownKeyHint = std::function<std::string(const std::string& key)>;

  // Calls `visit(key, value, key_path)` for each entry of `map`; reports keys
  // not in `known` as warnings ("unknown key", or `hint`'s advice) and skips them.
  void for_each_key(const YamlNode& map, const std::string& path,
                    std::initializer_list<std::string_view> known, const KeyVisitor& visit,
                    const UnknownKeyHint& hint = nullptr);

 private:
  void add(Diagnostic::Severity severity, int line, int column, const std::string& path,
           std::string message);

  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  int error_count_ = 0;
};

}  // namespace kiln::buildspec
