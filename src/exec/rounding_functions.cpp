// round, floor, ceil (ceiling), trunc (truncate) with an optional constant number of decimal
// places, and greatest / least. Semantics follow ClickHouse 18.16 as observed on the oracle:
// - The result type is the argument's type. Floats: x * 10^N is rounded (half away from zero for
//   round) and divided back; N < 0 divides first. A scale beyond Float64's range leaves the value
//   as it is (N > 0) or makes it 0 (N < 0).
// - Integers: N >= 0 returns the value; N < 0 rounds to a multiple of 10^-N. Like ClickHouse, a
//   negative value is rounded as the negation of its absolute value, and the arithmetic wraps in
//   the C++ promoted type before the result is converted back (round(toUInt8(255), -1) is 4).
// - greatest(a, b, ...) / least(a, b, ...): numbers, dates and times, compared in the arguments'
//   least common supertype (ClickHouse 18.16 takes exactly two numbers; current ClickHouse takes
//   any count, which is what Perch accepts). Strings are refused, as in 18.16.
// - Decimals keep their type: the raw value is rounded to a multiple of 10^(S - N) when N < S
//   (round: half away from zero), computed in 128 bits; a result past the storage is "Decimal math
//   overflow". greatest/least of Decimals compare in the common Decimal type (the larger scale).
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"
#include "types/decimal.h"

namespace perch {

namespace {

enum class RoundingMode { kRound, kFloor, kCeil, kTrunc };

template <RoundingMode mode>
double roundFloat(double x) {
  if constexpr (mode == RoundingMode::kRound) return std::round(x);
  else if constexpr (mode == RoundingMode::kFloor) return std::floor(x);
  else if constexpr (mode == RoundingMode::kCeil) return std::ceil(x);
  else return std::trunc(x);
}

template <RoundingMode mode, typename T>
T roundFloatScaled(T x, int64_t places, double scale) {
  if (places == 0) return static_cast<T>(roundFloat<mode>(x));
  if (places > 0) {
    if (!std::isfinite(scale)) return x;
    return static_cast<T>(roundFloat<mode>(x * scale) / scale);
  }
  if (!std::isfinite(scale)) return T(0);
  return static_cast<T>(roundFloat<mode>(x / scale) * scale);
}

// Integer rounding to a multiple of `scale` (> 1), in the C++ promoted type of T with wrapping
// arithmetic (ClickHouse's IntegerRoundingComputation, which relies on the same promotions).
template <RoundingMode mode, typename T>
T roundInteger(T x, T scale) {
  using P = std::common_type_t<T, int>;
  using U = std::make_unsigned_t<P>;
  auto add = [](P a, P b) { return static_cast<P>(static_cast<U>(a) + static_cast<U>(b)); };
  auto sub = [](P a, P b) { return static_cast<P>(static_cast<U>(a) - static_cast<U>(b)); };
  const P s = static_cast<P>(scale);
  if constexpr (mode == RoundingMode::kTrunc) {
    return static_cast<T>(static_cast<P>(x) / s * s);
  } else if constexpr (mode == RoundingMode::kFloor) {
    P v = static_cast<P>(x);
    if (v < 0) v = sub(v, s - 1);
    return static_cast<T>(v / s * s);
  } else if constexpr (mode == RoundingMode::kCeil) {
    P v = static_cast<P>(x);
    if (v >= 0) v = add(v, s - 1);
    return static_cast<T>(v / s * s);
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (x < 0) {
        const T magnitude = static_cast<T>(static_cast<std::make_unsigned_t<T>>(0) - static_cast<std::make_unsigned_t<T>>(x));
        return static_cast<T>(sub(0, add(static_cast<P>(magnitude), s / 2) / s * s));
      }
    }
    return static_cast<T>(add(static_cast<P>(x), s / 2) / s * s);
  }
}

// 10^n as T, or 0 when it does not fit (the value then rounds to 0).
template <typename T>
T integerPowerOfTen(int64_t n) {
  T value = 1;
  for (int64_t i = 0; i < n; ++i) {
    if (value > std::numeric_limits<T>::max() / 10) return 0;
    value = static_cast<T>(value * 10);
  }
  return value;
}

// A Decimal's raw value rounded to a multiple of `step` (10^(S - N), > 1), in 128 bits.
template <RoundingMode mode>
DecimalWide roundDecimal(DecimalWide x, DecimalWide step) {
  DecimalWide quotient = x / step;
  const DecimalWide remainder = x % step;
  if constexpr (mode == RoundingMode::kFloor) {
    if (remainder < 0) --quotient;
  } else if constexpr (mode == RoundingMode::kCeil) {
    if (remainder > 0) ++quotient;
  } else if constexpr (mode == RoundingMode::kRound) {
    const DecimalWide twice = remainder < 0 ? -2 * remainder : 2 * remainder;  // |remainder| < step <= 10^38
    if (twice >= step) quotient += x < 0 ? -1 : 1;
  }
  DecimalWide result;
  if (__builtin_mul_overflow(quotient, step, &result)) throwBadRequest("Decimal math overflow");
  return result;
}

template <RoundingMode mode>
ResolvedFunction roundingDecimal(const DataType& type, int64_t places) {
  const int64_t digits = static_cast<int64_t>(type.scale()) - places;  // rounded-away digits
  if (digits <= 0) {
    return ResolvedFunction{type, [](std::span<const Datum> call, size_t) { return call[0]; }};
  }
  // Past 38 digits every value rounds to 0 (a 10^38 step is beyond any Decimal's digits).
  const DecimalWide step = decimalPowerOfTen(static_cast<unsigned>(std::min<int64_t>(digits, 38)));
  return ResolvedFunction{type, [type, step](std::span<const Datum> call, size_t rows) {
                            return dispatchFixed(type, [&](auto tag) {
                              using T = decltype(tag);
                              if constexpr (std::is_floating_point_v<T>) {
                                return Datum{};  // unreachable: Decimal storage is integral
                              } else {
                                return unaryLoop<T, T>(call[0], rows, type, [&type, step](T x) {
                                  const DecimalWide value = roundDecimal<mode>(x, step);
                                  if (!decimalFits(value, type)) throwBadRequest("Decimal math overflow");
                                  return static_cast<T>(value);
                                });
                              }
                            });
                          }};
}

template <RoundingMode mode>
FunctionDefinition rounding(const char* name) {
  FunctionDefinition definition;
  definition.resolve = [name](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 2);
    const DataType& type = args[0].type;
    if (!type.isNumber() && !type.isDecimal()) throwIllegalArgument(name, 0, type);
    int64_t places = 0;
    if (args.size() == 2) {
      if (!args[1].constant || !args[1].type.isInteger()) {
        throwBadRequest("Scale argument for rounding function " + std::string(name) + " must be a constant integer");
      }
      places = asVector<int64_t>(*castColumn(args[1].constant, DataType(TypeId::kInt64))).data()[0];
    }
    if (type.isDecimal()) return roundingDecimal<mode>(type, places);
    const double float_scale = std::pow(10.0, static_cast<double>(places < 0 ? -places : places));
    return ResolvedFunction{type, [type, places, float_scale](std::span<const Datum> call, size_t rows) {
                              return dispatchFixed(type, [&](auto tag) {
                                using T = decltype(tag);
                                if constexpr (std::is_floating_point_v<T>) {
                                  return unaryLoop<T, T>(call[0], rows, type, [places, float_scale](T x) {
                                    return roundFloatScaled<mode, T>(x, places, float_scale);
                                  });
                                } else if constexpr (std::is_integral_v<T> && sizeof(T) <= 8) {
                                  if (places >= 0) return unaryLoop<T, T>(call[0], rows, type, [](T x) { return x; });
                                  const T scale = integerPowerOfTen<T>(-places);
                                  if (scale == 0) return unaryLoop<T, T>(call[0], rows, type, [](T) { return T(0); });
                                  return unaryLoop<T, T>(call[0], rows, type, [scale](T x) { return roundInteger<mode, T>(x, scale); });
                                } else {
                                  return Datum{};  // not a number type: refused at resolve time
                                }
                              });
                            }};
  };
  return definition;
}

