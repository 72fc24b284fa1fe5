// Higher-order array functions (arrayMap, arrayFilter, arrayExists, ...): the functions whose
// first argument may be a lambda `x -> expr`. The binder evaluates the lambda body once per batch
// over all array elements at once (captured outer columns are replicated per element); what
// remains for the function is to combine the arrays and the body's values into its result.
//
// Also the value helpers other array code shares: equality keys and ordering of column values.
// Definitions are immutable statics; safe to use from any thread.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "exec/datum.h"

namespace perch {

struct HigherOrderFunction {
  bool lambda_required = true;  // false: without a lambda the body is the first array's elements
  /// The result type for the array argument types and the body type (the element type of the
  /// first array when there is no lambda); throws kBadRequest for illegal types.
  std::function<DataType(std::string_view name, std::span<const DataType> arrays, const DataType& body)> result_type;
  /// One batch: `arrays` are full columns of equal row count whose rows have equal lengths;
  /// `body` holds one value per element of those rows.
  std::function<ColumnPtr(std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result)> execute;
};

/// The higher-order function `name`, or nullptr.
const HigherOrderFunction* findHigherOrderFunction(std::string_view name);

/// Appends bytes identifying the value at `row`: equal values of one type give equal keys.
void appendValueKey(const Column& column, size_t row, std::string& out);
/// <0, 0, >0 comparing rows `a` and `b` of one column; NULLs and NaNs sort last.
int compareValues(const Column& column, size_t a, size_t b);

}  // namespace perch
