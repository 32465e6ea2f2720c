// SPDX-License-Identifier: Apache-2.0
// The text of `export -p` as the shells we run print it, both ways:
// rendering a variable list that any POSIX shell can source, and reading back
// what dash, busybox ash and bash (normal and POSIX mode) print.
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/buildspec.h"

namespace kiln::executor {

// True for a shell identifier: [A-Za-z_][A-Za-z0-9_]*.
bool is_shell_name(std::string_view name);

// `text` as one single-quoted shell word ('it'\''s'); exact for any bytes but NUL.
std::string shell_quote(std::string_view text);

// One `export NAME='value'` line per variable, in order: sourcing the result
// in dash, ash or bash exports exactly these values.
// Fails with kInvalidInput for a name that is not a shell identifier or a
// value containing NUL.
Result<std::string> render_export_listing(const model::NamedValues& variables);

// Reads the output of `export -p`: lines `export NAME[=WORD]` (dash, ash,
// bash --posix) or `declare -FLAGS NAME[=WORD]` (bash), where WORD uses
// single quotes, double quotes, $'...' (bash's ANSI-C quoting) and
// backslashes. Exported names without a value and bash arrays (never passed to
// a child) are left out. Values may span lines. Fails with kInvalidInput,
// naming the line, on anything else.
Result<model::NamedValues> parse_export_listing(std::string_view text);

}  // namespace kiln::executor
