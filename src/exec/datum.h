// Datum: one operand of a vectorized expression — a full column or a constant broadcast to every
// row of the batch (a 1-row column with is_constant set). Kernels specialize their loops on the
// (column, constant) combination once per batch instead of testing per row.
//
// Also the small column helpers every kernel needs: materializing constants, building empty
// columns of any type (including Nullable(Nothing), the type of a bare NULL), and null constants.
// Columns are immutable once wrapped in a Datum; Datums are cheap to copy and thread-compatible.
#pragma once

#include <span>
#include <vector>

#include "types/column.h"

namespace perch {

struct Datum {
  ColumnPtr column;
  bool is_constant = false;

  const DataType& type() const { return column->type(); }
  static Datum constant(ColumnPtr column) { return Datum{std::move(column), true}; }
  static Datum full(ColumnPtr column) { return Datum{std::move(column), false}; }
};

/// A column of `rows` rows: the column itself, or the constant repeated.
ColumnPtr materialize(const Datum& datum, size_t rows);

/// An empty column of `type`; unlike makeColumn it accepts Nothing and Nullable(Nothing).
MutableColumnPtr makeEmptyColumn(const DataType& type);

/// A 1-row column holding NULL, of type Nullable(type) (Nullable(Nothing) for a bare NULL).
ColumnPtr makeNullConstant(const DataType& type = DataType(TypeId::kNothing));

/// A 1-row column of a fixed-width type holding `value`.
template <typename T>
ColumnPtr makeConstantColumn(const DataType& type, T value) {
  return std::make_shared<ColumnVector<T>>(type, std::vector<T>{value});
}
ColumnPtr makeStringConstant(std::string_view value, const DataType& type = DataType(TypeId::kString));

/// Concatenates columns of one type into a new column.
MutableColumnPtr concatColumns(std::span<const ColumnPtr> parts, const DataType& type);

/// True when the value at `row` of a constant or full column is NULL.
inline bool datumIsNullAt(const Datum& datum, size_t row) {
  return datum.column->isNullAt(datum.is_constant ? 0 : row);
}

}  // namespace perch
