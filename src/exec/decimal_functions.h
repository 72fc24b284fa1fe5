// Decimal kernels for the scalar function families that own the names (arithmetic_functions.cpp,
// comparison_functions.cpp): they call these when an argument is a Decimal. Types follow
// type_rules.h (decimalArithmeticResultType); values are computed in 128 bits and a result that
// does not fit the result's storage throws "Decimal math overflow", as ClickHouse 18.16 does.
// Resolved kernels are immutable and thread-safe.
#pragma once

#include "exec/function_registry.h"
#include "exec/type_rules.h"

namespace perch {

/// plus/minus/multiply/divide with a Decimal operand (the other a Decimal or an integer).
ResolvedFunction resolveDecimalArithmetic(ArithmeticOp op, const DataType& a, const DataType& b, std::string_view function);
/// negate(x) and abs(x) for a Decimal x: the same type.
ResolvedFunction resolveDecimalNegate(const DataType& type);
ResolvedFunction resolveDecimalAbs(const DataType& type);

/// Comparison of a Decimal with a Decimal (any scales) or an integer: `order(a, b)` is <0, 0, >0 and
/// the kernel returns UInt8 `accept(order)`. Floats are refused as in 18.16 ("No operation").
ResolvedFunction resolveDecimalComparison(const DataType& a, const DataType& b, std::string_view function, bool (*accept)(int));

}  // namespace perch
