#include "storage/merge_policy.h"

#include <algorithm>
#include <map>

namespace perch::storage {

uint32_t mergeTier(uint64_t rows, const MergeSettings& settings) {
  const uint64_t base = std::max<uint64_t>(1, settings.base_rows);
  const uint64_t factor = std::max<uint64_t>(2, settings.min_parts);
  if (rows < base) return 0;
  uint32_t tier = 1;
  for (uint64_t bound = base * factor; rows >= bound && bound <= UINT64_MAX / factor; bound *= factor) ++tier;
  return tier;
}

MergeChoice chooseMerge(const std::vector<MergeCandidate>& parts, const MergeSettings& settings, int64_t now) {
  MergeChoice choice;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].max_expiry && *parts[i].max_expiry <= now && parts[i].rows > 0) {
      choice.kind = MergeChoice::Kind::kDropExpired;
      choice.parts = {i};
      return choice;
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].min_expiry && *parts[i].min_expiry <= now && parts[i].ttl_rewrite_allowed) {
      choice.kind = MergeChoice::Kind::kTtlRewrite;
      choice.parts = {i};
      return choice;
    }
  }

  std::map<std::string, std::vector<size_t>> by_partition;
  for (size_t i = 0; i < parts.size(); ++i) by_partition[parts[i].partition].push_back(i);
  const size_t min_parts = std::max<size_t>(2, settings.min_parts);
  const size_t max_parts = std::max(min_parts, settings.max_parts);
  std::optional<uint32_t> best_tier;
  for (const auto& [partition, positions] : by_partition) {
    // Empty parts (left by dropped expired parts) cost nothing to merge: two in a row are merged
    // away, and a run of non-empty parts takes along the empty ones between its members.
    for (size_t k = 0; k + 1 < positions.size() && choice.kind == MergeChoice::Kind::kNone; ++k) {
      if (parts[positions[k]].rows == 0 && parts[positions[k + 1]].rows == 0) {
        choice.kind = MergeChoice::Kind::kMerge;
        choice.parts = {positions[k], positions[k + 1]};
        best_tier = 0;
      }
    }
    std::vector<size_t> filled;  // indexes into `positions` of the non-empty parts
    for (size_t k = 0; k < positions.size(); ++k) {
      if (parts[positions[k]].rows > 0) filled.push_back(k);
    }
    // Split them into maximal runs of consecutive mergeable parts of one tier.
    size_t run_start = 0;
    while (run_start < filled.size()) {
      const MergeCandidate& head = parts[positions[filled[run_start]]];
      const uint32_t tier = mergeTier(head.rows, settings);
      size_t run_end = run_start + 1;
      if (head.rows < settings.max_part_rows) {
        while (run_end < filled.size() && parts[positions[filled[run_end]]].rows < settings.max_part_rows &&
               mergeTier(parts[positions[filled[run_end]]].rows, settings) == tier) {
          ++run_end;
        }
        const size_t length = run_end - run_start;
        const size_t first = positions[filled[run_start]];
        if (length >= min_parts && (!best_tier || tier < *best_tier || (tier == *best_tier && first < choice.parts.front()))) {
          best_tier = tier;
          choice.kind = MergeChoice::Kind::kMerge;
          const size_t last = filled[run_start + std::min(length, max_parts) - 1];
          choice.parts.assign(positions.begin() + static_cast<std::ptrdiff_t>(filled[run_start]),
                              positions.begin() + static_cast<std::ptrdiff_t>(last + 1));
        }
      }
      run_start = run_end;
    }
  }
  return choice;
}

}  // namespace perch::storage
