// uniqCombined and uniqHLL12 (see uniq_combined.h for what they compute).
#include "exec/uniq_combined.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/kernel_loops.h"
#include "exec/uniq.h"

namespace perch {

uint32_t clickhouseIntHash32(uint64_t key) {
  key = ~key + (key << 18);
  key ^= (key >> 31) | (key << 33);
  key *= 21;
  key ^= (key >> 11) | (key << 53);
  key += key << 6;
  key ^= (key >> 22) | (key << 42);
  return static_cast<uint32_t>(key);
}

// ---- HyperLogLog --------------------------------------------------------------------------

HyperLogLog::HyperLogLog(uint8_t precision, uint8_t hash_bits) : precision_(precision), hash_bits_(hash_bits) {
  charge_.add(registerCount(), "uniqCombined/uniqHLL12 registers");
  registers_.reset(new uint8_t[registerCount()]());
}

void HyperLogLog::merge(const HyperLogLog& other) {
  for (size_t i = 0, n = registerCount(); i < n; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

uint32_t HyperLogLog::estimate(bool bias_corrected) const {
  const size_t count = registerCount();
  uint32_t per_rank[65] = {};
  for (size_t i = 0; i < count; ++i) ++per_rank[registers_[i]];
  const uint32_t zeros = per_rank[0];
  // sum(2^-register) as ClickHouse's stable denominator adds it: rank by rank, from the highest,
  // in long double.
  long double denominator = per_rank[maxRank()];
  for (int rank = maxRank() - 1; rank >= 0; --rank) {
    denominator /= 2.0;
    denominator += per_rank[rank];
  }
  const double m = static_cast<double>(count);
  const double alpha = 0.7213 / (1 + 1.079 / m);  // m >= 128 here: ClickHouse's small-m constants never apply
  const double raw = alpha * m * m / static_cast<double>(denominator);
  const double linear = zeros != 0 ? m * (std::log(m) - std::log(static_cast<double>(zeros))) : raw;
  constexpr double kPow2_32 = 4294967296.0;
  double fixed;
  if (hash_bits_ == 32 && raw > kPow2_32 / 30.0) {
    fixed = -kPow2_32 * std::log(1.0 - raw / kPow2_32);
  } else if (bias_corrected) {
    fixed = raw <= 5.0 * m ? raw - uniqCombinedBias(raw) : raw;
    if (zeros != 0 && linear < kUniqCombinedLinearCountingThreshold) fixed = linear;
  } else {
    fixed = raw <= 2.5 * m ? linear : raw;
  }
  // ClickHouse returns static_cast<UInt32>(fixed + 0.5); beyond 2^32 (or past 2^32 hashes: NaN)
  // its value is undefined, here it wraps.
  const double rounded = fixed + 0.5;
  if (!(rounded >= 0 && rounded < 18446744073709551616.0)) return 0;
  return static_cast<uint32_t>(static_cast<uint64_t>(rounded));
}

void HyperLogLog::write(StateWriter& out) const {
  const size_t count = registerCount();
  uint64_t non_zero = 0;
  for (size_t i = 0; i < count; ++i) non_zero += registers_[i] != 0;
  out.writeVarUInt(non_zero);
  size_t previous = 0;
  for (size_t i = 0; i < count; ++i) {
    if (registers_[i] == 0) continue;
    out.writeVarUInt(i - previous);
    out.writePod(registers_[i]);
    previous = i;
  }
}

void HyperLogLog::read(StateReader& in) {
  const uint64_t non_zero = in.readCount(2);
  if (non_zero > registerCount()) in.corrupt("it holds more HyperLogLog registers than there are");
  uint64_t index = 0;
  for (uint64_t i = 0; i < non_zero; ++i) {
    const uint64_t gap = in.readVarUInt();
    if (i > 0 && gap == 0) in.corrupt("its HyperLogLog registers are out of order");
    if (gap >= registerCount() - index) in.corrupt("a HyperLogLog register index is past the last register");
    index += gap;
    const auto rank = in.readPod<uint8_t>();
    if (rank == 0 || rank > maxRank()) in.corrupt("a HyperLogLog register holds an impossible rank");
    registers_[index] = rank;
  }
}

// ---- CardinalityEstimator -----------------------------------------------------------------

// The exact stage of uniqCombined: an open-addressing set of keys (zero is a flag, not a cell),
// doubled when more than half full; its cells are charged to the query.
template <typename Key>
class CardinalityEstimator<Key>::KeySet {
 public:
  KeySet() { allocate(kInitialDegree); }

  void insert(Key key) {
    if (key == 0) {
      size_ += !has_zero_;
      has_zero_ = true;
      return;
    }
    const size_t mask = (size_t{1} << degree_) - 1;
    size_t place = placeOf(key, degree_);
    while (cells_[place] != 0) {
      if (cells_[place] == key) return;
      place = (place + 1) & mask;
    }
    cells_[place] = key;
    if (++size_ * 2 > (size_t{1} << degree_)) grow();
  }
  uint32_t size() const { return size_; }
  template <typename Fn>
  void forEach(Fn&& fn) const {
    if (has_zero_) fn(Key{0});
    for (size_t i = 0, n = size_t{1} << degree_; i < n; ++i) {
      if (cells_[i] != 0) fn(cells_[i]);
    }
  }

 private:
  static constexpr uint8_t kInitialDegree = 6;

  // Keys are hashes already; the multiply only spreads structured ones (Fibonacci hashing).
  static size_t placeOf(Key key, uint8_t degree) {
    return static_cast<size_t>((static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >> (64 - degree));
  }
  void allocate(uint8_t degree) {
    charge_.set((size_t{1} << degree) * sizeof(Key), "uniqCombined hash set");
    cells_.reset(new Key[size_t{1} << degree]());
    degree_ = degree;
  }
  void grow() {
    const std::unique_ptr<Key[]> old = std::move(cells_);
    const size_t old_count = size_t{1} << degree_;
    allocate(static_cast<uint8_t>(degree_ + 1));
    const size_t mask = (size_t{1} << degree_) - 1;
    for (size_t i = 0; i < old_count; ++i) {
      if (old[i] == 0) continue;
      size_t place = placeOf(old[i], degree_);
      while (cells_[place] != 0) place = (place + 1) & mask;
      cells_[place] = old[i];
    }
  }

  MemoryCharge charge_;
  std::unique_ptr<Key[]> cells_;
  uint32_t size_ = 0;
  uint8_t degree_ = 0;
  bool has_zero_ = false;
};

template <typename Key>
CardinalityEstimator<Key>::~CardinalityEstimator() {
  delete medium_;
}

template <typename Key>
template <typename Fn>
void CardinalityEstimator<Key>::forEachKey(Fn&& fn) const {
  if (stage_ == Stage::kMedium) {
    medium_->forEach(fn);
  } else {
    for (uint8_t i = 0; i < small_size_; ++i) fn(small_[i]);
  }
}

template <typename Key>
void CardinalityEstimator<Key>::toMedium() {
  auto medium = std::make_unique<KeySet>();
  for (uint8_t i = 0; i < small_size_; ++i) medium->insert(small_[i]);
  medium_ = medium.release();
  stage_ = Stage::kMedium;
}

template <typename Key>
void CardinalityEstimator<Key>::toLarge(const EstimatorShape& shape) {
  auto large = std::make_unique<HyperLogLog>(shape.precision, shape.hash_bits);
  forEachKey([&](Key key) { large->insert(shape.hashOf(key)); });
  delete medium_;
  medium_ = nullptr;
  large_ = std::move(large);
  stage_ = Stage::kLarge;
}

template <typename Key>
void CardinalityEstimator<Key>::insert(Key key, const EstimatorShape& shape) {
  switch (stage_) {
    case Stage::kSmall:
      for (uint8_t i = 0; i < small_size_; ++i) {
        if (small_[i] == key) return;
      }
      if (small_size_ < kSmallMax) {
        small_[small_size_++] = key;
      } else if (shape.medium_max != 0) {
        toMedium();
        medium_->insert(key);
      } else {
        toLarge(shape);
        large_->insert(shape.hashOf(key));
      }
      return;
    case Stage::kMedium:
      // A full set moves on even for a key it holds (ClickHouse checks the size, not the key).
      if (medium_->size() < shape.medium_max) {
        medium_->insert(key);
      } else {
        toLarge(shape);
        large_->insert(shape.hashOf(key));
      }
      return;
    case Stage::kLarge:
      large_->insert(shape.hashOf(key));
      return;
  }
}

template <typename Key>
void CardinalityEstimator<Key>::merge(const CardinalityEstimator& other, const EstimatorShape& shape) {
  const Stage target = std::max(stage_, other.stage_);
  if (stage_ < target) {
    if (target == Stage::kMedium) toMedium();
    else toLarge(shape);
  }
  if (other.stage_ == Stage::kLarge) large_->merge(*other.large_);
  else other.forEachKey([&](Key key) { insert(key, shape); });
}

template <typename Key>
uint64_t CardinalityEstimator<Key>::estimate(const EstimatorShape& shape) const {
  switch (stage_) {
    case Stage::kSmall: return small_size_;
    case Stage::kMedium: return medium_->size();
    case Stage::kLarge: return large_->estimate(shape.bias_corrected);
  }
  return 0;
}

template <typename Key>
void CardinalityEstimator<Key>::write(StateWriter& out, const EstimatorShape& shape) const {
  out.writePod(static_cast<uint8_t>(stage_));
  out.writePod(shape.precision);
  if (stage_ == Stage::kLarge) {
    large_->write(out);
    return;
  }
  out.writeVarUInt(stage_ == Stage::kMedium ? medium_->size() : small_size_);
  forEachKey([&](Key key) { out.writePod(key); });
}

template <typename Key>
void CardinalityEstimator<Key>::read(StateReader& in, const EstimatorShape& shape) {
  const auto stage = in.readPod<uint8_t>();
  const auto precision = in.readPod<uint8_t>();
  if (precision != shape.precision) {
    in.corrupt("it was written with HyperLogLog precision " + std::to_string(precision) + ", the function's is " +
               std::to_string(shape.precision));
  }
  if (stage == static_cast<uint8_t>(Stage::kLarge)) {
    toLarge(shape);
    large_->read(in);
    return;
  }
  const bool medium = stage == static_cast<uint8_t>(Stage::kMedium) && shape.medium_max != 0;
  if (stage != static_cast<uint8_t>(Stage::kSmall) && !medium) in.corrupt("its uniq stage is unknown");
  const uint64_t count = in.readCount(sizeof(Key));
  if (count > (medium ? shape.medium_max : kSmallMax)) in.corrupt("it holds more keys than its uniq stage can");
  if (medium) toMedium();
  for (uint64_t i = 0; i < count; ++i) {
    const Key key = in.readPod<Key>();
    if (medium) {
      medium_->insert(key);
      if (medium_->size() != i + 1) in.corrupt("a uniq key repeats");
    } else {
      if (std::find(small_, small_ + small_size_, key) != small_ + small_size_) in.corrupt("a uniq key repeats");
      small_[small_size_++] = key;
    }
  }
}

template class CardinalityEstimator<uint32_t>;
template class CardinalityEstimator<uint64_t>;

// ---- the aggregate functions --------------------------------------------------------------

namespace {

// How one argument list becomes the estimator's keys (see uniq_combined.h).
enum class KeyRule {
  kCombined,  // uniqCombined: numbers by uniq's 32-bit hash, UniqHasher's value otherwise
  kHll12,     // uniqHLL12: numbers widened (floats through their float type), UniqHasher's value otherwise
};

// uniqHLL12's key of a float: ClickHouse converts the bit pattern (an integer) to the float type
// and, inside the counter, back to an integer.
template <typename F>
uint64_t floatPatternKey(F value) {
  const F rounded = static_cast<F>(uniqWiden(value));
  // Patterns of all-ones NaNs round up to 2^64, which no integer holds; x86 gives 0 there.
  return rounded >= static_cast<F>(18446744073709551616.0) ? 0 : static_cast<uint64_t>(rounded);
}

template <typename Key>
class UniqCombinedFunction final : public AggregateFunctionHelper<UniqCombinedFunction<Key>, CardinalityEstimator<Key>> {
  using Base = AggregateFunctionHelper<UniqCombinedFunction<Key>, CardinalityEstimator<Key>>;
  using State = CardinalityEstimator<Key>;

 public:
  UniqCombinedFunction(std::string_view name, std::span<const DataType> types, KeyRule rule, EstimatorShape shape)
      : Base(DataType(TypeId::kUInt64)), hasher_(name, types), type_(uniqNumberType(types[0])), rule_(rule), shape_(shape) {}

  // The keys live in a thread-local buffer for the duration of one batch.
  const Key* prepare(std::span<const ColumnPtr> args) const {
    const size_t rows = args[0]->size();
    std::vector<Key>& keys = uniqScratch<Key>(rows);
    if (hasher_.mode() == UniqHasher::Mode::kNumber && rule_ == KeyRule::kCombined) {
      // uniqCombined keys numbers by 32 bits (createUniqCombined), so Key is uint32_t here.
      if constexpr (std::is_same_v<Key, uint32_t>) uniqNumberHashes32(type_, *args[0], rows, keys.data());
    } else if (hasher_.mode() == UniqHasher::Mode::kNumber) {
      dispatchFixed(type_, [&](auto tag) {
        using T = decltype(tag);
        const T* data = asVector<T>(*args[0]).data().data();
        if constexpr (std::is_floating_point_v<T>) {
          for (size_t i = 0; i < rows; ++i) keys[i] = static_cast<Key>(floatPatternKey(data[i]));
        } else {
          for (size_t i = 0; i < rows; ++i) keys[i] = static_cast<Key>(uniqWiden(data[i]));
        }
        return 0;
      });
    } else if constexpr (sizeof(Key) == sizeof(uint64_t)) {
      hasher_.hashRows(args, rows, keys.data());
    } else {
      std::vector<uint64_t>& wide = uniqScratch<uint64_t>(rows);
      hasher_.hashRows(args, rows, wide.data());
      for (size_t i = 0; i < rows; ++i) keys[i] = static_cast<Key>(wide[i]);
    }
    return keys.data();
  }
  void add(State& state, const Key* keys, size_t row) const { state.insert(keys[row], shape_); }
  void mergeStates(State& state, const State& other) const { state.merge(other, shape_); }
  void insertState(const State& state, Column& to) const {
    static_cast<ColumnVector<uint64_t>&>(to).data().push_back(state.estimate(shape_));
  }
  void writeState(const State& state, StateWriter& out) const { state.write(out, shape_); }
  void readState(State& state, StateReader& in) const { state.read(in, shape_); }

 private:
  UniqHasher hasher_;
  DataType type_;
  KeyRule rule_;
  EstimatorShape shape_;
};

constexpr uint8_t kDefaultCombinedPrecision = 17;

uint8_t combinedPrecision(std::span<const ColumnPtr> parameters) {
  if (parameters.empty()) return kDefaultCombinedPrecision;
  if (parameters.size() > 1) throwBadRequest("Aggregate function uniqCombined requires one parameter or less");
  if (!parameters[0]->type().isInteger()) throwBadRequest("Parameter for aggregate function uniqCombined must be an integer in [12, 20]");
  const ColumnPtr value = castColumn(parameters[0], DataType(TypeId::kInt64));
  const int64_t precision = asVector<int64_t>(*value).data()[0];
  if (precision < 12 || precision > 20) {
    throwBadRequest("Parameter for aggregate function uniqCombined is out of range: [12, 20], got " + std::to_string(precision));
  }
  return static_cast<uint8_t>(precision);
}

}  // namespace

AggregateFunctionPtr createUniqCombined(std::span<const DataType> types, std::span<const ColumnPtr> parameters) {
  const uint8_t precision = combinedPrecision(parameters);
  const uint32_t medium_max = uint32_t{1} << (precision - 4);
  const bool bias = precision == kDefaultCombinedPrecision;
  // One String keeps its whole CityHash64 (64-bit keys and counter hashes); the rest are 32-bit.
  if (types.size() == 1 && types[0].isStringLike() && types[0].id() != TypeId::kUUID) {
    return std::make_shared<UniqCombinedFunction<uint64_t>>("uniqCombined", types, KeyRule::kCombined,
                                                            EstimatorShape{medium_max, precision, 64, bias, false});
  }
  return std::make_shared<UniqCombinedFunction<uint32_t>>("uniqCombined", types, KeyRule::kCombined,
                                                          EstimatorShape{medium_max, precision, 32, bias, false});
}

AggregateFunctionPtr createUniqHLL12(std::span<const DataType> types, std::span<const ColumnPtr> parameters) {
  if (!parameters.empty()) throwBadRequest("Aggregate function uniqHLL12 cannot have parameters");
  const UniqHasher probe("uniqHLL12", types);
  const UniqHasher::Mode mode = probe.mode();
  // Single numbers, strings and UUIDs go through intHash32; other argument lists are hashed already.
  const bool int_hash32 = mode == UniqHasher::Mode::kNumber || mode == UniqHasher::Mode::kString || mode == UniqHasher::Mode::kUuid;
  return std::make_shared<UniqCombinedFunction<uint64_t>>("uniqHLL12", types, KeyRule::kHll12, EstimatorShape{0, 12, 32, false, int_hash32});
}

}  // namespace perch
