// Date and time functions over Date (days), DateTime (seconds) and DateTime64 (ticks): toStartOf*,
// toMonday, toYYYYMM, toYear..toSecond, toRelative*Num, toISOWeek/toISOYear, toUnixTimestamp, now/now64/today/yesterday, add*/subtract*,
// dateDiff and toStartOfInterval (also in milliseconds, microseconds and nanoseconds, on DateTime64
// ticks), toStartOfSecond..toStartOfNanosecond. Each transform is a plain function of wall-clock
// seconds inlined into one loop per input type. The wall clock is the one of the zone named by an
// explicit zone argument, else by the argument's type (DateTime('Europe/Madrid')), else UTC;
// instants are shifted into it before the transform and results that are instants (toStartOfHour)
// shifted back. DateTime64 arguments are read as whole seconds, except by add*/subtract* and the
// sub-second units, which keep the ticks.
#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"
#include "types/date_time.h"

namespace perch {

namespace {

constexpr int64_t kDay = 86400;

int64_t daysOf(int64_t seconds) { return floorDiv(seconds, kDay); }
int64_t dayOfWeek(int64_t days) { return (days % 7 + 7 + 3) % 7 + 1; }  // Monday = 1; 1970-01-01 was a Thursday

uint32_t startOfDay(int64_t s) { return static_cast<uint32_t>(daysOf(s) * kDay); }
uint32_t startOfHour(int64_t s) { return static_cast<uint32_t>(floorDiv(s, 3600) * 3600); }
uint32_t startOfMinute(int64_t s) { return static_cast<uint32_t>(floorDiv(s, 60) * 60); }
uint32_t startOfFiveMinutes(int64_t s) { return static_cast<uint32_t>(floorDiv(s, 300) * 300); }
uint32_t startOfTenMinutes(int64_t s) { return static_cast<uint32_t>(floorDiv(s, 600) * 600); }
uint32_t startOfFifteenMinutes(int64_t s) { return static_cast<uint32_t>(floorDiv(s, 900) * 900); }
uint16_t startOfMonth(int64_t s) {
  const CivilDate date = civilFromDays(daysOf(s));
  return static_cast<uint16_t>(daysFromCivil(date.year, date.month, 1));
}
uint16_t startOfQuarter(int64_t s) {
  const CivilDate date = civilFromDays(daysOf(s));
  return static_cast<uint16_t>(daysFromCivil(date.year, (date.month - 1) / 3 * 3 + 1, 1));
}
uint16_t startOfYear(int64_t s) { return static_cast<uint16_t>(daysFromCivil(civilFromDays(daysOf(s)).year, 1, 1)); }
uint16_t monday(int64_t s) {
  const int64_t days = daysOf(s);
  return static_cast<uint16_t>(days - (dayOfWeek(days) - 1));
}
uint16_t startOfWeekSunday(int64_t s) {
  const int64_t days = daysOf(s);
  return static_cast<uint16_t>(days - dayOfWeek(days) % 7);
}
uint32_t yyyymm(int64_t s) {
  const CivilDate date = civilFromDays(daysOf(s));
  return static_cast<uint32_t>(date.year * 100 + static_cast<int>(date.month));
}
uint32_t yyyymmdd(int64_t s) {
  const CivilDate date = civilFromDays(daysOf(s));
  return static_cast<uint32_t>(date.year * 10000 + static_cast<int>(date.month) * 100 + static_cast<int>(date.day));
}
uint16_t year(int64_t s) { return static_cast<uint16_t>(civilFromDays(daysOf(s)).year); }
uint8_t quarter(int64_t s) { return static_cast<uint8_t>((civilFromDays(daysOf(s)).month - 1) / 3 + 1); }
uint8_t month(int64_t s) { return static_cast<uint8_t>(civilFromDays(daysOf(s)).month); }
uint8_t dayOfMonth(int64_t s) { return static_cast<uint8_t>(civilFromDays(daysOf(s)).day); }
uint16_t dayOfYear(int64_t s) {
  const int64_t days = daysOf(s);
  return static_cast<uint16_t>(days - daysFromCivil(civilFromDays(days).year, 1, 1) + 1);
}
uint8_t weekday(int64_t s) { return static_cast<uint8_t>(dayOfWeek(daysOf(s))); }
uint32_t relativeDayNum(int64_t s) { return static_cast<uint32_t>(daysOf(s)); }
uint32_t relativeWeekNum(int64_t s) { return static_cast<uint32_t>((monday(s) + 8) / 7); }  // ClickHouse's numbering
uint32_t relativeMonthNum(int64_t s) {
  const CivilDate date = civilFromDays(daysOf(s));
  return static_cast<uint32_t>(date.year * 12 + static_cast<int>(date.month));
}
uint32_t relativeQuarterNum(int64_t s) {
  const CivilDate date = civilFromDays(daysOf(s));
  return static_cast<uint32_t>(date.year * 4 + (static_cast<int>(date.month) - 1) / 3);
}
// ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday.
int64_t isoThursday(int64_t s) {
  const int64_t days = daysOf(s);
  return days - (dayOfWeek(days) - 1) + 3;
}
uint16_t isoYear(int64_t s) { return static_cast<uint16_t>(civilFromDays(isoThursday(s)).year); }
uint8_t isoWeek(int64_t s) {
  const int64_t thursday = isoThursday(s);
  return static_cast<uint8_t>((thursday - daysFromCivil(civilFromDays(thursday).year, 1, 1)) / 7 + 1);
}
uint8_t hour(int64_t s) { return static_cast<uint8_t>((s - daysOf(s) * kDay) / 3600); }
uint8_t minute(int64_t s) { return static_cast<uint8_t>((s - daysOf(s) * kDay) / 60 % 60); }
uint8_t second(int64_t s) { return static_cast<uint8_t>((s - daysOf(s) * kDay) % 60); }

// The zone a date function works in, as a DateTime type carrying it: the constant zone argument
// at `index` when given, else the zone of a DateTime/DateTime64 first argument, else none (UTC).
DataType zonedDateTime(std::string_view name, std::span<const ArgumentInfo> args, size_t index) {
  if (args.size() > index) {
    if (!args[index].constant || !args[index].type.isStringLike()) {
      throwBadRequest("Argument " + std::to_string(index + 1) + " of function " + std::string(name) +
                      " must be a constant time zone name");
    }
    return DataType::dateTime(asString(*args[index].constant).at(0));
  }
  if (!args.empty() && isDateTimeOrDateTime64(args[0].type)) return DataType::dateTime(args[0].type.timeZoneName());
  return DataType(TypeId::kDateTime);
}

// Converts a String (read in `zoned`'s zone) or DateTime64 (to whole seconds) argument to DateTime,
// so every transform sees Date or DateTime.
Datum asDateOrDateTime(const Datum& arg, const DataType& zoned) {
  if (arg.type().isStringLike() || arg.type().id() == TypeId::kDateTime64) return castDatum(arg, zoned);
  return arg;
}

/// Wall-clock seconds of the UTC instant `seconds` in `zone`.
int64_t localSeconds(int64_t seconds, const TimeZone& zone) { return seconds + zone.offsetAt(seconds); }

// kTransform of the wall-clock time of each value in `zoned`'s zone; DateTime results (instants)
// are mapped back from the wall clock to UTC. UTC skips the zone lookups.
template <typename R, R (*kTransform)(int64_t)>
Datum applyTransform(const Datum& input, size_t rows, const DataType& result, const DataType& zoned) {
  const Datum arg = asDateOrDateTime(input, zoned);
  const TimeZone& zone = zoned.timeZone();
  const bool instant = result.id() == TypeId::kDateTime && !zone.isUtc();
  if (arg.type().id() == TypeId::kDate) {
    if (!instant) {
      return unaryLoop<R, uint16_t>(arg, rows, result, [](uint16_t days) { return kTransform(static_cast<int64_t>(days) * kDay); });
    }
    return unaryLoop<R, uint16_t>(arg, rows, result, [&zone](uint16_t days) {
      return static_cast<R>(zone.utcOf(kTransform(static_cast<int64_t>(days) * kDay)));
    });
  }
  if (zone.isUtc()) return unaryLoop<R, uint32_t>(arg, rows, result, [](uint32_t seconds) { return kTransform(seconds); });
  return unaryLoop<R, uint32_t>(arg, rows, result, [&zone, instant](uint32_t seconds) {
    const R value = kTransform(localSeconds(seconds, zone));
    return instant ? static_cast<R>(zone.utcOf(static_cast<int64_t>(value))) : value;
  });
}

bool isTimeArgument(const DataType& type) { return isDateOrTime(type) || type.isStringLike(); }

// Checks the (time[, zone]) arguments of `name`; returns the zone to work in (zonedDateTime).
DataType timeArgumentZone(const char* name, std::span<const ArgumentInfo> args) {
  checkArgumentCount(name, args, 1, 2);
  if (!isTimeArgument(args[0].type)) throwIllegalArgument(name, 0, args[0].type);
  return zonedDateTime(name, args, 1);
}

template <typename R, R (*kTransform)(int64_t)>
FunctionDefinition transform(const char* name, TypeId result_id) {
  FunctionDefinition definition;
  definition.resolve = [name, result_id](std::span<const ArgumentInfo> args, const FunctionContext&) {
    const DataType zoned = timeArgumentZone(name, args);
    const DataType result = result_id == TypeId::kDateTime ? zoned : DataType(result_id);
    return ResolvedFunction{result, [result, zoned](std::span<const Datum> call, size_t rows) {
                              return applyTransform<R, kTransform>(call[0], rows, result, zoned);
                            }};
  };
  return definition;
}

// toRelativeHourNum / toRelativeMinuteNum / toRelativeSecondNum(t[, zone]): units since the epoch
// of the instant (a Date: its midnight in the zone). As ClickHouse, hours count from the UTC epoch
// where the zone's offset is whole hours (at the epoch and at t); elsewhere (Asia/Kolkata) from
// t + 86400 - the offset at the epoch.
FunctionDefinition relativeTimeNum(const char* name, int64_t unit) {
  FunctionDefinition definition;
  definition.resolve = [name, unit](std::span<const ArgumentInfo> args, const FunctionContext&) {
    const DataType zoned = timeArgumentZone(name, args);
    const DataType result(TypeId::kUInt32);
    return ResolvedFunction{result, [zoned, result, unit](std::span<const Datum> call, size_t rows) {
                              const Datum arg = asDateOrDateTime(call[0], zoned);
                              const TimeZone& zone = zoned.timeZone();
                              const int64_t epoch_offset = zone.offsetAt(0);
                              auto number = [&zone, unit, epoch_offset](int64_t t) {
                                if (unit != 3600 || (epoch_offset % 3600 == 0 && zone.offsetAt(t) % 3600 == 0)) {
                                  return static_cast<uint32_t>(floorDiv(t, unit));
                                }
                                return static_cast<uint32_t>(floorDiv(t + kDay - epoch_offset, unit));
                              };
                              if (arg.type().id() == TypeId::kDate) {
                                return unaryLoop<uint32_t, uint16_t>(arg, rows, result, [&zone, &number](uint16_t days) {
                                  return number(zone.utcOf(static_cast<int64_t>(days) * kDay));
                                });
                              }
                              return unaryLoop<uint32_t, uint32_t>(arg, rows, result, [&number](uint32_t seconds) { return number(seconds); });
                            }};
  };
  return definition;
}

// toUnixTimestamp(t[, zone]): the instant in seconds; the zone only matters for parsing a String.
FunctionDefinition toUnixTimestamp() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toUnixTimestamp", args, 1, 2);
    if (!isTimeArgument(args[0].type)) throwIllegalArgument("toUnixTimestamp", 0, args[0].type);
    const DataType zoned = zonedDateTime("toUnixTimestamp", args, 1);
    const DataType result(TypeId::kUInt32);
    return ResolvedFunction{result, [zoned, result](std::span<const Datum> call, size_t) {
                              return castDatum(castDatum(call[0], zoned), result);
                            }};
  };
  return definition;
}

