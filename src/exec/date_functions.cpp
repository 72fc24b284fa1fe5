// Date and time functions over Date (days) and DateTime (seconds, UTC): toStartOf*, toMonday,
// toYYYYMM, toYear..toSecond, toUnixTimestamp, now/today/yesterday, add*/subtract*, dateDiff and
// toStartOfInterval. Each transform is a plain function of epoch seconds (or days) inlined into
// one loop per input type.
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
uint32_t identitySeconds(int64_t s) { return static_cast<uint32_t>(s); }
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
uint8_t hour(int64_t s) { return static_cast<uint8_t>((s - daysOf(s) * kDay) / 3600); }
uint8_t minute(int64_t s) { return static_cast<uint8_t>((s - daysOf(s) * kDay) / 60 % 60); }
uint8_t second(int64_t s) { return static_cast<uint8_t>((s - daysOf(s) * kDay) % 60); }

// Converts a String argument to DateTime so every transform sees Date or DateTime.
Datum asDateOrDateTime(const Datum& arg) {
  if (arg.type().isStringLike()) return castDatum(arg, DataType(TypeId::kDateTime));
  return arg;
}

template <typename R, R (*kTransform)(int64_t)>
Datum applyTransform(const Datum& input, size_t rows, const DataType& result) {
  const Datum arg = asDateOrDateTime(input);
  if (arg.type().id() == TypeId::kDate) {
    return unaryLoop<R, uint16_t>(arg, rows, result, [](uint16_t days) { return kTransform(static_cast<int64_t>(days) * kDay); });
  }
  return unaryLoop<R, uint32_t>(arg, rows, result, [](uint32_t seconds) { return kTransform(seconds); });
}

void checkTimeArgument(std::string_view name, std::span<const ArgumentInfo> args) {
  if (args.empty()) checkArgumentCount(name, args, 1, 2);
  const DataType& type = args[0].type;
  if (!isDateOrDateTime(type) && !type.isStringLike()) throwIllegalArgument(name, 0, type);
  if (args.size() > 1) {
    const bool utc = args[1].constant && args[1].type.isStringLike() && asString(*args[1].constant).at(0) == "UTC";
    if (!utc) throwBadRequest("Function " + std::string(name) + " supports only the 'UTC' time zone as its second argument");
  }
}

template <typename R, R (*kTransform)(int64_t)>
FunctionDefinition transform(const char* name, TypeId result_id) {
  FunctionDefinition definition;
  definition.resolve = [name, result_id](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 2);
    checkTimeArgument(name, args);
    const DataType result(result_id);
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              return applyTransform<R, kTransform>(call[0], rows, result);
                            }};
  };
  return definition;
}

FunctionDefinition startOfWeek() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toStartOfWeek", args, 1, 3);
    const DataType& type = args[0].type;
    if (!isDateOrDateTime(type) && !type.isStringLike()) throwIllegalArgument("toStartOfWeek", 0, type);
    int64_t mode = 0;
    if (args.size() >= 2) {
      if (!args[1].constant || !args[1].type.isInteger()) throwBadRequest("Mode of toStartOfWeek must be a constant integer");
      mode = asVector<int64_t>(*castColumn(args[1].constant, DataType(TypeId::kInt64))).data()[0];
    }
    const bool monday_first = mode % 2 == 1;
    const DataType result(TypeId::kDate);
    return ResolvedFunction{result, [result, monday_first](std::span<const Datum> call, size_t rows) {
                              return monday_first ? applyTransform<uint16_t, monday>(call[0], rows, result)
                                                  : applyTransform<uint16_t, startOfWeekSunday>(call[0], rows, result);
                            }};
  };
  return definition;
}

