// Filter: keeps the rows where every predicate is true (non-zero and not NULL). Predicates run
// in order; a later one runs over the whole batch while many rows survive (cheaper than gathering
// them) and over the gathered survivors once few do, so a selective first conjunct makes the rest
// cheap. Rows are selected through a selection vector and gathered once at the end.
// With ExecContext::threads > 1, groups of input batches are filtered in parallel (one task per
// batch) and returned in input order.
#pragma once

#include <deque>
#include <vector>

#include "exec/expression.h"
#include "exec/operator.h"

namespace perch {

class Filter final : public Operator {
 public:
  Filter(OperatorPtr input, std::vector<BoundExprPtr> predicates, ExecContext& context)
      : input_(std::move(input)), predicates_(std::move(predicates)), context_(context) {}

  std::optional<Batch> next() override;

  /// Only columns with a non-zero entry are gathered into the output; the others become null
  /// (the planner calls this when it knows every expression evaluated above the filter).
  void setNeededColumns(std::vector<uint8_t> needed) { needed_ = std::move(needed); }

 private:
  /// The rows of `batch` that pass; nullopt when none do. Thread-safe (reads only shared state).
  std::optional<Batch> filterBatch(Batch batch) const;

  OperatorPtr input_;
  std::vector<BoundExprPtr> predicates_;
  ExecContext& context_;
  std::vector<uint8_t> needed_;  // empty: all columns
  std::deque<Batch> ready_;  // filtered batches not yet returned (parallel mode)
  bool input_done_ = false;
};

/// Positions of the rows where `mask` (a UInt8/number column, Nullable or constant) is true.
std::vector<uint32_t> selectTrueRows(const Datum& mask, size_t rows);
/// The rows `selection` of `batch`.
Batch gatherBatch(const Batch& batch, const std::vector<uint32_t>& selection);

}  // namespace perch
