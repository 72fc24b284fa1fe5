#include "storage/row_order.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
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

// An order-preserving uint64 per row of a fixed-width column: sign bit flipped for signed
// integers, the usual bit trick for floats (NaN last).
template <typename T>
uint64_t normalize(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    const double as_double = static_cast<double>(value);
    if (std::isnan(as_double)) return UINT64_MAX;
    uint64_t bits;
    std::memcpy(&bits, &as_double, sizeof(bits));
    if (as_double == 0) bits = 0;  // -0.0 == 0.0
    return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<uint64_t>(static_cast<int64_t>(value)) ^ (uint64_t{1} << 63);
  } else {
    return static_cast<uint64_t>(value);
  }
}

// Dense ranks (equal values, equal rank; order preserved) of every row of `column`, so the sort
// itself compares contiguous integers instead of chasing strings or nested columns.
template <typename ColumnType>
std::vector<uint64_t> rowKeys(const ColumnType& column) {
  const size_t rows = column.size();
  std::vector<uint64_t> keys(rows);
  if constexpr (std::is_same_v<ColumnType, ColumnString>) {
    std::unordered_map<std::string_view, uint32_t> distinct;
    std::vector<uint32_t> value_of_row(rows);
    std::vector<std::string_view> values;
    for (size_t row = 0; row < rows; ++row) {
      auto [it, inserted] = distinct.try_emplace(column.at(row), static_cast<uint32_t>(values.size()));
      if (inserted) values.push_back(it->first);
      value_of_row[row] = it->second;
    }
    std::vector<uint32_t> order(values.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
    std::vector<uint64_t> rank(values.size());
    for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    for (size_t row = 0; row < rows; ++row) keys[row] = rank[value_of_row[row]];
  } else if constexpr (std::is_same_v<ColumnType, ColumnNullable> || std::is_same_v<ColumnType, ColumnArray> ||
                       std::is_same_v<ColumnType, ColumnVector<Int128>>) {
    // No order-preserving 64-bit image: rank by comparing rows (Int128 is Decimal(P > 18) only).
    std::vector<uint32_t> order(rows);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return compareTyped(column, a, b) < 0; });
    uint64_t rank = 0;
    for (size_t i = 0; i < rows; ++i) {
      if (i > 0 && compareTyped(column, order[i - 1], order[i]) != 0) ++rank;
      keys[order[i]] = rank;
    }
  } else {
    const auto& data = column.data();
    for (size_t row = 0; row < rows; ++row) keys[row] = normalize(data[row]);
  }
  return keys;
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
  // Least significant key first: each pass stably sorts (key, row) pairs, which sit contiguously
  // in memory, and stability keeps the order established by the later keys.
  std::vector<std::pair<uint64_t, uint32_t>> pairs(batch.rows);
  for (auto key = key_columns.rbegin(); key != key_columns.rend(); ++key) {
    const Column& column = *batch.columns[*key];
    const std::vector<uint64_t> keys = dispatchPhysical(column.type(), [&](auto* tag) {
      using ColumnType = std::remove_pointer_t<decltype(tag)>;
      return rowKeys(static_cast<const ColumnType&>(column));
    });
    for (size_t i = 0; i < batch.rows; ++i) pairs[i] = {keys[permutation[i]], permutation[i]};
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < batch.rows; ++i) permutation[i] = pairs[i].second;
  }
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

int compareColumnRows(const Column& column, size_t left, size_t right) { return compareRows(column, left, right); }

std::vector<uint32_t> replacingSelection(const Batch& sorted, const std::vector<size_t>& key_columns,
                                         std::optional<size_t> version_column) {
  std::vector<uint32_t> keep;
  if (sorted.rows == 0) return keep;
  auto same_key = [&](size_t a, size_t b) {
    for (size_t key : key_columns) {
      if (compareRows(*sorted.columns[key], a, b) != 0) return false;
    }
    return true;
  };
  size_t best = 0;
  for (size_t row = 1; row <= sorted.rows; ++row) {
    if (row == sorted.rows || !same_key(row - 1, row)) {
      keep.push_back(static_cast<uint32_t>(best));
      best = row;
      continue;
    }
    // Later rows win ties: they were inserted later (the sort is stable over arrival order).
    if (!version_column || compareRows(*sorted.columns[*version_column], row, best) >= 0) best = row;
  }
  return keep;
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
