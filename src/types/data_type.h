// DataType: a ClickHouse data type as Perch knows it, and its physical layout.
//
// Logical types keep ClickHouse's spelling (`LowCardinality(String)`, `DateTime`, ...). Every type
// maps to one physical column class (see column.h):
//   Int8..Int64, UInt8..UInt64, Float32/64  -> ColumnVector<T> of the same C++ type
//   Bool                                    -> ColumnVector<uint8_t> (0/1)
//   Date                                    -> ColumnVector<uint16_t> (days since 1970-01-01)
//   DateTime                                -> ColumnVector<uint32_t> (seconds since epoch, UTC)
//   String, LowCardinality(String), UUID    -> ColumnString (UUID as canonical lower-case text;
//                                              a 128-bit layout comes with the wider type work)
//   Nullable(T)                             -> ColumnNullable over T's column
//   Array(T)                                -> ColumnArray over T's column
//   AggregateFunction(f, T...)              -> ColumnString, one opaque serialized state per row
//   SimpleAggregateFunction(f, T)           -> exactly T (only the printed name differs)
// DataType values are immutable and cheap to copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace perch {

enum class TypeId : uint8_t {
  kInt8, kInt16, kInt32, kInt64,
  kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat32, kFloat64,
  kBool, kString, kDate, kDateTime, kUUID,
  kNullable, kArray,
  kNothing,  // the type of a bare NULL literal
  kAggregateFunction,
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

  /// AggregateFunction: the function name (with combinators, e.g. `uniqIf`), its parameter text
  /// (`0.5, 0.9` for `quantiles(0.5, 0.9)`, empty if none) and its argument types.
  /// SimpleAggregateFunction: the function name; parameters and arguments are empty.
  /// Empty for every other type.
  const std::string& aggregateFunctionName() const;
  const std::string& aggregateFunctionParameters() const;
  const std::vector<DataType>& aggregateFunctionArguments() const;
  /// True for a type read from `SimpleAggregateFunction(f, T)`.
  bool isSimpleAggregateFunction() const;
  /// Size in bytes of one value for fixed-width types; 0 for String/UUID/Nullable/Array.
  size_t fixedWidth() const;

  /// The ClickHouse name, e.g. "LowCardinality(String)".
  std::string name() const;

  /// Types are equal when they hold the same values: a SimpleAggregateFunction spelling is ignored
  /// (SimpleAggregateFunction(max, UInt64) == UInt64), as ClickHouse treats it as a custom name.
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
};

}  // namespace perch
