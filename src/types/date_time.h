// Calendar arithmetic for Date (days since 1970-01-01), DateTime (seconds since the epoch) and
// DateTime64 (ticks of 10^-precision seconds since the epoch), plus the parsers and printers of the
// text forms ClickHouse uses. Parsers read a wall-clock time in a zone (UTC unless given) unless
// the text carries its own offset; printers print the wall-clock time they are given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "types/time_zone.h"

namespace perch {

struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t daysFromCivil(int year, unsigned month, unsigned day);
CivilDate civilFromDays(int64_t days);

/// Parses `YYYY-MM-DD`. Returns days since epoch, or nullopt when malformed or out of range.
std::optional<int64_t> parseDate(std::string_view text);
/// Parses `YYYY-MM-DD hh:mm:ss`, `YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm]`, `YYYY-MM-DD` (midnight),
/// or a plain integer of Unix seconds. A wall-clock time is read in `zone`. Returns seconds since
/// epoch (UTC); a fraction of a second is dropped.
std::optional<int64_t> parseDateTime(std::string_view text, const TimeZone& zone = TimeZone::utc());
/// The same forms (and Unix seconds with a fraction, `1700000000.5`) as DateTime64 ticks of
/// 10^-precision seconds; digits past the precision are dropped.
std::optional<int64_t> parseDateTime64(std::string_view text, unsigned precision, const TimeZone& zone = TimeZone::utc());

/// 10^digits for digits 0..18.
int64_t powerOfTen(unsigned digits);

/// `YYYY-MM-DD`.
void formatDate(int64_t days, std::string& out);
/// `YYYY-MM-DD hh:mm:ss`.
void formatDateTime(int64_t seconds, std::string& out);
/// `YYYY-MM-DD hh:mm:ss[.fff]` of DateTime64 ticks with `precision` digits after the point, as a
/// wall-clock time in `zone`.
void formatDateTime64(int64_t ticks, unsigned precision, const TimeZone& zone, std::string& out);

inline int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace perch
