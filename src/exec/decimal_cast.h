// Conversions into and out of Decimal(P, S), as ClickHouse 18.16 does them: integers scale up
// exactly, floats truncate value * 10^S toward zero, Decimal -> Decimal rescales (a smaller scale
// truncates), Decimal -> integer truncates toward zero, and every result that does not fit the
// target's storage throws "Decimal convert overflow" (18.16 silently wraps floats that are out of
// range or not finite; Perch throws for those too). Strings parse strictly (decimal.h).
// Dates and times do not convert to or from Decimal (18.16 refuses them as well).
// Stateless, thread-safe.
#pragma once

#include "exec/cast.h"

namespace perch {

/// Numbers, Bool and Decimals to Decimal `to`.
ColumnPtr castToDecimal(const Column& in, const DataType& to);
/// Decimal to a number type (integers, floats, Bool) or another Decimal.
ColumnPtr castFromDecimal(const Column& in, const DataType& to);
/// Strings parsed as Decimal `to`; failures throw, or become 0 / NULL (then the result is Nullable).
ColumnPtr parseDecimalColumn(const ColumnString& in, const DataType& to, ParseFailure on_failure);

}  // namespace perch
