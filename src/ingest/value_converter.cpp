#include "ingest/value_converter.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "types/date_time.h"
#include "types/decimal.h"

namespace perch::ingest {

namespace {

template <typename T>
bool fitsInteger(long double value) {
  return value >= static_cast<long double>(std::numeric_limits<T>::min()) &&
         value <= static_cast<long double>(std::numeric_limits<T>::max());
}

template <typename T>
bool parseInteger(std::string_view text, T& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty();
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string describe(std::string_view value) {
  std::string shown(value.substr(0, 64));
  if (value.size() > 64) shown += "...";
  return "'" + shown + "'";
}

template <typename T>
bool appendNumberFromText(ColumnVector<T>& column, const DataType& type, std::string_view text, std::string& error) {
  T value{};
  bool ok;
  if constexpr (std::is_floating_point_v<T>) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty();
  } else {
    ok = parseInteger(text, value);
  }
  if (!ok) {
    error = "cannot parse " + describe(text) + " as " + type.name();
    return false;
  }
  column.data().push_back(value);
  return true;
}

template <typename T>
bool appendNumber(ColumnVector<T>& column, const DataType& type, simdjson::dom::element value, std::string& error) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::INT64: {
      const int64_t number = value.get_int64().value_unsafe();
      if constexpr (std::is_integral_v<T>) {
        if (!fitsInteger<T>(static_cast<long double>(number))) break;
      }
      column.data().push_back(static_cast<T>(number));
      return true;
    }
    case element_type::UINT64: {
      const uint64_t number = value.get_uint64().value_unsafe();
      if constexpr (std::is_integral_v<T>) {
        if (!fitsInteger<T>(static_cast<long double>(number))) break;
      }
      column.data().push_back(static_cast<T>(number));
      return true;
    }
    case element_type::DOUBLE: {
      const double number = value.get_double().value_unsafe();
      if constexpr (std::is_integral_v<T>) {
        if (number != std::trunc(number) || !fitsInteger<T>(static_cast<long double>(number))) break;
      }
      column.data().push_back(static_cast<T>(number));
      return true;
    }
    case element_type::BOOL:
      column.data().push_back(static_cast<T>(value.get_bool().value_unsafe() ? 1 : 0));
      return true;
    case element_type::STRING:
      return appendNumberFromText(column, type, value.get_string().value_unsafe(), error);
    default:
      break;
  }
  error = "value " + describe(simdjson::minify(value)) + " does not fit " + type.name();
  return false;
}

bool appendDateOrTimeFromText(Column& column, const DataType& type, std::string_view text, std::string& error) {
  if (type.id() == TypeId::kDate) {
    std::optional<int64_t> days = parseDate(text.substr(0, std::min<size_t>(text.size(), 10)));
    if (text.size() > 10 && !parseDateTime(text)) days.reset();
    if (days && *days >= 0 && *days <= std::numeric_limits<uint16_t>::max()) {
      static_cast<ColumnVector<uint16_t>&>(column).data().push_back(static_cast<uint16_t>(*days));
      return true;
    }
  } else if (type.id() == TypeId::kDateTime64) {
    // Wall-clock text is read in the column's zone; Unix seconds may carry a fraction.
    if (std::optional<int64_t> ticks = parseDateTime64(text, type.precision(), type.timeZone())) {
      static_cast<ColumnVector<int64_t>&>(column).data().push_back(*ticks);
      return true;
    }
  } else {
    std::optional<int64_t> seconds = parseDateTime(text, type.timeZone());
    if (seconds && *seconds >= 0 && *seconds <= std::numeric_limits<uint32_t>::max()) {
      static_cast<ColumnVector<uint32_t>&>(column).data().push_back(static_cast<uint32_t>(*seconds));
      return true;
    }
  }
  error = "cannot parse " + describe(text) + " as " + type.name();
  return false;
}

// Decimal text as ClickHouse reads it: [+-]digits[.digits][e[+-]digits], at most the column's
// scale of fraction digits once the exponent is applied (more is an error, not rounding), within
// the column's storage.
bool appendDecimalFromText(Column& column, const DataType& type, std::string_view text, std::string& error) {
  DecimalWide raw = 0;
  DecimalParseError parse_error = parseDecimal(text, type.scale(), raw, decimalStorageDigits(type));
  if (parse_error == DecimalParseError::kNone && !decimalFits(raw, type)) parse_error = DecimalParseError::kTooManyDigits;
  if (parse_error != DecimalParseError::kNone) {
    error = "cannot parse " + describe(text) + " as " + type.name() + ": " + std::string(decimalParseMessage(parse_error));
    return false;
  }
  switch (type.fixedWidth()) {
    case 4: static_cast<ColumnVector<int32_t>&>(column).data().push_back(static_cast<int32_t>(raw)); break;
    case 8: static_cast<ColumnVector<int64_t>&>(column).data().push_back(static_cast<int64_t>(raw)); break;
    default: static_cast<ColumnVector<Int128>&>(column).data().push_back(raw); break;
  }
  return true;
}

}  // namespace

