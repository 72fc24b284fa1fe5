#include "ingest/column_writer.h"

#include <limits>

#include "ingest/value_converter.h"
#include "types/date_time.h"

namespace perch::ingest {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A JSON integer that fits T exactly; anything else (out of range, fractional, a string) is left
// to appendJson, which converts or explains.
template <typename T>
bool appendInteger(Column& column, element value) {
  T result;
  if (value.type() == element_type::INT64) {
    const int64_t number = value.get_int64().value_unsafe();
    if constexpr (std::is_signed_v<T>) {
      if (number < std::numeric_limits<T>::min() || number > std::numeric_limits<T>::max()) return false;
    } else {
      if (number < 0 || static_cast<uint64_t>(number) > std::numeric_limits<T>::max()) return false;
    }
    result = static_cast<T>(number);
  } else if (value.type() == element_type::UINT64) {
    const uint64_t number = value.get_uint64().value_unsafe();
    if (number > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    result = static_cast<T>(number);
  } else {
    return false;
  }
  static_cast<ColumnVector<T>&>(column).data().push_back(result);
  return true;
}

template <typename T>
bool appendFloat(Column& column, element value) {
  T result;
  if (value.type() == element_type::DOUBLE) {
    result = static_cast<T>(value.get_double().value_unsafe());
  } else if (value.type() == element_type::INT64) {
    result = static_cast<T>(value.get_int64().value_unsafe());
  } else {
    return false;
  }
  static_cast<ColumnVector<T>&>(column).data().push_back(result);
  return true;
}

bool appendDateTime(Column& column, element value) {
  if (value.type() != element_type::STRING) return false;
  const std::optional<int64_t> seconds = parseDateTime(value.get_string().value_unsafe());
  if (!seconds || *seconds < 0 || *seconds > std::numeric_limits<uint32_t>::max()) return false;
  static_cast<ColumnVector<uint32_t>&>(column).data().push_back(static_cast<uint32_t>(*seconds));
  return true;
}

// Only the plain 'YYYY-MM-DD' form; a Date given as a timestamp takes the generic path.
bool appendDate(Column& column, element value) {
  if (value.type() != element_type::STRING) return false;
  const std::string_view text = value.get_string().value_unsafe();
  if (text.size() != 10) return false;
  const std::optional<int64_t> days = parseDate(text);
  if (!days || *days < 0 || *days > std::numeric_limits<uint16_t>::max()) return false;
  static_cast<ColumnVector<uint16_t>&>(column).data().push_back(static_cast<uint16_t>(*days));
  return true;
}

}  // namespace

ColumnWriter::ColumnWriter(DataType type)
    : type_(std::move(type)), kind_(kindOf(type_.isNullable() ? type_.nested() : type_)), nullable_(type_.isNullable()) {}

ColumnWriter::Kind ColumnWriter::kindOf(const DataType& type) {
  switch (type.id()) {
    case TypeId::kString: return Kind::kString;  // LowCardinality(String) too: same column class
    case TypeId::kInt8: return Kind::kInt8;
    case TypeId::kInt16: return Kind::kInt16;
    case TypeId::kInt32: return Kind::kInt32;
    case TypeId::kInt64: return Kind::kInt64;
    case TypeId::kUInt8: return Kind::kUInt8;
    case TypeId::kUInt16: return Kind::kUInt16;
    case TypeId::kUInt32: return Kind::kUInt32;
    case TypeId::kUInt64: return Kind::kUInt64;
    case TypeId::kFloat32: return Kind::kFloat32;
    case TypeId::kFloat64: return Kind::kFloat64;
    case TypeId::kDate: return Kind::kDate;
    // Only without a named zone: text in another zone is read as that zone's wall clock.
    case TypeId::kDateTime: return type == DataType(TypeId::kDateTime) ? Kind::kDateTime : Kind::kGeneric;
    default: return Kind::kGeneric;  // Bool, UUID, arrays, aggregate states, types added later
  }
}

bool ColumnWriter::appendFast(Column& column, element value) const {
  switch (kind_) {
    case Kind::kString:
      if (value.type() != element_type::STRING) return false;
      static_cast<ColumnString&>(column).push(value.get_string().value_unsafe());
      return true;
    case Kind::kInt8: return appendInteger<int8_t>(column, value);
    case Kind::kInt16: return appendInteger<int16_t>(column, value);
    case Kind::kInt32: return appendInteger<int32_t>(column, value);
    case Kind::kInt64: return appendInteger<int64_t>(column, value);
    case Kind::kUInt8: return appendInteger<uint8_t>(column, value);
    case Kind::kUInt16: return appendInteger<uint16_t>(column, value);
    case Kind::kUInt32: return appendInteger<uint32_t>(column, value);
    case Kind::kUInt64: return appendInteger<uint64_t>(column, value);
    case Kind::kFloat32: return appendFloat<float>(column, value);
    case Kind::kFloat64: return appendFloat<double>(column, value);
    case Kind::kDate: return appendDate(column, value);
    case Kind::kDateTime: return appendDateTime(column, value);
    case Kind::kGeneric: return false;
  }
  return false;
}

bool ColumnWriter::append(Column& column, element value, std::string& error) const {
  if (nullable_) {
    auto& nullable = static_cast<ColumnNullable&>(column);
    if (value.type() == element_type::NULL_VALUE) {
      nullable.appendNull();
      return true;
    }
    if (appendFast(nullable.nested(), value)) {
      nullable.nullMap().push_back(0);
      return true;
    }
  } else if (appendFast(column, value)) {
    return true;
  }
  return appendJson(column, type_, value, error);
}

}  // namespace perch::ingest
