#include "exec/cast.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/error.h"
#include "exec/decimal_cast.h"
#include "exec/type_rules.h"
#include "types/date_time.h"

namespace perch {

namespace {

enum class NumericConversion { kPlain, kDaysToSeconds, kSecondsToDays, kNumberToDate, kToBool };

NumericConversion conversionKind(const DataType& from, const DataType& to) {
  if (to.id() == TypeId::kBool) return NumericConversion::kToBool;
  if (from.id() == TypeId::kDate && to.id() == TypeId::kDateTime) return NumericConversion::kDaysToSeconds;
  if (from.id() == TypeId::kDateTime && to.id() == TypeId::kDate) return NumericConversion::kSecondsToDays;
  if (to.id() == TypeId::kDate && from.id() != TypeId::kDate) return NumericConversion::kNumberToDate;
  return NumericConversion::kPlain;
}

template <typename To, typename From>
To convertNumber(From value) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (!std::isfinite(value)) return To{};
    if constexpr (std::is_signed_v<To>) return static_cast<To>(static_cast<int64_t>(value));
    else return static_cast<To>(value < 0 ? static_cast<uint64_t>(static_cast<int64_t>(value)) : static_cast<uint64_t>(value));
  } else {
    return static_cast<To>(value);
  }
}

template <typename From, typename To>
void convertLoop(const From* in, To* out, size_t rows, NumericConversion kind) {
  switch (kind) {
    case NumericConversion::kPlain:
      for (size_t i = 0; i < rows; ++i) out[i] = convertNumber<To>(in[i]);
      return;
    case NumericConversion::kDaysToSeconds:
      for (size_t i = 0; i < rows; ++i) out[i] = static_cast<To>(static_cast<int64_t>(in[i]) * 86400);
      return;
    case NumericConversion::kSecondsToDays:
      for (size_t i = 0; i < rows; ++i) out[i] = static_cast<To>(static_cast<int64_t>(in[i]) / 86400);
      return;
    case NumericConversion::kNumberToDate:
      for (size_t i = 0; i < rows; ++i) {
        const int64_t value = convertNumber<int64_t>(in[i]);
        out[i] = static_cast<To>(value > 65535 ? value / 86400 : value);
      }
      return;
    case NumericConversion::kToBool:
      for (size_t i = 0; i < rows; ++i) out[i] = static_cast<To>(in[i] != From{});
      return;
  }
}

[[noreturn]] void failParse(std::string_view value, const DataType& to) {
  throwBadRequest("Cannot parse string '" + std::string(value.substr(0, 100)) + "' as " + to.name());
}

template <typename T>
bool parseNumber(std::string_view text, T& value) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if constexpr (std::is_floating_point_v<T>) {
    if (text == "inf" || text == "+inf") { value = INFINITY; return true; }
    if (text == "-inf") { value = -INFINITY; return true; }
    if (text == "nan") { value = NAN; return true; }
  }
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// Parses one string into the fixed-width representation of `to`. Returns false when malformed.
template <typename T>
bool parseValue(std::string_view text, const DataType& to, T& out) {
  switch (to.id()) {
    case TypeId::kDate: {
      auto days = parseDate(text);
      if (!days) {
        auto seconds = parseDateTime(text);
        if (!seconds) return false;
        days = floorDiv(*seconds, 86400);
      }
      if (*days < 0 || *days > 65535) return false;
      out = static_cast<T>(*days);
      return true;
    }
    case TypeId::kDateTime: {
      auto seconds = parseDateTime(text, to.timeZone());
      if (!seconds || *seconds < 0 || *seconds > UINT32_MAX) return false;
      out = static_cast<T>(*seconds);
      return true;
    }
    case TypeId::kDateTime64: {
      auto ticks = parseDateTime64(text, to.precision(), to.timeZone());
      if (!ticks) return false;
      out = static_cast<T>(*ticks);
      return true;
    }
    case TypeId::kBool:
      if (text == "true" || text == "1") { out = 1; return true; }
      if (text == "false" || text == "0") { out = 0; return true; }
      return false;
    default: return parseNumber(text, out);
  }
}