bool orderable(const DataType& type) { return type.isNumber() || isDateOrTime(type); }

// greatest/least's result type: the least common supertype, except that Decimals meet as in
// ClickHouse 18.16 — the widest storage class with the largest scale, integers taking that type
// (greatest(toDecimal64(1, 2), toInt64(3)) is Decimal(18, 2)).
DataType extremumType(std::span<const DataType> types, const char* name) {
  unsigned precision = 0, scale = 0;
  for (const DataType& type : types) {
    if (!type.isDecimal()) continue;
    precision = std::max(precision, decimalClassPrecision(type));
    scale = std::max(scale, type.scale());
  }
  if (precision == 0) return leastSupertype(types, "arguments of " + std::string(name));
  for (size_t i = 0; i < types.size(); ++i) {
    if (!types[i].isDecimal() && !types[i].isInteger()) {
      throwBadRequest("No common type for " + std::string(name) + " of " + types[0].name() + " and " + types[i].name());
    }
  }
  return DataType::decimal(precision, scale);
}

template <bool greatest>
FunctionDefinition extremum(const char* name) {
  FunctionDefinition definition;
  definition.resolve = [name](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 64);
    std::vector<DataType> types;
    for (size_t i = 0; i < args.size(); ++i) {
      if (!orderable(args[i].type) && !args[i].type.isDecimal()) throwIllegalArgument(name, i, args[i].type);
      types.push_back(args[i].type);
    }
    const DataType result = extremumType(types, name);
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              Datum acc = castDatum(call[0], result);
                              for (size_t i = 1; i < call.size(); ++i) {
                                const Datum next = castDatum(call[i], result);
                                acc = dispatchFixed(result, [&](auto tag) {
                                  using T = decltype(tag);
                                  return binaryLoop<T, T, T>(acc, next, rows, result, [](T a, T b) {
                                    // ClickHouse's `a > b ? a : b`: with a NaN the second argument wins.
                                    if constexpr (greatest) return a > b ? a : b;
                                    else return a < b ? a : b;
                                  });
                                });
                              }
                              return acc;
                            }};
  };
  return definition;
}

}  // namespace

void registerRoundingFunctions(FunctionRegistry& registry) {
  registry.add("round", rounding<RoundingMode::kRound>("round"), true);
  registry.add("floor", rounding<RoundingMode::kFloor>("floor"), true);
  registry.add("ceil", rounding<RoundingMode::kCeil>("ceil"), true);
  registry.alias("ceiling", "ceil", true);
  registry.add("trunc", rounding<RoundingMode::kTrunc>("trunc"), true);
  registry.alias("truncate", "trunc", true);
  registry.add("greatest", extremum<true>("greatest"), true);
  registry.add("least", extremum<false>("least"), true);
}

}  // namespace perch