bool appendText(Column& column, const DataType& type, std::string_view value, std::string& error) {
  switch (type.id()) {
    case TypeId::kString:
      static_cast<ColumnString&>(column).push(value);
      return true;
    case TypeId::kUUID: {
      if (!isUuid(value)) {
        error = "cannot parse " + describe(value) + " as UUID";
        return false;
      }
      std::string canonical(value);
      for (char& c : canonical) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      static_cast<ColumnString&>(column).push(canonical);
      return true;
    }
    case TypeId::kBool: {
      uint8_t flag;
      if (value == "true" || value == "1") flag = 1;
      else if (value == "false" || value == "0") flag = 0;
      else {
        error = "cannot parse " + describe(value) + " as Bool";
        return false;
      }
      static_cast<ColumnVector<uint8_t>&>(column).data().push_back(flag);
      return true;
    }
    case TypeId::kDate:
    case TypeId::kDateTime:
    case TypeId::kDateTime64:
      return appendDateOrTimeFromText(column, type, value, error);
    case TypeId::kDecimal:
      return appendDecimalFromText(column, type, value, error);
    case TypeId::kNullable: {
      auto& nullable = static_cast<ColumnNullable&>(column);
      if (!appendText(nullable.nested(), type.nested(), value, error)) return false;
      nullable.nullMap().push_back(0);
      return true;
    }
    case TypeId::kArray:
    case TypeId::kTuple:
    case TypeId::kNothing:
      error = "cannot parse " + describe(value) + " as " + type.name();
      return false;
    default:
      return dispatchPhysical(type, [&](auto* tag) -> bool {
        using ColumnType = std::remove_pointer_t<decltype(tag)>;
        if constexpr (requires { typename ColumnType::ValueType; }) {
          return appendNumberFromText(static_cast<ColumnType&>(column), type, value, error);
        } else {
          return false;
        }
      });
  }
}

bool appendJson(Column& column, const DataType& type, simdjson::dom::element value, std::string& error) {
  using simdjson::dom::element_type;
  const element_type json_type = value.type();
  if (type.isNullable()) {
    auto& nullable = static_cast<ColumnNullable&>(column);
    if (json_type == element_type::NULL_VALUE) {
      nullable.appendNull();
      return true;
    }
    if (!appendJson(nullable.nested(), type.nested(), value, error)) return false;
    nullable.nullMap().push_back(0);
    return true;
  }
  if (json_type == element_type::NULL_VALUE) {
    error = "null value for a column of non-Nullable type " + type.name();
    return false;
  }
  if (json_type == element_type::STRING) return appendText(column, type, value.get_string().value_unsafe(), error);

  switch (type.id()) {
    case TypeId::kString: {
      // Numbers, booleans, objects and arrays land in String columns as their JSON text.
      static_cast<ColumnString&>(column).push(simdjson::minify(value));
      return true;
    }
    case TypeId::kArray: {
      if (json_type != element_type::ARRAY) break;
      auto& array = static_cast<ColumnArray&>(column);
      const size_t before = array.elements().size();
      simdjson::dom::array items;
      if (value.get_array().get(items)) break;
      for (simdjson::dom::element item : items) {
        if (!appendJson(array.elements(), type.nested(), item, error)) {
          array.elements().truncate(before);
          return false;
        }
      }
      array.finishRow();
      return true;
    }
    case TypeId::kDate:
    case TypeId::kDateTime: {
      // Numbers are days (Date) or Unix seconds (DateTime), as in ClickHouse.
      if (json_type != element_type::INT64 && json_type != element_type::UINT64 && json_type != element_type::DOUBLE) break;
      const double number = value.get_double().value_unsafe();
      const double limit = type.id() == TypeId::kDate ? 65535.0 : 4294967295.0;
      if (number < 0 || number > limit) break;
      if (type.id() == TypeId::kDate) {
        static_cast<ColumnVector<uint16_t>&>(column).data().push_back(static_cast<uint16_t>(number));
      } else {
        static_cast<ColumnVector<uint32_t>&>(column).data().push_back(static_cast<uint32_t>(number));
      }
      return true;
    }
    case TypeId::kDateTime64: {
      // A JSON number is Unix seconds, with a fraction when it has one (1700000000.123).
      if (json_type != element_type::INT64 && json_type != element_type::UINT64 && json_type != element_type::DOUBLE) break;
      return appendDateOrTimeFromText(column, type, simdjson::minify(value), error);
    }
    case TypeId::kDecimal:
      // A JSON number is read from its text (simdjson prints doubles in their shortest form, so
      // 12.34 stays 12.34), exactly like a string.
      if (json_type != element_type::INT64 && json_type != element_type::UINT64 && json_type != element_type::DOUBLE) break;
      return appendDecimalFromText(column, type, simdjson::minify(value), error);
    case TypeId::kTuple:
      error = "Tuple columns cannot be ingested (value " + describe(simdjson::minify(value)) + ")";
      return false;
    case TypeId::kUUID:
    case TypeId::kNullable:
    case TypeId::kNothing:
      break;
    default:
      return dispatchPhysical(type, [&](auto* tag) -> bool {
        using ColumnType = std::remove_pointer_t<decltype(tag)>;
        if constexpr (requires { typename ColumnType::ValueType; }) {
          return appendNumber(static_cast<ColumnType&>(column), type, value, error);
        } else {
          return false;
        }
      });
  }
  error = "value " + describe(simdjson::minify(value)) + " does not fit " + type.name();
  return false;
}

}  // namespace perch::ingest
