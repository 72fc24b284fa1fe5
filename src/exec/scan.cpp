#include "exec/scan.h"

namespace perch {

std::optional<Batch> Scan::next() {
  const auto& batches = snapshot_->batches();
  while (next_batch_ < batches.size()) {
    const BatchPtr& source = batches[next_batch_];
    if (source->rows == 0) {
      ++next_batch_;
      continue;
    }
    context_.checkDeadline();
    Batch batch;
    batch.columns.reserve(columns_.size());
    if (source->rows <= kMorselRows) {
      // The common case: share the stored columns, no copy.
      ++next_batch_;
      batch.rows = source->rows;
      for (size_t index : columns_) batch.columns.push_back(source->columns[index]);
    } else {
      // A large stored batch is cut into morsels so that parallel operators get enough tasks.
      const size_t begin = next_offset_;
      batch.rows = std::min(kMorselRows, source->rows - begin);
      for (size_t index : columns_) {
        MutableColumnPtr slice = source->columns[index]->cloneEmpty();
        slice->appendRange(*source->columns[index], begin, batch.rows);
        batch.columns.push_back(std::move(slice));
      }
      next_offset_ += batch.rows;
      if (next_offset_ == source->rows) {
        next_offset_ = 0;
        ++next_batch_;
      }
    }
    for (const auto& column : batch.columns) context_.bytes_read += column->byteSize();
    context_.rows_read += batch.rows;
    return batch;
  }
  return std::nullopt;
}

}  // namespace perch
