#include "exec/array_join.h"

#include "common/error.h"

namespace perch {

std::optional<Batch> ArrayJoin::next() {
  while (auto batch = input_->next()) {
    context_.checkDeadline();
    std::vector<ColumnPtr> arrays;
    for (const auto& expr : arrays_) arrays.push_back(evaluateColumn(*expr, *batch));
    const auto offsetsOf = [&](size_t a) -> const std::vector<uint64_t>& {
      return static_cast<const ColumnArray&>(*arrays[a]).offsets();
    };
    // Row i repeats max(1 if LEFT, length) times; element j of row i comes from offset begin + j.
    std::vector<uint32_t> rows;
    std::vector<int64_t> element_index;  // -1: the default element (LEFT ARRAY JOIN of an empty array)
    for (size_t i = 0; i < batch->rows; ++i) {
      const uint64_t begin = i == 0 ? 0 : offsetsOf(0)[i - 1];
      const uint64_t length = offsetsOf(0)[i] - begin;
      for (size_t a = 1; a < arrays.size(); ++a) {
        const uint64_t other_begin = i == 0 ? 0 : offsetsOf(a)[i - 1];
        if (offsetsOf(a)[i] - other_begin != length) throwBadRequest("Sizes of ARRAY-JOIN-ed arrays do not match");
      }
      if (length == 0 && left_) {
        rows.push_back(static_cast<uint32_t>(i));
        element_index.push_back(-1);
      }
      for (uint64_t j = 0; j < length; ++j) {
        rows.push_back(static_cast<uint32_t>(i));
        element_index.push_back(static_cast<int64_t>(j));
      }
    }
    if (rows.empty()) continue;
    Batch out;
    out.rows = rows.size();
    for (const auto& column : batch->columns) out.columns.push_back(column ? column->gather(rows) : nullptr);
    for (size_t a = 0; a < arrays.size(); ++a) {
      const auto& array = static_cast<const ColumnArray&>(*arrays[a]);
      MutableColumnPtr elements = array.elements().cloneEmpty();
      elements->reserve(rows.size());
      for (size_t r = 0; r < rows.size(); ++r) {
        if (element_index[r] < 0) {
          elements->appendDefault();
          continue;
        }
        const uint64_t begin = rows[r] == 0 ? 0 : array.offsets()[rows[r] - 1];
        elements->appendRange(array.elements(), begin + static_cast<uint64_t>(element_index[r]), 1);
      }
      out.columns.push_back(std::move(elements));
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace perch
