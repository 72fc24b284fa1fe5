// Row ordering and per-granule statistics for the part writer: concatenating buffered batches,
// sorting them by the sorting key, slicing them into granules and computing min/max per column.
//
// Sort order per physical class: numbers ascending (NaN last), strings bytewise, NULL last,
// arrays lexicographically. The sort is stable, so rows with equal keys keep their arrival order.
//
// Thread safety: free functions over immutable inputs; reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/table_schema.h"
#include "types/column.h"

namespace perch::storage {

/// All rows of `batches`, in order, as one batch with one column per schema column.
Batch concatenateBatches(const TableSchema& schema, const std::vector<BatchPtr>& batches);
/// Row positions of `batch` in ascending order of the columns `key_columns` (stable).
std::vector<uint32_t> sortPermutation(const Batch& batch, const std::vector<size_t>& key_columns);
/// The rows `permutation` of `batch`, in that order.
Batch gatherBatch(const Batch& batch, const std::vector<uint32_t>& permutation);
/// Rows [start, start + count) of `batch` as a new batch.
Batch sliceBatch(const Batch& batch, size_t start, size_t count);
/// Three-way comparison (-1, 0, 1) of rows `left` and `right` of `column`, in the sort order above.
int compareColumnRows(const Column& column, size_t left, size_t right);
/// ReplacingMergeTree: of every run of rows of `sorted` (sorted by `key_columns`, stable) with
/// equal values in all key columns, the position of the one row to keep — the one with the
/// greatest `version_column` value, the last one on ties or without a version column. Ascending.
std::vector<uint32_t> replacingSelection(const Batch& sorted, const std::vector<size_t>& key_columns,
                                         std::optional<size_t> version_column);

/// Min/max of one column over one granule, encoded with the column's physical value layout
/// (raw little-endian bytes for fixed-width values, the bytes for strings). Arrays, floats holding
/// only NaN and strings longer than kMaxStatsStringBytes have no min/max.
struct GranuleStats {
  static constexpr size_t kMaxStatsStringBytes = 256;
  bool has_min_max = false;
  bool has_null = false;
  std::string min;
  std::string max;
};
GranuleStats computeGranuleStats(const Column& column, size_t start, size_t count);

}  // namespace perch::storage
