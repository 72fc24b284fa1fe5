// plus, minus, multiply, divide, intDiv, modulo, negate, abs, bitAnd/bitOr/bitXor: ClickHouse result types
// (type_rules.h), operands converted to the result type once per batch (constants for free), then
// one tight same-type loop. Signed overflow wraps like ClickHouse instead of being UB.
#include <algorithm>
#include <cmath>
#include <functional>
#include <type_traits>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/decimal_functions.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"
#include "types/date_time.h"

namespace perch {

namespace {

template <typename T>
using Unsigned = std::conditional_t<std::is_integral_v<T>, std::make_unsigned<T>, std::type_identity<T>>::type;

struct PlusOp {
  template <typename T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<Unsigned<T>>(a) + static_cast<Unsigned<T>>(b));
    else return a + b;
  }
};
struct MinusOp {
  template <typename T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<Unsigned<T>>(a) - static_cast<Unsigned<T>>(b));
    else return a - b;
  }
};
struct MultiplyOp {
  template <typename T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, Unsigned<T>>;
      return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
    } else {
      return a * b;
    }
  }
};
struct DivideOp {
  template <typename T>
  static T apply(T a, T b) { return a / b; }
};
struct IntDivOp {
  template <typename T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) throwBadRequest("Division by zero in function intDiv");
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return MinusOp::apply<T>(0, a);
      }
      return static_cast<T>(a / b);
    } else {
      if (b == 0) throwBadRequest("Division by zero in function intDiv");
      return std::trunc(a / b);
    }
  }
};
struct ModuloOp {
  template <typename T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) throwBadRequest("Division by zero in function modulo");
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return 0;
      }
      return static_cast<T>(a % b);
    } else {
      return std::fmod(a, b);
    }
  }
};

// ClickHouse evaluates integer `a % b` and intDiv(a, b) with C++'s usual conversions (operands
// narrower than int promote to int, mixed signedness of equal width goes unsigned): UInt8 7 % Int8
// -3 is 1, not 7 % 253, and intDiv(UInt8 130, Int8 -7) is -18, not Int8(-126) / -7 = 18. The
// result is then converted to the declared result type.
DataType promotedComputeType(const DataType& a, const DataType& b) {
  auto promote = [](const DataType& type) { return type.fixedWidth() < 4 ? DataType(TypeId::kInt32) : type; };
  const DataType pa = promote(a), pb = promote(b);
  if (pa.isSigned() == pb.isSigned()) return pa.fixedWidth() >= pb.fixedWidth() ? pa : pb;
  const DataType& unsigned_type = pa.isSigned() ? pb : pa;
  const DataType& signed_type = pa.isSigned() ? pa : pb;
  return unsigned_type.fixedWidth() >= signed_type.fixedWidth() ? unsigned_type : signed_type;
}

template <typename Op>
Datum computeBinary(const Datum& a_in, const Datum& b_in, size_t rows, const DataType& compute, const DataType& result) {
  const Datum a = castDatum(a_in, compute);
  const Datum b = castDatum(b_in, compute);
  Datum out = dispatchFixed(compute, [&](auto tag) {
    using T = decltype(tag);
    return binaryLoop<T, T, T>(a, b, rows, compute, [](T x, T y) { return Op::template apply<T>(x, y); });
  });
  return compute == result ? out : castDatum(out, result);
}

template <typename Op>
FunctionDefinition arithmetic(const char* name, ArithmeticOp op) {
  FunctionDefinition definition;
  definition.resolve = [name, op](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    const DataType& a = args[0].type;
    const DataType& b = args[1].type;
    if (a.isDecimal() || b.isDecimal()) return resolveDecimalArithmetic(op, a, b, name);
    // DateTime64 +/- an integer adds whole seconds, as ClickHouse (addSeconds); the type is kept.
    if ((op == ArithmeticOp::kPlus || op == ArithmeticOp::kMinus) &&
        ((a.id() == TypeId::kDateTime64 && b.isInteger()) || (a.isInteger() && b.id() == TypeId::kDateTime64))) {
      const bool time_first = a.id() == TypeId::kDateTime64;
      if (!time_first && op == ArithmeticOp::kMinus) throwIllegalArgument(name, 1, b);
      const DataType result = time_first ? a : b;
      const int64_t ticks_per_second = powerOfTen(result.precision());
      return ResolvedFunction{result, [time_first, result, ticks_per_second](std::span<const Datum> call, size_t rows) {
                                const Datum& ticks = call[time_first ? 0 : 1];  // Int64 storage, read as it is
                                const Datum seconds = castDatum(call[time_first ? 1 : 0], DataType(TypeId::kInt64));
                                return binaryLoop<int64_t, int64_t, int64_t>(ticks, seconds, rows, result, [ticks_per_second](int64_t t, int64_t n) {
                                  return Op::template apply<int64_t>(t, MultiplyOp::apply<int64_t>(n, ticks_per_second));
                                });
                              }};
    }
    // Date/DateTime +/- a number keeps the date type.
    if ((op == ArithmeticOp::kPlus || op == ArithmeticOp::kMinus) && (isDateOrDateTime(a) || isDateOrDateTime(b)) &&
        !(isDateOrDateTime(a) && isDateOrDateTime(b))) {
      const bool date_first = isDateOrDateTime(a);
      if (!date_first && op == ArithmeticOp::kMinus) throwIllegalArgument(name, 1, b);
      const DataType& number = date_first ? b : a;
      if (!number.isInteger()) throwIllegalArgument(name, date_first ? 1 : 0, number);
      const DataType result = date_first ? a : b;
      return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                                return computeBinary<Op>(call[0], call[1], rows, DataType(TypeId::kInt64), result);
                              }};
    }
    const DataType result = arithmeticResultType(op, a, b, name);
    DataType compute = result;
    if (op == ArithmeticOp::kIntDiv && (removeNullable(a).isFloat() || removeNullable(b).isFloat())) {
      compute = DataType(TypeId::kFloat64);
    }
    if ((op == ArithmeticOp::kModulo || op == ArithmeticOp::kIntDiv) && removeNullable(a).isInteger() && removeNullable(b).isInteger()) {
      compute = promotedComputeType(removeNullable(a), removeNullable(b));
    }
    return ResolvedFunction{result, [compute, result](std::span<const Datum> call, size_t rows) {
                              return computeBinary<Op>(call[0], call[1], rows, compute, result);
                            }};
  };
  return definition;
}

