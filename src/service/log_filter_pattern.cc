// SPDX-License-Identifier: Apache-2.0
#include "service/log_filter_pattern.h"

#include <algorithm>

namespace kiln::service {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Status unsupported(std::string_view what) {
  return Status(ErrorCode::kInvalidInput,
                std::string(what) +
                    " filter patterns are not supported by kiln; use terms, "
                    "\"quoted phrases\", -term or ?term");
}

// Reads one term at `pos` (after any ?/- sign): a quoted phrase or a run of
// non-space characters. Advances `pos` past it.
Result<std::string> read_term(std::string_view text, std::size_t* pos) {
  std::string term;
  std::size_t i = *pos;
  if (i < text.size() && text[i] == '"') {
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      term += text[i];
    }
    if (i >= text.size()) {
      return Status(ErrorCode::kInvalidInput, "filterPattern has an unterminated quote");
    }
    ++i;  // the closing quote
    if (i < text.size() && !is_space(text[i])) {
      return Status(ErrorCode::kInvalidInput,
                    "filterPattern: a quoted term must be followed by a space");
    }
  } else {
    for (; i < text.size() && !is_space(text[i]); ++i) term += text[i];
    if (term.empty()) {
      return Status(ErrorCode::kInvalidInput, "filterPattern: ? or - must precede a term");
    }
    if (term.size() >= 2 && term.front() == '%' && term.back() == '%') {
      return unsupported("Regular-expression");
    }
  }
  *pos = i;
  return term;
}

}  // namespace

Result<LogFilterPattern> LogFilterPattern::parse(std::string_view text) {
  std::size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  if (first < text.size() && text[first] == '{') return unsupported("JSON");
  if (first < text.size() && text[first] == '[') return unsupported("Space-delimited");
  LogFilterPattern pattern;
  for (std::size_t pos = first; pos < text.size();) {
    if (is_space(text[pos])) {
      ++pos;
      continue;
    }
    char sign = text[pos];
    if (sign == '?' || sign == '-') ++pos;
    Result<std::string> term = read_term(text, &pos);
    if (!term.is_ok()) return term.status();
    if (sign == '?') {
      pattern.any_.push_back(std::move(term.value()));
    } else if (sign == '-') {
      pattern.none_.push_back(std::move(term.value()));
    } else {
      pattern.all_.push_back(std::move(term.value()));
    }
  }
  if (!pattern.any_.empty() && (!pattern.all_.empty() || !pattern.none_.empty())) {
    return Status(ErrorCode::kInvalidInput,
                  "filterPattern: ?terms mixed with other terms are not supported by kiln");
  }
  return pattern;
}

bool LogFilterPattern::matches(std::string_view message) const {
  auto occurs = [message](const std::string& term) {
    return message.find(term) != std::string_view::npos;
  };
  return std::all_of(all_.begin(), all_.end(), occurs) &&
         std::none_of(none_.begin(), none_.end(), occurs) &&
         (any_.empty() || std::any_of(any_.begin(), any_.end(), occurs));
}

}  // namespace kiln::service
