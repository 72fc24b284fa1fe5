#include "exec/limit_by.h"

#include "exec/filter.h"

namespace perch {

std::optional<Batch> LimitBy::next() {
  while (auto batch = input_->next()) {
    std::vector<uint32_t> selection;
    std::string key;
    for (size_t row = 0; row < batch->rows; ++row) {
      key.clear();
      for (size_t column : key_columns_) {
        const Column& values = *batch->columns[column];
        if (values.isNullAt(row)) {
          key.push_back('\1');
          continue;
        }
        std::string text;
        values.formatText(row, text);
        const uint32_t size = static_cast<uint32_t>(text.size());
        key.push_back('\0');
        key.append(reinterpret_cast<const char*>(&size), sizeof(size));
        key.append(text);
      }
      if (++seen_[key] <= limit_) selection.push_back(static_cast<uint32_t>(row));
    }
    if (selection.size() == batch->rows) return batch;
    if (!selection.empty()) return gatherBatch(*batch, selection);
  }
  return std::nullopt;
}

}  // namespace perch
