// The per-row loops every scalar kernel is built from, written once: unary and binary loops over
// flat or constant operands with the operation inlined as a lambda or a small struct. Dispatch on
// the operand layout happens once per batch, outside the loop.
#pragma once

#include <vector>

#include "common/error.h"
#include "exec/datum.h"

namespace perch {

template <typename T>
const T* valuesOf(const Datum& datum) {
  return asVector<T>(*datum.column).data().data();
}

/// out[i] = fn(a[i]).
template <typename R, typename A, typename Fn>
Datum unaryLoop(const Datum& a, size_t rows, const DataType& result_type, Fn&& fn) {
  const size_t n = a.is_constant ? 1 : rows;
  std::vector<R> out(n);
  const A* in = valuesOf<A>(a);
  for (size_t i = 0; i < n; ++i) out[i] = fn(in[i]);
  return Datum{std::make_shared<ColumnVector<R>>(result_type, std::move(out)), a.is_constant};
}

/// out[i] = fn(a[i], b[i]) with either side possibly constant.
template <typename R, typename A, typename B, typename Fn>
Datum binaryLoop(const Datum& a, const Datum& b, size_t rows, const DataType& result_type, Fn&& fn) {
  const bool constant = a.is_constant && b.is_constant;
  const size_t n = constant ? 1 : rows;
  std::vector<R> out(n);
  const A* pa = valuesOf<A>(a);
  const B* pb = valuesOf<B>(b);
  R* po = out.data();
  if (constant) {
    po[0] = fn(pa[0], pb[0]);
  } else if (a.is_constant) {
    const A va = pa[0];
    for (size_t i = 0; i < n; ++i) po[i] = fn(va, pb[i]);
  } else if (b.is_constant) {
    const B vb = pb[0];
    for (size_t i = 0; i < n; ++i) po[i] = fn(pa[i], vb);
  } else {
    for (size_t i = 0; i < n; ++i) po[i] = fn(pa[i], pb[i]);
  }
  return Datum{std::make_shared<ColumnVector<R>>(result_type, std::move(out)), constant};
}

/// Calls fn(T{}) with the C++ type stored by a fixed-width `type`; throws for other types.
template <typename Fn>
decltype(auto) dispatchFixed(const DataType& type, Fn&& fn) {
  switch (type.id()) {
    case TypeId::kInt8: return fn(int8_t{});
    case TypeId::kInt16: return fn(int16_t{});
    case TypeId::kInt32: return fn(int32_t{});
    case TypeId::kInt64: case TypeId::kDateTime64: return fn(int64_t{});
    case TypeId::kUInt8: case TypeId::kBool: return fn(uint8_t{});
    case TypeId::kUInt16: case TypeId::kDate: return fn(uint16_t{});
    case TypeId::kUInt32: case TypeId::kDateTime: return fn(uint32_t{});
    case TypeId::kUInt64: return fn(uint64_t{});
    case TypeId::kFloat32: return fn(float{});
    case TypeId::kFloat64: return fn(double{});
    // Raw units of 10^-scale: callers that do arithmetic on them handle the scale (decimal_*.cpp).
    case TypeId::kDecimal:
      if (type.decimalPrecision() <= 9) return fn(int32_t{});
      if (type.decimalPrecision() <= 18) return fn(int64_t{});
      return fn(Int128{});
    default: break;
  }
  throwBadRequest("Type " + type.name() + " is not a number");
}

}  // namespace perch
