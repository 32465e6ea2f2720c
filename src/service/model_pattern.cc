// SPDX-License-Identifier: Apache-2.0
#include "service/model_pattern.h"

#include <cctype>
#include <locale>
#include <regex>
#include <utility>

#include "service/unicode_categories.h"

namespace kiln::service {

struct ModelPattern::Compiled {
  std::regex regex;
};

namespace {

// Placeholders a folded value carries instead of non-ASCII characters. An
// ASCII control character that happens to have one of these codes becomes
// kControl, which every botocore pattern treats like any other control.
constexpr char kLetter = '\x01';
constexpr char kNumber = '\x02';
constexpr char kSeparator = '\x03';
constexpr char kOtherNonAscii = '\x04';
constexpr char kControl = '\x05';

// Decodes one UTF-8 character at text[at]; sets `length` to its byte count.
// An ill-formed byte decodes as U+FFFD with length 1.
char32_t decode_utf8(std::string_view text, std::size_t at, std::size_t& length) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  length = 1;
  if (lead < 0x80) return lead;
  std::size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  if (lead < 0xC2 || lead > 0xF4 || at + extra >= text.size()) return 0xFFFD;
  char32_t cp = lead & (0x3F >> extra);
  for (std::size_t i = 1; i <= extra; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (byte(at + i) & 0x3F);
  }
  length = extra + 1;
  return cp;
}

// The value as the translated regex sees it: ASCII kept, every other
// character one placeholder byte.
std::string fold(std::string_view utf8) {
  std::string folded;
  folded.reserve(utf8.size());
  for (std::size_t at = 0; at < utf8.size();) {
    std::size_t length = 0;
    char32_t cp = decode_utf8(utf8, at, length);
    at += length;
    if (cp < 0x80) {
      char c = static_cast<char>(cp);
      folded += (c >= kLetter && c <= kControl) ? kControl : c;
      continue;
    }
    switch (unicode_class(cp)) {
      case UnicodeClass::kLetter:
        folded += kLetter;
        break;
      case UnicodeClass::kNumber:
        folded += kNumber;
        break;
      case UnicodeClass::kSeparator:
        folded += kSeparator;
        break;
      case UnicodeClass::kOther:
        folded += kOtherNonAscii;
        break;
    }
  }
  return folded;
}

// The members of \p{X} as the inside of an ECMAScript class, or "".
std::string category_members(char category) {
  switch (category) {
    case 'L':
      return "A-Za-z\\x01";
    case 'N':
      return "0-9\\x02";
    case 'Z':
      return " \\x03";
    default:
      return "";
  }
}

bool is_class_escape(char c) {
  return c == 'w' || c == 'W' || c == 'd' || c == 'D' || c == 's' || c == 'S';
}

// Escapes that mean the same in Java and ECMAScript; any other escaped
// letter is Java-only (\Q, \A, \z, \h, ...) or means something else.
bool is_shared_escape(char c) {
  return is_class_escape(c) || c == 'b' || c == 'B' || c == 'n' || c == 'r' || c == 't' ||
         c == 'f' || c == 'x' || c == 'u';
}

Result<std::string> translate(std::string_view java) {
  std::string out;
  bool in_class = false;
  bool after_class_escape = false;  // the previous class item was \w, \p{L}, ...
  for (std::size_t i = 0; i < java.size(); ++i) {
    char c = java[i];
    bool was_after_class_escape = after_class_escape;
    after_class_escape = false;
    if (c == '\\') {
      if (i + 1 >= java.size()) return Status(ErrorCode::kInvalidInput, "trailing backslash");
      char next = java[++i];
      if (next == 'p' || next == 'P') {
        char category = 0;
        if (i + 3 < java.size() && java[i + 1] == '{' && java[i + 3] == '}') {
          category = java[i + 2];
          i += 3;
        } else if (i + 1 < java.size() && java[i + 1] != '{') {
          category = java[i + 1];
          i += 1;
        }
        std::string members = category_members(category);
        if (members.empty()) {
          return Status(ErrorCode::kInvalidInput,
                        "unsupported Unicode class near offset " + std::to_string(i));
        }
        if (next == 'P' && in_class) {
          return Status(ErrorCode::kInvalidInput, "unsupported \\P{..} inside a class");
        }
        if (in_class) {
          out += members;
          after_class_escape = true;
        } else {
          out += (next == 'P' ? "[^" : "[") + members + "]";
        }
        continue;
      }
      if (next >= '1' && next <= '9') {
        // A back-reference; the linear-time matcher below cannot do them.
        return Status(ErrorCode::kInvalidInput, "unsupported back-reference");
      }
      if (std::isalpha(static_cast<unsigned char>(next)) && !is_shared_escape(next)) {
        return Status(ErrorCode::kInvalidInput, std::string("unsupported escape \\") + next);
      }
      out += c;
      out += next;
      after_class_escape = in_class && is_class_escape(next);
      continue;
    }
    if (in_class) {
      if (c == ']') {
        in_class = false;
      } else if (c == '[' || (c == '&' && i + 1 < java.size() && java[i + 1] == '&')) {
        return Status(ErrorCode::kInvalidInput, "unsupported nested or intersected class");
      } else if (c == '-' && i + 1 < java.size() && java[i + 1] != ']' &&
                 (was_after_class_escape ||
                  (java[i + 1] == '\\' && i + 2 < java.size() &&
                   (is_class_escape(java[i + 2]) || java[i + 2] == 'p')))) {
        // Java reads a `-` beside a class escape as itself; ECMAScript
        // (libstdc++) rejects the range.
        out += "\\-";
        continue;
      }
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      // A leading ^ or ] belongs to the class opening.
      if (i + 1 < java.size() && java[i + 1] == '^') out += java[++i];
      continue;
    }
    out += c;
  }
  if (in_class) return Status(ErrorCode::kInvalidInput, "unterminated class");
  return out;
}

}  // namespace

