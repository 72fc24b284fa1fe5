// Fill: `ORDER BY x WITH FILL [FROM a] [TO b] [STEP s]` — inserts rows for the values of x missing
// between the sorted rows, as ClickHouse's FillingTransform does. A filled row holds the generated
// value in each WITH FILL column, the group's values in the sorting prefix (the ORDER BY columns
// before the first WITH FILL one: each prefix group is filled on its own, ClickHouse's
// use_with_fill_by_sorting_prefix = 1) and default values everywhere else.
//
// Per fill column: values run from FROM (default: the group's first value) in steps of STEP
// (default 1, or -1 for DESC; for Date a number of days, for DateTime of seconds, or an INTERVAL)
// up to TO, exclusive (default: the group's last value). Several fill columns nest: a later one is
// filled only between rows whose earlier fill columns are equal, and starts over at its FROM.
//
// The input must arrive sorted by the ORDER BY; the operator reads all of it, then returns one
// batch. Driven by one thread.
#pragma once

#include <cstdint>
#include <vector>

#include "exec/operator.h"

namespace perch {

/// A value of a fill column: integers, Date days and DateTime seconds as `integer`, floats as `real`.
struct FillValue {
  bool null = true;  // absent (no FROM/TO given, or a default-filled position)
  int64_t integer = 0;
  double real = 0;
};

struct FillStep {
  enum class Unit { kNumber, kSecond, kMonth };  // kNumber: the column's own unit (days for Date)
  Unit unit = Unit::kNumber;
  int64_t count = 1;  // for integer-like columns and calendar units
  double real = 1;    // for float columns
};

struct FillColumn {
  size_t column = 0;  // position in the input batch
  DataType type;
  bool descending = false;
  FillValue from, to;
  FillStep step;
};

class Fill final : public Operator {
 public:
  /// `prefix`: positions of the sorting-prefix columns.
  Fill(OperatorPtr input, std::vector<DataType> types, std::vector<size_t> prefix, std::vector<FillColumn> fills, ExecContext& context)
      : input_(std::move(input)), types_(std::move(types)), prefix_(std::move(prefix)), fills_(std::move(fills)), context_(context) {}

  /// At most this many rows are generated (a fill over a huge range fails instead of exhausting memory).
  static constexpr size_t kMaxRows = 10'000'000;

  std::optional<Batch> next() override;

 private:
  OperatorPtr input_;
  std::vector<DataType> types_;
  std::vector<size_t> prefix_;
  std::vector<FillColumn> fills_;
  ExecContext& context_;
  bool done_ = false;
};

/// The value of row `row` of a Date/DateTime/number column as a FillValue.
FillValue fillValueAt(const Column& column, size_t row);

}  // namespace perch
