// SPDX-License-Identifier: Apache-2.0
// The small INI dialect of the AWS shared credentials file and of kiln's
// client config: "[section]" headers, "key = value" lines, whole-line
// comments starting with '#' or ';'. Plain value type; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::client {

class IniFile {
 public:
  // Parses `text`; `origin` (the path) prefixes error messages. Keys before
  // any section header belong to the section named "". Values are kept
  // verbatim after trimming (a secret may contain '#' or ';'); a later key
  // overrides an earlier one in the same section. A line that is neither
  // fails with kInvalidInput: "<origin>:<line>: expected ...".
  static Result<IniFile> parse(std::string_view text, const std::string& origin);

  // Reads and parses the file at `path` (at most 1 MiB). A missing file
  // fails with kNotFound, naming the path.
  static Result<IniFile> load(const std::string& path);

  // The value of `key` in `section`, if present.
  std::optional<std::string> get(const std::string& section, const std::string& key) const;
  bool has_section(const std::string& section) const { return sections_.count(section) > 0; }

 private:
  std::map<std::string, std::map<std::string, std::string>> sections_;
};

}  // namespace kiln::client
