// SPDX-License-Identifier: Apache-2.0
#include "sigv4/timestamp.h"

#include <array>
#include <cstdio>

namespace kiln::sigv4 {

namespace {

using std::chrono::days;
using std::chrono::seconds;

// Reads `count` decimal digits at text[at...]; nullopt if any is not a digit.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<Clock::time_point> make_time(int year, unsigned month, unsigned day, int hour,
                                           int minute, int second) {
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  auto point = std::chrono::sys_days(date) + std::chrono::hours(hour) +
               std::chrono::minutes(minute) + seconds(second);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(point.time_since_epoch()));
}

}  // namespace

std::string format_amz_date(Clock::time_point time) {
  auto whole = std::chrono::floor<seconds>(time);
  auto day = std::chrono::floor<days>(whole);
  std::chrono::year_month_day date(day);
  std::chrono::hh_mm_ss clock(whole - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

std::optional<Clock::time_point> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto year = digits(text, 0, 4), month = digits(text, 4, 2), day = digits(text, 6, 2);
  auto hour = digits(text, 9, 2), minute = digits(text, 11, 2), second = digits(text, 13, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  return make_time(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day), *hour,
                   *minute, *second);
}

std::optional<Clock::time_point> parse_http_date(std::string_view text) {
  // "Thu, 01 Jan 2026 00:00:00 GMT": fixed width up to the zone, which is
  // GMT, or "-0000" as Python's email.utils.formatdate (botocore) writes it.
  if (text.size() < 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text[25] != ' ')
    return std::nullopt;
  std::string_view zone = text.substr(26);
  if (zone != "GMT" && zone != "UTC" && zone != "+0000" && zone != "-0000") return std::nullopt;
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  auto day = digits(text, 5, 2), year = digits(text, 12, 4);
  auto hour = digits(text, 17, 2), minute = digits(text, 20, 2), second = digits(text, 23, 2);
  if (month == 0 || !day || !year || !hour || !minute || !second) return std::nullopt;
  return make_time(*year, month, static_cast<unsigned>(*day), *hour, *minute, *second);
}

}  // namespace kiln::sigv4