FunctionDefinition startOfWeek() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toStartOfWeek", args, 1, 3);
    if (!isTimeArgument(args[0].type)) throwIllegalArgument("toStartOfWeek", 0, args[0].type);
    const DataType zoned = zonedDateTime("toStartOfWeek", args, 2);
    int64_t mode = 0;
    if (args.size() >= 2) {
      if (!args[1].constant || !args[1].type.isInteger()) throwBadRequest("Mode of toStartOfWeek must be a constant integer");
      mode = asVector<int64_t>(*castColumn(args[1].constant, DataType(TypeId::kInt64))).data()[0];
    }
    const bool monday_first = mode % 2 == 1;
    const DataType result(TypeId::kDate);
    return ResolvedFunction{result, [result, zoned, monday_first](std::span<const Datum> call, size_t rows) {
                              return monday_first ? applyTransform<uint16_t, monday>(call[0], rows, result, zoned)
                                                  : applyTransform<uint16_t, startOfWeekSunday>(call[0], rows, result, zoned);
                            }};
  };
  return definition;
}

// now([zone]), today(), yesterday(): the query's start time; today is the UTC date.
FunctionDefinition clock(const char* name, TypeId result_id, int64_t offset_days) {
  FunctionDefinition definition;
  definition.resolve = [name, result_id, offset_days](std::span<const ArgumentInfo> args, const FunctionContext& context) {
    checkArgumentCount(name, args, 0, result_id == TypeId::kDateTime ? 1 : 0);
    ColumnPtr value = result_id == TypeId::kDateTime
                          ? makeConstantColumn<uint32_t>(zonedDateTime(name, args, 0), static_cast<uint32_t>(context.now_seconds))
                          : makeConstantColumn<uint16_t>(DataType(TypeId::kDate),
                                                         static_cast<uint16_t>(daysOf(context.now_seconds) + offset_days));
    return ResolvedFunction{value->type(), [value](std::span<const Datum>, size_t) { return Datum::constant(value); }};
  };
  return definition;
}

