// ClickHouse's typing rules as pure functions over DataType: result types of arithmetic, the
// common supertype used by if/coalesce/IN/UNION ALL, and Nullable wrapping. Stateless, thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "types/data_type.h"

namespace perch {

enum class ArithmeticOp { kPlus, kMinus, kMultiply, kDivide, kIntDiv, kModulo };

bool isNothing(const DataType& type);  // Nothing or Nullable(Nothing)
DataType removeNullable(const DataType& type);
DataType makeNullable(const DataType& type);  // idempotent
/// The type without LowCardinality (String for LowCardinality(String)).
DataType removeLowCardinality(const DataType& type);
/// Int8..Int64 / UInt8..UInt64 of `bytes` (1, 2, 4, 8).
DataType integerType(bool is_signed, size_t bytes);
/// Numbers, Bool, Date, DateTime and DateTime64: everything stored as one fixed-width number.
bool isNumeric(const DataType& type);
bool isDateOrDateTime(const DataType& type);
/// DateTime or DateTime64: an instant with a zone.
bool isDateTimeOrDateTime64(const DataType& type);
/// Date, DateTime or DateTime64.
bool isDateOrTime(const DataType& type);

/// The result type of `a op b` for numeric a, b (ClickHouse promotion: UInt8 + UInt8 -> UInt16,
/// Int32 * Int32 -> Int64, a / b -> Float64, ...). Throws kBadRequest naming `function` otherwise.
DataType arithmeticResultType(ArithmeticOp op, const DataType& a, const DataType& b, std::string_view function);

/// Decimal(9), Decimal(18) or Decimal(38): the precision of the storage class holding `type`'s values.
unsigned decimalClassPrecision(const DataType& type);

/// The result type of `a op b` where a or b is a Decimal and the other a Decimal or an integer, as
/// ClickHouse 18.16 types it: an integer takes the Decimal's type; two Decimals give the wider
/// storage class (Decimal(9|18|38, S)) with S = max(Sa, Sb) for + and -, Sa + Sb for * (an error
/// past the class precision) and Sa for / (an error when Sb > Sa). Floats, intDiv and modulo are
/// errors, as in 18.16.
DataType decimalArithmeticResultType(ArithmeticOp op, const DataType& a, const DataType& b, std::string_view function);

/// The narrowest type every one of `types` converts to without loss (ClickHouse getLeastSupertype),
/// Nullable when any is Nullable or Nothing. Throws kBadRequest with `context` when there is none.
/// Dates and times meet in DateTime64 (the largest precision) when one is DateTime64, else in
/// DateTime; the zone is the first zoned argument's. Tuples meet element by element.
DataType leastSupertype(std::span<const DataType> types, std::string_view context);

/// The ClickHouse type name of an integer literal value.
DataType literalIntegerType(uint64_t value);
DataType literalSignedType(int64_t value);

}  // namespace perch
