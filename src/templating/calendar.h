// Strict parsers for the date and time texts templates validate (`Date`, `DateTime`,
// `DateTime64` parameters) and compare (`day_diff`, `date_diff_in_*`). Proleptic Gregorian, UTC,
// no time zones. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace perch::templating {

struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int fraction_digits = 0;  // digits after the '.' (DateTime64), 0 when absent
};

/// `YYYY-MM-DD`, a real calendar day with year 1..9999.
std::optional<CivilTime> parseDateText(std::string_view text);
/// `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DDThh:mm:ss`; with `allow_fraction`, an optional `.f` (1-9 digits).
std::optional<CivilTime> parseDateTimeText(std::string_view text, bool allow_fraction);
/// Parses with a strftime-style format supporting %Y %m %d %H %M %S %% and literal characters.
std::optional<CivilTime> parseWithFormat(std::string_view text, std::string_view format);
/// Seconds since 1970-01-01 00:00:00 (fractions ignored).
int64_t epochSeconds(const CivilTime& time);

}  // namespace perch::templating
