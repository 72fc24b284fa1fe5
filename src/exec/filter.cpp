#include "exec/filter.h"

#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

std::vector<uint32_t> selectTrueRows(const Datum& mask, size_t rows) {
  std::vector<uint32_t> selection;
  if (isNothing(mask.type())) return selection;
  const Column* values = mask.column.get();
  const uint8_t* nulls = nullptr;
  if (mask.type().isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*mask.column);
    values = &nullable.nested();
    nulls = nullable.nullMap().data();
  }
  dispatchFixed(values->type(), [&](auto tag) {
    using T = decltype(tag);
    const T* data = asVector<T>(*values).data().data();
    if (mask.is_constant) {
      if (data[0] != T{} && !(nulls && nulls[0])) {
        selection.resize(rows);
        for (size_t i = 0; i < rows; ++i) selection[i] = static_cast<uint32_t>(i);
      }
      return 0;
    }
    selection.resize(rows);
    size_t count = 0;
    if (nulls) {
      for (size_t i = 0; i < rows; ++i) {
        selection[count] = static_cast<uint32_t>(i);
        count += (data[i] != T{}) & !nulls[i];
      }
    } else {
      for (size_t i = 0; i < rows; ++i) {
        selection[count] = static_cast<uint32_t>(i);
        count += data[i] != T{};
      }
    }
    selection.resize(count);
    return 0;
  });
  return selection;
}

Batch gatherBatch(const Batch& batch, const std::vector<uint32_t>& selection) {
  Batch out;
  out.rows = selection.size();
  out.columns.reserve(batch.columns.size());
  for (const auto& column : batch.columns) out.columns.push_back(column->gather(selection));
  return out;
}

std::optional<Batch> Filter::next() {
  while (auto batch = input_->next()) {
    context_.checkDeadline();
    Batch current = std::move(*batch);
    for (const auto& predicate : predicates_) {
      const Datum mask = evaluate(*predicate, current);
      std::vector<uint32_t> selection = selectTrueRows(mask, current.rows);
      if (selection.size() == current.rows) continue;
      if (selection.empty()) {
        current.rows = 0;
        break;
      }
      current = gatherBatch(current, selection);
    }
    if (current.rows > 0) return current;
  }
  return std::nullopt;
}

}  // namespace perch