ColumnPtr castFromString(const ColumnString& in, const DataType& to, ParseFailure on_failure) {
  const size_t rows = in.size();
  if (to.isStringLike()) {
    auto result = std::make_shared<ColumnString>(to);
    result->appendRange(in, 0, rows);
    return result;
  }
  if (to.isTuple()) throwBadRequest("Conversion from String to " + to.name() + " is not supported");
  if (to.isDecimal()) return parseDecimalColumn(in, to, on_failure);
  return dispatchPhysical(to, [&](auto* tag) -> ColumnPtr {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (requires { typename ColumnType::ValueType; }) {
      using T = typename ColumnType::ValueType;
      std::vector<T> values(rows);
      std::vector<uint8_t> nulls;
      if (on_failure == ParseFailure::kNull) nulls.assign(rows, 0);
      for (size_t i = 0; i < rows; ++i) {
        const std::string_view text = in.at(i);
        if (!parseValue<T>(text, to, values[i])) {
          if (on_failure == ParseFailure::kThrow) failParse(text, to);
          values[i] = T{};
          if (on_failure == ParseFailure::kNull) nulls[i] = 1;
        }
      }
      auto column = std::make_shared<ColumnVector<T>>(to, std::move(values));
      if (on_failure == ParseFailure::kNull) {
        return std::make_shared<ColumnNullable>(DataType::nullable(to), column, std::move(nulls));
      }
      return column;
    } else {
      throwBadRequest("Conversion from String to " + to.name() + " is not supported");
    }
  });
}

ColumnPtr castToString(const Column& in, const DataType& to) {
  auto result = std::make_shared<ColumnString>(to);
  result->reserve(in.size());
  std::string buffer;
  for (size_t i = 0; i < in.size(); ++i) {
    buffer.clear();
    in.formatText(i, buffer);
    result->push(buffer);
  }
  return result;
}

ColumnPtr castNumeric(const Column& in, const DataType& to) {
  const NumericConversion kind = conversionKind(in.type(), to);
  return dispatchPhysical(in.type(), [&](auto* from_tag) -> ColumnPtr {
    using FromColumn = std::remove_pointer_t<decltype(from_tag)>;
    if constexpr (requires { typename FromColumn::ValueType; }) {
      using From = typename FromColumn::ValueType;
      return dispatchPhysical(to, [&](auto* to_tag) -> ColumnPtr {
        using ToColumn = std::remove_pointer_t<decltype(to_tag)>;
        if constexpr (requires { typename ToColumn::ValueType; }) {
          using To = typename ToColumn::ValueType;
          const auto& data = asVector<From>(in).data();
          std::vector<To> out(data.size());
          convertLoop(data.data(), out.data(), data.size(), kind);
          return std::make_shared<ColumnVector<To>>(to, std::move(out));
        } else {
          throwBadRequest("Conversion from " + in.type().name() + " to " + to.name() + " is not supported");
        }
      });
    } else {
      throwBadRequest("Conversion from " + in.type().name() + " to " + to.name() + " is not supported");
    }
  });
}

// ---- dates and times ----------------------------------------------------------------------

// Conversions that need zones or sub-second ticks: anything to or from DateTime64, and Date <->
// DateTime in a zone other than UTC (a Date is a calendar day; the instant is midnight in the zone).
bool isTimeConversion(const DataType& from, const DataType& to) {
  const bool from_ok = isDateOrTime(from) || from.isNumber();
  const bool to_ok = isDateOrTime(to) || to.isNumber();
  if (from.id() == TypeId::kDateTime64 || to.id() == TypeId::kDateTime64) return from_ok && to_ok;
  if (from.id() == TypeId::kDate && to.id() == TypeId::kDateTime) return !to.timeZone().isUtc();
  if (from.id() == TypeId::kDateTime && to.id() == TypeId::kDate) return !from.timeZone().isUtc();
  return false;
}

