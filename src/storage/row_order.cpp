#include "storage/row_order.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

namespace perch::storage {
namespace {

// Three-way comparison of row `left` and row `right` of `column`.
int compareRows(const Column& column, size_t left, size_t right);

template <typename T>
int compareValues(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool a_nan = std::isnan(a), b_nan = std::isnan(b);
    if (a_nan || b_nan) return static_cast<int>(a_nan) - static_cast<int>(b_nan);
  }
  return a < b ? -1 : (b < a ? 1 : 0);
}

template <typename ColumnType>
int compareTyped(const ColumnType& column, size_t left, size_t right) {
  if constexpr (std::is_same_v<ColumnType, ColumnString>) {
    const int result = column.at(left).compare(column.at(right));
    return result < 0 ? -1 : (result > 0 ? 1 : 0);
  } else if constexpr (std::is_same_v<ColumnType, ColumnNullable>) {
    const bool left_null = column.isNullAt(left), right_null = column.isNullAt(right);
    if (left_null || right_null) return static_cast<int>(left_null) - static_cast<int>(right_null);
    return compareRows(column.nested(), left, right);
  } else if constexpr (std::is_same_v<ColumnType, ColumnArray>) {
    const auto& offsets = column.offsets();
    const uint64_t left_begin = left == 0 ? 0 : offsets[left - 1], right_begin = right == 0 ? 0 : offsets[right - 1];
    const uint64_t left_size = offsets[left] - left_begin, right_size = offsets[right] - right_begin;
    for (uint64_t i = 0; i < std::min(left_size, right_size); ++i) {
      if (int result = compareRows(column.elements(), left_begin + i, right_begin + i)) return result;
    }
    return compareValues(left_size, right_size);
  } else {
    return compareValues(column.data()[left], column.data()[right]);
  }
}

int compareRows(const Column& column, size_t left, size_t right) {
  return dispatchPhysical(column.type(), [&](auto* tag) {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    return compareTyped(static_cast<const ColumnType&>(column), left, right);
  });
}

template <typename ColumnType>
void sortByColumn(const ColumnType& column, std::vector<uint32_t>& permutation) {
  if constexpr (std::is_same_v<ColumnType, ColumnString> || std::is_same_v<ColumnType, ColumnNullable> ||
                std::is_same_v<ColumnType, ColumnArray>) {
    std::stable_sort(permutation.begin(), permutation.end(),
                     [&](uint32_t a, uint32_t b) { return compareTyped(column, a, b) < 0; });
  } else {
    const auto& data = column.data();
    std::stable_sort(permutation.begin(), permutation.end(),
                     [&](uint32_t a, uint32_t b) { return compareValues(data[a], data[b]) < 0; });
  }
}

template <typename T>
void appendRaw(T value, std::string& out) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename ColumnType>
void computeStats(const ColumnType& column, size_t start, size_t count, GranuleStats& stats) {
  if constexpr (std::is_same_v<ColumnType, ColumnString>) {
    std::string_view min, max;
    bool first = true;
    for (size_t row = start; row < start + count; ++row) {
      std::string_view value = column.at(row);
      if (value.size() > GranuleStats::kMaxStatsStringBytes) return;
      if (first || value < min) min = value;
      if (first || value > max) max = value;
      first = false;
    }
    stats.has_min_max = !first;
    stats.min.assign(min);
    stats.max.assign(max);
  } else if constexpr (std::is_same_v<ColumnType, ColumnNullable> || std::is_same_v<ColumnType, ColumnArray>) {
    // Handled by the caller (Nullable) or not indexed (Array).
  } else {
    using T = typename ColumnType::ValueType;
    const auto& data = column.data();
    bool first = true;
    T min{}, max{};
    for (size_t row = start; row < start + count; ++row) {
      const T value = data[row];
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(value)) continue;
      }
      if (first || value < min) min = value;
      if (first || value > max) max = value;
      first = false;
    }
    stats.has_min_max = !first;
    if (!first) {
      appendRaw(min, stats.min);
      appendRaw(max, stats.max);
    }
  }
}

}  // namespace

Batch concatenateBatches(const TableSchema& schema, const std::vector<BatchPtr>& batches) {
  Batch result;
  for (const auto& batch : batches) result.rows += batch->rows;
  for (size_t column_index = 0; column_index < schema.columns.size(); ++column_index) {
    MutableColumnPtr column = makeColumn(schema.columns[column_index].type);
    column->reserve(result.rows);
    for (const auto& batch : batches) column->appendRange(*batch->columns[column_index], 0, batch->rows);
    result.columns.push_back(std::move(column));
  }
  return result;
}

std::vector<uint32_t> sortPermutation(const Batch& batch, const std::vector<size_t>& key_columns) {
  std::vector<uint32_t> permutation(batch.rows);
  std::iota(permutation.begin(), permutation.end(), 0u);
  if (key_columns.empty()) return permutation;
  if (key_columns.size() == 1) {
    const Column& column = *batch.columns[key_columns[0]];
    dispatchPhysical(column.type(), [&](auto* tag) {
      using ColumnType = std::remove_pointer_t<decltype(tag)>;
      sortByColumn(static_cast<const ColumnType&>(column), permutation);
    });
    return permutation;
  }
  std::stable_sort(permutation.begin(), permutation.end(), [&](uint32_t a, uint32_t b) {
    for (size_t key : key_columns) {
      if (int result = compareRows(*batch.columns[key], a, b)) return result < 0;
    }
    return false;
  });
  return permutation;
}

Batch gatherBatch(const Batch& batch, const std::vector<uint32_t>& permutation) {
  Batch result;
  result.rows = permutation.size();
  for (const auto& column : batch.columns) result.columns.push_back(column->gather(permutation));
  return result;
}

Batch sliceBatch(const Batch& batch, size_t start, size_t count) {
  Batch result;
  result.rows = count;
  for (const auto& column : batch.columns) {
    MutableColumnPtr slice = column->cloneEmpty();
    slice->reserve(count);
    slice->appendRange(*column, start, count);
    result.columns.push_back(std::move(slice));
  }
  return result;
}

GranuleStats computeGranuleStats(const Column& column, size_t start, size_t count) {
  GranuleStats stats;
  if (column.type().isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(column);
    const auto& null_map = nullable.nullMap();
    // Min/max over the non-NULL rows: compute on the nested column restricted to them.
    std::vector<uint32_t> present;
    for (size_t row = start; row < start + count; ++row) {
      if (null_map[row]) stats.has_null = true;
      else present.push_back(static_cast<uint32_t>(row));
    }
    if (!present.empty() && !column.type().nested().isArray() && !column.type().nested().isNullable()) {
      MutableColumnPtr values = nullable.nested().gather(present);
      GranuleStats nested = computeGranuleStats(*values, 0, values->size());
      stats.has_min_max = nested.has_min_max;
      stats.min = std::move(nested.min);
      stats.max = std::move(nested.max);
    }
    return stats;
  }
  dispatchPhysical(column.type(), [&](auto* tag) {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    computeStats(static_cast<const ColumnType&>(column), start, count, stats);
  });
  return stats;
}

}  // namespace perch::storage
