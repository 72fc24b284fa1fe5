#include "storage/part_rows.h"

#include <algorithm>

#include "common/error.h"
#include "storage/row_order.h"

namespace perch::storage {
namespace {

std::vector<int64_t> expiries(const Batch& batch, const ExpiryFunction& expires_at) {
  std::vector<int64_t> values = expires_at(batch);
  if (values.size() != batch.rows) {
    throw Error(ErrorCode::kInternal, "TTL expression returned " + std::to_string(values.size()) + " values for " +
                                          std::to_string(batch.rows) + " rows");
  }
  return values;
}

}  // namespace

Batch preparePartRows(const TableSchema& schema, const std::vector<BatchPtr>& oldest_first, const PartRowRules& rules,
                      std::optional<int64_t> ttl_now) {
  Batch rows = concatenateBatches(schema, oldest_first);
  if (!rules.sorting_key_columns.empty()) rows = gatherBatch(rows, sortPermutation(rows, rules.sorting_key_columns));
  if (rules.replacing && rows.rows > 1) {
    std::vector<uint32_t> keep = replacingSelection(rows, rules.sorting_key_columns, rules.version_column);
    if (keep.size() < rows.rows) rows = gatherBatch(rows, keep);
  }
  if (ttl_now && rules.expires_at && rows.rows > 0) {
    const std::vector<int64_t> expiry = expiries(rows, rules.expires_at);
    std::vector<uint32_t> alive;
    alive.reserve(rows.rows);
    for (size_t row = 0; row < rows.rows; ++row) {
      if (expiry[row] > *ttl_now) alive.push_back(static_cast<uint32_t>(row));
    }
    if (alive.size() < rows.rows) rows = gatherBatch(rows, alive);
  }
  return rows;
}

ExpiryRange expiryRange(const std::vector<BatchPtr>& batches, const ExpiryFunction& expires_at) {
  ExpiryRange range;
  if (!expires_at) return range;
  for (const auto& batch : batches) {
    if (batch->rows == 0) continue;
    for (int64_t value : expiries(*batch, expires_at)) {
      range.min = range.min ? std::min(*range.min, value) : value;
      range.max = range.max ? std::max(*range.max, value) : value;
    }
  }
  return range;
}

}  // namespace perch::storage