// UTC instants of a column of dates, times or numbers (seconds, with a fraction for floats).
struct Instants {
  std::vector<int64_t> seconds;
  std::vector<int64_t> nanoseconds;
};

Instants readInstants(const Column& in, const DataType& to) {
  Instants out;
  const DataType& type = in.type();
  out.seconds.resize(in.size());
  out.nanoseconds.assign(in.size(), 0);
  dispatchPhysical(type, [&](auto* tag) {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (requires { typename ColumnType::ValueType; }) {
      using T = typename ColumnType::ValueType;
      const std::vector<T>& data = static_cast<const ColumnType&>(in).data();
      const int64_t scale = powerOfTen(type.precision());
      const int64_t nanos_per_tick = powerOfTen(9 - type.precision());
      for (size_t i = 0; i < data.size(); ++i) {
        if constexpr (std::is_floating_point_v<T>) {
          const double whole = std::isfinite(data[i]) ? std::floor(data[i]) : 0;
          out.seconds[i] = static_cast<int64_t>(whole);
          out.nanoseconds[i] = std::min<int64_t>(std::llround((data[i] - whole) * 1e9), 999999999);
        } else if (type.id() == TypeId::kDate) {
          out.seconds[i] = to.timeZone().utcOf(static_cast<int64_t>(data[i]) * 86400);
        } else if (type.id() == TypeId::kDateTime64) {
          const auto ticks = static_cast<int64_t>(data[i]);
          out.seconds[i] = floorDiv(ticks, scale);
          out.nanoseconds[i] = (ticks - out.seconds[i] * scale) * nanos_per_tick;
        } else {
          out.seconds[i] = static_cast<int64_t>(data[i]);
        }
      }
    } else {
      throwBadRequest("Conversion from " + type.name() + " to " + to.name() + " is not supported");
    }
  });
  return out;
}

ColumnPtr castTime(const Column& in, const DataType& to) {
  const Instants instants = readInstants(in, to);
  const TimeZone& source_zone = isDateTimeOrDateTime64(in.type()) ? in.type().timeZone() : TimeZone::utc();
  return dispatchPhysical(to, [&](auto* tag) -> ColumnPtr {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (requires { typename ColumnType::ValueType; }) {
      using T = typename ColumnType::ValueType;
      const size_t rows = instants.seconds.size();
      std::vector<T> out(rows);
      const int64_t scale = powerOfTen(to.precision());
      const int64_t nanos_per_tick = powerOfTen(9 - to.precision());
      for (size_t i = 0; i < rows; ++i) {
        const int64_t seconds = instants.seconds[i];
        const int64_t nanoseconds = instants.nanoseconds[i];
        if (to.id() == TypeId::kDate) {
          out[i] = static_cast<T>(floorDiv(seconds + source_zone.offsetAt(seconds), 86400));
        } else if (to.id() == TypeId::kDateTime64) {
          out[i] = static_cast<T>(seconds * scale + nanoseconds / nanos_per_tick);
        } else if constexpr (std::is_floating_point_v<T>) {
          out[i] = static_cast<T>(static_cast<double>(seconds) + static_cast<double>(nanoseconds) / 1e9);
        } else {
          // Whole seconds, the fraction truncated toward zero as ClickHouse converts decimals.
          out[i] = static_cast<T>(seconds < 0 && nanoseconds > 0 ? seconds + 1 : seconds);
        }
      }
      return std::make_shared<ColumnVector<T>>(to, std::move(out));
    } else {
      throwBadRequest("Conversion from " + in.type().name() + " to " + to.name() + " is not supported");
    }
  });
}

// ---- tuples -------------------------------------------------------------------------------

ColumnPtr castTuple(const ColumnPtr& from, const DataType& to, ParseFailure on_failure) {
  const DataType& from_type = from->type();
  if (!from_type.isTuple() || !to.isTuple() || from_type.tupleElements().size() != to.tupleElements().size()) {
    throwBadRequest("Conversion from " + from_type.name() + " to " + to.name() + " is not supported");
  }
  const auto& tuple = static_cast<const ColumnTuple&>(*from);
  std::vector<MutableColumnPtr> elements;
  for (size_t i = 0; i < tuple.elementCount(); ++i) {
    ColumnPtr element = castColumn(tuple.elementPtr(i), to.tupleElements()[i], on_failure);
    elements.push_back(std::const_pointer_cast<Column>(element));
  }
  return std::make_shared<ColumnTuple>(to, std::move(elements));
}

}  // namespace

