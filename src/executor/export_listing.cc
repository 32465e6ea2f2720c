// SPDX-License-Identifier: Apache-2.0
#include "executor/export_listing.h"

#include <cstdint>
#include <optional>

namespace kiln::executor {

namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A cursor over the listing that knows its line number for messages.
class ListingReader {
 public:
  explicit ListingReader(std::string_view text) : text_(text) {}

  Result<model::NamedValues> read_all();

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  char take() {
    char c = text_[pos_++];
    if (c == '\n') ++line_;
    return c;
  }
  void skip_blanks() {
    while (!at_end() && is_blank(peek())) ++pos_;
  }
  Status error(const std::string& what) const {
    return Status(ErrorCode::kInvalidInput,
                  "export listing line " + std::to_string(line_) + ": " + what);
  }

  Status read_statement(model::NamedValues& out);
  std::string read_bare_word();
  Result<std::string> read_word();
  Status read_single_quoted(std::string& out);
  Status read_double_quoted(std::string& out);
  Status read_ansi_c_quoted(std::string& out);
  Status skip_array_value();
  void read_ansi_c_escape(std::string& out);

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

Result<model::NamedValues> ListingReader::read_all() {
  model::NamedValues out;
  while (!at_end()) {
    if (peek() == '\n') {
      take();
      continue;
    }
    Status status = read_statement(out);
    if (!status.is_ok()) return status;
  }
  return out;
}

// `export NAME[=WORD]` or `declare -FLAGS NAME[=WORD]`, then end of line.
Status ListingReader::read_statement(model::NamedValues& out) {
  std::string keyword = read_bare_word();
  if (keyword != "export" && keyword != "declare") {
    return error("expected 'export' or 'declare', found '" + keyword + "'");
  }
  skip_blanks();
  bool is_array = false;
  while (!at_end() && peek() == '-') {
    std::string flags = read_bare_word();
    if (flags.find_first_of("aA") != std::string::npos) is_array = true;
    skip_blanks();
  }
  std::size_t start = pos_;
  while (!at_end() && is_name_char(peek())) ++pos_;
  std::string name(text_.substr(start, pos_ - start));
  if (!is_shell_name(name)) return error("expected a variable name");
  std::optional<std::string> value;
  if (!at_end() && peek() == '=') {
    take();
    if (is_array) {
      Status status = skip_array_value();
      if (!status.is_ok()) return status;
    } else {
      Result<std::string> word = read_word();
      if (!word.is_ok()) return word.status();
      value = std::move(word).value();
    }
  }
  skip_blanks();
  if (!at_end() && take() != '\n') return error("unexpected text after " + name);
  if (value && !is_array) out.emplace_back(std::move(name), std::move(*value));
  return Status::ok();
}

std::string ListingReader::read_bare_word() {
  std::size_t start = pos_;
  while (!at_end() && !is_blank(peek()) && peek() != '\n') ++pos_;
  return std::string(text_.substr(start, pos_ - start));
}

// One shell word: quoted and unquoted parts up to an unquoted blank or newline.
Result<std::string> ListingReader::read_word() {
  std::string out;
  while (!at_end() && !is_blank(peek()) && peek() != '\n') {
    char c = take();
    Status status;
    if (c == '\'') {
      status = read_single_quoted(out);
    } else if (c == '"') {
      status = read_double_quoted(out);
    } else if (c == '$' && !at_end() && peek() == '\'') {
      take();
      status = read_ansi_c_quoted(out);
    } else if (c == '\\') {
      if (at_end()) return error("backslash at end of input");
      char escaped = take();
      if (escaped != '\n') out += escaped;  // backslash-newline is a line continuation
    } else {
      out += c;
    }
    if (!status.is_ok()) return status;
  }
  return out;
}

Status ListingReader::read_single_quoted(std::string& out) {
  while (!at_end()) {
    char c = take();
    if (c == '\'') return Status::ok();
    out += c;
  }
  return error("unterminated single quote");
}

// Inside "...", a backslash escapes only $ ` " \ and newline (POSIX 2.2.3).
Status ListingReader::read_double_quoted(std::string& out) {
  while (!at_end()) {
    char c = take();
    if (c == '"') return Status::ok();
    if (c == '\\' && !at_end()) {
      char next = peek();
      if (next == '$' || next == '`' || next == '"' || next == '\\') {
        out += take();
        continue;
      }
      if (next == '\n') {
        take();
        continue;
      }
    }
    out += c;
  }
  return error("unterminated double quote");
}

Status ListingReader::read_ansi_c_quoted(std::string& out) {
  while (!at_end()) {
    char c = take();
    if (c == '\'') return Status::ok();
    if (c == '\\' && !at_end()) {
      read_ansi_c_escape(out);
    } else {
      out += c;
    }
  }
  return error("unterminated $'...' quote");
}

// The escapes bash documents for $'...'; an unknown one stays as written.
void ListingReader::read_ansi_c_escape(std::string& out) {
  // Single-character escapes and what they stand for, position by position.
  constexpr std::string_view kEscapes = "abeEfnrtv\\'\"?";
  constexpr std::string_view kMeanings = "\a\b\x1b\x1b\f\n\r\t\v\\'\"?";
  char c = take();
  if (std::size_t i = kEscapes.find(c); i != std::string_view::npos) {
    out += kMeanings[i];
    return;
  }
  if (c == 'c') {
    if (!at_end()) out += static_cast<char>(take() & 0x1F);
    return;
  }
  if (c >= '0' && c <= '7') {
    int value = c - '0';
    for (int i = 0; i < 2 && !at_end() && peek() >= '0' && peek() <= '7'; ++i) {
      value = value * 8 + (take() - '0');
    }
    out += static_cast<char>(value & 0xFF);
    return;
  }
  int max_digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
  std::uint32_t value = 0;
  int digits = 0;
  while (digits < max_digits && !at_end() && hex_value(peek()) >= 0) {
    value = value * 16 + static_cast<std::uint32_t>(hex_value(take()));
    ++digits;
  }
  if (digits == 0) {
    out += '\\';
    out += c;
  } else if (c == 'x') {
    out += static_cast<char>(value);
  } else {
    append_utf8(out, value);
  }
}

// bash prints exported arrays as NAME=([0]="a" [1]="b"); children never see
// them, so the value is skipped with its quoting respected.
Status ListingReader::skip_array_value() {
  if (at_end() || take() != '(') return error("expected '(' for an array value");
  std::string ignored;
  while (!at_end()) {
    char c = take();
    Status status;
    if (c == ')') return Status::ok();
    if (c == '\'') status = read_single_quoted(ignored);
    if (c == '"') status = read_double_quoted(ignored);
    if (c == '\\' && !at_end()) take();
    if (!status.is_ok()) return status;
  }
  return error("unterminated array value");
}

}  // namespace

bool is_shell_name(std::string_view name) {
  if (name.empty() || !is_name_start(name[0])) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

Result<std::string> render_export_listing(const model::NamedValues& variables) {
  std::string out;
  for (const auto& [name, value] : variables) {
    if (!is_shell_name(name)) {
      return Status(ErrorCode::kInvalidInput,
                    "environment variable name '" + name + "' is not a shell identifier");
    }
    if (value.find('\0') != std::string::npos) {
      return Status(ErrorCode::kInvalidInput,
                    "environment variable " + name + " has a NUL byte in its value");
    }
    out += "export " + name + "=" + shell_quote(value) + "\n";
  }
  return out;
}

Result<model::NamedValues> parse_export_listing(std::string_view text) {
  return ListingReader(text).read_all();
}

}  // namespace kiln::executor
