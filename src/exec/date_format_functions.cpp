// Date/time text functions: formatDateTime (ClickHouse's MySQL-style %-specifiers) and
// parseDateTimeBestEffort / ...OrNull / ...OrZero (the lenient parser for the many ways dates are
// written: ISO 8601 with offsets, YYYYMMDD[hhmmss], unix timestamps, DD/MM/YYYY, month names,
// RFC 1123, AM/PM), plus toTimeZone.
//
// DateTime and DateTime64 values are UTC instants whose type may name a zone (time_zone.h: the
// system tz database, Debian package tzdata). formatDateTime prints the wall clock of that zone or
// of its zone argument; parseDateTimeBestEffort reads wall clocks in its zone argument; toTimeZone
// only changes the zone of the type.
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"
#include "types/time_zone.h"
#include "types/date_time.h"

namespace perch {

namespace {

const DataType kStringType{TypeId::kString};
const DataType kDateTimeType{TypeId::kDateTime};
constexpr int64_t kDay = 86400;

constexpr std::array<const char*, 12> kMonthNames = {"January", "February", "March",     "April",   "May",      "June",
                                                     "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kWeekdayNames = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// The zone name of constant argument `index`, or nullopt when absent.
std::optional<std::string> zoneArgument(std::string_view function, std::span<const ArgumentInfo> args, size_t index) {
  if (args.size() <= index) return std::nullopt;
  if (!args[index].type.isStringLike() || !args[index].constant) {
    throwBadRequest("Argument " + std::to_string(index + 1) + " of function " + std::string(function) + " must be a constant time zone name");
  }
  return std::string(asString(*args[index].constant).at(0));
}

// ---- formatDateTime -------------------------------------------------------------------------

struct Broken {
  CivilDate date;
  int64_t days;
  int hour, minute, second;
};

Broken breakDown(int64_t seconds) {
  Broken out;
  out.days = floorDiv(seconds, kDay);
  out.date = civilFromDays(out.days);
  const int64_t in_day = seconds - out.days * kDay;
  out.hour = static_cast<int>(in_day / 3600);
  out.minute = static_cast<int>(in_day / 60 % 60);
  out.second = static_cast<int>(in_day % 60);
  return out;
}

int isoWeekday(int64_t days) { return static_cast<int>((days % 7 + 7 + 3) % 7) + 1; }  // Monday = 1

// ISO 8601 week number and week-based year.
std::pair<int, int> isoWeek(int64_t days, int year) {
  const int64_t thursday = days - isoWeekday(days) + 4;
  const int week_year = civilFromDays(thursday).year;
  (void)year;
  const int64_t first_day = daysFromCivil(week_year, 1, 1);
  return {static_cast<int>((thursday - first_day) / 7 + 1), week_year};
}

void pad(std::string& out, int64_t value, int width, char fill = '0') {
  std::string digits = std::to_string(value < 0 ? -value : value);
  if (value < 0) out.push_back('-');
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out.push_back(fill);
  out += digits;
}

// Checks a format once at bind time; throws for unknown specifiers.
void validateFormat(std::string_view format) {
  static constexpr std::string_view kKnown = "abcCdDefFgGhHiIjklmMnpQrRsStTuVwWyYz%";
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 == format.size()) throwBadRequest("Wrong pattern '" + std::string(format) + "' for function formatDateTime: it ends with '%'");
    if (kKnown.find(format[i + 1]) == std::string_view::npos) {
      throwBadRequest("Wrong pattern '" + std::string(format) + "', unexpected symbol '" + std::string(1, format[i + 1]) + "' for function formatDateTime");
    }
    ++i;
  }
}

// `microseconds`: the fraction %f prints (six digits, ClickHouse's default for DateTime64 too).
void formatWith(std::string_view format, int64_t seconds, int64_t offset, int64_t microseconds, std::string& out) {
  const Broken t = breakDown(seconds + offset);
  const int hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c != '%' || i + 1 >= format.size()) {
      out.push_back(c);
      continue;
    }
    switch (format[++i]) {
      case 'a': out.append(kWeekdayNames[isoWeekday(t.days) - 1], 3); break;
      case 'W': out.append(kWeekdayNames[isoWeekday(t.days) - 1]); break;
      case 'b': case 'h': out.append(kMonthNames[t.date.month - 1], 3); break;
      case 'M': out.append(kMonthNames[t.date.month - 1]); break;
      case 'c': case 'm': pad(out, t.date.month, 2); break;
      case 'C': pad(out, t.date.year / 100, 2); break;
      case 'd': pad(out, t.date.day, 2); break;
      case 'D':
        pad(out, t.date.month, 2);
        out.push_back('/');
        pad(out, t.date.day, 2);
        out.push_back('/');
        pad(out, t.date.year % 100, 2);
        break;
      case 'e': pad(out, t.date.day, 2, ' '); break;
      case 'f': pad(out, microseconds, 6); break;
      case 'F':
        pad(out, t.date.year, 4);
        out.push_back('-');
        pad(out, t.date.month, 2);
        out.push_back('-');
        pad(out, t.date.day, 2);
        break;
      case 'g': pad(out, isoWeek(t.days, t.date.year).second % 100, 2); break;
      case 'G': pad(out, isoWeek(t.days, t.date.year).second, 4); break;
      case 'H': case 'k': pad(out, t.hour, 2); break;
      case 'i': pad(out, t.minute, 2); break;
      case 'I': case 'l': pad(out, hour12, 2); break;
      case 'j': pad(out, t.days - daysFromCivil(t.date.year, 1, 1) + 1, 3); break;
      case 'n': out.push_back('\n'); break;
      case 'p': out.append(t.hour < 12 ? "AM" : "PM"); break;
      case 'Q': pad(out, (t.date.month - 1) / 3 + 1, 1); break;
      case 'r':
        pad(out, hour12, 2);
        out.push_back(':');
        pad(out, t.minute, 2);
        out.append(t.hour < 12 ? " AM" : " PM");
        break;
      case 'R':
        pad(out, t.hour, 2);
        out.push_back(':');
        pad(out, t.minute, 2);
        break;
      case 's': case 'S': pad(out, t.second, 2); break;
      case 't': out.push_back('\t'); break;
      case 'T':
        pad(out, t.hour, 2);
        out.push_back(':');
        pad(out, t.minute, 2);
        out.push_back(':');
        pad(out, t.second, 2);
        break;
      case 'u': pad(out, isoWeekday(t.days), 1); break;
      case 'V': pad(out, isoWeek(t.days, t.date.year).first, 2); break;
      case 'w': pad(out, isoWeekday(t.days) % 7, 1); break;
      case 'y': pad(out, t.date.year % 100, 2); break;
      case 'Y': pad(out, t.date.year, 4); break;
      case 'z':
        out.push_back(offset < 0 ? '-' : '+');
        pad(out, (offset < 0 ? -offset : offset) / 3600, 2);
        pad(out, (offset < 0 ? -offset : offset) / 60 % 60, 2);
        break;
      case '%': out.push_back('%'); break;
      default: break;
    }
  }
}

