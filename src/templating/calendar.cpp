#include "templating/calendar.h"

namespace perch::templating {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `count` digits at text[pos]; advances pos.
bool readDigits(std::string_view text, size_t& pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (!isDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int daysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

bool isValid(const CivilTime& t) {
  return t.year >= 1 && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= daysInMonth(t.year, t.month) &&
         t.hour <= 23 && t.minute <= 59 && t.second <= 59;
}

bool readDatePart(std::string_view text, size_t& pos, CivilTime& t) {
  return readDigits(text, pos, 4, t.year) && pos < text.size() && text[pos++] == '-' &&
         readDigits(text, pos, 2, t.month) && pos < text.size() && text[pos++] == '-' &&
         readDigits(text, pos, 2, t.day);
}

bool readTimePart(std::string_view text, size_t& pos, CivilTime& t) {
  return readDigits(text, pos, 2, t.hour) && pos < text.size() && text[pos++] == ':' &&
         readDigits(text, pos, 2, t.minute) && pos < text.size() && text[pos++] == ':' &&
         readDigits(text, pos, 2, t.second);
}

}  // namespace

std::optional<CivilTime> parseDateText(std::string_view text) {
  CivilTime t;
  size_t pos = 0;
  if (!readDatePart(text, pos, t) || pos != text.size() || !isValid(t)) return std::nullopt;
  return t;
}

std::optional<CivilTime> parseDateTimeText(std::string_view text, bool allow_fraction) {
  CivilTime t;
  size_t pos = 0;
  if (!readDatePart(text, pos, t) || pos >= text.size() || (text[pos] != ' ' && text[pos] != 'T')) {
    return std::nullopt;
  }
  ++pos;
  if (!readTimePart(text, pos, t)) return std::nullopt;
  if (allow_fraction && pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && isDigit(text[pos]) && t.fraction_digits < 10) {
      ++pos;
      ++t.fraction_digits;
    }
    if (t.fraction_digits == 0 || t.fraction_digits > 9) return std::nullopt;
  }
  if (pos != text.size() || !isValid(t)) return std::nullopt;
  return t;
}

std::optional<CivilTime> parseWithFormat(std::string_view text, std::string_view format) {
  CivilTime t;
  size_t pos = 0;
  for (size_t f = 0; f < format.size(); ++f) {
    if (format[f] != '%' || f + 1 == format.size()) {
      if (pos >= text.size() || text[pos] != format[f]) return std::nullopt;
      ++pos;
      continue;
    }
    bool ok = true;
    switch (format[++f]) {
      case 'Y': ok = readDigits(text, pos, 4, t.year); break;
      case 'm': ok = readDigits(text, pos, 2, t.month); break;
      case 'd': ok = readDigits(text, pos, 2, t.day); break;
      case 'H': ok = readDigits(text, pos, 2, t.hour); break;
      case 'M': ok = readDigits(text, pos, 2, t.minute); break;
      case 'S': ok = readDigits(text, pos, 2, t.second); break;
      case '%': ok = pos < text.size() && text[pos++] == '%'; break;
      default: return std::nullopt;
    }
    if (!ok) return std::nullopt;
  }
  if (pos != text.size() || !isValid(t)) return std::nullopt;
  return t;
}

int64_t epochSeconds(const CivilTime& t) {
  // H. Hinnant's days_from_civil.
  const int64_t year = t.month <= 2 ? t.year - 1 : t.year;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t month = t.month;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + t.day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const int64_t days = era * 146097 + day_of_era - 719468;
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

}  // namespace perch::templating
