// equals, notEquals, less, greater, lessOrEquals, greaterOrEquals with ClickHouse semantics:
// a string literal compared with a Date/DateTime/number is converted to that type once at bind
// time; mixed signed/unsigned integers compare mathematically (std::cmp_*); a constant that fits
// the column's type is converted to it so the hot loop compares one type. Result: UInt8.
#include <cstring>
#include <utility>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/decimal_functions.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

template <typename A, typename B>
constexpr bool kIntegerPair = std::is_integral_v<A> && std::is_integral_v<B>;

struct EqualsOp {
  template <typename A, typename B>
  static bool apply(A a, B b) { if constexpr (kIntegerPair<A, B>) return std::cmp_equal(a, b); else return a == b; }
  static bool fromOrder(int order) { return order == 0; }
};
struct NotEqualsOp {
  template <typename A, typename B>
  static bool apply(A a, B b) { if constexpr (kIntegerPair<A, B>) return std::cmp_not_equal(a, b); else return a != b; }
  static bool fromOrder(int order) { return order != 0; }
};
struct LessOp {
  template <typename A, typename B>
  static bool apply(A a, B b) { if constexpr (kIntegerPair<A, B>) return std::cmp_less(a, b); else return a < b; }
  static bool fromOrder(int order) { return order < 0; }
};
struct GreaterOp {
  template <typename A, typename B>
  static bool apply(A a, B b) { if constexpr (kIntegerPair<A, B>) return std::cmp_greater(a, b); else return a > b; }
  static bool fromOrder(int order) { return order > 0; }
};
struct LessOrEqualsOp {
  template <typename A, typename B>
  static bool apply(A a, B b) { if constexpr (kIntegerPair<A, B>) return std::cmp_less_equal(a, b); else return a <= b; }
  static bool fromOrder(int order) { return order <= 0; }
};
struct GreaterOrEqualsOp {
  template <typename A, typename B>
  static bool apply(A a, B b) { if constexpr (kIntegerPair<A, B>) return std::cmp_greater_equal(a, b); else return a >= b; }
  static bool fromOrder(int order) { return order >= 0; }
};

const DataType kUInt8Type{TypeId::kUInt8};

template <typename Op>
Datum compareStrings(const Datum& a, const Datum& b, size_t rows) {
  const auto& left = asString(*a.column);
  const auto& right = asString(*b.column);
  const bool constant = a.is_constant && b.is_constant;
  const size_t n = constant ? 1 : rows;
  std::vector<uint8_t> out(n);
  constexpr bool kEquality = std::is_same_v<Op, EqualsOp> || std::is_same_v<Op, NotEqualsOp>;
  if (kEquality && (a.is_constant != b.is_constant)) {
    // column = 'literal': compare lengths first, then bytes; offsets walked directly.
    const ColumnString& column = a.is_constant ? right : left;
    const std::string_view value = (a.is_constant ? left : right).at(0);
    const uint64_t* offsets = column.offsets().data();
    const char* chars = column.chars().data();
    const size_t length = value.size();
    uint64_t begin = 0;
    constexpr bool kWantEqual = std::is_same_v<Op, EqualsOp>;
    if (length > 0 && length <= 8) {
      // Short literals (ids, codes, types): one masked 8-byte load per row, no memcmp call. The
      // load may read past the row into the next ones; only the last rows near the end of the
      // buffer fall back to memcmp.
      uint64_t target = 0;
      std::memcpy(&target, value.data(), length);
      const uint64_t mask = length == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * length)) - 1;
      const char* limit = chars + column.chars().size();
      for (size_t i = 0; i < n; ++i) {
        const uint64_t end = offsets[i];
        const char* data = chars + begin;
        bool equal;
        if (data + 8 <= limit) {
          uint64_t word;
          std::memcpy(&word, data, 8);
          equal = (end - begin == length) & ((word & mask) == target);
        } else {
          equal = end - begin == length && std::memcmp(data, value.data(), length) == 0;
        }
        out[i] = equal == kWantEqual;
        begin = end;
      }
      return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), constant};
    }
    // Length, then last and first byte, reject most rows before memcmp (values often share a prefix).
    const char last = length ? value[length - 1] : '\0';
    const char first = length ? value[0] : '\0';
    for (size_t i = 0; i < n; ++i) {
      const uint64_t end = offsets[i];
      const bool equal = end - begin == length &&
                         (length == 0 || (chars[end - 1] == last && chars[begin] == first &&
                                          std::memcmp(chars + begin, value.data(), length) == 0));
      out[i] = equal == kWantEqual;
      begin = end;
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const std::string_view x = left.at(a.is_constant ? 0 : i);
      const std::string_view y = right.at(b.is_constant ? 0 : i);
      const int order = x.compare(y);
      out[i] = Op::fromOrder(order);
    }
  }
  return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), constant};
}

template <typename Op, typename A, typename B>
Datum compareNumbers(const Datum& a, const Datum& b, size_t rows) {
  return binaryLoop<uint8_t, A, B>(a, b, rows, kUInt8Type, [](A x, B y) -> uint8_t { return Op::template apply<A, B>(x, y); });
}

double numericValue(const Column& column) {
  return dispatchFixed(column.type(), [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(asVector<T>(column).data()[0]);
  });
}

// True when the 1-row numeric `constant` converts to `type` without changing its value.
bool fitsExactly(const ColumnPtr& constant, const DataType& type) {
  if (isDateOrTime(type) || type.id() == TypeId::kBool || constant->type().id() == TypeId::kDateTime64) return false;
  ColumnPtr converted = castColumn(constant, type);
  ColumnPtr back = castColumn(converted, constant->type());
  return numericValue(*converted) == numericValue(*constant) && numericValue(*back) == numericValue(*constant);
}