FunctionDefinition formatDateTime() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("formatDateTime", args, 2, 3);
    const DataType& source = args[0].type;
    if (!isDateOrTime(source)) throwIllegalArgument("formatDateTime", 0, source);
    if (!args[1].type.isStringLike() || !args[1].constant) throwBadRequest("Argument 2 of function formatDateTime must be a constant format string");
    const std::optional<std::string> zone_name = zoneArgument("formatDateTime", args, 2);
    // The zone comes from the argument, else from the value's type; a DataType keeps it resolved.
    const DataType zoned = zone_name ? DataType::dateTime(*zone_name) : DataType::dateTime(source.timeZoneName());
    const std::string format(asString(*args[1].constant).at(0));
    validateFormat(format);
    return ResolvedFunction{kStringType, [format, zoned](std::span<const Datum> call, size_t rows) {
                              const DataType& type = call[0].type();
                              const bool date = type.id() == TypeId::kDate;
                              const int64_t scale = powerOfTen(type.precision());
                              const int64_t micros_per_tick = type.precision() <= 6 ? powerOfTen(6 - type.precision()) : 1;
                              const int64_t ticks_per_micro = type.precision() > 6 ? powerOfTen(type.precision() - 6) : 1;
                              // Days, seconds or ticks as they are stored.
                              const Datum ticks = type.id() == TypeId::kDateTime64 ? call[0] : castDatum(call[0], DataType(TypeId::kInt64));
                              const size_t n = ticks.is_constant ? 1 : rows;
                              const int64_t* values = valuesOf<int64_t>(ticks);
                              const TimeZone& zone = zoned.timeZone();
                              auto out = std::make_shared<ColumnString>(kStringType);
                              out->reserve(n);
                              std::string buffer;
                              for (size_t i = 0; i < n; ++i) {
                                buffer.clear();
                                // A Date is a calendar day, not an instant: it is never shifted by a zone.
                                const int64_t instant = date ? values[i] * kDay : floorDiv(values[i], scale);
                                const int64_t micros = date ? 0 : (values[i] - instant * scale) * micros_per_tick / ticks_per_micro;
                                formatWith(format, instant, date ? 0 : zone.offsetAt(instant), micros, buffer);
                                out->push(buffer);
                              }
                              return Datum{out, ticks.is_constant};
                            }};
  };
  return definition;
}

