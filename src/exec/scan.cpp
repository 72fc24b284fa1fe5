#include "exec/scan.h"

namespace perch {

std::optional<Batch> Scan::next() {
  const auto& batches = snapshot_->batches();
  while (next_batch_ < batches.size()) {
    const BatchPtr& source = batches[next_batch_++];
    if (source->rows == 0) continue;
    context_.checkDeadline();
    Batch batch;
    batch.rows = source->rows;
    batch.columns.reserve(columns_.size());
    for (size_t index : columns_) {
      batch.columns.push_back(source->columns[index]);
      context_.bytes_read += source->columns[index]->byteSize();
    }
    context_.rows_read += source->rows;
    return batch;
  }
  return std::nullopt;
}

}  // namespace perch