// now64([precision[, zone]]): the query's start time as DateTime64 (precision 3 by default). The
// query clock has whole seconds, so the digits after the point are zero.
FunctionDefinition now64() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext& context) {
    checkArgumentCount("now64", args, 0, 2);
    unsigned precision = 3;
    if (!args.empty()) {
      if (!args[0].constant || !args[0].type.isInteger()) throwBadRequest("Precision of now64 must be a constant integer");
      const int64_t value = asVector<int64_t>(*castColumn(args[0].constant, DataType(TypeId::kInt64))).data()[0];
      if (value < 0 || value > 9) throwBadRequest("Precision of now64 must be from 0 to 9, got " + std::to_string(value));
      precision = static_cast<unsigned>(value);
    }
    const DataType type = DataType::dateTime64(precision, zonedDateTime("now64", args, 1).timeZoneName());
    ColumnPtr value = makeConstantColumn<int64_t>(type, context.now_seconds * powerOfTen(precision));
    return ResolvedFunction{type, [value](std::span<const Datum>, size_t) { return Datum::constant(value); }};
  };
  return definition;
}

enum class Unit { kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

Unit parseUnit(std::string_view text, std::string_view function) {
  std::string unit;
  for (char c : text) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  if (unit == "second" || unit == "ss" || unit == "s") return Unit::kSecond;
  if (unit == "minute" || unit == "mi" || unit == "n") return Unit::kMinute;
  if (unit == "hour" || unit == "hh" || unit == "h") return Unit::kHour;
  if (unit == "day" || unit == "dd" || unit == "d") return Unit::kDay;
  if (unit == "week" || unit == "wk" || unit == "ww") return Unit::kWeek;
  if (unit == "month" || unit == "mm" || unit == "m") return Unit::kMonth;
  if (unit == "quarter" || unit == "qq" || unit == "q") return Unit::kQuarter;
  if (unit == "year" || unit == "yyyy" || unit == "yy") return Unit::kYear;
  throwBadRequest("Unknown unit '" + std::string(text) + "' in function " + std::string(function));
}

int64_t addMonths(int64_t seconds, int64_t months) {
  const int64_t days = daysOf(seconds);
  const int64_t in_day = seconds - days * kDay;
  const CivilDate date = civilFromDays(days);
  int64_t total = static_cast<int64_t>(date.year) * 12 + (date.month - 1) + months;
  const int new_year = static_cast<int>(floorDiv(total, 12));
  const unsigned new_month = static_cast<unsigned>(total - static_cast<int64_t>(new_year) * 12 + 1);
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (new_year % 4 == 0 && new_year % 100 != 0) || new_year % 400 == 0;
  const unsigned last = kDays[new_month - 1] + (new_month == 2 && leap ? 1 : 0);
  return daysFromCivil(new_year, new_month, std::min(date.day, last)) * kDay + in_day;
}

int64_t addUnits(int64_t seconds, int64_t amount, Unit unit) {
  switch (unit) {
    case Unit::kSecond: return seconds + amount;
    case Unit::kMinute: return seconds + amount * 60;
    case Unit::kHour: return seconds + amount * 3600;
    case Unit::kDay: return seconds + amount * kDay;
    case Unit::kWeek: return seconds + amount * 7 * kDay;
    case Unit::kMonth: return addMonths(seconds, amount);
    case Unit::kQuarter: return addMonths(seconds, amount * 3);
    case Unit::kYear: return addMonths(seconds, amount * 12);
  }
  return seconds;
}

bool isCalendarUnit(Unit unit) { return unit != Unit::kSecond && unit != Unit::kMinute && unit != Unit::kHour; }

// UTC seconds plus `amount` units: hours and shorter are fixed lengths, days and longer move the
// wall clock in `zone` (so a day across a DST change is 23 or 25 hours, as in ClickHouse).
int64_t addUnitsIn(int64_t seconds, int64_t amount, Unit unit, const TimeZone& zone) {
  if (!isCalendarUnit(unit) || zone.isUtc()) return addUnits(seconds, amount, unit);
  return zone.utcOf(addUnits(localSeconds(seconds, zone), amount, unit));
}

// add<Unit>s(t, n) / subtract<Unit>s(t, n): keeps t's type (Date stays Date for day and longer
// units; DateTime64 keeps its ticks below the second).
FunctionDefinition addInterval(std::string name, Unit unit, int sign) {
  FunctionDefinition definition;
  definition.resolve = [name, unit, sign](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    DataType type = args[0].type.isStringLike() ? DataType(TypeId::kDateTime) : args[0].type;
    if (!isDateOrTime(type)) throwIllegalArgument(name, 0, args[0].type);
    if (!args[1].type.isInteger()) throwIllegalArgument(name, 1, args[1].type);
    const DataType result = type.id() == TypeId::kDate && !isCalendarUnit(unit) ? DataType(TypeId::kDateTime) : type;
    return ResolvedFunction{result, [unit, sign, result](std::span<const Datum> call, size_t rows) {
                              const Datum amount = castDatum(call[1], DataType(TypeId::kInt64));
                              const TimeZone& zone = result.timeZone();
                              if (result.id() == TypeId::kDateTime64) {
                                const int64_t scale = powerOfTen(result.precision());
                                const Datum ticks = castDatum(call[0], result);
                                return binaryLoop<int64_t, int64_t, int64_t>(ticks, amount, rows, result, [unit, sign, scale, &zone](int64_t t, int64_t n) {
                                  const int64_t seconds = floorDiv(t, scale);
                                  return addUnitsIn(seconds, sign * n, unit, zone) * scale + (t - seconds * scale);
                                });
                              }
                              const DataType as_time = result.id() == TypeId::kDate ? DataType(TypeId::kDateTime) : result;
                              const Datum seconds = castDatum(castDatum(call[0], as_time), DataType(TypeId::kInt64));
                              if (result.id() == TypeId::kDate) {
                                return binaryLoop<uint16_t, int64_t, int64_t>(seconds, amount, rows, result, [unit, sign](int64_t s, int64_t n) {
                                  return static_cast<uint16_t>(daysOf(addUnits(s, sign * n, unit)));
                                });
                              }
                              return binaryLoop<uint32_t, int64_t, int64_t>(seconds, amount, rows, result, [unit, sign, &zone](int64_t s, int64_t n) {
                                return static_cast<uint32_t>(addUnitsIn(s, sign * n, unit, zone));
                              });
                            }};
  };
  return definition;
}

// Seconds of each value as Int64: UTC instants, or the wall clock of each value's zone (`local`).
// `zoned` overrides the zone when the call names one; Strings are read in it.
Datum secondsOf(const Datum& arg, const DataType& zoned, bool explicit_zone, bool local) {
  const DataType type = arg.type().id() == TypeId::kDate ? DataType(TypeId::kDateTime) : arg.type();
  const DataType in_zone = explicit_zone || !isDateTimeOrDateTime64(type) ? zoned : DataType::dateTime(type.timeZoneName());
  const Datum seconds = castDatum(castDatum(asDateOrDateTime(arg, in_zone), in_zone), DataType(TypeId::kInt64));
  const TimeZone& zone = in_zone.timeZone();
  if (!local || zone.isUtc()) return seconds;
  return unaryLoop<int64_t, int64_t>(seconds, seconds.is_constant ? 1 : seconds.column->size(), DataType(TypeId::kInt64),
                                     [&zone](int64_t s) { return localSeconds(s, zone); });
}

// Sub-second units (millisecond, microsecond, nanosecond) work on DateTime64 ticks rather than on
// seconds, so they stay out of Unit: their number of digits after the second, or 0 for any other unit.
unsigned subsecondDigits(std::string_view text) {
  std::string unit;
  for (char c : text) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (unit.size() > 2 && unit.back() == 's') unit.pop_back();
  if (unit == "millisecond" || unit == "ms") return 3;
  if (unit == "microsecond" || unit == "us" || unit == "mcs") return 6;
  if (unit == "nanosecond" || unit == "ns") return 9;
  return 0;
}

unsigned precisionOf(const DataType& type) { return type.id() == TypeId::kDateTime64 ? type.precision() : 0; }

// The ticks of `value` (at `from` digits) at `to` digits; going coarser truncates toward zero, as
// ClickHouse's DateTime64 scale conversion does.
int64_t rescaleTicks(int64_t value, unsigned from, unsigned to) {
  return to >= from ? value * powerOfTen(to - from) : value / powerOfTen(from - to);
}

// Each value as Int64 ticks at `digits` digits after the second: DateTime64 ticks rescaled, other
// times (Date, DateTime, String read in `zoned`'s zone) converted from whole seconds.
Datum ticksAt(const Datum& arg, unsigned digits, const DataType& zoned, size_t rows) {
  const DataType int64(TypeId::kInt64);
  if (arg.type().id() == TypeId::kDateTime64) {
    const unsigned from = arg.type().precision();
    return unaryLoop<int64_t, int64_t>(arg, rows, int64, [from, digits](int64_t t) { return rescaleTicks(t, from, digits); });
  }
  const Datum seconds = castDatum(castDatum(asDateOrDateTime(arg, zoned), zoned), int64);
  const int64_t scale = powerOfTen(digits);
  return unaryLoop<int64_t, int64_t>(seconds, rows, int64, [scale](int64_t s) { return s * scale; });
}

// dateDiff('unit', start, end[, zone]): whole unit boundaries crossed, like ClickHouse. Days and
// longer count boundaries of each value's wall clock (its type's zone, or the zone argument); hours
// and shorter are elapsed time, so a day across a DST change is 23 or 25 hours.
FunctionDefinition dateDiff() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("dateDiff", args, 3, 4);
    if (!args[0].constant || !args[0].type.isStringLike()) throwBadRequest("First argument of dateDiff must be a constant unit name");
    const std::string unit_name(asString(*args[0].constant).at(0));
    for (size_t i = 1; i < 3; ++i) {
      if (!isTimeArgument(args[i].type)) throwIllegalArgument("dateDiff", i, args[i].type);
    }
    const bool explicit_zone = args.size() == 4;
    const DataType zoned = explicit_zone ? zonedDateTime("dateDiff", args, 3) : DataType(TypeId::kDateTime);
    const DataType int64(TypeId::kInt64);
    if (const unsigned digits = subsecondDigits(unit_name)) {  // elapsed ticks at the unit's precision
      return ResolvedFunction{int64, [int64, zoned, digits](std::span<const Datum> call, size_t rows) {
                                return binaryLoop<int64_t, int64_t, int64_t>(ticksAt(call[1], digits, zoned, rows), ticksAt(call[2], digits, zoned, rows),
                                                                             rows, int64, [](int64_t a, int64_t b) { return b - a; });
                              }};
    }
    const Unit unit = parseUnit(unit_name, "dateDiff");
    const bool local = isCalendarUnit(unit);
    const DataType result(TypeId::kInt64);
    return ResolvedFunction{result, [unit, result, zoned, explicit_zone, local](std::span<const Datum> call, size_t rows) {
                              return binaryLoop<int64_t, int64_t, int64_t>(secondsOf(call[1], zoned, explicit_zone, local),
                                                                           secondsOf(call[2], zoned, explicit_zone, local), rows, result,
                                                                           [unit](int64_t a, int64_t b) -> int64_t {
                                switch (unit) {
                                  case Unit::kSecond: return b - a;
                                  case Unit::kMinute: return floorDiv(b, 60) - floorDiv(a, 60);
                                  case Unit::kHour: return floorDiv(b, 3600) - floorDiv(a, 3600);
                                  case Unit::kDay: return daysOf(b) - daysOf(a);
                                  case Unit::kWeek: return floorDiv(daysOf(b) + 3, 7) - floorDiv(daysOf(a) + 3, 7);
                                  case Unit::kMonth: return (int64_t{year(b)} * 12 + month(b)) - (int64_t{year(a)} * 12 + month(a));
                                  case Unit::kQuarter: return (int64_t{year(b)} * 4 + quarter(b)) - (int64_t{year(a)} * 4 + quarter(a));
                                  case Unit::kYear: return int64_t{year(b)} - int64_t{year(a)};
                                }
                                return 0;
                              });
                            }};
  };
  return definition;
}

