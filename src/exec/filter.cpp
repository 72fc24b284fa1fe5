#include "exec/filter.h"

#include <algorithm>
#include <iterator>

#include "exec/kernel_loops.h"
#include "exec/task_pool.h"
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

namespace {

// A later predicate runs over the whole batch when at least 1/kGatherFraction of its rows survived.
constexpr size_t kGatherFraction = 16;

void collectColumns(const BoundExpr& expr, std::vector<uint8_t>& used) {
  if (expr.kind == BoundExpr::Kind::kColumn) used[expr.column] = 1;
  for (const auto& arg : expr.args) collectColumns(*arg, used);
}

}  // namespace

std::optional<Batch> Filter::filterBatch(Batch batch) const {
  // The first predicate sees the whole batch; later ones see only the surviving rows of the
  // columns they read. Every column is gathered once, at the end.
  std::vector<uint32_t> selection;
  bool all = true;
  for (const auto& predicate : predicates_) {
    if (all) {
      selection = selectTrueRows(evaluate(*predicate, batch), batch.rows);
      all = selection.size() == batch.rows;
    } else if (selection.size() * kGatherFraction >= batch.rows) {
      // Many rows survive: evaluating over the whole batch is cheaper than gathering the
      // survivors' values (a string gather copies row by row).
      const std::vector<uint32_t> passing = selectTrueRows(evaluate(*predicate, batch), batch.rows);
      std::vector<uint32_t> narrowed;
      narrowed.reserve(std::min(passing.size(), selection.size()));
      std::set_intersection(selection.begin(), selection.end(), passing.begin(), passing.end(), std::back_inserter(narrowed));
      selection = std::move(narrowed);
    } else {
      std::vector<uint8_t> used(batch.columns.size(), 0);
      collectColumns(*predicate, used);
      Batch survivors;
      survivors.rows = selection.size();
      survivors.columns.resize(batch.columns.size());
      for (size_t c = 0; c < used.size(); ++c) {
        if (used[c]) survivors.columns[c] = batch.columns[c]->gather(selection);
      }
      const std::vector<uint32_t> kept = selectTrueRows(evaluate(*predicate, survivors), survivors.rows);
      if (kept.size() != selection.size()) {
        std::vector<uint32_t> narrowed(kept.size());
        for (size_t i = 0; i < kept.size(); ++i) narrowed[i] = selection[kept[i]];
        selection = std::move(narrowed);
      }
    }
    if (!all && selection.empty()) break;
  }
  if (all) return batch;
  if (selection.empty()) return std::nullopt;
  if (needed_.empty()) return gatherBatch(batch, selection);
  Batch out;
  out.rows = selection.size();
  out.columns.resize(batch.columns.size());
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    if (c < needed_.size() && needed_[c]) out.columns[c] = batch.columns[c]->gather(selection);
  }
  return out;
}

std::optional<Batch> Filter::next() {
  if (context_.threads <= 1) {
    while (auto batch = input_->next()) {
      context_.checkDeadline();
      if (auto out = filterBatch(std::move(*batch))) return out;
    }
    return std::nullopt;
  }
  while (ready_.empty() && !input_done_) {
    // Pull about 4 scan morsels' worth of rows per thread (the input is driven by this thread
    // only; a scan hands out granule batches of 8,192 rows), filter them in parallel, keep their
    // order.
    std::vector<Batch> inputs;
    const size_t wanted_rows = static_cast<size_t>(context_.threads) * 4 * 65'536;
    size_t rows = 0;
    while (rows < wanted_rows) {
      auto batch = input_->next();
      if (!batch) {
        input_done_ = true;
        break;
      }
      rows += batch->rows;
      inputs.push_back(std::move(*batch));
    }
    context_.checkDeadline();
    std::vector<std::optional<Batch>> outputs(inputs.size());
    parallelFor(inputs.size(), context_.threads, [&](size_t i) { outputs[i] = filterBatch(std::move(inputs[i])); });
    for (auto& output : outputs) {
      if (output) ready_.push_back(std::move(*output));
    }
  }
  if (ready_.empty()) return std::nullopt;
  Batch out = std::move(ready_.front());
  ready_.pop_front();
  return out;
}

}  // namespace perch
