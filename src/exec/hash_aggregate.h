// HashAggregate: GROUP BY with hash tables specialized by key shape —
//   no keys (one state), one key of <= 2 bytes (direct-indexed array), one fixed-width key
//   (<= 8 bytes), several fixed-width keys packed into 16 bytes, one String key, and anything else
//   serialized into bytes.
// Each input batch is mapped to group numbers first, then every aggregate adds the whole batch
// through its inlined loop (AggregateFunction::addBatch). States live in an arena; keys are
// copied once per new group. Memory (memory_tracker.h): the arena and the hash tables charge the
// query's tracker as they grow; the group list and key columns are charged after each batch (a
// batch's new groups may pass the limit by what they take before the check). Output: key columns, then one column per aggregate, groups in
// first-seen order (with one thread; in parallel, per-thread partial tables are merged and the
// order is unspecified, as in ClickHouse). DISTINCT is a HashAggregate with every column as a key
// and no aggregates.
//
// WITH TOTALS (enableTotals): besides the groups, one totals row — the states of every group that
// passes HAVING merged into one (ClickHouse's default totals_mode, after_having_exclusive), keys
// at their default values — kept aside for the planner to project (totals()).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exec/aggregate_function.h"
#include "exec/arena.h"
#include "exec/expression.h"
#include "exec/hash_table.h"
#include "exec/operator.h"

namespace perch {

/// A String GROUP BY key of at most 15 bytes, packed with its length into 16 bytes (the bytes,
/// zero-padded, then the length in the top byte of `high`), so it is found without hashing or
/// comparing bytes. Its hash is one 64x64->128-bit multiply, folded (as in wyhash): event types,
/// codes and ids are looked up once per row, so the hash is most of a low-cardinality GROUP BY.
struct ShortStringKey {
  uint64_t low = 0, high = 0;
  bool operator==(const ShortStringKey&) const = default;
};
inline uint64_t hashKey(const ShortStringKey& key) {
  const unsigned __int128 product =
      static_cast<unsigned __int128>(key.low ^ 0x9e3779b97f4a7c15ULL) * (key.high ^ 0xc2b2ae3d27d4eb4fULL);
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

struct AggregateCall {
  AggregateFunctionPtr function;
  std::vector<BoundExprPtr> args;  // evaluated over the input batch
};

class HashAggregate final : public Operator {
 public:
  HashAggregate(OperatorPtr input, std::vector<BoundExprPtr> keys, std::vector<AggregateCall> aggregates, ExecContext& context);
  ~HashAggregate() override;

  std::optional<Batch> next() override;

  /// Also compute the totals row over the groups for which all of `having` (bound over this
  /// operator's output) hold; call before the first next().
  void enableTotals(std::vector<BoundExprPtr> having) {
    totals_enabled_ = true;
    totals_having_ = std::move(having);
  }
  /// The totals row (keys, then aggregates), once next() has returned the groups.
  const std::optional<Batch>& totals() const { return totals_; }

 private:
  enum class Method { kNone, kDirect16, kFixed64, kFixed128, kString, kSerialized };

  /// One thread's hash table, keys and states. With ExecContext::threads > 1, input batches are
  /// spread over one Partial per thread and the partials are merged into the first at the end.
  struct Partial {
    MemoryCharge groups_charge;  // group_states, key_columns, direct, code_groups (chargeGroups)
    Arena arena;
    std::vector<char*> group_states;
    std::vector<MutableColumnPtr> key_columns;
    std::vector<uint32_t> direct;  // kDirect16: group per key value
    FlatHashMap<uint64_t> fixed64;
    FlatHashMap<Key128> fixed128;
    FlatHashMap<ShortStringKey> short_strings;  // kString keys of <= 15 bytes
    std::vector<uint32_t> code_groups;          // kString over a dictionary granule: group per value
    FlatHashMap<StringKey> strings;
    std::string serialize_buffer;
  };

  Partial& addPartial();
  void consume(Partial& partial, const Batch& batch) const;
  void assignGroups(Partial& partial, const std::vector<ColumnPtr>& keys, size_t rows, std::vector<uint32_t>& groups) const;
  uint32_t newGroup(Partial& partial, const std::vector<ColumnPtr>& keys, size_t row) const;
  /// Sets partial.groups_charge to what its group list and key columns take now.
  static void chargeGroups(Partial& partial);
  /// Folds the groups of `from` into `into` (find or create each key, merge the states).
  void mergeInto(Partial& into, Partial& from) const;
  /// Destroys the states of `partial`'s groups (and forgets them).
  void destroyStates(Partial& partial) const;
  /// Merges the states of the groups of `groups` that pass totals_having_ into totals_.
  void computeTotals(Partial& result, const Batch& groups);

  OperatorPtr input_;
  std::vector<BoundExprPtr> keys_;
  std::vector<AggregateCall> aggregates_;
  ExecContext& context_;
  Method method_ = Method::kNone;
  bool done_ = false;

  std::vector<size_t> state_offsets_;
  size_t state_size_ = 0;
  size_t state_align_ = 8;
  size_t direct_size_ = 0;
  std::vector<std::unique_ptr<Partial>> partials_;
  bool totals_enabled_ = false;
  std::vector<BoundExprPtr> totals_having_;
  char* totals_state_ = nullptr;  // in partials_[0]'s arena
  std::optional<Batch> totals_;
};

}  // namespace perch