FunctionDefinition clock(const char* name, TypeId result_id, int64_t offset_days) {
  FunctionDefinition definition;
  definition.resolve = [name, result_id, offset_days](std::span<const ArgumentInfo> args, const FunctionContext& context) {
    checkArgumentCount(name, args, 0, result_id == TypeId::kDateTime ? 1 : 0);
    ColumnPtr value = result_id == TypeId::kDateTime
                          ? makeConstantColumn<uint32_t>(DataType(TypeId::kDateTime), static_cast<uint32_t>(context.now_seconds))
                          : makeConstantColumn<uint16_t>(DataType(TypeId::kDate),
                                                         static_cast<uint16_t>(daysOf(context.now_seconds) + offset_days));
    return ResolvedFunction{value->type(), [value](std::span<const Datum>, size_t) { return Datum::constant(value); }};
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

// add<Unit>s(t, n) / subtract<Unit>s(t, n): keeps t's type (Date stays Date for day and longer units).
FunctionDefinition addInterval(std::string name, Unit unit, int sign) {
  FunctionDefinition definition;
  definition.resolve = [name, unit, sign](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    DataType type = args[0].type.isStringLike() ? DataType(TypeId::kDateTime) : args[0].type;
    if (!isDateOrDateTime(type)) throwIllegalArgument(name, 0, args[0].type);
    if (!args[1].type.isInteger()) throwIllegalArgument(name, 1, args[1].type);
    const bool sub_day = unit == Unit::kSecond || unit == Unit::kMinute || unit == Unit::kHour;
    const DataType result = type.id() == TypeId::kDate && sub_day ? DataType(TypeId::kDateTime) : type;
    return ResolvedFunction{result, [unit, sign, result](std::span<const Datum> call, size_t rows) {
                              const Datum seconds = castDatum(castDatum(asDateOrDateTime(call[0]), DataType(TypeId::kDateTime)),
                                                              DataType(TypeId::kInt64));
                              const Datum amount = castDatum(call[1], DataType(TypeId::kInt64));
                              const bool to_date = result.id() == TypeId::kDate;
                              if (to_date) {
                                return binaryLoop<uint16_t, int64_t, int64_t>(seconds, amount, rows, result, [unit, sign](int64_t s, int64_t n) {
                                  return static_cast<uint16_t>(daysOf(addUnits(s, sign * n, unit)));
                                });
                              }
                              return binaryLoop<uint32_t, int64_t, int64_t>(seconds, amount, rows, result, [unit, sign](int64_t s, int64_t n) {
                                return static_cast<uint32_t>(addUnits(s, sign * n, unit));
                              });
                            }};
  };
  return definition;
}

// dateDiff('unit', start, end): whole unit boundaries crossed, like ClickHouse.
FunctionDefinition dateDiff() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("dateDiff", args, 3, 4);
    if (!args[0].constant || !args[0].type.isStringLike()) throwBadRequest("First argument of dateDiff must be a constant unit name");
    const Unit unit = parseUnit(asString(*args[0].constant).at(0), "dateDiff");
    for (size_t i = 1; i < 3; ++i) {
      if (!isDateOrDateTime(args[i].type) && !args[i].type.isStringLike()) throwIllegalArgument("dateDiff", i, args[i].type);
    }
    const DataType result(TypeId::kInt64);
    return ResolvedFunction{result, [unit, result](std::span<const Datum> call, size_t rows) {
                              auto seconds = [](const Datum& d) {
                                return castDatum(castDatum(asDateOrDateTime(d), DataType(TypeId::kDateTime)), DataType(TypeId::kInt64));
                              };
                              return binaryLoop<int64_t, int64_t, int64_t>(seconds(call[1]), seconds(call[2]), rows, result,
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

// toStartOfInterval(t, n, 'unit'): the binder rewrites toStartOfInterval(t, INTERVAL n unit) to this form.
FunctionDefinition startOfInterval() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toStartOfInterval", args, 3, 4);
    if (!isDateOrDateTime(args[0].type) && !args[0].type.isStringLike()) throwIllegalArgument("toStartOfInterval", 0, args[0].type);
    if (!args[1].constant || !args[1].type.isInteger() || !args[2].constant) {
      throwBadRequest("Second argument of toStartOfInterval must be a constant INTERVAL");
    }
    const int64_t amount = asVector<int64_t>(*castColumn(args[1].constant, DataType(TypeId::kInt64))).data()[0];
    if (amount <= 0) throwBadRequest("Interval of toStartOfInterval must be positive");
    const Unit unit = parseUnit(asString(*args[2].constant).at(0), "toStartOfInterval");
    const bool to_date = unit == Unit::kDay || unit == Unit::kWeek || unit == Unit::kMonth || unit == Unit::kQuarter || unit == Unit::kYear;
    const DataType result = to_date && !(unit == Unit::kDay && args[0].type.id() == TypeId::kDateTime) ? DataType(TypeId::kDate)
                                                                                                          : DataType(TypeId::kDateTime);
    return ResolvedFunction{result, [unit, amount, result](std::span<const Datum> call, size_t rows) {
                              const Datum seconds = castDatum(castDatum(asDateOrDateTime(call[0]), DataType(TypeId::kDateTime)),
                                                              DataType(TypeId::kInt64));
                              auto start = [unit, amount](int64_t s) -> int64_t {
                                switch (unit) {
                                  case Unit::kSecond: return floorDiv(s, amount) * amount;
                                  case Unit::kMinute: return floorDiv(s, amount * 60) * amount * 60;
                                  case Unit::kHour: return floorDiv(s, amount * 3600) * amount * 3600;
                                  case Unit::kDay: return floorDiv(daysOf(s), amount) * amount * kDay;
                                  case Unit::kWeek: {
                                    const int64_t weeks = floorDiv(daysOf(s) + 3, 7);  // weeks since the Monday before the epoch
                                    return (floorDiv(weeks, amount) * amount * 7 - 3) * kDay;
                                  }
                                  case Unit::kMonth:
                                  case Unit::kQuarter:
                                  case Unit::kYear: {
                                    const int64_t months = unit == Unit::kMonth ? amount : unit == Unit::kQuarter ? amount * 3 : amount * 12;
                                    const CivilDate date = civilFromDays(daysOf(s));
                                    const int64_t index = floorDiv((static_cast<int64_t>(date.year) - 1970) * 12 + date.month - 1, months) * months;
                                    const int new_year = static_cast<int>(1970 + floorDiv(index, 12));
                                    const unsigned new_month = static_cast<unsigned>(index - floorDiv(index, 12) * 12 + 1);
                                    return daysFromCivil(new_year, new_month, 1) * kDay;
                                  }
                                }
                                return s;
                              };
                              if (result.id() == TypeId::kDate) {
                                return unaryLoop<uint16_t, int64_t>(seconds, rows, result, [start](int64_t s) {
                                  return static_cast<uint16_t>(start(s) / kDay);
                                });
                              }
                              return unaryLoop<uint32_t, int64_t>(seconds, rows, result, [start](int64_t s) {
                                return static_cast<uint32_t>(start(s));
                              });
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
  registry.add("toUnixTimestamp", transform<uint32_t, identitySeconds>("toUnixTimestamp", TypeId::kUInt32));
  registry.alias("YEAR", "toYear", true);
  registry.alias("MONTH", "toMonth", true);
  registry.alias("DAY", "toDayOfMonth", true);
  registry.alias("HOUR", "toHour", true);
  registry.add("now", clock("now", TypeId::kDateTime, 0), true);
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
  registry.add("dateDiff", dateDiff(), true);
  registry.alias("date_diff", "dateDiff", true);
  registry.add("toStartOfInterval", startOfInterval());
}

}  // namespace perch
