// SPDX-License-Identifier: Apache-2.0
#include "buildspec/yaml_document.h"

#include <yaml.h>

#include <cstdio>
#include <unordered_map>

namespace kiln::buildspec {

const char* YamlNode::describe() const {
  switch (kind) {
    case Kind::kNull: return "nothing (an empty value)";
    case Kind::kScalar: return "a string";
    case Kind::kSequence: return "a list";
    case Kind::kMapping: return "a mapping";
  }
  return "something else";
}

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k->value == key) return v.get();
  return nullptr;
}

namespace {

// Owns a yaml_parser_t.
class Parser {
 public:
  explicit Parser(std::string_view text) {
    ok_ = yaml_parser_initialize(&parser_) != 0;
    if (ok_)
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
  }
  ~Parser() {
    if (ok_) yaml_parser_delete(&parser_);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  bool initialized() const { return ok_; }
  yaml_parser_t* get() { return &parser_; }

 private:
  yaml_parser_t parser_{};
  bool ok_ = false;
};

// Owns one yaml_event_t.
class Event {
 public:
  Event() = default;
  ~Event() {
    if (filled_) yaml_event_delete(&event_);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool next(yaml_parser_t* parser) {
    if (filled_) yaml_event_delete(&event_);
    filled_ = yaml_parser_parse(parser, &event_) != 0;
    return filled_;
  }
  const yaml_event_t& get() const { return event_; }

 private:
  yaml_event_t event_{};
  bool filled_ = false;
};

bool is_null_text(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::string libyaml_message(const yaml_parser_t& p) {
  std::string msg = p.problem ? p.problem : "invalid YAML";
  if (p.context) {
    msg += " (";
    msg += p.context;
    msg += " at line " + std::to_string(p.context_mark.line + 1) + ")";
  }
  return msg;
}

// True when the line holding byte `offset` has a tab in its indentation.
bool tab_in_indentation(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  start = (start == std::string_view::npos || offset == 0) ? 0 : start + 1;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] == '\t') return true;
    if (text[i] != ' ') return false;
  }
  return false;
}

// Builds the tree from events with an explicit stack.
class TreeBuilder {
 public:
  TreeBuilder(std::string_view text, const YamlLimits& limits) : text_(text), limits_(limits) {}