ModelPattern::ModelPattern(std::string source, std::shared_ptr<const Compiled> compiled)
    : source_(std::move(source)), compiled_(std::move(compiled)) {}

Result<ModelPattern> ModelPattern::compile(std::string_view java_pattern) {
  Result<std::string> ecmascript = translate(java_pattern);
  if (!ecmascript.is_ok()) {
    return Status(ErrorCode::kInvalidInput,
                  "pattern " + std::string(java_pattern) + ": " + ecmascript.status().message());
  }
  auto compiled = std::make_shared<Compiled>();
  // libstdc++'s default matcher recurses once per input character and
  // overflows the stack on values of ~100k characters; the "polynomial"
  // (Thompson) matcher does not, and our patterns have no back-references.
  auto flags = std::regex::ECMAScript;
#if defined(__GLIBCXX__)
  flags |= std::regex_constants::__polynomial;
#endif
  try {
    // \w and \s must mean their ASCII sets whatever the global locale is.
    compiled->regex.imbue(std::locale::classic());
    compiled->regex.assign(ecmascript.value(), flags);
  } catch (const std::regex_error& error) {
    return Status(ErrorCode::kInvalidInput,
                  "pattern " + std::string(java_pattern) + ": " + error.what());
  }
  return ModelPattern(std::string(java_pattern), std::move(compiled));
}

bool ModelPattern::matches(std::string_view utf8) const {
  std::string folded = fold(utf8);
  return std::regex_match(folded, compiled_->regex);
}

std::size_t utf16_length(std::string_view utf8) {
  std::size_t units = 0;
  for (std::size_t at = 0; at < utf8.size();) {
    std::size_t length = 0;
    char32_t cp = decode_utf8(utf8, at, length);
    at += length;
    units += cp > 0xFFFF ? 2 : 1;
  }
  return units;
}

}  // namespace kiln::service
