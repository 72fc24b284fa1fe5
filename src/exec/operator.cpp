#include "exec/operator.h"

#include "common/error.h"
#include "exec/datum.h"

namespace perch {

void ExecContext::checkDeadline() const {
  if (std::chrono::steady_clock::now() > deadline) {
    throw Error(ErrorCode::kTimeout, "Timeout exceeded: query took longer than " + std::to_string(timeout.count()) + " ms");
  }
}

Batch drain(Operator& input, std::span<const DataType> types) {
  std::vector<std::vector<ColumnPtr>> parts(types.size());
  size_t rows = 0;
  while (auto batch = input.next()) {
    for (size_t i = 0; i < types.size(); ++i) parts[i].push_back(batch->columns[i]);
    rows += batch->rows;
  }
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
