// SPDX-License-Identifier: Apache-2.0
#include "client/ini_file.h"

#include "common/file_util.h"

namespace kiln::client {

namespace {

constexpr std::size_t kMaxFileBytes = 1u << 20;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

Result<IniFile> IniFile::parse(std::string_view text, const std::string& origin) {
  IniFile ini;
  std::string section;
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        return Status(ErrorCode::kInvalidInput, origin + ":" + std::to_string(line_number) +
                                                    ": expected a section header like [default]");
      }
      section = std::string(trim(line.substr(1, line.size() - 2)));
      ini.sections_[section];
      continue;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || trim(line.substr(0, equals)).empty()) {
      return Status(ErrorCode::kInvalidInput, origin + ":" + std::to_string(line_number) +
                                                  ": expected 'key = value', a [section] or a "
                                                  "comment");
    }
    ini.sections_[section][std::string(trim(line.substr(0, equals)))] =
        std::string(trim(line.substr(equals + 1)));
  }
  return ini;
}

Result<IniFile> IniFile::load(const std::string& path) {
  auto text = read_file_limited(path, kMaxFileBytes);
  if (!text.is_ok()) return text.status();
  return parse(text.value(), path);
}

std::optional<std::string> IniFile::get(const std::string& section, const std::string& key) const {
  auto found = sections_.find(section);
  if (found == sections_.end()) return std::nullopt;
  auto value = found->second.find(key);
  if (value == found->second.end()) return std::nullopt;
  return value->second;
}

}  // namespace kiln::client
