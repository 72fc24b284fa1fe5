// HashAggregate: GROUP BY with hash tables specialized by key shape —
//   no keys (one state), one key of <= 2 bytes (direct-indexed array), one fixed-width key
//   (<= 8 bytes), several fixed-width keys packed into 16 bytes, one String key, and anything else
//   serialized into bytes.
// Each input batch is mapped to group numbers first, then every aggregate adds the whole batch
// through its inlined loop (AggregateFunction::addBatch). States live in an arena; keys are
// copied once per new group. Output: key columns, then one column per aggregate, groups in
// first-seen order. DISTINCT is a HashAggregate with every column as a key and no aggregates.
#pragma once

#include <vector>

#include "exec/aggregate_function.h"
#include "exec/arena.h"
#include "exec/expression.h"
#include "exec/hash_table.h"
#include "exec/operator.h"

namespace perch {

struct AggregateCall {
  AggregateFunctionPtr function;
  std::vector<BoundExprPtr> args;  // evaluated over the input batch
};

class HashAggregate final : public Operator {
 public:
  HashAggregate(OperatorPtr input, std::vector<BoundExprPtr> keys, std::vector<AggregateCall> aggregates, ExecContext& context);
  ~HashAggregate() override;

  std::optional<Batch> next() override;

 private:
  enum class Method { kNone, kDirect16, kFixed64, kFixed128, kString, kSerialized };

  void consume(const Batch& batch);
  void assignGroups(const std::vector<ColumnPtr>& keys, size_t rows, std::vector<uint32_t>& groups);
  uint32_t newGroup(const std::vector<ColumnPtr>& keys, size_t row);
  StringKey storeString(std::string_view bytes, uint64_t hash);

  OperatorPtr input_;
  std::vector<BoundExprPtr> keys_;
  std::vector<AggregateCall> aggregates_;
  ExecContext& context_;
  Method method_ = Method::kNone;
  bool done_ = false;

  Arena arena_;
  std::vector<size_t> state_offsets_;
  size_t state_size_ = 0;
  size_t state_align_ = 8;
  std::vector<char*> group_states_;
  std::vector<MutableColumnPtr> key_columns_;

  std::vector<uint32_t> direct_;  // kDirect16: group per key value
  FlatHashMap<uint64_t> fixed64_;
  FlatHashMap<Key128> fixed128_;
  FlatHashMap<StringKey> strings_;
  std::string serialize_buffer_;
};

}  // namespace perch
