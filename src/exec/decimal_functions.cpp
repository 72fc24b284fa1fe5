#include "exec/decimal_functions.h"

#include <limits>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/kernel_loops.h"
#include "types/decimal.h"

namespace perch {

namespace {

[[noreturn]] void throwMathOverflow() { throwBadRequest("Decimal math overflow"); }

DecimalWide checkedMultiply(DecimalWide a, DecimalWide b) {
  DecimalWide result;
  if (__builtin_mul_overflow(a, b, &result)) throwMathOverflow();
  return result;
}

// Integer operands join the kernel as Int64 (their raw value at scale 0), Decimals as their storage.
DataType operandType(const DataType& type) { return type.isDecimal() ? type : DataType(TypeId::kInt64); }

// fn(T{}) with the storage integer of a Decimal or operandType (Int32, Int64 or Int128).
template <typename Fn>
decltype(auto) dispatchStorage(const DataType& type, Fn&& fn) {
  switch (type.fixedWidth()) {
    case 4: return fn(int32_t{});
    case 8: return fn(int64_t{});
    default: return fn(Int128{});
  }
}

// fn(A{}, B{}) with the storage integers of two operand types.
template <typename Fn>
decltype(auto) dispatchOperands(const DataType& a, const DataType& b, Fn&& fn) {
  return dispatchStorage(a, [&](auto tag_a) { return dispatchStorage(b, [&](auto tag_b) { return fn(tag_a, tag_b); }); });
}

// How one operand's raw value enters the operation: multiplied by `factor` first.
struct DecimalPlan {
  ArithmeticOp op;
  DecimalWide factor_a = 1;
  DecimalWide factor_b = 1;
  DataType result;
};

DecimalPlan planArithmetic(ArithmeticOp op, const DataType& a, const DataType& b, const DataType& result) {
  DecimalPlan plan{op, 1, 1, result};
  const unsigned scale_a = a.scale(), scale_b = b.scale();  // 0 for integers
  switch (op) {
    case ArithmeticOp::kPlus:
    case ArithmeticOp::kMinus:
      // An integer takes the Decimal's scale; both sides meet at the result's scale.
      plan.factor_a = decimalPowerOfTen(result.scale() - scale_a);
      plan.factor_b = decimalPowerOfTen(result.scale() - scale_b);
      break;
    case ArithmeticOp::kDivide:
      // a * 10^Sb / b keeps a's scale; an integer dividend takes the divisor's scale first
      // (1 / 3.00 is 0.33 in ClickHouse 18.16).
      plan.factor_a = decimalPowerOfTen(scale_b) * (a.isDecimal() ? 1 : decimalPowerOfTen(scale_b));
      break;
    default: break;  // multiply: raw * raw has scale Sa + Sb
  }
  return plan;
}

template <typename R>
R applyPlan(const DecimalPlan& plan, DecimalWide a, DecimalWide b) {
  const DecimalWide x = checkedMultiply(a, plan.factor_a);
  const DecimalWide y = checkedMultiply(b, plan.factor_b);
  DecimalWide value = 0;
  switch (plan.op) {
    case ArithmeticOp::kPlus:
      if (__builtin_add_overflow(x, y, &value)) throwMathOverflow();
      break;
    case ArithmeticOp::kMinus:
      if (__builtin_sub_overflow(x, y, &value)) throwMathOverflow();
      break;
    case ArithmeticOp::kMultiply: value = checkedMultiply(x, y); break;
    case ArithmeticOp::kDivide:
      if (y == 0) throwBadRequest("Division by zero");
      if (y == -1 && x == std::numeric_limits<DecimalWide>::min()) throwMathOverflow();
      value = x / y;
      break;
    default: break;
  }
  if (value < std::numeric_limits<R>::min() || value > std::numeric_limits<R>::max()) throwMathOverflow();
  return static_cast<R>(value);
}

}  // namespace

ResolvedFunction resolveDecimalArithmetic(ArithmeticOp op, const DataType& a, const DataType& b, std::string_view function) {
  const DataType result = decimalArithmeticResultType(op, a, b, function);
  const DataType type_a = operandType(a), type_b = operandType(b);
  const DecimalPlan plan = planArithmetic(op, a, b, result);
  return ResolvedFunction{result, [plan, type_a, type_b](std::span<const Datum> call, size_t rows) {
                            const Datum left = castDatum(call[0], type_a);
                            const Datum right = castDatum(call[1], type_b);
                            return dispatchOperands(type_a, type_b, [&](auto tag_a, auto tag_b) {
                              using A = decltype(tag_a);
                              using B = decltype(tag_b);
                              const auto loop = [&](auto tag_r) {
                                using R = decltype(tag_r);
                                return binaryLoop<R, A, B>(left, right, rows, plan.result, [&plan](A x, B y) {
                                  return applyPlan<R>(plan, x, y);
                                });
                              };
                              return dispatchStorage(plan.result, loop);
                            });
                          }};
}

namespace {

template <typename Fn>
ResolvedFunction decimalUnary(const DataType& type, Fn fn) {
  return ResolvedFunction{type, [type, fn](std::span<const Datum> call, size_t rows) {
                            return dispatchFixed(type, [&](auto tag) {
                              using T = decltype(tag);
                              if constexpr (std::is_floating_point_v<T>) {
                                return Datum{};  // unreachable: Decimal storage is integral
                              } else {
                                return unaryLoop<T, T>(call[0], rows, type, [&fn](T x) {
                                  if (static_cast<DecimalWide>(x) == std::numeric_limits<DecimalWide>::min()) throwMathOverflow();
                                  const DecimalWide value = fn(static_cast<DecimalWide>(x));
                                  if (value > std::numeric_limits<T>::max()) throwMathOverflow();
                                  return static_cast<T>(value);
                                });
                              }
                            });
                          }};
}

}  // namespace

ResolvedFunction resolveDecimalNegate(const DataType& type) {
  return decimalUnary(type, [](DecimalWide x) { return -x; });
}

ResolvedFunction resolveDecimalAbs(const DataType& type) {
  return decimalUnary(type, [](DecimalWide x) { return x < 0 ? -x : x; });
}

ResolvedFunction resolveDecimalComparison(const DataType& a, const DataType& b, std::string_view function, bool (*accept)(int)) {
  const auto operand = [](const DataType& type) { return type.isDecimal() || type.isInteger() || type.id() == TypeId::kBool; };
  if (!operand(a) || !operand(b)) {
    throwBadRequest("No operation " + std::string(function) + " between " + a.name() + " and " + b.name());
  }
  // Both sides meet at the larger scale in 128 bits, so no scale or width loses a digit.
  const unsigned scale = std::max(a.scale(), b.scale());
  const DecimalWide factor_a = decimalPowerOfTen(scale - a.scale());
  const DecimalWide factor_b = decimalPowerOfTen(scale - b.scale());
  const DataType type_a = operandType(a), type_b = operandType(b);
  const DataType result(TypeId::kUInt8);
  return ResolvedFunction{result, [=](std::span<const Datum> call, size_t rows) {
                            const Datum left = castDatum(call[0], type_a);
                            const Datum right = castDatum(call[1], type_b);
                            return dispatchOperands(type_a, type_b, [&](auto tag_a, auto tag_b) {
                              using A = decltype(tag_a);
                              using B = decltype(tag_b);
                              return binaryLoop<uint8_t, A, B>(left, right, rows, result, [&](A x, B y) -> uint8_t {
                                const DecimalWide wx = checkedMultiply(x, factor_a);
                                const DecimalWide wy = checkedMultiply(y, factor_b);
                                return accept(wx < wy ? -1 : wx > wy ? 1 : 0);
                              });
                            });
                          }};
}

}  // namespace perch
