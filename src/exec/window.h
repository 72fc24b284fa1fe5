// Window: evaluates window functions (`f(...) OVER (PARTITION BY ... ORDER BY ... [frame])`) over
// the rows of a query after WHERE / GROUP BY / HAVING and before its ORDER BY / LIMIT.
//
// The operator materializes its whole input, then for each window call sorts the row positions
// by (partition keys, order keys) with sortPermutation (sort.h), walks the partitions and peer
// groups (rows equal on every order key) in that order, and writes one result per row. The
// output batch is the input batch, rows in input order, plus one column per call; the outer
// ORDER BY decides the final order. Input columns that nothing above reads may be null (Filter
// leaves them out) and pass through as null.
//
// Frames follow ClickHouse: without a frame clause, RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT
// ROW (running values in which peers share one result; the whole partition without ORDER BY).
// ROWS frames take n PRECEDING / n FOLLOWING row offsets; RANGE frames take them as distances on
// the single numeric ORDER BY key (days for Date, seconds for DateTime), as ClickHouse does.
// row_number/rank/dense_rank ignore the frame; ntile needs the whole partition; lagInFrame/
// leadInFrame and aggregates respect the frame.
//
// Thread-safety: like every operator, driven by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "exec/aggregate_function.h"
#include "exec/expression.h"
#include "exec/operator.h"
#include "exec/sort.h"

namespace perch {

enum class WindowFunctionKind { kRowNumber, kRank, kDenseRank, kNtile, kLagInFrame, kLeadInFrame, kNthValue, kAggregate };

struct WindowFrameBound {
  enum class Kind { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };
  Kind kind = Kind::kUnboundedPreceding;
  uint64_t offset = 0;  // kPreceding / kFollowing
};

struct WindowFrame {
  bool rows = false;  // ROWS (physical offsets) or RANGE (peer groups, or distances on the key)
  WindowFrameBound start{WindowFrameBound::Kind::kUnboundedPreceding, 0};
  WindowFrameBound end{WindowFrameBound::Kind::kCurrentRow, 0};

  /// RANGE with n PRECEDING / n FOLLOWING: needs exactly one numeric ORDER BY key.
  bool hasRangeOffset() const;
  /// UNBOUNDED PRECEDING to UNBOUNDED FOLLOWING (ROWS or RANGE).
  bool wholePartition() const;
};

/// Parses a frame clause as the parser keeps it ("ROWS BETWEEN 1 PRECEDING AND CURRENT ROW");
/// empty text is the default frame. Throws Error(kBadRequest) for frames it cannot evaluate.
WindowFrame parseWindowFrame(std::string_view text);

/// "row_number", "rank" or "dense_rank" when `name` is one of them in any case (as in ClickHouse), else "".
std::string rankingFunctionName(std::string_view name);

/// True for ntile in any case (ClickHouse registers it case-insensitively).
bool isNtileName(std::string_view name);

/// True for functions that exist only as window functions (row_number, lagInFrame, ...).
bool isWindowOnlyFunctionName(std::string_view name);

/// One window function call. Expressions are bound against the Window operator's input.
struct WindowCall {
  WindowFunctionKind kind = WindowFunctionKind::kRowNumber;
  AggregateFunctionPtr aggregate;  // kAggregate
  std::vector<BoundExprPtr> args;  // aggregate arguments; lag/lead: x and, when given, the default (cast to x's type)
  std::vector<BoundExprPtr> partition_by;
  std::vector<BoundExprPtr> order_by;
  std::vector<SortKey> order_keys;  // direction and NULLS placement of order_by (column unused)
  WindowFrame frame;
  uint64_t offset = 1;  // lag/lead; nth_value: the 1-based row of the frame; ntile: the buckets
  DataType result_type;
};

class Window final : public Operator {
 public:
  Window(OperatorPtr input, std::vector<DataType> types, std::vector<WindowCall> calls, ExecContext& context)
      : input_(std::move(input)), types_(std::move(types)), calls_(std::move(calls)), context_(context) {}

  std::optional<Batch> next() override;

 private:
  /// The result column of `call` over all rows of `batch`, in the batch's row order.
  ColumnPtr compute(const WindowCall& call, const Batch& batch) const;

  OperatorPtr input_;
  std::vector<DataType> types_;
  std::vector<WindowCall> calls_;
  ExecContext& context_;
  bool done_ = false;
};

}  // namespace perch
