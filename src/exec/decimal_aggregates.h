// sum and avg over Decimal(P, S), as ClickHouse: both return Decimal(38, S); the sum accumulates in
// 128 bits and avg is that sum divided by the count, truncated toward zero. Perch's Decimal(38, S)
// is stored in 64 bits for now (data_type.h), so a result past Int64 throws "Decimal math
// overflow" when it is produced. avg over no rows is 0 (ClickHouse 18.16 throws there).
// min/max/any/argMin/argMax/uniq/groupArray need nothing Decimal-specific: they work on the
// storage integer, which orders and compares like the value within one type.
#pragma once

#include "exec/aggregate_function.h"

namespace perch {

AggregateFunctionPtr makeDecimalSum(const DataType& type);
AggregateFunctionPtr makeDecimalAvg(const DataType& type);

}  // namespace perch