// The wall-clock start of the interval of `amount` units holding wall-clock time `s`.
int64_t intervalStart(int64_t s, int64_t amount, Unit unit) {
  switch (unit) {
    case Unit::kSecond: return floorDiv(s, amount) * amount;
    case Unit::kMinute: return floorDiv(s, amount * 60) * amount * 60;
    case Unit::kHour: return floorDiv(s, amount * 3600) * amount * 3600;
    case Unit::kDay: return floorDiv(daysOf(s), amount) * amount * kDay;
    case Unit::kWeek: {  // counted from Monday 1970-01-05 (day 4), as ClickHouse's toStartOfWeekInterval
      const int64_t days = amount * 7;
      return (4 + floorDiv(daysOf(s) - 4, days) * days) * kDay;
    }
    case Unit::kMonth:
    case Unit::kQuarter: {  // counted from January 1900, as ClickHouse's toStartOfMonthInterval
      const int64_t months = unit == Unit::kMonth ? amount : amount * 3;
      const CivilDate date = civilFromDays(daysOf(s));
      const int64_t index = floorDiv((static_cast<int64_t>(date.year) - 1900) * 12 + date.month - 1, months) * months;
      const int new_year = static_cast<int>(1900 + floorDiv(index, 12));
      const unsigned new_month = static_cast<unsigned>(index - floorDiv(index, 12) * 12 + 1);
      return daysFromCivil(new_year, new_month, 1) * kDay;
    }
    case Unit::kYear: {  // counted from year 0, as ClickHouse's toStartOfYearInterval
      const int64_t year = floorDiv(civilFromDays(daysOf(s)).year, amount) * amount;
      return daysFromCivil(static_cast<int>(year), 1, 1) * kDay;
    }
  }
  return s;
}

