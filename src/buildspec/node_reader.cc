// SPDX-License-Identifier: Apache-2.0
#include "buildspec/node_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace kiln::buildspec {

namespace {

// Output stays readable (and bounded) for a file with thousands of problems.
constexpr size_t kMaxDiagnostics = 100;

std::string list_keys(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

}  // namespace

std::string join_path(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out = path;
  out += '.';
  out += key;
  return out;
}

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string index_path(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

void NodeReader::add(Diagnostic::Severity severity, int line, int column, const std::string& path,
                     std::string message) {
  if (severity == Diagnostic::Severity::kError) ++error_count_;
  if (diagnostics_.size() >= kMaxDiagnostics) {
    // One closing note; it is an error only if an error went unshown, so a
    // valid file never carries an error diagnostic.
    if (diagnostics_.size() == kMaxDiagnostics)
      diagnostics_.push_back(Diagnostic{Diagnostic::Severity::kWarning, file_, line, column, "",
                                        "too many problems; the rest are not shown"});
    if (severity == Diagnostic::Severity::kError)
      diagnostics_.back().severity = Diagnostic::Severity::kError;
    return;
  }
  diagnostics_.push_back(Diagnostic{severity, file_, line, column, path, std::move(message)});
}

void NodeReader::error(const YamlNode& at, const std::string& path, std::string message) {
  add(Diagnostic::Severity::kError, at.line, at.column, path, std::move(message));
}

void NodeReader::error(int line, int column, const std::string& path, std::string message) {
  add(Diagnostic::Severity::kError, line, column, path, std::move(message));
}

void NodeReader::warning(const YamlNode& at, const std::string& path, std::string message) {
  add(Diagnostic::Severity::kWarning, at.line, at.column, path, std::move(message));
}

std::optional<std::string> NodeReader::text(const YamlNode& node, const std::string& path,
                                            bool null_ok) {
  if (node.kind == YamlNode::Kind::kScalar) return node.value;
  if (node.kind == YamlNode::Kind::kNull && null_ok) return std::string();
  error(node, path, std::string("expected a string, found ") + node.describe());
  return std::nullopt;
}

std::optional<std::string> NodeReader::non_empty_text(const YamlNode& node,
                                                      const std::string& path) {
  auto value = text(node, path);
  if (value && value->empty()) {
    error(node, path, "expected a non-empty string");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> NodeReader::flag(const YamlNode& node, const std::string& path) {
  static constexpr std::array<std::string_view, 11> kTrue = {
      "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "y", "Y"};
  static constexpr std::array<std::string_view, 11> kFalse = {
      "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "n", "N"};
  if (node.kind == YamlNode::Kind::kScalar) {
    for (std::string_view t : kTrue)
      if (node.value == t) return true;
    for (std::string_view f : kFalse)
      if (node.value == f) return false;
  }
  std::string found = node.kind == YamlNode::Kind::kScalar ? "\"" + node.value + "\""
                                                           : std::string(node.describe());
  error(node, path, "expected yes or no (or true/false), found " + found);
  return std::nullopt;
}

std::optional<int> NodeReader::integer(const YamlNode& node, const std::string& path, int min,
                                       int max) {
  std::string range = std::to_string(min) + " to " + std::to_string(max);
  if (node.kind != YamlNode::Kind::kScalar) {
    error(node, path, "expected a whole number from " + range + ", found " + node.describe());
    return std::nullopt;
  }
  int value = 0;
  const char* begin = node.value.data();
  const char* end = begin + node.value.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    error(node, path, "expected a whole number from " + range + ", found \"" + node.value + "\"");
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> NodeReader::text_list(const YamlNode& node,
                                                              const std::string& path) {
  std::vector<std::string> out;
  if (node.kind == YamlNode::Kind::kNull) return out;
  if (node.kind == YamlNode::Kind::kScalar) {
    out.push_back(node.value);
    return out;
  }
  if (node.kind != YamlNode::Kind::kSequence) {
    error(node, path, std::string("expected a list of strings, found ") + node.describe());
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto item = text(*node.items[i], index_path(path, i));
    if (item) {
      out.push_back(std::move(*item));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<model::NamedValues> NodeReader::text_map(const YamlNode& node,
                                                       const std::string& path) {
  model::NamedValues out;
  if (node.kind == YamlNode::Kind::kNull) return out;
  if (!expect_mapping(node, path, "a mapping of names to values")) return std::nullopt;
  bool ok = true;
  for (const auto& [key, value] : node.entries) {
    auto v = text(*value, join_path(path, key->value), /*null_ok=*/true);
    if (v) {
      out.emplace_back(key->value, std::move(*v));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

bool NodeReader::expect_mapping(const YamlNode& node, const std::string& path,
                                std::string_view what) {
  if (node.kind == YamlNode::Kind::kMapping) return true;
  error(node, path, "expected " + std::string(what) + ", found " + node.describe());
  return false;
}

void NodeReader::for_each_key(const YamlNode& map, const std::string& path,
                              std::initializer_list<std::string_view> known,
                              const KeyVisitor& visit, const UnknownKeyHint& hint) {
  for (const auto& [key, value] : map.entries) {
    std::string key_path = join_path(path, key->value);
    bool is_known = false;
    for (std::string_view k : known) is_known = is_known || k == key->value;
    if (!is_known) {
      // CodeBuild ignores unknown keys (codebuild-semantics.md §1.2); a
      // warning catches typos such as `artifact:` that would silently do nothing.
      std::string advice = hint ? hint(key->value) : "";
      if (advice.empty()) advice = "expected one of: " + list_keys(known);
      warning(*key, key_path, "unknown key \"" + key->value + "\" is ignored; " + advice);
      continue;
    }
    visit(key->value, *value, key_path);
  }
}

}  // namespace kiln::buildspec
