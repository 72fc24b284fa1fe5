#include "exec/limit.h"

#include <numeric>

namespace perch {

std::optional<Batch> Limit::next() {
  while (true) {
    if (emitted_ >= limit_ && !count_all_) return std::nullopt;
    auto batch = input_->next();
    if (!batch) return std::nullopt;
    const uint64_t start_row = rows_seen_;
    rows_seen_ += batch->rows;
    if (emitted_ >= limit_) continue;  // only counting
    // Rows of this batch in [offset, offset + limit) of the whole stream.
    const uint64_t begin = std::max(offset_, start_row);
    const uint64_t stop = limit_ > UINT64_MAX - offset_ ? UINT64_MAX : offset_ + limit_;
    const uint64_t end = std::min(rows_seen_, stop);
    if (begin >= end) continue;
    const size_t first = static_cast<size_t>(begin - start_row);
    const size_t count = static_cast<size_t>(end - begin);
    emitted_ += count;
    if (first == 0 && count == batch->rows) return batch;
    std::vector<uint32_t> selection(count);
    std::iota(selection.begin(), selection.end(), static_cast<uint32_t>(first));
    Batch out;
    out.rows = count;
    for (const auto& column : batch->columns) out.columns.push_back(column->gather(selection));
    return out;
  }
}

}  // namespace perch
