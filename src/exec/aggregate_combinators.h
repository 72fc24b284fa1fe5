// Aggregate function combinators: the suffixes that turn an aggregate function into another one
// (ClickHouse's AggregateFunctionCombinatorFactory), and the Nullable adapter every function gets
// for Nullable arguments.
//
//   fIf(args..., cond)   only rows whose condition is non-zero and not NULL;
//   fState(args)         the serialized state, an AggregateFunction(f, types of args) value;
//   fMerge(states)       f's result over AggregateFunction(f, ...) values (with fMerge's own
//                        parameters, as in ClickHouse);
//   fMergeState(states)  the merged state, of the argument's type (State over Merge);
//   fSimpleState(args)   f's result typed SimpleAggregateFunction(f, result type).
// Combinators nest by peeling the last suffix first, as in ClickHouse: `sumIfState(x, c)` is
// State(sumIf) and its type is AggregateFunction(sumIf, T, UInt8); `sumStateIf(x, c)` is
// If(sumState) and its type is AggregateFunction(sum, T).
#pragma once

#include <span>
#include <string_view>

#include "exec/aggregate_function.h"

namespace perch {

/// `name` without its last combinator suffix, or "" when it ends with none.
std::string_view stripAggregateCombinator(std::string_view name);

/// Creates `name(parameters)(args)` for a name that ends with a combinator suffix; the function
/// it combines is created by createAggregateFunction. Throws kBadRequest for illegal arguments.
AggregateFunctionPtr createCombinedAggregateFunction(std::string_view name, std::span<const DataType> arg_types,
                                                     std::span<const ColumnPtr> parameters);

/// Skips rows where any argument is NULL; with `nullable_result` the result is NULL when no row
/// was added (sum, min, max, avg...), otherwise the inner result is used as is (count, uniq).
AggregateFunctionPtr makeNullableAdapter(AggregateFunctionPtr inner, bool nullable_result);

}  // namespace perch
