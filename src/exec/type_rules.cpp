#include "exec/type_rules.h"

#include <algorithm>
#include <vector>

#include "common/error.h"

namespace perch {

bool isNothing(const DataType& type) {
  return type.id() == TypeId::kNothing || (type.isNullable() && type.nested().id() == TypeId::kNothing);
}

DataType removeNullable(const DataType& type) { return type.isNullable() ? type.nested() : type; }

DataType makeNullable(const DataType& type) { return type.isNullable() ? type : DataType::nullable(type); }

DataType removeLowCardinality(const DataType& type) {
  if (type.isNullable()) return DataType::nullable(removeLowCardinality(type.nested()));
  if (type.lowCardinality()) return DataType(type.id());
  return type;
}

DataType integerType(bool is_signed, size_t bytes) {
  switch (bytes) {
    case 1: return DataType(is_signed ? TypeId::kInt8 : TypeId::kUInt8);
    case 2: return DataType(is_signed ? TypeId::kInt16 : TypeId::kUInt16);
    case 4: return DataType(is_signed ? TypeId::kInt32 : TypeId::kUInt32);
    default: return DataType(is_signed ? TypeId::kInt64 : TypeId::kUInt64);
  }
}

bool isNumeric(const DataType& type) {
  return type.isNumber() || type.id() == TypeId::kBool || isDateOrTime(type);
}

bool isDateOrDateTime(const DataType& type) {
  return type.id() == TypeId::kDate || type.id() == TypeId::kDateTime;
}

bool isDateTimeOrDateTime64(const DataType& type) {
  return type.id() == TypeId::kDateTime || type.id() == TypeId::kDateTime64;
}

bool isDateOrTime(const DataType& type) { return isDateOrDateTime(type) || type.id() == TypeId::kDateTime64; }

namespace {

size_t nextSize(size_t bytes) { return std::min<size_t>(bytes * 2, 8); }

// Bool, Date and DateTime take part in arithmetic as their unsigned storage type.
DataType arithmeticView(const DataType& type) {
  switch (type.id()) {
    case TypeId::kBool: return DataType(TypeId::kUInt8);
    case TypeId::kDate: return DataType(TypeId::kUInt16);
    case TypeId::kDateTime: return DataType(TypeId::kUInt32);
    default: return type;
  }
}

}  // namespace

unsigned decimalClassPrecision(const DataType& type) {
  const unsigned precision = type.decimalPrecision();
  return precision <= 9 ? 9 : precision <= 18 ? 18 : 38;
}

DataType decimalArithmeticResultType(ArithmeticOp op, const DataType& a, const DataType& b, std::string_view function) {
  const bool supported_op = op == ArithmeticOp::kPlus || op == ArithmeticOp::kMinus || op == ArithmeticOp::kMultiply ||
                            op == ArithmeticOp::kDivide;
  const auto operand = [](const DataType& type) { return type.isDecimal() || type.isInteger(); };
  if (!supported_op || !operand(a) || !operand(b)) {
    throwBadRequest("Illegal types " + a.name() + " and " + b.name() + " of arguments of function " + std::string(function));
  }
  if (!a.isDecimal() || !b.isDecimal()) return a.isDecimal() ? a : b;
  const unsigned precision = std::max(decimalClassPrecision(a), decimalClassPrecision(b));
  switch (op) {
    case ArithmeticOp::kMultiply:
      if (a.scale() + b.scale() > precision) throwBadRequest("Scale is out of bounds in function " + std::string(function));
      return DataType::decimal(precision, a.scale() + b.scale());
    case ArithmeticOp::kDivide:
      if (b.scale() > a.scale()) {
        throwBadRequest("Decimal result's scale is less than the divisor's in function " + std::string(function) + " (" +
                        a.name() + " / " + b.name() + ")");
      }
      return DataType::decimal(precision, a.scale());
    default: return DataType::decimal(precision, std::max(a.scale(), b.scale()));
  }
}

DataType arithmeticResultType(ArithmeticOp op, const DataType& a_in, const DataType& b_in, std::string_view function) {
  if (a_in.isDecimal() || b_in.isDecimal()) return decimalArithmeticResultType(op, a_in, b_in, function);
  // DateTime64 takes part in date arithmetic through INTERVAL only (addSeconds etc.), never as its ticks.
  const bool ticks = a_in.id() == TypeId::kDateTime64 || b_in.id() == TypeId::kDateTime64;
  if (!isNumeric(a_in) || !isNumeric(b_in) || ticks) {
    throwBadRequest("Illegal types " + a_in.name() + " and " + b_in.name() + " of arguments of function " +
                    std::string(function));
  }
  const DataType a = arithmeticView(a_in);
  const DataType b = arithmeticView(b_in);
  const bool any_float = a.isFloat() || b.isFloat();
  const bool any_signed = a.isSigned() || b.isSigned();
  const size_t max_size = std::max(a.fixedWidth(), b.fixedWidth());
  switch (op) {
    case ArithmeticOp::kDivide: return DataType(TypeId::kFloat64);
    case ArithmeticOp::kPlus:
    case ArithmeticOp::kMultiply:
      if (any_float) return DataType(TypeId::kFloat64);
      return integerType(any_signed, nextSize(max_size));
    case ArithmeticOp::kMinus:
      if (any_float) return DataType(TypeId::kFloat64);
      // Date - Date and DateTime - DateTime are Int32 in ClickHouse (days or seconds apart).
      if (isDateOrDateTime(removeNullable(a_in)) && isDateOrDateTime(removeNullable(b_in))) return DataType(TypeId::kInt32);
      return integerType(true, nextSize(max_size));
    case ArithmeticOp::kIntDiv:
      if (any_float) return DataType(TypeId::kInt64);
      return integerType(any_signed, a.fixedWidth());
    case ArithmeticOp::kModulo: {
      if (any_float) return DataType(TypeId::kFloat64);
      const bool is_signed = a.isSigned();
      return integerType(is_signed, is_signed ? nextSize(b.fixedWidth()) : b.fixedWidth());
    }
  }
  return DataType(TypeId::kFloat64);
}

DataType literalIntegerType(uint64_t value) {
  if (value <= UINT8_MAX) return DataType(TypeId::kUInt8);
  if (value <= UINT16_MAX) return DataType(TypeId::kUInt16);
  if (value <= UINT32_MAX) return DataType(TypeId::kUInt32);
  return DataType(TypeId::kUInt64);
}

DataType literalSignedType(int64_t value) {
  if (value >= 0) return literalIntegerType(static_cast<uint64_t>(value));
  if (value >= INT8_MIN) return DataType(TypeId::kInt8);
  if (value >= INT16_MIN) return DataType(TypeId::kInt16);
  if (value >= INT32_MIN) return DataType(TypeId::kInt32);
  return DataType(TypeId::kInt64);
}

namespace {

// Date, DateTime and DateTime64 values (non-Nullable, not all equal) meet in DateTime64 of the
// largest precision when any is DateTime64, else in DateTime, in the first zone named.
DataType dateTimeSupertype(std::span<const DataType> types) {
  bool any_ticks = false;
  unsigned precision = 0;
  std::string zone;
  for (const DataType& type : types) {
    if (type.id() == TypeId::kDateTime64) {
      any_ticks = true;
      precision = std::max(precision, type.precision());
    }
    if (zone.empty()) zone = type.timeZoneName();
  }
  return any_ticks ? DataType::dateTime64(precision, zone) : DataType::dateTime(zone);
}

DataType tupleSupertype(std::span<const DataType> types, std::string_view context) {
  const size_t size = types[0].tupleElements().size();
  std::vector<DataType> elements;
  for (size_t i = 0; i < size; ++i) {
    std::vector<DataType> column;
    for (const DataType& type : types) {
      if (type.tupleElements().size() != size) {
        throwBadRequest("There is no supertype for tuples of different sizes " + types[0].name() + " and " + type.name() +
                        " (" + std::string(context) + ")");
      }
      column.push_back(type.tupleElements()[i]);
    }
    elements.push_back(leastSupertype(column, context));
  }
  const bool same_names = std::all_of(types.begin(), types.end(), [&](const DataType& t) { return t.tupleNames() == types[0].tupleNames(); });
  return DataType::tuple(std::move(elements), same_names ? types[0].tupleNames() : std::vector<std::string>{});
}

}  // namespace

DataType leastSupertype(std::span<const DataType> types, std::string_view context) {
  bool nullable = false;
  std::vector<DataType> plain;
  for (const auto& type : types) {
    if (type.isNullable() || type.id() == TypeId::kNothing) nullable = true;
    if (isNothing(type)) continue;
    plain.push_back(removeNullable(type));
  }
  auto finish = [&](DataType type) { return nullable ? makeNullable(type) : type; };
  if (plain.empty()) return DataType::nullable(DataType(TypeId::kNothing));
  const DataType& first = plain[0];
  if (std::all_of(plain.begin(), plain.end(), [&](const DataType& t) { return t == first; })) return finish(first);
  auto fail = [&]() -> DataType {
    std::string names;
    for (const auto& type : types) names += (names.empty() ? "" : ", ") + type.name();
    throwBadRequest("There is no supertype for types " + names + " (" + std::string(context) + ")");
  };
  if (std::all_of(plain.begin(), plain.end(), [](const DataType& t) { return t.isStringLike(); })) {
    if (std::all_of(plain.begin(), plain.end(), [](const DataType& t) { return t.id() == TypeId::kString; })) {
      return finish(DataType(TypeId::kString));
    }
    return fail();
  }
  if (std::all_of(plain.begin(), plain.end(), isDateOrTime)) return finish(dateTimeSupertype(plain));
  if (std::any_of(plain.begin(), plain.end(), [](const DataType& t) { return t.isDecimal(); }) &&
      std::all_of(plain.begin(), plain.end(), [](const DataType& t) { return t.isDecimal() || t.isInteger(); })) {
    // Decimals meet in the widest storage class and the largest scale ([toDecimal32(1, 2),
    // toDecimal64(2, 3)] is Array(Decimal(18, 3)) in ClickHouse 18.16). Integers join as current
    // ClickHouse has them (18.16 has no such supertype): the class must also hold their digits at
    // that scale (UInt8 3, 16-bit 5, 32-bit 10, 64-bit 20). Floats never meet Decimals.
    unsigned precision = 0, scale = 0, integer_digits = 0;
    for (const DataType& t : plain) {
      if (t.isDecimal()) {
        precision = std::max(precision, decimalClassPrecision(t));
        scale = std::max(scale, t.scale());
        integer_digits = std::max(integer_digits, t.decimalPrecision() - t.scale());
      } else {
        const size_t width = t.fixedWidth();
        integer_digits = std::max<unsigned>(integer_digits, width == 1 ? 3 : width == 2 ? 5 : width == 4 ? 10 : 20);
      }
    }
    const unsigned needed = std::min(38u, integer_digits + scale);
    precision = std::max(precision, needed <= 9 ? 9u : needed <= 18 ? 18u : 38u);
    return finish(DataType::decimal(precision, scale));
  }
  if (std::all_of(plain.begin(), plain.end(), [](const DataType& t) { return t.isTuple(); })) {
    return finish(tupleSupertype(plain, context));
  }
  if (std::all_of(plain.begin(), plain.end(), [](const DataType& t) { return t.isNumber() || t.id() == TypeId::kBool; })) {
    bool any_float = false, any_signed = false;
    size_t max_unsigned = 0, max_signed = 0, max_float = 0;
    for (const auto& raw : plain) {
      const DataType t = raw.id() == TypeId::kBool ? DataType(TypeId::kUInt8) : raw;
      if (t.isFloat()) {
        any_float = true;
        max_float = std::max(max_float, t.fixedWidth());
      } else if (t.isSigned()) {
        any_signed = true;
        max_signed = std::max(max_signed, t.fixedWidth());
      } else {
        max_unsigned = std::max(max_unsigned, t.fixedWidth());
      }
    }
    if (any_float) {
      const size_t int_size = std::max(max_signed, max_unsigned);
      if (max_float == 4 && int_size <= 2) return finish(DataType(TypeId::kFloat32));
      return finish(DataType(TypeId::kFloat64));
    }
    if (any_signed) {
      size_t size = max_signed;
      if (max_unsigned >= size) size = max_unsigned * 2;
      if (size > 8) return fail();
      return finish(integerType(true, size));
    }
    return finish(integerType(false, max_unsigned));
  }
  if (std::all_of(plain.begin(), plain.end(), [](const DataType& t) { return t.isArray(); })) {
    std::vector<DataType> elements;
    for (const auto& t : plain) elements.push_back(t.nested());
    return finish(DataType::array(leastSupertype(elements, context)));
  }
  return fail();
}

}  // namespace perch
