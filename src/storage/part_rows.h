// The rows a table writes into a new part (flush, merge, replace): concatenated oldest first,
// sorted by the sorting key, deduplicated for ReplacingMergeTree, and — in merges — without the
// rows whose TTL has expired.
//
// Order of the steps follows ClickHouse's merge: rows are deduplicated first (the surviving
// version decides), then the TTL removes expired survivors.
//
// Thread safety: free functions over immutable inputs; the expiry function must be callable
// concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "storage/table_schema.h"
#include "types/column.h"

namespace perch::storage {

/// One expiry time per row (seconds since the epoch; INT64_MAX = never), ENGINE_TTL.
using ExpiryFunction = std::function<std::vector<int64_t>(const Batch&)>;

struct PartRowRules {
  std::vector<size_t> sorting_key_columns;
  bool replacing = false;               // ReplacingMergeTree: one row per full sorting key
  std::optional<size_t> version_column;  // ENGINE_VER; unset = the last inserted row wins
  ExpiryFunction expires_at;             // null = no TTL
};

/// The rows of `oldest_first` prepared for a part. `ttl_now` set: rows expiring at or before it are
/// removed (merges); unset: TTL is not applied (flushes and replaces keep every row).
Batch preparePartRows(const TableSchema& schema, const std::vector<BatchPtr>& oldest_first, const PartRowRules& rules,
                      std::optional<int64_t> ttl_now);

struct ExpiryRange {
  std::optional<int64_t> min;  // unset: no TTL or no rows
  std::optional<int64_t> max;
};
/// The earliest and latest expiry of the rows of `batches`.
ExpiryRange expiryRange(const std::vector<BatchPtr>& batches, const ExpiryFunction& expires_at);

}  // namespace perch::storage