  YamlParseResult run() {
    // libyaml would decode UTF-16 after a byte-order mark; CodeBuild reads
    // UTF-8 only, so say so rather than accept the file.
    if (text_.size() >= 2 && ((text_[0] == '\xff' && text_[1] == '\xfe') ||
                              (text_[0] == '\xfe' && text_[1] == '\xff')))
      return fail(1, 1, "the file is UTF-16 (it starts with a UTF-16 byte-order mark); a "
                        "buildspec must be UTF-8 text");
    Parser parser(text_);
    if (!parser.initialized()) return fail(0, 0, "out of memory initializing the YAML parser");
    Event event;
    int documents = 0;
    for (;;) {
      if (!event.next(parser.get())) return fail_from_parser(*parser.get());
      const yaml_event_t& e = event.get();
      int line = static_cast<int>(e.start_mark.line) + 1;
      int column = static_cast<int>(e.start_mark.column) + 1;
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          if (!root_) root_ = std::make_shared<YamlNode>();  // empty stream
          return YamlParseResult{root_, {}};
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1)
            return fail(line, column,
                        "found a second YAML document; a buildspec is one document (remove the "
                        "extra '---' line)");
          break;
        case YAML_SCALAR_EVENT:
          if (!add_scalar(e, line, column)) return done_with_error();
          break;
        case YAML_ALIAS_EVENT:
          if (!add_alias(e, line, column)) return done_with_error();
          break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
          if (!open(e, line, column)) return done_with_error();
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          if (!close()) return done_with_error();
          break;
        default:
          break;
      }
    }
  }

 private:
  struct Frame {
    std::shared_ptr<YamlNode> node;
    std::string path;
    std::string anchor;
    std::shared_ptr<const YamlNode> pending_key;  // mappings: key awaiting its value
    bool pending_merge = false;                   // the pending key is `<<`
    std::unordered_map<std::string, int> first_line;  // mappings: key → line
    std::vector<YamlNodePtr> merges;              // mappings: `<<` sources
  };

  YamlParseResult fail(int line, int column, std::string message) {
    set_error(line, column, std::move(message));
    return done_with_error();
  }

  YamlParseResult done_with_error() { return YamlParseResult{nullptr, {error_}}; }

  YamlParseResult fail_from_parser(const yaml_parser_t& p) {
    std::string msg = libyaml_message(p);
    if (p.error == YAML_READER_ERROR) {
      // Encoding errors carry a byte offset, not a mark.
      auto [line, column] = position_of(p.problem_offset);
      if (p.problem_value >= 0) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(p.problem_value) & 0xffu);
        msg += std::string(" (byte ") + hex + "); a buildspec must be UTF-8 text";
      }
      return fail(line, column, std::move(msg));
    }
    if (tab_in_indentation(text_, p.problem_mark.index))
      msg += "; tabs are not allowed in YAML indentation, indent with spaces";
    return fail(static_cast<int>(p.problem_mark.line) + 1,
                static_cast<int>(p.problem_mark.column) + 1, std::move(msg));
  }

  bool set_error(int line, int column, std::string message) {
    std::string path = current_path();
    // Past the depth limit the path is mostly repetition; keep both ends.
    if (path.size() > kMaxShownPath)
      path = path.substr(0, kMaxShownPath / 2) + "..." + path.substr(path.size() - kMaxShownPath / 2);
    error_ = YamlError{line, column, std::move(path), std::move(message)};
    return false;
  }

  // 1-based line and column (in bytes) of byte `offset`.
  std::pair<int, int> position_of(size_t offset) const {
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return {line, static_cast<int>(offset - line_start) + 1};
  }

  static constexpr size_t kMaxShownPath = 120;

  std::string current_path() const {
    if (stack_.empty()) return "";
    const Frame& top = stack_.back();
    if (top.node->kind == YamlNode::Kind::kSequence)
      return top.path + "[" + std::to_string(top.node->items.size()) + "]";
    if (top.pending_key) return join(top.path, top.pending_key->value);
    return top.path;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  void remember_anchor(const yaml_char_t* anchor, const YamlNodePtr& node) {
    if (anchor) anchors_[reinterpret_cast<const char*>(anchor)] = node;
  }

  bool add_scalar(const yaml_event_t& e, int line, int column) {
    auto node = std::make_shared<YamlNode>();
    node->line = line;
    node->column = column;
    node->value.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
    node->plain = e.data.scalar.plain_implicit && e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    node->kind = (node->plain && is_null_text(node->value)) ? YamlNode::Kind::kNull
                                                            : YamlNode::Kind::kScalar;
    node->expanded_size = node->value.size() + 1;
    remember_anchor(e.data.scalar.anchor, node);
    return attach(node, line, column);
  }

  bool add_alias(const yaml_event_t& e, int line, int column) {
    std::string name = reinterpret_cast<const char*>(e.data.alias.anchor);
    auto it = anchors_.find(name);
    // An anchor is registered only once its node is complete, so an alias
    // inside its own anchor is unknown here: no cycles reach the checker.
    if (it == anchors_.end())
      return set_error(line, column,
                       "unknown alias *" + name +
                           " (no complete &" + name +
                           " anchor before it; in a plain value, '*' starts an alias: quote "
                           "the value)");
    return attach(it->second, line, column);
  }

  bool open(const yaml_event_t& e, int line, int column) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth)
      return set_error(line, column,
                       "nesting is deeper than " + std::to_string(limits_.max_depth) +
                           " levels; a buildspec needs far fewer");
    auto node = std::make_shared<YamlNode>();
    node->line = line;
    node->column = column;
    const yaml_char_t* anchor;
    if (e.type == YAML_SEQUENCE_START_EVENT) {
      node->kind = YamlNode::Kind::kSequence;
      anchor = e.data.sequence_start.anchor;
    } else {
      node->kind = YamlNode::Kind::kMapping;
      anchor = e.data.mapping_start.anchor;
    }
    Frame frame;
    frame.path = current_path();
    frame.node = node;
    if (anchor) frame.anchor = reinterpret_cast<const char*>(anchor);
    stack_.push_back(std::move(frame));
    return true;
  }

  bool close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.node->kind == YamlNode::Kind::kMapping) apply_merges(frame);
    YamlNodePtr node = frame.node;
    if (!frame.anchor.empty()) anchors_[frame.anchor] = node;
    return attach(node, node->line, node->column);
  }

  // YAML 1.1 merge keys: entries of the merged mappings that the mapping does
  // not define itself, earlier sources first.
  static void apply_merges(Frame& frame) {
    for (const YamlNodePtr& source : frame.merges) {
      for (const auto& [k, v] : source->entries) {
        if (frame.first_line.emplace(k->value, k->line).second) frame.node->entries.emplace_back(k, v);
      }
    }
  }

  bool attach(const YamlNodePtr& node, int line, int column) {
    if (stack_.empty()) {
      root_ = node;
      return true;
    }
    Frame& top = stack_.back();
    top.node->expanded_size += node->expanded_size;
    if (top.node->expanded_size > limits_.max_expanded_bytes)
      return set_error(line, column,
                       "aliases expand the document past " +
                           std::to_string(limits_.max_expanded_bytes) + " bytes");
    if (top.node->kind == YamlNode::Kind::kSequence) {
      top.node->items.push_back(node);
      return true;
    }
    if (!top.pending_key) return take_key(top, node, line, column);
    if (top.pending_merge) {
      if (!add_merge_source(top, node, line, column)) return false;
    } else {
      top.node->entries.emplace_back(top.pending_key, node);
    }
    top.pending_key.reset();
    top.pending_merge = false;
    return true;
  }

  bool take_key(Frame& top, const YamlNodePtr& key, int line, int column) {
    if (key->kind == YamlNode::Kind::kSequence || key->kind == YamlNode::Kind::kMapping)
      return set_error(line, column,
                       std::string("a mapping key must be a plain string, found ") +
                           key->describe());
    if (key->plain && key->value == "<<") {
      top.pending_merge = true;
    } else {
      auto [it, inserted] = top.first_line.emplace(key->value, key->line);
      if (!inserted)
        return set_error(line, column,
                         "duplicate key \"" + key->value + "\" (first defined at line " +
                             std::to_string(it->second) + "); YAML keys must be unique");
    }
    top.pending_key = key;
    return true;
  }

  bool add_merge_source(Frame& top, const YamlNodePtr& value, int line, int column) {
    if (value->kind == YamlNode::Kind::kMapping) {
      top.merges.push_back(value);
      return true;
    }
    if (value->kind == YamlNode::Kind::kSequence) {
      for (const YamlNodePtr& item : value->items) {
        if (item->kind != YamlNode::Kind::kMapping)
          return set_error(item->line, item->column,
                           std::string("a merge key (<<) takes mappings, found ") +
                               item->describe());
        top.merges.push_back(item);
      }
      return true;
    }
    return set_error(line, column,
                     std::string("a merge key (<<) takes a mapping or a list of mappings, found ") +
                         value->describe());
  }

  std::string_view text_;
  YamlLimits limits_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, YamlNodePtr> anchors_;
  YamlNodePtr root_;
  YamlError error_;
};

}  // namespace

YamlParseResult parse_yaml(std::string_view text, const YamlLimits& limits) {
  return TreeBuilder(text, limits).run();
}

}  // namespace kiln::buildspec