// ---- parseDateTimeBestEffort --------------------------------------------------------------

class BestEffortParser {
 public:
  explicit BestEffortParser(std::string_view text) : text_(text) {}

  /// Seconds since the epoch, or nullopt when the text is not a date and time. Without an
  /// explicit offset in the text, the wall-clock time is read in `zone` (UTC when null).
  std::optional<int64_t> parse(const TimeZone* zone = nullptr) {
    zone_ = zone;
    while (!text_.empty() && std::isspace(static_cast<unsigned char>(text_.front()))) text_.remove_prefix(1);
    while (!text_.empty() && std::isspace(static_cast<unsigned char>(text_.back()))) text_.remove_suffix(1);
    if (text_.empty()) return std::nullopt;
    if (allDigits(text_)) return wholeNumber();
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        if (!number()) return std::nullopt;
      } else if (std::isalpha(static_cast<unsigned char>(c))) {
        if (!word()) return std::nullopt;
      } else if ((c == '+' || c == '-') && has_time_ && !offset_) {
        if (!zoneOffset()) return std::nullopt;
      } else if (c == ' ' || c == ',' || c == '\t') {
        ++pos_;
      } else {
        return std::nullopt;
      }
    }
    return finish();
  }

 private:
  static bool allDigits(std::string_view s) {
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }
  static int toInt(std::string_view digits) {
    int value = 0;
    for (char c : digits) value = value * 10 + (c - '0');
    return value;
  }
  std::string_view digitsAt(size_t at) const {
    size_t end = at;
    while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
    return text_.substr(at, end - at);
  }
  char at(size_t index) const { return index < text_.size() ? text_[index] : '\0'; }

  // YYYYMMDD, YYYYMMDDhhmmss, YYYYMM, YYYY or a unix timestamp.
  std::optional<int64_t> wholeNumber() {
    const std::string_view s = text_;
    if (s.size() == 8 || s.size() == 14) {
      year_ = toInt(s.substr(0, 4));
      month_ = toInt(s.substr(4, 2));
      day_ = toInt(s.substr(6, 2));
      has_date_ = true;
      if (s.size() == 14) {
        hour_ = toInt(s.substr(8, 2));
        minute_ = toInt(s.substr(10, 2));
        second_ = toInt(s.substr(12, 2));
        has_time_ = true;
      }
      return finish();
    }
    if (s.size() == 6) {
      year_ = toInt(s.substr(0, 4));
      month_ = toInt(s.substr(4, 2));
      day_ = 1;
      has_date_ = true;
      return finish();
    }
    if (s.size() == 4) {
      year_ = toInt(s);
      month_ = day_ = 1;
      has_date_ = true;
      return finish();
    }
    if (s.size() <= 10) {
      int64_t value = 0;
      for (char c : s) value = value * 10 + (c - '0');
      return value;
    }
    return std::nullopt;
  }

  bool number() {
    const std::string_view digits = digitsAt(pos_);
    const size_t after = pos_ + digits.size();
    const char next = at(after);
    if (digits.size() == 4 && !has_date_ && (next == '-' || next == '/' || next == '.')) {  // YYYY-MM[-DD]
      year_ = toInt(digits);
      const std::string_view month = digitsAt(after + 1);
      if (month.empty() || month.size() > 2) return false;
      month_ = toInt(month);
      day_ = 1;
      pos_ = after + 1 + month.size();
      if (at(pos_) == next) {
        const std::string_view day = digitsAt(pos_ + 1);
        if (day.empty() || day.size() > 2) return false;
        day_ = toInt(day);
        pos_ += 1 + day.size();
      }
      has_date_ = true;
      if (at(pos_) == 'T' && std::isdigit(static_cast<unsigned char>(at(pos_ + 1)))) ++pos_;
      return true;
    }
    if (digits.size() <= 2 && next == ':' && !has_time_) {  // hh:mm[:ss[.fraction]]
      hour_ = toInt(digits);
      const std::string_view minute = digitsAt(after + 1);
      if (minute.size() != 2) return false;
      minute_ = toInt(minute);
      pos_ = after + 1 + minute.size();
      if (at(pos_) == ':') {
        const std::string_view second = digitsAt(pos_ + 1);
        if (second.size() != 2) return false;
        second_ = toInt(second);
        pos_ += 1 + second.size();
        if (at(pos_) == '.' || at(pos_) == ',') {
          const std::string_view fraction = digitsAt(pos_ + 1);
          if (fraction.empty()) return false;
          pos_ += 1 + fraction.size();
        }
      }
      has_time_ = true;
      if (at(pos_) == 'Z') {
        offset_ = 0;
        ++pos_;
      }
      return true;
    }
    if (digits.size() <= 2 && !has_date_ && (next == '/' || next == '.' || next == '-')) {  // DD/MM/YYYY
      const std::string_view month = digitsAt(after + 1);
      if (month.empty() || month.size() > 2 || at(after + 1 + month.size()) != next) return false;
      const std::string_view year = digitsAt(after + 2 + month.size());
      if (year.size() != 4 && year.size() != 2) return false;
      day_ = toInt(digits);
      month_ = toInt(month);
      year_ = year.size() == 4 ? toInt(year) : 2000 + toInt(year);
      pos_ = after + 2 + month.size() + year.size();
      has_date_ = true;
      return true;
    }
    if (digits.size() == 4 && !has_year_part()) {  // "Mar 2024", "5 Mar 2024"
      year_ = toInt(digits);
      pos_ = after;
      return true;
    }
    if (digits.size() <= 2 && day_ == 0 && !has_date_) {  // "5 Mar", "Mar 5"
      day_ = toInt(digits);
      pos_ = after;
      return true;
    }
    return false;
  }

  bool has_year_part() const { return has_date_ || year_ != 0; }

  bool word() {
    size_t end = pos_;
    while (end < text_.size() && std::isalpha(static_cast<unsigned char>(text_[end]))) ++end;
    std::string lowered(text_.substr(pos_, end - pos_));
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    pos_ = end;
    if (lowered == "am" || lowered == "pm") {
      if (!has_time_) return false;
      meridiem_ = lowered == "am" ? 1 : 2;
      return true;
    }
    if (lowered == "utc" || lowered == "gmt" || lowered == "z") {
      offset_ = 0;
      return true;
    }
    for (size_t m = 0; m < kMonthNames.size(); ++m) {
      std::string name = kMonthNames[m];
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lowered == name || lowered == name.substr(0, 3)) {
        if (month_ != 0 || has_date_) return false;
        month_ = static_cast<int>(m) + 1;
        return true;
      }
    }
    for (const char* weekday : kWeekdayNames) {
      std::string name = weekday;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lowered == name || lowered == name.substr(0, 3)) return true;  // ignored
    }
    return false;
  }

  bool zoneOffset() {
    const int sign = text_[pos_] == '-' ? -1 : 1;
    const std::string_view first = digitsAt(pos_ + 1);
    int hours = 0, minutes = 0;
    if (first.size() == 4) {
      hours = toInt(first.substr(0, 2));
      minutes = toInt(first.substr(2, 2));
      pos_ += 5;
    } else if (first.size() == 2 || first.size() == 1) {
      hours = toInt(first);
      pos_ += 1 + first.size();
      if (at(pos_) == ':') {
        const std::string_view rest = digitsAt(pos_ + 1);
        if (rest.size() != 2) return false;
        minutes = toInt(rest);
        pos_ += 3;
      }
    } else {
      return false;
    }
    if (hours > 14 || minutes > 59) return false;
    offset_ = sign * (hours * 3600 + minutes * 60);
    return true;
  }

  std::optional<int64_t> finish() {
    if (!has_date_ && month_ != 0) {  // assembled from month name, day and year
      if (year_ == 0) return std::nullopt;
      if (day_ == 0) day_ = 1;
      has_date_ = true;
    }
    if (!has_date_) {
      if (!has_time_) return std::nullopt;
      year_ = 2000;
      month_ = day_ = 1;
    }
    if (month_ < 1 || month_ > 12 || day_ < 1 || day_ > 31) return std::nullopt;
    const int64_t days = daysFromCivil(year_, static_cast<unsigned>(month_), static_cast<unsigned>(day_));
    if (civilFromDays(days).day != static_cast<unsigned>(day_)) return std::nullopt;  // 30 February
    if (meridiem_ != 0) {
      if (hour_ < 1 || hour_ > 12) return std::nullopt;
      hour_ = hour_ % 12 + (meridiem_ == 2 ? 12 : 0);
    }
    if (hour_ > 23 || minute_ > 59 || second_ > 60) return std::nullopt;
    const int64_t local = days * kDay + hour_ * 3600 + minute_ * 60 + second_;
    if (offset_) return local - *offset_;
    return zone_ ? zone_->utcOf(local) : local;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int year_ = 0, month_ = 0, day_ = 0, hour_ = 0, minute_ = 0, second_ = 0;
  int meridiem_ = 0;  // 1 AM, 2 PM
  bool has_date_ = false, has_time_ = false;
  std::optional<int> offset_;
  const TimeZone* zone_ = nullptr;
};

