#include "exec/scan.h"

#include <algorithm>
#include <cstring>

#include "exec/task_pool.h"
#include "storage/part.h"
#include "storage/row_order.h"

namespace perch {

namespace {

// Whether rows a and b of `column` hold the same value (NaN equals NaN bitwise here: FINAL groups
// by the stored key).
bool sameValue(const Column& column, size_t a, size_t b) {
  return dispatchPhysical(column.type(), [&](auto* tag) -> bool {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    const auto& typed = static_cast<const ColumnType&>(column);
    if constexpr (std::is_same_v<ColumnType, ColumnString>) {
      return typed.at(a) == typed.at(b);
    } else if constexpr (std::is_same_v<ColumnType, ColumnNullable>) {
      const bool null_a = typed.isNullAt(a), null_b = typed.isNullAt(b);
      if (null_a || null_b) return null_a == null_b;
      return sameValue(typed.nested(), a, b);
    } else if constexpr (std::is_same_v<ColumnType, ColumnArray>) {
      std::string left, right;
      typed.formatText(a, left);
      typed.formatText(b, right);
      return left == right;
    } else {
      using T = typename ColumnType::ValueType;
      const T left = typed.data()[a], right = typed.data()[b];
      return std::memcmp(&left, &right, sizeof(T)) == 0;
    }
  });
}

// Whether row a's version is >= row b's (a fixed-width, non-Nullable version column).
bool versionAtLeast(const Column& column, size_t a, size_t b) {
  return dispatchPhysical(column.type(), [&](auto* tag) -> bool {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (std::is_same_v<ColumnType, ColumnString> || std::is_same_v<ColumnType, ColumnNullable> ||
                  std::is_same_v<ColumnType, ColumnArray>) {
      return true;  // not a usable version: the later row wins
    } else {
      const auto& data = static_cast<const ColumnType&>(column).data();
      return data[a] >= data[b];
    }
  });
}

}  // namespace

void Scan::planMorsels() {
  for (const auto& part : snapshot_->parts()) {
    const size_t granules = part->granuleCount();
    granules_total_ += granules;
    const std::vector<uint8_t> keep = condition_ ? condition_->mayMatch(*part) : std::vector<uint8_t>(granules, 1);
    Morsel morsel;
    morsel.part = part.get();
    for (size_t granule = 0; granule < granules; ++granule) {
      if (!keep[granule]) {
        ++granules_skipped_;
        continue;
      }
      const size_t rows = part->index().granule_rows[granule];
      if (!morsel.granules.empty() && morsel.rows + rows > kMorselRows) {
        morsels_.push_back(std::move(morsel));
        morsel = Morsel{};
        morsel.part = part.get();
      }
      morsel.granules.push_back(granule);
      morsel.rows += rows;
    }
    if (!morsel.granules.empty()) morsels_.push_back(std::move(morsel));
  }
  for (const auto& batch : snapshot_->buffered()) {
    for (size_t offset = 0; offset < batch->rows; offset += kMorselRows) {
      Morsel morsel;
      morsel.buffered = batch.get();
      morsel.offset = offset;
      morsel.rows = std::min(kMorselRows, batch->rows - offset);
      morsels_.push_back(std::move(morsel));
    }
  }
}

std::vector<Batch> Scan::readMorselBatches(const Morsel& morsel) const {
  if (morsel.part) return morsel.part->readGranuleBatches(columns_, morsel.granules, kPartBatchRows);
  std::vector<Batch> batches;
  batches.push_back(readMorsel(morsel, columns_));
  return batches;
}

Batch Scan::readMorsel(const Morsel& morsel, const std::vector<size_t>& columns) const {
  if (morsel.part) return morsel.part->readGranules(columns, morsel.granules);
  Batch batch;
  batch.rows = morsel.rows;
  batch.columns.reserve(columns.size());
  const Batch& source = *morsel.buffered;
  for (size_t index : columns) {
    if (morsel.offset == 0 && morsel.rows == source.rows) {
      batch.columns.push_back(source.columns[index]);  // the common case: share, no copy
      continue;
    }
    MutableColumnPtr slice = source.columns[index]->cloneEmpty();
    slice->appendRange(*source.columns[index], morsel.offset, morsel.rows);
    batch.columns.push_back(std::move(slice));
  }
  return batch;
}

std::optional<Batch> Scan::next() {
  if (!planned_) {
    planned_ = true;
    planMorsels();
    if (final_ && snapshot_->replacing()) finalize();
  }
  while (ready_.empty() && next_morsel_ < morsels_.size()) {
    context_.checkDeadline();
    // Decode several part morsels at once on the task pool; buffered morsels are cheap.
    size_t end = next_morsel_ + 1;
    if (context_.threads > 1 && morsels_[next_morsel_].part) {
      const size_t group = static_cast<size_t>(context_.threads) * 2;
      while (end < morsels_.size() && end - next_morsel_ < group && morsels_[end].part) ++end;
    }
    const size_t count = end - next_morsel_;
    std::vector<std::vector<Batch>> morsels(count);
    if (count == 1) {
      morsels[0] = readMorselBatches(morsels_[next_morsel_]);
    } else {
      parallelFor(count, context_.threads, [&](size_t i) { morsels[i] = readMorselBatches(morsels_[next_morsel_ + i]); });
    }
    next_morsel_ = end;
    for (auto& batches : morsels) {
      for (auto& batch : batches) {
        if (batch.rows == 0) continue;
        for (const auto& column : batch.columns) context_.bytes_read += column->byteSize();
        context_.rows_read += batch.rows;
        ready_.push_back(std::move(batch));
      }
    }
  }
  if (ready_.empty()) return std::nullopt;
  Batch batch = std::move(ready_.front());
  ready_.pop_front();
  return batch;
}

void Scan::finalize() {
  // Read the output columns plus the sorting key and the version column.
  const TableSchema& schema = snapshot_->schema();
  std::vector<size_t> read_columns = columns_;
  auto addColumn = [&](const std::string& name) -> size_t {
    const size_t index = *schema.indexOf(name);
    auto it = std::find(read_columns.begin(), read_columns.end(), index);
    if (it != read_columns.end()) return static_cast<size_t>(it - read_columns.begin());
    read_columns.push_back(index);
    return read_columns.size() - 1;
  };
  for (const auto& key : snapshot_->sortingKey()) addColumn(key);
  if (!snapshot_->versionColumn().empty()) addColumn(snapshot_->versionColumn());

  std::vector<Batch> batches(morsels_.size());
  parallelFor(morsels_.size(), std::max(1u, context_.threads), [&](size_t i) { batches[i] = readMorsel(morsels_[i], read_columns); });
  Batch all;
  for (const auto& batch : batches) all.rows += batch.rows;
  for (size_t c = 0; c < read_columns.size(); ++c) {
    MutableColumnPtr column = makeColumn(schema.columns[read_columns[c]].type);
    column->reserve(all.rows);
    for (const auto& batch : batches) column->appendRange(*batch.columns[c], 0, batch.rows);
    context_.bytes_read += column->byteSize();
    all.columns.push_back(std::move(column));
  }
  context_.rows_read += all.rows;
  batches.clear();
  morsels_.clear();
  next_morsel_ = 0;

  Batch kept = deduplicate(std::move(all), read_columns);
  for (size_t offset = 0; offset < kept.rows; offset += kMorselRows) {
    const size_t rows = std::min(kMorselRows, kept.rows - offset);
    Batch out;
    out.rows = rows;
    for (size_t c = 0; c < columns_.size(); ++c) {
      MutableColumnPtr slice = kept.columns[c]->cloneEmpty();
      slice->appendRange(*kept.columns[c], offset, rows);
      out.columns.push_back(std::move(slice));
    }
    ready_.push_back(std::move(out));
  }
}

Batch Scan::deduplicate(Batch rows, const std::vector<size_t>& read_columns) const {
  const TableSchema& schema = snapshot_->schema();
  std::vector<size_t> key_positions;
  for (const auto& key : snapshot_->sortingKey()) {
    const size_t index = *schema.indexOf(key);
    key_positions.push_back(static_cast<size_t>(std::find(read_columns.begin(), read_columns.end(), index) - read_columns.begin()));
  }
  const Column* version = nullptr;
  if (!snapshot_->versionColumn().empty()) {
    const size_t index = *schema.indexOf(snapshot_->versionColumn());
    version = rows.columns[static_cast<size_t>(std::find(read_columns.begin(), read_columns.end(), index) - read_columns.begin())].get();
  }
  // Stable: rows with equal keys stay in insertion order (parts in WAL order, then the buffer).
  const std::vector<uint32_t> order = storage::sortPermutation(rows, key_positions);
  std::vector<uint32_t> keep;
  size_t group_start = 0;
  while (group_start < order.size()) {
    size_t best = group_start;
    size_t next = group_start + 1;
    while (next < order.size()) {
      bool same = true;
      for (size_t position : key_positions) same = same && sameValue(*rows.columns[position], order[group_start], order[next]);
      if (!same) break;
      if (!version || versionAtLeast(*version, order[next], order[best])) best = next;
      ++next;
    }
    keep.push_back(order[best]);
    group_start = next;
  }
  Batch result;
  result.rows = keep.size();
  for (const auto& column : rows.columns) result.columns.push_back(column->gather(keep));
  return result;
}

}  // namespace perch