// The type whose C++ representation the kernel loops over: DateTime64 ticks are Int64.
DataType physicalType(const DataType& type) {
  return type.id() == TypeId::kDateTime64 ? DataType(TypeId::kInt64) : type;
}

// Dates and times compare as instants: Date, DateTime and DateTime64 meet in their common type
// (a Date is midnight in the other side's zone), and a number against a DateTime64 is seconds.
void unifyDateTimes(DataType& a, DataType& b) {
  if (isDateOrTime(a) && isDateOrTime(b)) {
    if (a.id() == TypeId::kDateTime && b.id() == TypeId::kDateTime) return;  // zones do not change instants
    if (!(a == b)) {
      const DataType both[] = {a, b};
      a = b = leastSupertype(both, "comparison");
    }
    return;
  }
  if (a.id() == TypeId::kDateTime64 && b.isNumber()) b = a;
  if (b.id() == TypeId::kDateTime64 && a.isNumber()) a = b;
}

DataType wideType(const DataType& type) {
  if (type.isFloat()) return DataType(TypeId::kFloat64);
  if (type.isSigned()) return DataType(TypeId::kInt64);
  return DataType(TypeId::kUInt64);
}

template <typename Op>
FunctionDefinition comparison(const char* name) {
  FunctionDefinition definition;
  definition.resolve = [name](std::span<const ArgumentInfo> args, const FunctionContext&) -> ResolvedFunction {
    checkArgumentCount(name, args, 2, 2);
    DataType a = args[0].type;
    DataType b = args[1].type;
    ColumnPtr constant_a = args[0].constant;
    ColumnPtr constant_b = args[1].constant;
    if (a.isStringLike() && b.isStringLike()) {
      return ResolvedFunction{kUInt8Type, [](std::span<const Datum> call, size_t rows) {
                                return compareStrings<Op>(call[0], call[1], rows);
                              }};
    }
    if (a.isDecimal() || b.isDecimal()) {
      // A string side (a literal, usually) is read as the other side's Decimal type.
      return resolveDecimalComparison(a.isStringLike() ? b : a, b.isStringLike() ? a : b, name, &Op::fromOrder);
    }
    if (!isNumeric(a) && !a.isStringLike()) throwIllegalArgument(name, 0, a);
    if (!isNumeric(b) && !b.isStringLike()) throwIllegalArgument(name, 1, b);
    // A string side is converted to the other side's type (literals once, here).
    DataType target_a = a, target_b = b;
    if (a.isStringLike()) target_a = b;
    if (b.isStringLike()) target_b = a;
    unifyDateTimes(target_a, target_b);
    if (constant_a && !(target_a == a)) constant_a = castColumn(constant_a, target_a);
    if (constant_b && !(target_b == b)) constant_b = castColumn(constant_b, target_b);
    // Prefer comparing in the column's own type when the constant fits it exactly.
    const bool same_physical = target_a.fixedWidth() == target_b.fixedWidth() && target_a.isFloat() == target_b.isFloat() &&
                               (target_a.isSigned() == target_b.isSigned());
    if (!same_physical) {
      if (constant_b && !constant_a && fitsExactly(constant_b, target_a)) {
        target_b = target_a;
        constant_b = castColumn(constant_b, target_a);
      } else if (constant_a && !constant_b && fitsExactly(constant_a, target_b)) {
        target_a = target_b;
        constant_a = castColumn(constant_a, target_b);
      } else if (target_a.isFloat() || target_b.isFloat()) {
        target_a = target_b = DataType(TypeId::kFloat64);
      } else {
        target_a = wideType(target_a);
        target_b = wideType(target_b);
      }
    }
    FunctionKernel kernel = [target_a, target_b, constant_a, constant_b](std::span<const Datum> call, size_t rows) {
      const Datum left = constant_a && call[0].is_constant && constant_a->type() == target_a ? Datum::constant(constant_a)
                                                                                             : castDatum(call[0], target_a);
      const Datum right = constant_b && call[1].is_constant && constant_b->type() == target_b ? Datum::constant(constant_b)
                                                                                              : castDatum(call[1], target_b);
      return dispatchFixed(physicalType(target_a), [&](auto tag_a) {
        using A = decltype(tag_a);
        return dispatchFixed(physicalType(target_b), [&](auto tag_b) {
          using B = decltype(tag_b);
          constexpr bool kSame = std::is_same_v<A, B>;
          constexpr bool kWide = (std::is_same_v<A, int64_t> || std::is_same_v<A, uint64_t>) &&
                                 (std::is_same_v<B, int64_t> || std::is_same_v<B, uint64_t>);
          if constexpr (kSame || kWide) {
            return compareNumbers<Op, A, B>(left, right, rows);
          } else {
            return Datum{};  // unreachable: the resolver only produces same or wide pairs
          }
        });
      });
    };
    return ResolvedFunction{kUInt8Type, std::move(kernel)};
  };
  return definition;
}

}  // namespace

void registerComparisonFunctions(FunctionRegistry& registry) {
  registry.add("equals", comparison<EqualsOp>("equals"));
  registry.add("notEquals", comparison<NotEqualsOp>("notEquals"));
  registry.add("less", comparison<LessOp>("less"));
  registry.add("greater", comparison<GreaterOp>("greater"));
  registry.add("lessOrEquals", comparison<LessOrEqualsOp>("lessOrEquals"));
  registry.add("greaterOrEquals", comparison<GreaterOrEqualsOp>("greaterOrEquals"));
}

}  // namespace perch
