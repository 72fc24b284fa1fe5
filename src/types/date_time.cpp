#include "types/date_time.h"

#include <cstdio>

namespace perch {

int64_t daysFromCivil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2)), m, d};
}

namespace {

bool readDigits(std::string_view text, size_t pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

bool validDate(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

}  // namespace

std::optional<int64_t> parseDate(std::string_view text) {
  int year, month, day;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!readDigits(text, 0, 4, year) || !readDigits(text, 5, 2, month) || !readDigits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (!validDate(year, month, day)) return std::nullopt;
  return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

namespace {

// A parsed date and time: `seconds` is UTC when the text had an offset (`Z`, `+01:00`) or was Unix
// seconds, otherwise a wall-clock time still to be placed in a zone.
struct ParsedDateTime {
  int64_t seconds = 0;
  int64_t nanoseconds = 0;
  bool absolute = false;
};

// Digits after a decimal point at text[pos..]: advances pos, returns them as nanoseconds.
std::optional<int64_t> readFraction(std::string_view text, size_t& pos) {
  const size_t start = pos;
  int64_t nanoseconds = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start < 9) nanoseconds = nanoseconds * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  for (size_t digits = pos - start; digits < 9; ++digits) nanoseconds *= 10;
  return nanoseconds;
}

std::optional<ParsedDateTime> parseUnixSeconds(std::string_view text) {
  const size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  if (whole.empty() || whole.size() > 12 || whole.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  ParsedDateTime parsed{.absolute = true};
  for (char c : whole) parsed.seconds = parsed.seconds * 10 + (c - '0');
  if (point == std::string_view::npos) return parsed;
  size_t pos = point + 1;
  const std::optional<int64_t> fraction = readFraction(text, pos);
  if (!fraction || pos != text.size()) return std::nullopt;
  parsed.nanoseconds = *fraction;
  return parsed;
}

std::optional<ParsedDateTime> parseParts(std::string_view text) {
  if (auto seconds = parseUnixSeconds(text)) return seconds;
  if (text.size() < 10) return std::nullopt;
  auto days = parseDate(text.substr(0, 10));
  if (!days) return std::nullopt;
  ParsedDateTime parsed{.seconds = *days * 86400};
  if (text.size() == 10) return parsed;
  if (text[10] != ' ' && text[10] != 'T') return std::nullopt;
  int hour, minute, second = 0;
  if (!readDigits(text, 11, 2, hour) || text.size() < 16 || text[13] != ':' || !readDigits(text, 14, 2, minute)) {
    return std::nullopt;
  }
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!readDigits(text, 17, 2, second)) return std::nullopt;
    pos = 19;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  parsed.seconds += hour * 3600 + minute * 60 + second;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::optional<int64_t> fraction = readFraction(text, pos);
    if (!fraction) return std::nullopt;
    parsed.nanoseconds = *fraction;
  }
  if (pos == text.size()) return parsed;
  parsed.absolute = true;
  if (text[pos] == 'Z' && pos + 1 == text.size()) return parsed;
  if ((text[pos] == '+' || text[pos] == '-') && text.size() - pos >= 3) {
    int offset_hours, offset_minutes = 0;
    if (!readDigits(text, pos + 1, 2, offset_hours)) return std::nullopt;
    size_t next = pos + 3;
    if (next < text.size() && text[next] == ':') ++next;
    if (next < text.size()) {
      if (!readDigits(text, next, 2, offset_minutes) || next + 2 != text.size()) return std::nullopt;
    }
    const int64_t offset = offset_hours * 3600 + offset_minutes * 60;
    parsed.seconds += text[pos] == '+' ? -offset : offset;
    return parsed;
  }
  return std::nullopt;
}

}  // namespace

int64_t powerOfTen(unsigned digits) {
  int64_t value = 1;
  for (unsigned i = 0; i < digits; ++i) value *= 10;
  return value;
}

std::optional<int64_t> parseDateTime(std::string_view text, const TimeZone& zone) {
  const std::optional<ParsedDateTime> parsed = parseParts(text);
  if (!parsed) return std::nullopt;
  return parsed->absolute ? parsed->seconds : zone.utcOf(parsed->seconds);
}

std::optional<int64_t> parseDateTime64(std::string_view text, unsigned precision, const TimeZone& zone) {
  const std::optional<ParsedDateTime> parsed = parseParts(text);
  if (!parsed) return std::nullopt;
  const int64_t seconds = parsed->absolute ? parsed->seconds : zone.utcOf(parsed->seconds);
  return seconds * powerOfTen(precision) + parsed->nanoseconds / powerOfTen(9 - precision);
}

void formatDate(int64_t days, std::string& out) {
  const CivilDate date = civilFromDays(days);
  char buffer[16];
  const int n = std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", date.year, date.month, date.day);
  out.append(buffer, static_cast<size_t>(n));
}

void formatDateTime(int64_t seconds, std::string& out) {
  const int64_t days = floorDiv(seconds, 86400);
  const int64_t in_day = seconds - days * 86400;
  formatDate(days, out);
  char buffer[16];
  const int n = std::snprintf(buffer, sizeof(buffer), " %02d:%02d:%02d", static_cast<int>(in_day / 3600),
                              static_cast<int>(in_day / 60 % 60), static_cast<int>(in_day % 60));
  out.append(buffer, static_cast<size_t>(n));
}

void formatDateTime64(int64_t ticks, unsigned precision, const TimeZone& zone, std::string& out) {
  const int64_t scale = powerOfTen(precision);
  const int64_t seconds = floorDiv(ticks, scale);
  formatDateTime(seconds + zone.offsetAt(seconds), out);
  if (precision == 0) return;
  const std::string fraction = std::to_string(ticks - seconds * scale);
  out.push_back('.');
  out.append(precision - fraction.size(), '0').append(fraction);
}

}  // namespace perch