FunctionDefinition parseBestEffort(const char* name, ParseFailure on_failure) {
  FunctionDefinition definition;
  definition.resolve = [name, on_failure](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 2);
    if (!args[0].type.isStringLike()) throwIllegalArgument(name, 0, args[0].type);
    const std::optional<std::string> zone_name = zoneArgument(name, args, 1);
    const DataType zoned = zone_name ? DataType::dateTime(*zone_name) : kDateTimeType;
    const DataType result = on_failure == ParseFailure::kNull ? DataType::nullable(zoned) : zoned;
    return ResolvedFunction{result, [on_failure, result, zoned](std::span<const Datum> call, size_t rows) -> Datum {
                              const auto& in = asString(*call[0].column);
                              const size_t n = call[0].is_constant ? 1 : rows;
                              std::vector<uint32_t> values(n);
                              std::vector<uint8_t> nulls(on_failure == ParseFailure::kNull ? n : 0);
                              for (size_t i = 0; i < n; ++i) {
                                const std::optional<int64_t> seconds = BestEffortParser(in.at(i)).parse(&zoned.timeZone());
                                if (seconds && *seconds >= 0 && *seconds <= UINT32_MAX) {
                                  values[i] = static_cast<uint32_t>(*seconds);
                                  continue;
                                }
                                if (on_failure == ParseFailure::kThrow) {
                                  throwBadRequest("Cannot read DateTime: cannot parse '" + std::string(in.at(i)) + "' as a date and time");
                                }
                                if (on_failure == ParseFailure::kNull) nulls[i] = 1;
                              }
                              auto column = std::make_shared<ColumnVector<uint32_t>>(zoned, std::move(values));
                              if (on_failure != ParseFailure::kNull) return Datum{column, call[0].is_constant};
                              return Datum{std::make_shared<ColumnNullable>(result, column, std::move(nulls)), call[0].is_constant};
                            }};
  };
  return definition;
}

// toTimeZone(t, 'zone'): the same instants, shown in another zone: only the type changes.
FunctionDefinition toTimeZone() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toTimeZone", args, 2, 2);
    if (!isDateTimeOrDateTime64(args[0].type)) throwIllegalArgument("toTimeZone", 0, args[0].type);
    const DataType result = args[0].type.withTimeZone(*zoneArgument("toTimeZone", args, 1));
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t) { return castDatum(call[0], result); }};
  };
  return definition;
}

}  // namespace

void registerDateFormatFunctions(FunctionRegistry& registry) {
  registry.add("formatDateTime", formatDateTime());
  registry.alias("DATE_FORMAT", "formatDateTime", true);
  registry.add("parseDateTimeBestEffort", parseBestEffort("parseDateTimeBestEffort", ParseFailure::kThrow));
  registry.add("parseDateTimeBestEffortOrNull", parseBestEffort("parseDateTimeBestEffortOrNull", ParseFailure::kNull));
  registry.add("parseDateTimeBestEffortOrZero", parseBestEffort("parseDateTimeBestEffortOrZero", ParseFailure::kZero));
  registry.add("toTimeZone", toTimeZone());
}

}  // namespace perch
