// SPDX-License-Identifier: Apache-2.0
// nextToken values (codebuild-semantics.md §4.5): the store's cursor wrapped
// so a client cannot mistake one listing's token for another's or forge a
// cursor by hand-editing. Tokens are opaque hex; stateless, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kiln::service {

// `listing` names what the cursor belongs to, e.g. "builds:DESCENDING".
std::string make_page_token(std::string_view listing, std::string_view cursor);

// The cursor inside `token`, or nullopt when the token was not made by
// make_page_token for the same `listing`.
std::optional<std::string> read_page_token(std::string_view listing, std::string_view token);

}  // namespace kiln::service
