// Sort: ORDER BY over whole input, or top-N when a limit is known. For top-N the input is
// compacted every time it grows past a threshold (sort, keep the best N), so memory stays
// O(N + batch) while the result equals a full sort. Ties keep input order (stable), so results
// are deterministic. NULLs sort last unless NULLS FIRST; strings compare bytewise.
#pragma once

#include <optional>
#include <vector>

#include "exec/operator.h"

namespace perch {

struct SortKey {
  size_t column;
  bool descending = false;
  bool nulls_first = false;
};

class Sort final : public Operator {
 public:
  Sort(OperatorPtr input, std::vector<DataType> types, std::vector<SortKey> keys, std::optional<uint64_t> limit,
       ExecContext& context)
      : input_(std::move(input)), types_(std::move(types)), keys_(std::move(keys)), limit_(limit), context_(context) {}

  std::optional<Batch> next() override;
  /// Rows that entered the sort (what a LIMIT above it reports as rows_before_limit).
  uint64_t inputRows() const { return input_rows_; }

 private:
  /// Sorts `batch` and keeps its first `keep` rows.
  Batch sortBatch(const Batch& batch, std::optional<uint64_t> keep) const;

  OperatorPtr input_;
  std::vector<DataType> types_;
  std::vector<SortKey> keys_;
  std::optional<uint64_t> limit_;
  ExecContext& context_;
  bool done_ = false;
  uint64_t input_rows_ = 0;
};

/// The row order of `batch` under `keys` (stable), only the first `keep` positions sorted when set.
std::vector<uint32_t> sortPermutation(const Batch& batch, const std::vector<SortKey>& keys, std::optional<uint64_t> keep);

}  // namespace perch
