// SPDX-License-Identifier: Apache-2.0
// The two date formats SigV4 meets: X-Amz-Date's ISO 8601 basic format
// ("20260101T000000Z") and the HTTP Date header's RFC 1123 format
// ("Thu, 01 Jan 2026 00:00:00 GMT"). All times are UTC, whole seconds.
// Stateless functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::sigv4 {

using Clock = std::chrono::system_clock;

// "yyyymmddThhmmssZ"; sub-second parts are dropped.
std::string format_amz_date(Clock::time_point time);

// Parses exactly "yyyymmddThhmmssZ" with a valid calendar date and time;
// nullopt for anything else.
std::optional<Clock::time_point> parse_amz_date(std::string_view text);

// Parses RFC 1123 "Www, dd Mmm yyyy hh:mm:ss GMT" (the weekday is not
// checked), also with the zone written "UTC", "+0000" or "-0000" (botocore
// sends "-0000"); nullopt for anything else.
std::optional<Clock::time_point> parse_http_date(std::string_view text);

}  // namespace kiln::sigv4