// toStartOfInterval(t, n, 'unit'[, zone]): the binder rewrites toStartOfInterval(t, INTERVAL n unit)
// to this form. Seconds to days give DateTime in the zone (a Date argument stays Date for days),
// weeks and longer give Date.
FunctionDefinition startOfInterval() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toStartOfInterval", args, 3, 4);
    if (!isTimeArgument(args[0].type)) throwIllegalArgument("toStartOfInterval", 0, args[0].type);
    if (!args[1].constant || !args[1].type.isInteger() || !args[2].constant) {
      throwBadRequest("Second argument of toStartOfInterval must be a constant INTERVAL");
    }
    const int64_t amount = asVector<int64_t>(*castColumn(args[1].constant, DataType(TypeId::kInt64))).data()[0];
    if (amount <= 0) throwBadRequest("Interval of toStartOfInterval must be positive");
    const std::string unit_name(asString(*args[2].constant).at(0));
    const DataType zoned = zonedDateTime("toStartOfInterval", args, 3);
    if (const unsigned digits = subsecondDigits(unit_name)) {  // DateTime64 at the unit's precision
      if (args[0].type.id() != TypeId::kDateTime64) {
        throwBadRequest("Illegal interval kind " + unit_name + " for argument data type " + args[0].type.name() + " of function toStartOfInterval");
      }
      const DataType result = DataType::dateTime64(digits, zoned.timeZoneName());
      return ResolvedFunction{result, [result, zoned, digits, amount](std::span<const Datum> call, size_t rows) {
                                return unaryLoop<int64_t, int64_t>(ticksAt(call[0], digits, zoned, rows), rows, result,
                                                                   [amount](int64_t t) { return floorDiv(t, amount) * amount; });
                              }};
    }
    const Unit unit = parseUnit(unit_name, "toStartOfInterval");
    const bool to_date = isCalendarUnit(unit) && !(unit == Unit::kDay && isDateTimeOrDateTime64(args[0].type));
    const DataType result = to_date ? DataType(TypeId::kDate) : zoned;
    return ResolvedFunction{result, [unit, amount, result, zoned](std::span<const Datum> call, size_t rows) {
                              const Datum local = secondsOf(call[0], zoned, true, true);
                              if (result.id() == TypeId::kDate) {
                                return unaryLoop<uint16_t, int64_t>(local, rows, result, [unit, amount](int64_t s) {
                                  return static_cast<uint16_t>(intervalStart(s, amount, unit) / kDay);
                                });
                              }
                              const TimeZone& zone = zoned.timeZone();
                              return unaryLoop<uint32_t, int64_t>(local, rows, result, [unit, amount, &zone](int64_t s) {
                                return static_cast<uint32_t>(zone.utcOf(intervalStart(s, amount, unit)));
                              });
                            }};
  };
  return definition;
}

