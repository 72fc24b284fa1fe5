// Calendar arithmetic for Date (days since 1970-01-01) and DateTime (seconds since the epoch),
// all in UTC, plus the parsers and printers of the text forms ClickHouse uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
/// or a plain integer of Unix seconds. Returns seconds since epoch (UTC).
std::optional<int64_t> parseDateTime(std::string_view text);

/// `YYYY-MM-DD`.
void formatDate(int64_t days, std::string& out);
/// `YYYY-MM-DD hh:mm:ss`.
void formatDateTime(int64_t seconds, std::string& out);

inline int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace perch
