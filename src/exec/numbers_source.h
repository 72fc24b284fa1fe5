// NumbersSource: the `numbers(N)` / `numbers(offset, N)` table function — one UInt64 column
// `number` counting from offset, produced in morsels of 8192 rows.
#pragma once

#include <algorithm>

#include "exec/operator.h"

namespace perch {

class NumbersSource final : public Operator {
 public:
  NumbersSource(uint64_t offset, uint64_t count, ExecContext& context) : next_(offset), end_(offset + count), context_(context) {}

  std::optional<Batch> next() override {
    if (next_ >= end_) return std::nullopt;
    context_.checkDeadline();
    const uint64_t rows = std::min<uint64_t>(kRows, end_ - next_);
    auto column = std::make_shared<ColumnVector<uint64_t>>(DataType(TypeId::kUInt64));
    column->data().resize(rows);
    for (uint64_t i = 0; i < rows; ++i) column->data()[i] = next_ + i;
    next_ += rows;
    context_.rows_read += rows;
    context_.bytes_read += rows * sizeof(uint64_t);
    Batch batch;
    batch.rows = rows;
    batch.columns.push_back(std::move(column));
    return batch;
  }

 private:
  static constexpr uint64_t kRows = 8192;
  uint64_t next_, end_;
  ExecContext& context_;
};

}  // namespace perch