// add/subtract Milliseconds|Microseconds|Nanoseconds(t, n): DateTime64 with the finer of t's
// precision and the unit's, in t's zone (a Date or DateTime gains the unit's precision).
FunctionDefinition addSubsecondInterval(std::string name, unsigned digits, int sign) {
  FunctionDefinition definition;
  definition.resolve = [name, digits, sign](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    if (!isTimeArgument(args[0].type)) throwIllegalArgument(name, 0, args[0].type);
    if (!args[1].type.isInteger()) throwIllegalArgument(name, 1, args[1].type);
    const DataType zoned = zonedDateTime(name, args, 2);
    const unsigned precision = std::max(precisionOf(args[0].type), digits);
    const DataType result = DataType::dateTime64(precision, zoned.timeZoneName());
    const int64_t step = powerOfTen(precision - digits);
    return ResolvedFunction{result, [result, zoned, precision, step, sign](std::span<const Datum> call, size_t rows) {
                              const Datum amount = castDatum(call[1], DataType(TypeId::kInt64));
                              return binaryLoop<int64_t, int64_t, int64_t>(ticksAt(call[0], precision, zoned, rows), amount, rows, result,
                                                                           [step, sign](int64_t t, int64_t n) { return t + sign * n * step; });
                            }};
  };
  return definition;
}

