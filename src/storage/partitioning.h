// Partitioning: which partition each row of a table belongs to (ENGINE_PARTITION_KEY).
//
// The storage layer never evaluates SQL: the table's owner supplies a PartitionFunction that maps
// a batch to one partition value per row (the partition key's value as text, e.g. "202401" for
// toYYYYMM(timestamp)). Storage turns each value into a partition id that can appear in a part
// file name (docs/formats/part.md) and never merges parts of different ids. Two values that map
// to the same id (a hash collision of unusual values) only share merges; no row is affected.
//
// Thread safety: free functions, reentrant; a PartitionFunction must be callable concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "types/column.h"

namespace perch::storage {

/// One partition value per row of the batch (same order). Must be deterministic: recovery
/// recomputes it for rows replayed from the write-ahead log.
using PartitionFunction = std::function<std::vector<std::string>(const Batch&)>;

/// The partition id of a partition value: the value itself when it is 1–64 characters of
/// [A-Za-z0-9-] (dates, months, numbers), else "x" followed by 16 hex digits of its 64-bit FNV-1a
/// hash. Never empty (the empty id means "unpartitioned").
std::string partitionId(std::string_view value);

struct PartitionRows {
  std::string partition;       // id
  std::vector<uint32_t> rows;  // positions in the batch, ascending
};

/// The rows of `batch` grouped by partition id, ids ascending. Without a function: one group with
/// the empty id holding every row. Throws perch::Error (kInternal) if the function returns the
/// wrong number of values.
std::vector<PartitionRows> splitByPartition(const Batch& batch, const PartitionFunction& partition_of);

}  // namespace perch::storage