FunctionDefinition negate() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("negate", args, 1, 1);
    const DataType& a = args[0].type;
    if (a.isDecimal()) return resolveDecimalNegate(a);
    if (!a.isNumber()) throwIllegalArgument("negate", 0, a);
    const DataType result = a.isFloat() ? a : integerType(true, a.isSigned() ? a.fixedWidth() : std::min<size_t>(a.fixedWidth() * 2, 8));
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              const Datum value = castDatum(call[0], result);
                              return dispatchFixed(result, [&](auto tag) {
                                using T = decltype(tag);
                                return unaryLoop<T, T>(value, rows, result, [](T x) {
                                  if constexpr (std::is_floating_point_v<T>) return -x;  // -0.0, as ClickHouse prints it
                                  else return MinusOp::apply<T>(0, x);
                                });
                              });
                            }};
  };
  return definition;
}

FunctionDefinition abs() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("abs", args, 1, 1);
    const DataType& a = args[0].type;
    if (a.isDecimal()) return resolveDecimalAbs(a);
    if (!a.isNumber()) throwIllegalArgument("abs", 0, a);
    const DataType result = a.isFloat() ? a : integerType(false, a.fixedWidth());
    return ResolvedFunction{result, [a, result](std::span<const Datum> call, size_t rows) {
                              return dispatchFixed(a, [&](auto tag) {
                                using A = decltype(tag);
                                return dispatchFixed(result, [&](auto result_tag) {
                                  using R = decltype(result_tag);
                                  if constexpr (std::is_floating_point_v<A> != std::is_floating_point_v<R>) {
                                    return Datum{};
                                  } else {
                                    return unaryLoop<R, A>(call[0], rows, result, [](A x) {
                                      if constexpr (std::is_floating_point_v<A>) return static_cast<R>(std::fabs(x));
                                      else if constexpr (std::is_signed_v<A>) return static_cast<R>(x < 0 ? R(0) - static_cast<R>(x) : static_cast<R>(x));
                                      else return static_cast<R>(x);
                                    });
                                  }
                                });
                              });
                            }};
  };
  return definition;
}

// Bitwise kernels; computeBinary instantiates them for every type, floats never reach them.
template <typename Bits>
struct BitwiseOp {
  template <typename T>
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(Bits{}(a, b));
    else return a;
  }
};
using BitAndOp = BitwiseOp<std::bit_and<>>;
using BitOrOp = BitwiseOp<std::bit_or<>>;
using BitXorOp = BitwiseOp<std::bit_xor<>>;

// bitAnd / bitOr / bitXor of two integers: signed when either is, as wide as the wider one
// (bitOr(UInt64 1, Int8 -1) is Int64 -1), computed in that type.
template <typename Op>
FunctionDefinition bitwise(const char* name) {
  FunctionDefinition definition;
  definition.resolve = [name](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    for (size_t i = 0; i < 2; ++i) {
      if (!args[i].type.isInteger()) throwIllegalArgument(name, i, args[i].type);
    }
    const DataType result = integerType(args[0].type.isSigned() || args[1].type.isSigned(),
                                        std::max(args[0].type.fixedWidth(), args[1].type.fixedWidth()));
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              return computeBinary<Op>(call[0], call[1], rows, result, result);
                            }};
  };
  return definition;
}

}  // namespace

void registerArithmeticFunctions(FunctionRegistry& registry) {
  registry.add("bitAnd", bitwise<BitAndOp>("bitAnd"));
  registry.add("bitOr", bitwise<BitOrOp>("bitOr"));
  registry.add("bitXor", bitwise<BitXorOp>("bitXor"));
  registry.add("plus", arithmetic<PlusOp>("plus", ArithmeticOp::kPlus));
  registry.add("minus", arithmetic<MinusOp>("minus", ArithmeticOp::kMinus));
  registry.add("multiply", arithmetic<MultiplyOp>("multiply", ArithmeticOp::kMultiply));
  registry.add("divide", arithmetic<DivideOp>("divide", ArithmeticOp::kDivide));
  registry.add("intDiv", arithmetic<IntDivOp>("intDiv", ArithmeticOp::kIntDiv));
  registry.add("modulo", arithmetic<ModuloOp>("modulo", ArithmeticOp::kModulo));
  registry.alias("mod", "modulo", true);
  registry.add("negate", negate());
  registry.add("abs", abs(), true);
}

}  // namespace perch
