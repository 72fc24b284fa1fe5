// MergePolicy: which parts of a table to merge next — size-tiered within one partition, with TTL.
//
// Tiers: a part of r rows is in tier 0 when r < base_rows, else in tier 1 + floor(log_m(r /
// base_rows)) with m = min_parts. A normal merge combines min_parts..max_parts consecutive parts
// (in WAL order, same partition) of the same tier, each smaller than max_part_rows, so its output
// has at least m times the rows of an input and lands at least one tier higher. A row is therefore
// rewritten by normal merges at most once per tier above base_rows: write amplification is bounded
// by 1 + log_m(max_part_rows / base_rows) (plus the merges of parts smaller than base_rows, which
// rewrite fewer than max_parts × base_rows rows each). Tier-0 runs are preferred, then the oldest.
//
// TTL (ClickHouse's TTL ... DELETE with merge_with_ttl_timeout): a part whose rows have all
// expired is dropped without reading it; a part with some expired rows is rewritten alone (the
// merge drops them) even if no normal merge would pick it, but at most once per ttl_merge_interval
// per partition so that continuously expiring rows do not rewrite a large part over and over.
//
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace perch::storage {

struct MergeCandidate {
  std::string partition;
  uint64_t rows = 0;
  /// Earliest and latest expiry (seconds since the epoch) of the part's rows; unset without TTL.
  std::optional<int64_t> min_expiry;
  std::optional<int64_t> max_expiry;
  /// Whether a TTL rewrite in this part's partition is allowed now (the interval has passed).
  bool ttl_rewrite_allowed = true;
};

struct MergeSettings {
  size_t min_parts = 6;
  size_t max_parts = 10;
  uint64_t max_part_rows = 10'000'000;
  uint64_t base_rows = 8192;
};

struct MergeChoice {
  enum class Kind { kNone, kDropExpired, kTtlRewrite, kMerge };
  Kind kind = Kind::kNone;
  std::vector<size_t> parts;  // positions in the candidate list, ascending, one partition
};

/// The tier of a part of `rows` rows (see above).
uint32_t mergeTier(uint64_t rows, const MergeSettings& settings);

/// The next merge among `parts` (all parts of the table, in WAL order; parts of one partition keep
/// their relative order) at time `now` (seconds since the epoch). Priority: drop a fully expired
/// part, rewrite a part with expired rows, then a normal merge.
MergeChoice chooseMerge(const std::vector<MergeCandidate>& parts, const MergeSettings& settings, int64_t now);

}  // namespace perch::storage
