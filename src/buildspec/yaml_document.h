// SPDX-License-Identifier: Apache-2.0
// A small YAML document tree built from libyaml's event stream, with the
// position of every node. Internal to the buildspec module.
//
// Why libyaml and not a DOM library: its parser is an explicit state machine
// (no recursion), so 10,000 levels of nesting cannot overflow our stack, and
// it is the parser CodeBuild's Go agent descends from, so syntax errors read
// the way CodeBuild users know them ("found character that cannot start any
// token"). Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln::buildspec {

struct YamlNode;
using YamlNodePtr = std::shared_ptr<const YamlNode>;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };

  Kind kind = Kind::kNull;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  // Scalars: the text exactly as YAML reads it (no number/bool conversion).
  std::string value;
  // Scalars: true for unquoted, untagged scalars (where yes/no/null resolve).
  bool plain = false;
  std::vector<YamlNodePtr> items;                               // kSequence
  std::vector<std::pair<YamlNodePtr, YamlNodePtr>> entries;     // kMapping, in order
  // Bytes of scalar text this node stands for, every alias counted in full.
  std::size_t expanded_size = 0;

  // "a mapping", "a list", "a string" or "nothing (an empty value)".
  const char* describe() const;
  // The entry whose key is `key`, or nullptr.
  const YamlNode* find(std::string_view key) const;
};

struct YamlError {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string path;  // key path of the enclosing node when known, else ""
  std::string message;
};

struct YamlParseResult {
  YamlNodePtr root;  // null on error; a kNull node for an empty document
  std::vector<YamlError> errors;
};

struct YamlLimits {
  int max_depth = 64;
  // Aliases share the anchored node, but readers copy scalars out; a
  // document whose aliases expand past this many bytes is refused.
  std::size_t max_expanded_bytes = 16 * 1024 * 1024;
};

// Parses exactly one UTF-8 YAML document (other encodings are errors).
// Merge keys (`<<`) are applied; duplicate keys, unknown anchors, more than
// one document and anything past `limits` are errors.
YamlParseResult parse_yaml(std::string_view text, const YamlLimits& limits);

}  // namespace kiln::buildspec
