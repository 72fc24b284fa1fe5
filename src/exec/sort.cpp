#include "exec/sort.h"

#include <algorithm>
#include <functional>
#include <numeric>

#include "exec/datum.h"
#include "exec/filter.h"
#include "exec/kernel_loops.h"
#include "exec/memory_tracker.h"

namespace perch {

namespace {

// Compares two rows of one column: negative, zero or positive. Built once per sort.
using RowCompare = std::function<int(uint32_t, uint32_t)>;

template <typename T>
int compareValues(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>) {
    // NaN sorts after every number, like ClickHouse's NULLS LAST-ish default for NaN.
    const bool a_nan = a != a, b_nan = b != b;
    if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
  }
  return a < b ? -1 : (b < a ? 1 : 0);
}

// One key's order of two values: `direction` (1 or -1) applies to numbers only. NaN goes where
// NULL goes, whatever the direction (ClickHouse: last, or first with NULLS FIRST; DESC too).
template <typename T>
int compareKey(const T& a, const T& b, int direction, int nan_order) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool a_nan = a != a, b_nan = b != b;
    if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? nan_order : -nan_order);
  }
  return direction * compareValues(a, b);
}

RowCompare makeCompare(const ColumnPtr& column, const SortKey& key) {
  const int direction = key.descending ? -1 : 1;
  const DataType& type = column->type();
  if (type.isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*column);
    RowCompare nested = makeCompare(ColumnPtr(column, &nullable.nested()), key);
    const uint8_t* nulls = nullable.nullMap().data();
    const int null_order = key.nulls_first ? -1 : 1;
    return [nested, nulls, null_order, column](uint32_t a, uint32_t b) {
      if (nulls[a] || nulls[b]) return nulls[a] == nulls[b] ? 0 : (nulls[a] ? null_order : -null_order);
      return nested(a, b);
    };
  }
  if (type.isStringLike()) {
    const ColumnString* strings = &asString(*column);
    return [strings, direction, column](uint32_t a, uint32_t b) {
      const int order = strings->at(a).compare(strings->at(b));
      return direction * (order < 0 ? -1 : (order > 0 ? 1 : 0));
    };
  }
  if (type.fixedWidth() > 0) {
    const int nan_order = key.nulls_first ? -1 : 1;
    return dispatchFixed(type, [&](auto tag) -> RowCompare {
      using T = decltype(tag);
      const T* data = asVector<T>(*column).data().data();
      return [data, direction, nan_order, column](uint32_t a, uint32_t b) { return compareKey(data[a], data[b], direction, nan_order); };
    });
  }
  // Arrays and anything else: by their text form (rare in ORDER BY).
  return [column, direction](uint32_t a, uint32_t b) {
    std::string x, y;
    column->formatText(a, x);
    column->formatText(b, y);
    return direction * x.compare(y);
  };
}

}  // namespace

std::vector<uint32_t> sortPermutation(const Batch& batch, const std::vector<SortKey>& keys, std::optional<uint64_t> keep) {
  std::vector<uint32_t> permutation(batch.rows);
  std::iota(permutation.begin(), permutation.end(), 0u);
  const size_t n = keep ? static_cast<size_t>(std::min<uint64_t>(*keep, batch.rows)) : batch.rows;
  // Fast path: one non-Nullable fixed-width key, compared without indirection.
  if (keys.size() == 1 && batch.columns[keys[0].column]->type().fixedWidth() > 0 &&
      !batch.columns[keys[0].column]->type().isNullable()) {
    const Column& column = *batch.columns[keys[0].column];
    const int direction = keys[0].descending ? -1 : 1;
    const int nan_order = keys[0].nulls_first ? -1 : 1;
    dispatchFixed(column.type(), [&](auto tag) {
      using T = decltype(tag);
      const T* data = asVector<T>(column).data().data();
      auto less = [data, direction, nan_order](uint32_t a, uint32_t b) {
        const int order = compareKey(data[a], data[b], direction, nan_order);
        if (order != 0) return order < 0;
        return a < b;
      };
      if (n < permutation.size()) {
        std::partial_sort(permutation.begin(), permutation.begin() + static_cast<ptrdiff_t>(n), permutation.end(), less);
      } else {
        std::sort(permutation.begin(), permutation.end(), less);
      }
      return 0;
    });
    permutation.resize(n);
    return permutation;
  }
  std::vector<RowCompare> compares;
  for (const auto& key : keys) compares.push_back(makeCompare(batch.columns[key.column], key));
  auto less = [&compares](uint32_t a, uint32_t b) {
    for (const auto& compare : compares) {
      const int order = compare(a, b);
      if (order != 0) return order < 0;
    }
    return a < b;
  };
  if (n < permutation.size()) {
    std::partial_sort(permutation.begin(), permutation.begin() + static_cast<ptrdiff_t>(n), permutation.end(), less);
  } else {
    std::sort(permutation.begin(), permutation.end(), less);
  }
  permutation.resize(n);
  return permutation;
}

Batch Sort::sortBatch(const Batch& batch, std::optional<uint64_t> keep) const {
  return gatherBatch(batch, sortPermutation(batch, keys_, keep));
}

std::optional<Batch> Sort::next() {
  if (done_) return std::nullopt;
  done_ = true;
  std::vector<Batch> pending;
  size_t pending_rows = 0;
  const size_t compact_at = limit_ ? std::max<size_t>(static_cast<size_t>(*limit_) * 2, 65536) : SIZE_MAX;
  auto concatenate = [&]() {
    Batch all;
    all.rows = pending_rows;
    for (size_t c = 0; c < types_.size(); ++c) {
      std::vector<ColumnPtr> parts;
      for (const auto& batch : pending) parts.push_back(batch.columns[c]);
      all.columns.push_back(parts.size() == 1 ? parts[0] : concatColumns(parts, types_[c]));
    }
    return all;
  };
  // The buffered rows, plus the copies sorting makes (concatenation, then the sorted gather).
  MemoryCharge charge;
  auto chargeCopies = [&]() { charge.add((pending.size() > 1 ? 2 : 1) * charge.bytes(), "sort buffer"); };
  while (auto batch = input_->next()) {
    context_.checkDeadline();
    charge.add(batchBytes(*batch), "sort buffer");
    pending_rows += batch->rows;
    input_rows_ += batch->rows;
    pending.push_back(std::move(*batch));
    if (pending_rows > compact_at) {
      chargeCopies();
      Batch kept = sortBatch(concatenate(), limit_);
      pending.clear();
      pending_rows = kept.rows;
      charge.set(batchBytes(kept), "sort buffer");
      pending.push_back(std::move(kept));
    }
  }
  if (pending_rows == 0) return std::nullopt;
  chargeCopies();
  Batch sorted = sortBatch(concatenate(), limit_);
  if (sorted.rows == 0) return std::nullopt;
  return sorted;
}

}  // namespace perch
