#include "exec/limit_by.h"

#include "exec/filter.h"

namespace perch {

namespace {

// A std::unordered_map<std::string, uint64_t> node with its string and bucket, beyond the key bytes.
constexpr size_t kKeyOverhead = 64;

}  // namespace

std::optional<Batch> LimitBy::next() {
  while (auto batch = input_->next()) {
    size_t new_key_bytes = 0;
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
      auto [entry, inserted] = seen_.try_emplace(key, 0);
      if (inserted) new_key_bytes += key.size() + kKeyOverhead;
      if (++entry->second <= limit_) selection.push_back(static_cast<uint32_t>(row));
    }
    charge_.add(new_key_bytes, "LIMIT BY keys");
    if (selection.size() == batch->rows) return batch;
    if (!selection.empty()) return gatherBatch(*batch, selection);
  }
  return std::nullopt;
}

}  // namespace perch
