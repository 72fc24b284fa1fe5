// Limit: skips `offset` rows, then passes at most `limit` rows. When asked to count, it keeps
// draining its input after the limit is reached so rows_before_limit is exact (ClickHouse's
// rows_before_limit_at_least).
#pragma once

#include <limits>

#include "exec/operator.h"
#include "exec/sort.h"

namespace perch {

class Limit final : public Operator {
 public:
  /// With `sort` (the input itself), rows_before_limit is the sort's input count: a top-N sort
  /// already dropped the rows past the limit.
  Limit(OperatorPtr input, uint64_t limit, uint64_t offset, bool count_all, const Sort* sort = nullptr)
      : input_(std::move(input)), limit_(limit), offset_(offset), count_all_(count_all && !sort), sort_(sort) {}

  std::optional<Batch> next() override;
  uint64_t rowsBeforeLimit() const { return sort_ ? sort_->inputRows() : rows_seen_; }

 private:
  OperatorPtr input_;
  uint64_t limit_;
  uint64_t offset_;
  bool count_all_;
  const Sort* sort_;
  uint64_t rows_seen_ = 0;
  uint64_t emitted_ = 0;
};

}  // namespace perch
