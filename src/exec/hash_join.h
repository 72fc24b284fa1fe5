// HashJoin: joins the left input (streamed, batch by batch) with the right input (drained once and
// indexed by its key columns), as ClickHouse's default hash join does: the build side is always the
// right-hand table. Output rows are the left columns followed by the right columns.
//
// Semantics follow ClickHouse with join_use_nulls = 0: a left row without a match (LEFT/ANTI/FULL)
// gets the right columns' default values (0, '', NULL only for Nullable columns); NULL keys never
// match. ALL emits every matching pair; ANY and SEMI take the first matching right row (in the right
// input's order); ANTI keeps left rows without a match. RIGHT/FULL emit the right rows no left row
// matched after the left input is exhausted. CROSS (no keys) emits the cartesian product.
//
// Keys are compared after conversion to a common type (chosen by the planner); rows are hashed on an
// encoded form of all key values. One operator per query plan; driven by one thread.
//
// Memory: the build side (its rows, key index and match lists) is charged to the query's memory
// tracker for the operator's life; each output batch's row pairs are charged while it is made, so
// a join that multiplies rows fails with the memory limit instead of exhausting the machine.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "exec/expression.h"
#include "exec/hash_table.h"
#include "exec/memory_tracker.h"
#include "exec/operator.h"

namespace perch {

enum class JoinMode { kInner, kLeft, kRight, kFull, kCross };
enum class JoinMatch { kAll, kAny, kSemi, kAnti };

class HashJoin final : public Operator {
 public:
  struct Spec {
    JoinMode mode = JoinMode::kInner;
    JoinMatch match = JoinMatch::kAll;
    std::vector<DataType> left_types, right_types;
    std::vector<BoundExprPtr> left_keys, right_keys;  // evaluated on left / right batches
    std::vector<DataType> key_types;                  // common type per key (without Nullable)
    /// USING keys as (left column, right column): a RIGHT/FULL row without a left match shows the
    /// right side's key value in the left column, which stands for both.
    std::vector<std::pair<size_t, size_t>> using_columns;
  };

  HashJoin(OperatorPtr left, OperatorPtr right, Spec spec, ExecContext& context)
      : left_(std::move(left)), right_(std::move(right)), spec_(std::move(spec)), context_(context) {}

  std::optional<Batch> next() override;

 private:
  void build();
  /// The encoded keys of a batch: all key values of row i are bytes [ends[i-1], ends[i]) of
  /// `bytes`; `valid[i]` is false when a key of row i is NULL.
  struct EncodedKeys {
    std::string bytes;
    std::vector<uint32_t> ends;
    std::vector<uint8_t> valid;
    std::string_view row(size_t i) const { return std::string_view(bytes).substr(i ? ends[i - 1] : 0, ends[i] - (i ? ends[i - 1] : 0)); }
  };
  EncodedKeys encodeKeys(const std::vector<BoundExprPtr>& keys, const Batch& batch) const;
  /// The entry (index into matches_) of an encoded key, or kNoEntry; with `insert`, creates it.
  uint32_t lookup(std::string_view key, bool insert);
  Batch emit(const Batch& left, const std::vector<uint32_t>& left_rows, const std::vector<uint32_t>& right_rows) const;
  std::optional<Batch> unmatchedRight();

  OperatorPtr left_, right_;
  Spec spec_;
  ExecContext& context_;
  bool built_ = false;
  bool left_done_ = false;
  bool right_emitted_ = false;
  MemoryCharge build_charge_;        // declared before what it covers: released after it is freed
  size_t right_row_bytes_ = 0;       // average bytes of a right row (output estimates)
  Batch right_batch_;                // all right rows plus one row of defaults at index right_rows_
  size_t right_rows_ = 0;
  // Keys of up to 15 bytes (nearly all: ids, codes, numbers) are packed with their length into
  // 16 bytes; longer ones are kept as strings. Both map to an entry: the right rows of that key,
  // in input order.
  static constexpr uint32_t kNoEntry = UINT32_MAX;
  FlatHashMap<Key128> packed_index_;
  std::unordered_map<std::string, uint32_t> long_index_;
  std::vector<std::vector<uint32_t>> matches_;
  std::vector<uint8_t> right_matched_;                             // RIGHT/FULL
  Batch left_defaults_;                                            // one row of left defaults (RIGHT/FULL)
  // CROSS: the left batch being expanded and the next right row to pair with it.
  std::optional<Batch> cross_left_;
  size_t cross_next_right_ = 0;
};

}  // namespace perch
