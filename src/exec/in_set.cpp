#include "exec/in_set.h"

#include <cstring>

#include "common/error.h"

namespace perch {

namespace {

template <typename T>
uint64_t bitsOf(T value) {
  uint64_t bits = 0;
  if constexpr (sizeof(T) > sizeof(uint64_t)) {
    throwBadRequest("internal: a 16-byte IN value reached the 64-bit set");  // InSet keys those by their bytes
  } else {
    if constexpr (std::is_floating_point_v<T>) {
      if (value == 0) value = 0;  // -0.0 equals 0.0
    }
    std::memcpy(&bits, &value, sizeof(T));
  }
  return bits;
}

// Calls fn(T{}) with the C++ type of a fixed-width set type (DateTime64 is its Int64 ticks).
template <typename Fn>
void dispatchValues(const DataType& type, Fn&& fn) {
  dispatchPhysical(type, [&](auto* tag) {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (requires { typename ColumnType::ValueType; }) {
      fn(typename ColumnType::ValueType{});
    } else {
      throwBadRequest("Type " + type.name() + " is not supported in IN");
    }
  });
}

// A tuple's set key: its text form, which tells values of one tuple type apart.
std::string tupleKey(const Column& tuple, size_t row) {
  std::string key;
  tuple.formatText(row, key);
  return key;
}

}  // namespace

InSet::InSet(DataType type, const Column& values) : type_(std::move(type)) {
  if (type_.isTuple() || type_.isStringLike() || wideFixed()) {
    // Per element: the std::string and a hash node of string_set_, plus the bytes themselves.
    strings_charge_.add(values.byteSize() + values.size() * (sizeof(std::string) + 32), "IN set");
  }
  if (type_.isTuple()) {
    strings_.reserve(values.size());
    for (size_t i = 0; i < values.size(); ++i) strings_.push_back(tupleKey(values, i));
    for (const auto& value : strings_) string_set_.insert(value);
    return;
  }
  if (type_.isStringLike()) {
    const auto& strings = asString(values);
    strings_.reserve(strings.size());
    for (size_t i = 0; i < strings.size(); ++i) strings_.emplace_back(strings.at(i));
    for (const auto& value : strings_) string_set_.insert(value);
    return;
  }
  if (wideFixed()) {  // Decimal(P > 18): its 16 raw bytes as the key
    const auto& data = asVector<Int128>(values).data();
    strings_.reserve(data.size());
    for (const Int128& value : data) strings_.emplace_back(reinterpret_cast<const char*>(&value), sizeof(value));
    for (const auto& value : strings_) string_set_.insert(value);
    return;
  }
  dispatchValues(type_, [&](auto tag) {
    using T = decltype(tag);
    for (T value : asVector<T>(values).data()) fixed_.insert(bitsOf(value));
  });
}

Datum InSet::contains(const Datum& left, size_t rows, bool negated) const {
  const size_t n = left.is_constant ? 1 : rows;
  std::vector<uint8_t> out(n);
  const Column* values = left.column.get();
  const uint8_t* nulls = nullptr;
  if (left.type().isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*left.column);
    values = &nullable.nested();
    nulls = nullable.nullMap().data();
  }
  const uint8_t hit = negated ? 0 : 1;
  if (type_.isTuple()) {
    for (size_t i = 0; i < n; ++i) out[i] = string_set_.count(tupleKey(*values, i)) ? hit : !hit;
  } else if (type_.isStringLike()) {
    const auto& strings = asString(*values);
    for (size_t i = 0; i < n; ++i) out[i] = string_set_.count(strings.at(i)) ? hit : !hit;
  } else if (wideFixed()) {
    const Int128* data = asVector<Int128>(*values).data().data();
    for (size_t i = 0; i < n; ++i) {
      out[i] = string_set_.count(std::string_view(reinterpret_cast<const char*>(data + i), sizeof(Int128))) ? hit : !hit;
    }
  } else {
    dispatchValues(type_, [&](auto tag) {
      using T = decltype(tag);
      const T* data = asVector<T>(*values).data().data();
      for (size_t i = 0; i < n; ++i) out[i] = fixed_.contains(bitsOf(data[i])) ? hit : !hit;
    });
  }
  if (nulls) {  // ClickHouse's Set: a NULL on the left is "not in" the set, so NOT IN gives 1
    const uint8_t missing = negated ? 1 : 0;
    for (size_t i = 0; i < n; ++i) out[i] = nulls[i] ? missing : out[i];
  }
  return Datum{std::make_shared<ColumnVector<uint8_t>>(DataType(TypeId::kUInt8), std::move(out)), left.is_constant};
}

}  // namespace perch