ColumnPtr castColumn(const ColumnPtr& from, const DataType& to_in, ParseFailure on_failure) {
  const DataType& from_type = from->type();
  const DataType to = on_failure == ParseFailure::kNull ? removeNullable(to_in) : to_in;
  if (from_type == to_in) return from;
  const size_t rows = from->size();

  if (isNothing(from_type)) {
    if (!to.isNullable() && on_failure != ParseFailure::kNull) {
      if (rows == 0) return makeEmptyColumn(to);
      throwBadRequest("Cannot convert NULL value to non-Nullable type " + to.name());
    }
    auto result = makeEmptyColumn(makeNullable(to));
    for (size_t i = 0; i < rows; ++i) result->appendDefault();
    return result;
  }
  if (from_type.isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*from);
    ColumnPtr nested_ptr(from, &nullable.nested());
    if (!to.isNullable() && on_failure != ParseFailure::kNull) {
      for (uint8_t is_null : nullable.nullMap()) {
        if (is_null) throwBadRequest("Cannot convert NULL value to non-Nullable type " + to.name());
      }
      return castColumn(nested_ptr, to, on_failure);
    }
    ColumnPtr nested = castColumn(nested_ptr, removeNullable(to), on_failure);
    std::vector<uint8_t> nulls = nullable.nullMap();
    if (nested->type().isNullable()) {  // *OrNull failures add nulls
      const auto& inner = static_cast<const ColumnNullable&>(*nested);
      for (size_t i = 0; i < rows; ++i) nulls[i] |= inner.nullMap()[i];
      nested = ColumnPtr(nested, &inner.nested());
    }
    return std::make_shared<ColumnNullable>(makeNullable(to), std::const_pointer_cast<Column>(nested), std::move(nulls));
  }
  if (to.isNullable()) {
    ColumnPtr nested = castColumn(from, to.nested(), on_failure);
    if (nested->type().isNullable()) return nested;
    return std::make_shared<ColumnNullable>(to, std::const_pointer_cast<Column>(nested), std::vector<uint8_t>(rows, 0));
  }
  if (to.isArray() || from_type.isArray()) {
    if (!to.isArray() || !from_type.isArray()) {
      if (to.isStringLike()) return castToString(*from, to);
      throwBadRequest("Conversion from " + from_type.name() + " to " + to.name() + " is not supported");
    }
    const auto& array = static_cast<const ColumnArray&>(*from);
    ColumnPtr elements = castColumn(ColumnPtr(from, &array.elements()), to.nested(), on_failure);
    auto rebuilt = std::make_shared<ColumnArray>(to);
    uint64_t previous = 0;
    for (size_t i = 0; i < rows; ++i) {
      const uint64_t end = array.offsets()[i];
      rebuilt->elements().appendRange(*elements, previous, end - previous);
      rebuilt->finishRow();
      previous = end;
    }
    return rebuilt;
  }
  if (from_type.isStringLike()) {
    auto result = castFromString(asString(*from), to, on_failure);
    return result;
  }
  if (to.isStringLike()) return castToString(*from, to);
  if (to.isTuple() || from_type.isTuple()) return castTuple(from, to, on_failure);
  if (from_type.isDecimal()) return castFromDecimal(*from, to);
  if (to.isDecimal()) return castToDecimal(*from, to);
  if (isTimeConversion(from_type, to)) return castTime(*from, to);
  return castNumeric(*from, to);
}

Datum castDatum(const Datum& from, const DataType& to, ParseFailure on_failure) {
  return Datum{castColumn(from.column, to, on_failure), from.is_constant};
}

}  // namespace perch
