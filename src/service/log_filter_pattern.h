// SPDX-License-Identifier: Apache-2.0
// FilterLogEvents' `filterPattern`, the part of CloudWatch's syntax for
// unstructured events that kiln supports (docs/logs-api.md):
//   ERROR timeout          every term must occur (case-sensitive substring)
//   "exact phrase" ERROR   a quoted term is one term; \" and \\ escape
//   ERROR -retrying        a `-term` must not occur
//   ?ERROR ?"panic:"       at least one `?term` must occur
// An empty pattern matches every event. JSON (`{ $.x = 1 }`), space-delimited
// (`[ip, user, ...]`) and regular-expression (`%...%`) patterns, and `?terms`
// mixed with other terms (whose meaning AWS does not document), are refused.
// Plain value type: thread-compatible, matches() is const.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln::service {

class LogFilterPattern {
 public:
  LogFilterPattern() = default;  // matches everything

  // kInvalidInput, saying what is wrong or unsupported, for any other text.
  static Result<LogFilterPattern> parse(std::string_view text);

  bool matches(std::string_view message) const;
  bool matches_everything() const { return all_.empty() && any_.empty() && none_.empty(); }

 private:
  std::vector<std::string> all_;   // each must occur
  std::vector<std::string> any_;   // one of them must occur, if any are given
  std::vector<std::string> none_;  // none may occur
};

}  // namespace kiln::service
