#include "storage/partitioning.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "common/error.h"

namespace perch::storage {

std::string partitionId(std::string_view value) {
  const bool plain = !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (plain) return std::string(value);
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : value) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "x";
  for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(hash >> shift) & 0xf]);
  return id;
}

std::vector<PartitionRows> splitByPartition(const Batch& batch, const PartitionFunction& partition_of) {
  if (!partition_of) {
    PartitionRows all;
    all.rows.resize(batch.rows);
    std::iota(all.rows.begin(), all.rows.end(), 0u);
    return {std::move(all)};
  }
  const std::vector<std::string> values = partition_of(batch);
  if (values.size() != batch.rows) {
    throw Error(ErrorCode::kInternal, "partition key returned " + std::to_string(values.size()) + " values for " +
                                          std::to_string(batch.rows) + " rows");
  }
  std::map<std::string, std::vector<uint32_t>, std::less<>> groups;
  std::string_view previous_value;
  std::vector<uint32_t>* previous_rows = nullptr;
  for (size_t row = 0; row < values.size(); ++row) {
    // Consecutive rows usually share a partition (a batch of recent events): hash once per run.
    if (previous_rows == nullptr || values[row] != previous_value) {
      previous_rows = &groups[partitionId(values[row])];
      previous_value = values[row];
    }
    previous_rows->push_back(static_cast<uint32_t>(row));
  }
  std::vector<PartitionRows> result;
  for (auto& [id, rows] : groups) result.push_back(PartitionRows{id, std::move(rows)});
  return result;
}

}  // namespace perch::storage
