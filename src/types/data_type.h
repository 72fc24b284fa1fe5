// DataType: a ClickHouse data type as Perch knows it, and its physical layout.
//
// Logical types keep ClickHouse's spelling (`LowCardinality(String)`, `DateTime`, ...). Every type
// maps to one physical column class (see column.h):
//   Int8..Int64, UInt8..UInt64, Float32/64  -> ColumnVector<T> of the same C++ type
//   Bool                                    -> ColumnVector<uint8_t> (0/1)
//   Date                                    -> ColumnVector<uint16_t> (days since 1970-01-01)
//   DateTime[('Zone')]                      -> ColumnVector<uint32_t> (seconds since epoch, UTC)
//   DateTime64(p[, 'Zone'])                 -> ColumnVector<int64_t> (ticks of 10^-p s since epoch, UTC)
//   Decimal(P, S), P <= 9                   -> ColumnVector<int32_t> (the value times 10^S)
//   Decimal(P, S), 9 < P <= 18              -> ColumnVector<int64_t> (the value times 10^S)
//   Decimal(P, S), 18 < P <= 38             -> ColumnVector<Int128> (the value times 10^S)
//   String, LowCardinality(String), UUID    -> ColumnString (UUID as canonical lower-case text;
//                                              a 128-bit layout comes with the wider type work)
//   Nullable(T)                             -> ColumnNullable over T's column
//   Array(T)                                -> ColumnArray over T's column
//   AggregateFunction(f, T...)              -> ColumnString, one opaque serialized state per row
//   SimpleAggregateFunction(f, T)           -> exactly T (only the printed name differs)
//   Tuple(T1, ...) / Tuple(a T1, ...)       -> ColumnTuple, one column per element
// A time zone is metadata of DateTime/DateTime64 only: values are UTC instants, the zone decides how
// they print, how text is parsed into them and what calendar date functions see. No zone means the
// server default, UTC.
// DataType values are immutable and cheap to copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace perch {
/// Storage of Decimal(P > 18), as ClickHouse's Decimal128. The project builds in GNU mode, where the
/// standard library treats __int128 as an integral type (numeric_limits, make_unsigned, to_chars).
using Int128 = __int128;
using UInt128 = unsigned __int128;
}  // namespace perch
#include <vector>

namespace perch {

class TimeZone;

enum class TypeId : uint8_t {
  kInt8, kInt16, kInt32, kInt64,
  kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat32, kFloat64,
  kBool, kString, kDate, kDateTime, kUUID,
  kNullable, kArray,
  kNothing,  // the type of a bare NULL literal
  kAggregateFunction,
  kDateTime64,
  kTuple,
  kDecimal,  // Decimal(P, S); Decimal32/64/128(S) are spellings of it
};

class DataType {
 public:
  DataType() : id_(TypeId::kNothing) {}
  explicit DataType(TypeId id, bool low_cardinality = false) : id_(id), low_cardinality_(low_cardinality) {}

  static DataType nullable(const DataType& nested);
  static DataType array(const DataType& element);
  /// AggregateFunction(function(parameters), arguments...); `parameters` is the text between the
  /// parentheses after the function name (empty when there are none).
  static DataType aggregateFunction(std::string function, std::string parameters, std::vector<DataType> arguments);
  /// `type` spelled as SimpleAggregateFunction(function, type); it behaves exactly as `type`.
  static DataType simpleAggregateFunction(std::string function, const DataType& type);
  /// DateTime in `zone` (empty: no zone named, the server default UTC). Throws for unknown zones.
  static DataType dateTime(std::string_view zone);
  /// DateTime64(precision[, zone]); precision 0..9 digits after the point.
  static DataType dateTime64(unsigned precision, std::string_view zone = {});
  /// Decimal(precision, scale): precision 1..38, scale 0..precision. Throws kBadRequest otherwise.
  static DataType decimal(unsigned precision, unsigned scale);
  /// Tuple(elements...); `names` is empty or one name per element.
  static DataType tuple(std::vector<DataType> elements, std::vector<std::string> names = {});

