// uniqCombined and uniqHLL12 as ClickHouse 18.16 computes them: the same digits for the same rows,
// whatever the thread count or the order in which partial states are merged.
//
// Both count distinct *keys* exactly while there are few of them, then switch to a HyperLogLog
// counter fed with a hash of each key:
//   uniqCombined(K) (K in [12, 20], default 17): up to 16 keys in a flat array, then a hash set
//     of up to 2^(K-4) keys (8,192 for K = 17), then HyperLogLog with 2^K registers. As in
//     ClickHouse, an insert into a full hash set switches to HyperLogLog even when the key is
//     already there (8,192 distinct keys and one repeat after them are estimated, not counted).
//   uniqHLL12: up to 16 keys in a flat array, then HyperLogLog with 2^12 registers.
// Keys and the counter's hash, per argument list (UniqHasher's modes, uniq.h):
//   uniqCombined, one number / Date / DateTime: the low 32 bits of intHash64 of the widened value
//     (uniq's own 32-bit hash); one String: its CityHash64, a 64-bit key whose counter uses 64-bit
//     hashes; one UUID: the low 32 bits of its sipHash64; anything else: the low 32 bits of
//     UniqHasher's value. The counter's hash is the key itself.
//   uniqHLL12, one integer / Date / DateTime: the widened value; one float: its bits read as an
//     integer and converted to the float type (ClickHouse keeps that bit pattern in a Float key,
//     so patterns that round to one float are one key); one String: CityHash64; one UUID:
//     sipHash64 — the counter's hash being ClickHouse's intHash32 (Thomas Wang's 64 -> 32 bit mix,
//     salt 0) of the key; anything else: UniqHasher's value, whose low 32 bits are the hash.
// HyperLogLog (ClickHouse's HyperLogLogCounter, W-bit hashes, W = 32 or 64): the low K bits pick
// the register, the register keeps the largest 1 + trailing zeros of the remaining bits (capped at
// W - K + 1, which all-zero bits give). The estimate E = alpha_m * m^2 / sum(2^-register), the sum
// taken by counting registers per rank in long double (so it does not depend on insertion order),
// then: with 32-bit hashes and E > 2^32 / 30, -2^32 * ln(1 - E / 2^32); otherwise for K = 17 the
// HyperLogLog++ bias correction (E minus the interpolated bias when E <= 5m; linear counting
// m * ln(m / zero registers) instead when that is below 177,700), for other K linear counting when
// E <= 2.5m and a register is zero. The result is rounded to the nearest integer, as UInt32.
//
// Merging takes the register-wise max and re-inserts exact keys, so every stage's result depends
// only on the set of keys seen (except the ClickHouse quirk at exactly 2^(K-4) keys above).
//
// Thread-safety: states are plain values owned by one thread; functions are immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "exec/aggregate_function.h"
#include "exec/memory_tracker.h"

namespace perch {

/// ClickHouse's intHash32<0>: Thomas Wang's 64-bit to 32-bit integer mix with its right shifts
/// turned into rotations (as ClickHouse has it).
uint32_t clickhouseIntHash32(uint64_t key);

/// The HyperLogLog++ bias of a raw 2^17-register estimate (ClickHouse's UniqCombinedBiasData,
/// linearly interpolated; the first or last bias outside the table).
double uniqCombinedBias(double raw_estimate);
inline constexpr double kUniqCombinedLinearCountingThreshold = 177700;

/// HyperLogLog registers (one byte each, charged to the current query's memory tracker).
class HyperLogLog {
 public:
  /// 2^precision registers for `hash_bits`-bit hashes (32 or 64); precision in [4, 20].
  HyperLogLog(uint8_t precision, uint8_t hash_bits);

  void insert(uint64_t hash) {
    const uint64_t tail = hash_bits_ == 32 ? static_cast<uint32_t>(hash) >> precision_ : hash >> precision_;
    const uint8_t rank = tail == 0 ? maxRank() : static_cast<uint8_t>(__builtin_ctzll(tail) + 1);
    uint8_t& slot = registers_[hash & ((uint64_t{1} << precision_) - 1)];
    if (rank > slot) slot = rank;
  }
  /// Register-wise max with `other` (same shape).
  void merge(const HyperLogLog& other);
  /// ClickHouse's size(): see the top of this file.
  uint32_t estimate(bool bias_corrected) const;

