#include "exec/operator.h"

#include "common/error.h"
#include "exec/datum.h"
#include "exec/memory_tracker.h"

namespace perch {

void ExecContext::checkDeadline() const {
  if (std::chrono::steady_clock::now() > deadline) {
    throw Error(ErrorCode::kTimeout, "Timeout exceeded: query took longer than " + std::to_string(timeout.count()) + " ms");
  }
}

size_t batchBytes(const Batch& batch) {
  size_t bytes = 0;
  for (const auto& column : batch.columns) {
    if (column) bytes += column->byteSize();
  }
  return bytes;
}

Batch drain(Operator& input, std::span<const DataType> types, const char* what) {
  std::vector<std::vector<ColumnPtr>> parts(types.size());
  size_t rows = 0;
  MemoryCharge charge;
  while (auto batch = input.next()) {
    charge.add(batchBytes(*batch), what);
    for (size_t i = 0; i < types.size(); ++i) parts[i].push_back(batch->columns[i]);
    rows += batch->rows;
  }
  if (!parts.empty() && parts[0].size() > 1) charge.add(charge.bytes(), what);  // the copy, beside the parts
  Batch result;
  result.rows = rows;
  for (size_t i = 0; i < types.size(); ++i) {
    if (parts[i].size() == 1) {
      result.columns.push_back(parts[i][0]);
    } else {
      result.columns.push_back(concatColumns(parts[i], types[i]));
    }
  }
  return result;
}

}  // namespace perch