// toStartOfSecond / toStartOfMillisecond / toStartOfMicrosecond / toStartOfNanosecond(dt64[, zone]):
// DateTime64 only (as in ClickHouse), keeping its precision, with the digits below the unit zeroed.
FunctionDefinition startOfSubsecond(std::string name, unsigned digits) {
  FunctionDefinition definition;
  definition.resolve = [name, digits](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 2);
    if (args[0].type.id() != TypeId::kDateTime64) throwIllegalArgument(name, 0, args[0].type);
    const unsigned precision = args[0].type.precision();
    const DataType result = DataType::dateTime64(precision, zonedDateTime(name, args, 1).timeZoneName());
    const int64_t unit = precision > digits ? powerOfTen(precision - digits) : 1;
    return ResolvedFunction{result, [result, unit](std::span<const Datum> call, size_t rows) {
                              return unaryLoop<int64_t, int64_t>(call[0], rows, result, [unit](int64_t t) { return floorDiv(t, unit) * unit; });
                            }};
  };
  return definition;
}

}  // namespace

void registerDateFunctions(FunctionRegistry& registry) {
  registry.add("toStartOfDay", transform<uint32_t, startOfDay>("toStartOfDay", TypeId::kDateTime));
  registry.add("toStartOfHour", transform<uint32_t, startOfHour>("toStartOfHour", TypeId::kDateTime));
  registry.add("toStartOfMinute", transform<uint32_t, startOfMinute>("toStartOfMinute", TypeId::kDateTime));
  registry.add("toStartOfFiveMinutes", transform<uint32_t, startOfFiveMinutes>("toStartOfFiveMinutes", TypeId::kDateTime));
  registry.alias("toStartOfFiveMinute", "toStartOfFiveMinutes");
  registry.add("toStartOfTenMinutes", transform<uint32_t, startOfTenMinutes>("toStartOfTenMinutes", TypeId::kDateTime));
  registry.add("toStartOfFifteenMinutes", transform<uint32_t, startOfFifteenMinutes>("toStartOfFifteenMinutes", TypeId::kDateTime));
  registry.add("toStartOfMonth", transform<uint16_t, startOfMonth>("toStartOfMonth", TypeId::kDate));
  registry.add("toStartOfQuarter", transform<uint16_t, startOfQuarter>("toStartOfQuarter", TypeId::kDate));
  registry.add("toStartOfYear", transform<uint16_t, startOfYear>("toStartOfYear", TypeId::kDate));
  registry.add("toMonday", transform<uint16_t, monday>("toMonday", TypeId::kDate));
  registry.add("toStartOfWeek", startOfWeek());
  registry.add("toYYYYMM", transform<uint32_t, yyyymm>("toYYYYMM", TypeId::kUInt32));
  registry.add("toYYYYMMDD", transform<uint32_t, yyyymmdd>("toYYYYMMDD", TypeId::kUInt32));
  registry.add("toYear", transform<uint16_t, year>("toYear", TypeId::kUInt16));
  registry.add("toQuarter", transform<uint8_t, quarter>("toQuarter", TypeId::kUInt8));
  registry.add("toMonth", transform<uint8_t, month>("toMonth", TypeId::kUInt8));
  registry.add("toDayOfMonth", transform<uint8_t, dayOfMonth>("toDayOfMonth", TypeId::kUInt8));
  registry.add("toDayOfYear", transform<uint16_t, dayOfYear>("toDayOfYear", TypeId::kUInt16));
  registry.add("toDayOfWeek", transform<uint8_t, weekday>("toDayOfWeek", TypeId::kUInt8));
  registry.add("toHour", transform<uint8_t, hour>("toHour", TypeId::kUInt8));
  registry.add("toMinute", transform<uint8_t, minute>("toMinute", TypeId::kUInt8));
  registry.add("toSecond", transform<uint8_t, second>("toSecond", TypeId::kUInt8));
  registry.add("toUnixTimestamp", toUnixTimestamp());
  registry.add("toRelativeYearNum", transform<uint16_t, year>("toRelativeYearNum", TypeId::kUInt16));
  registry.add("toRelativeQuarterNum", transform<uint32_t, relativeQuarterNum>("toRelativeQuarterNum", TypeId::kUInt32));
  registry.add("toRelativeMonthNum", transform<uint32_t, relativeMonthNum>("toRelativeMonthNum", TypeId::kUInt32));
  registry.add("toRelativeWeekNum", transform<uint32_t, relativeWeekNum>("toRelativeWeekNum", TypeId::kUInt32));
  registry.add("toRelativeDayNum", transform<uint32_t, relativeDayNum>("toRelativeDayNum", TypeId::kUInt32));
  registry.add("toRelativeHourNum", relativeTimeNum("toRelativeHourNum", 3600));
  registry.add("toRelativeMinuteNum", relativeTimeNum("toRelativeMinuteNum", 60));
  registry.add("toRelativeSecondNum", relativeTimeNum("toRelativeSecondNum", 1));
  registry.add("toISOWeek", transform<uint8_t, isoWeek>("toISOWeek", TypeId::kUInt8));
  registry.add("toISOYear", transform<uint16_t, isoYear>("toISOYear", TypeId::kUInt16));
  registry.alias("YEAR", "toYear", true);
  registry.alias("MONTH", "toMonth", true);
  registry.alias("DAY", "toDayOfMonth", true);
  registry.alias("HOUR", "toHour", true);
  registry.add("now", clock("now", TypeId::kDateTime, 0), true);
  registry.add("now64", now64());
  registry.add("today", clock("today", TypeId::kDate, 0), true);
  registry.add("yesterday", clock("yesterday", TypeId::kDate, -1));
  struct NamedUnit {
    const char* name;
    Unit unit;
  };
  static constexpr NamedUnit kUnits[] = {{"Seconds", Unit::kSecond}, {"Minutes", Unit::kMinute}, {"Hours", Unit::kHour},
                                         {"Days", Unit::kDay},       {"Weeks", Unit::kWeek},     {"Months", Unit::kMonth},
                                         {"Quarters", Unit::kQuarter}, {"Years", Unit::kYear}};
  for (const auto& unit : kUnits) {
    registry.add(std::string("add") + unit.name, addInterval(std::string("add") + unit.name, unit.unit, 1));
    registry.add(std::string("subtract") + unit.name, addInterval(std::string("subtract") + unit.name, unit.unit, -1));
  }
  struct SubsecondUnit {
    const char* name;
    unsigned digits;
  };
  static constexpr SubsecondUnit kSubsecondUnits[] = {{"Milliseconds", 3}, {"Microseconds", 6}, {"Nanoseconds", 9}};
  for (const auto& unit : kSubsecondUnits) {
    registry.add(std::string("add") + unit.name, addSubsecondInterval(std::string("add") + unit.name, unit.digits, 1));
    registry.add(std::string("subtract") + unit.name, addSubsecondInterval(std::string("subtract") + unit.name, unit.digits, -1));
  }
  registry.add("toStartOfSecond", startOfSubsecond("toStartOfSecond", 0));
  registry.add("toStartOfMillisecond", startOfSubsecond("toStartOfMillisecond", 3));
  registry.add("toStartOfMicrosecond", startOfSubsecond("toStartOfMicrosecond", 6));
  registry.add("toStartOfNanosecond", startOfSubsecond("toStartOfNanosecond", 9));
  registry.add("dateDiff", dateDiff(), true);
  registry.alias("date_diff", "dateDiff", true);
  registry.add("toStartOfInterval", startOfInterval());
}

}  // namespace perch