  uint8_t maxRank() const { return static_cast<uint8_t>(hash_bits_ - precision_ + 1); }
  size_t registerCount() const { return size_t{1} << precision_; }
  uint8_t registerAt(size_t index) const { return registers_[index]; }

  /// VarUInt count of non-zero registers, then for each in index order: VarUInt gap from the
  /// previous one's index (the first: its index), Pod<uint8_t> rank.
  void write(StateWriter& out) const;
  /// Reads write()'s form into this fresh counter; an index past the registers or out of order,
  /// or a rank of 0 or above maxRank() is corrupt.
  void read(StateReader& in);

 private:
  uint8_t precision_;
  uint8_t hash_bits_;
  MemoryCharge charge_;
  std::unique_ptr<uint8_t[]> registers_;
};

/// What distinguishes uniqCombined(K) from uniqHLL12 in CardinalityEstimator.
struct EstimatorShape {
  uint32_t medium_max;   // keys the hash set holds at most; 0: no hash-set stage (uniqHLL12)
  uint8_t precision;     // HyperLogLog has 2^precision registers
  uint8_t hash_bits;     // of the counter's hashes: 32 or 64
  bool bias_corrected;   // the HyperLogLog++ table (uniqCombined(17))
  bool int_hash32;       // the counter's hash is clickhouseIntHash32(key), not the key's low bits

  uint64_t hashOf(uint64_t key) const { return int_hash32 ? clickhouseIntHash32(key) : key; }
};

/// ClickHouse's CombinedCardinalityEstimator (and, without the hash-set stage,
/// HyperLogLogWithSmallSetOptimization) over keys of type Key (uint32_t or uint64_t). Every call
/// takes the function's shape, which a state does not store.
template <typename Key>
class CardinalityEstimator {
 public:
  enum class Stage : uint8_t { kSmall = 1, kMedium = 2, kLarge = 3 };
  static constexpr uint8_t kSmallMax = 16;

  CardinalityEstimator() = default;
  CardinalityEstimator(const CardinalityEstimator&) = delete;
  CardinalityEstimator& operator=(const CardinalityEstimator&) = delete;
  ~CardinalityEstimator();

  void insert(Key key, const EstimatorShape& shape);
  /// ClickHouse's merge: move up to the later stage of the two, then re-insert other's keys or
  /// take the register-wise max.
  void merge(const CardinalityEstimator& other, const EstimatorShape& shape);
  uint64_t estimate(const EstimatorShape& shape) const;
  Stage stage() const { return stage_; }

  /// Pod<uint8_t> stage, Pod<uint8_t> precision (uniqCombined(14)'s state read as uniqCombined's
  /// is refused, not misread); small and medium: VarUInt count, that many Pod<Key> keys (any
  /// order); large: HyperLogLog::write.
  void write(StateWriter& out, const EstimatorShape& shape) const;
  /// Reads write()'s form into this fresh state; an unknown stage, another precision, more keys
  /// than the stage holds, a repeated key or a malformed counter is corrupt.
  void read(StateReader& in, const EstimatorShape& shape);

 private:
  class KeySet;

  void toMedium();
  void toLarge(const EstimatorShape& shape);
  template <typename Fn>
  void forEachKey(Fn&& fn) const;

  Stage stage_ = Stage::kSmall;
  uint8_t small_size_ = 0;
  Key small_[kSmallMax] = {};
  KeySet* medium_ = nullptr;                // stage kMedium
  std::unique_ptr<HyperLogLog> large_;      // stage kLarge
};

/// uniqCombined[(K)] over `types` (non-Nullable); K from `parameters` (at most one, an integer in
/// [12, 20]). Throws kBadRequest for a bad parameter or an argument type it cannot hash.
AggregateFunctionPtr createUniqCombined(std::span<const DataType> types, std::span<const ColumnPtr> parameters);
/// uniqHLL12 over `types` (non-Nullable); takes no parameters.
AggregateFunctionPtr createUniqHLL12(std::span<const DataType> types, std::span<const ColumnPtr> parameters);

}  // namespace perch