  /// Parses a ClickHouse type name such as `LowCardinality(String)` or `Nullable(Int64)`.
  /// Throws perch::Error (kBadRequest) naming the type on anything unsupported.
  static DataType parse(std::string_view text);

  TypeId id() const { return id_; }
  bool lowCardinality() const { return low_cardinality_; }
  /// The wrapped type of Nullable(T) or the element type of Array(T).
  const DataType& nested() const { return *nested_; }

  bool isNullable() const { return id_ == TypeId::kNullable; }
  bool isArray() const { return id_ == TypeId::kArray; }
  bool isInteger() const { return id_ <= TypeId::kUInt64; }
  bool isSigned() const { return id_ <= TypeId::kInt64; }
  bool isFloat() const { return id_ == TypeId::kFloat32 || id_ == TypeId::kFloat64; }
  bool isNumber() const { return isInteger() || isFloat(); }
  bool isStringLike() const { return id_ == TypeId::kString || id_ == TypeId::kUUID; }
  bool isAggregateFunction() const { return id_ == TypeId::kAggregateFunction; }
  bool isTuple() const { return id_ == TypeId::kTuple; }
  bool isDecimal() const { return id_ == TypeId::kDecimal; }

  /// DateTime/DateTime64: the zone as the type names it, empty when it names none.
  const std::string& timeZoneName() const;
  /// DateTime/DateTime64: the zone values are shown in (UTC when the type names none).
  const TimeZone& timeZone() const;
  /// The same DateTime/DateTime64 type in another zone (empty: none named).
  DataType withTimeZone(std::string_view zone) const;
  /// DateTime64: digits after the point (ticks are 10^-precision seconds); 0 for other types.
  unsigned precision() const;
  /// Decimal: total digits (1..38) and digits after the point; 0 for other types.
  unsigned decimalPrecision() const;
  unsigned scale() const;
  /// Tuple: the element types, and their names (empty for an unnamed tuple).
  const std::vector<DataType>& tupleElements() const;
  const std::vector<std::string>& tupleNames() const;

  /// AggregateFunction: the function name (with combinators, e.g. `uniqIf`), its parameter text
  /// (`0.5, 0.9` for `quantiles(0.5, 0.9)`, empty if none) and its argument types.
  /// SimpleAggregateFunction: the function name; parameters and arguments are empty.
  /// Empty for every other type.
  const std::string& aggregateFunctionName() const;
  const std::string& aggregateFunctionParameters() const;
  const std::vector<DataType>& aggregateFunctionArguments() const;
  /// True for a type read from `SimpleAggregateFunction(f, T)`.
  bool isSimpleAggregateFunction() const;
  /// Size in bytes of one value for fixed-width types; 0 for String/UUID/Nullable/Array/Tuple.
  size_t fixedWidth() const;

  /// The ClickHouse name, e.g. "LowCardinality(String)".
  std::string name() const;

  /// Types are equal when they hold the same values shown the same way: zones and precisions count,
  /// a SimpleAggregateFunction spelling does not (SimpleAggregateFunction(max, UInt64) == UInt64),
  /// as ClickHouse treats it as a custom name.
  bool operator==(const DataType& other) const;

 private:
  struct Details;

  std::string plainName() const;

  TypeId id_;
  bool low_cardinality_ = false;
  std::shared_ptr<const DataType> nested_;
  // Parameters of the parameterised types; null for the others.
  std::shared_ptr<const Details> details_;
};

struct DataType::Details {
  std::string function;             // AggregateFunction / SimpleAggregateFunction
  std::string parameters;           // AggregateFunction
  std::vector<DataType> arguments;  // AggregateFunction
  bool simple_aggregate = false;    // spelled SimpleAggregateFunction(function, <this type>)
  std::string zone_name;            // DateTime / DateTime64, as written
  std::shared_ptr<const TimeZone> zone;  // zone_name resolved once, so printing a value is cheap
  unsigned precision = 0;           // DateTime64
  unsigned decimal_precision = 0;   // Decimal
  unsigned scale = 0;               // Decimal
  std::vector<DataType> elements;   // Tuple
  std::vector<std::string> names;   // Tuple (empty when unnamed)
};

}  // namespace perch
