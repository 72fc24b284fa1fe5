// The aggregate functions (count, sum, avg, min, max, any, anyLast, argMin, argMax, uniq,
// uniqExact, quantile, quantileExact, median, groupArray, groupUniqArray, topK), their state
// serialization (format: aggregate_state.h), and the name lookup used by the binder; names with a
// combinator suffix (-If, -State, -Merge, ...) go to aggregate_combinators.cpp.
//
// uniq and uniqExact live in uniq.cpp, uniqCombined and uniqHLL12 in uniq_combined.cpp (ClickHouse
// 18.16's results, see uniq.h and uniq_combined.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "common/error.h"
#include "exec/aggregate_combinators.h"
#include "exec/aggregate_function.h"
#include "exec/cast.h"
#include "exec/decimal_aggregates.h"
#include "exec/hash_table.h"
#include "exec/kernel_loops.h"
#include "exec/memory_tracker.h"
#include "exec/type_rules.h"
#include "exec/uniq.h"
#include "exec/uniq_combined.h"

namespace perch {

namespace {

// ---- count --------------------------------------------------------------------------------

struct CountState {
  uint64_t count = 0;
};

class Count final : public AggregateFunctionHelper<Count, CountState> {
 public:
  Count() : AggregateFunctionHelper(DataType(TypeId::kUInt64)) {}
  int prepare(std::span<const ColumnPtr>) const { return 0; }
  void add(State& state, int, size_t) const { ++state.count; }
  void addBatchSingle(char* place, std::span<const ColumnPtr>, size_t rows, const uint8_t* skip) const override {
    uint64_t added = rows;
    if (skip) {
      for (size_t i = 0; i < rows; ++i) added -= skip[i] != 0;
    }
    reinterpret_cast<State*>(place)->count += added;
  }
  void mergeStates(State& state, const State& other) const { state.count += other.count; }
  void insertState(const State& state, Column& to) const {
    static_cast<ColumnVector<uint64_t>&>(to).data().push_back(state.count);
  }
  void writeState(const State& state, StateWriter& out) const { out.writeVarUInt(state.count); }
  void readState(State& state, StateReader& in) const { state.count = in.readVarUInt(); }
};

// ---- sum / avg ----------------------------------------------------------------------------

template <typename T>
using SumAccumulator = std::conditional_t<std::is_floating_point_v<T>, double,
                                          std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <typename T>
class Sum final : public AggregateFunctionHelper<Sum<T>, SumAccumulator<T>> {
  using Acc = SumAccumulator<T>;
  using Base = AggregateFunctionHelper<Sum<T>, Acc>;

 public:
  explicit Sum(DataType result) : Base(std::move(result)) {}
  const T* prepare(std::span<const ColumnPtr> args) const { return asVector<T>(*args[0]).data().data(); }
  static Acc wrapAdd(Acc a, T b) {
    if constexpr (std::is_integral_v<Acc>) return static_cast<Acc>(static_cast<uint64_t>(a) + static_cast<uint64_t>(static_cast<Acc>(b)));
    else return a + b;
  }
  void add(Acc& state, const T* data, size_t row) const { state = wrapAdd(state, data[row]); }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    const T* data = prepare(args);
    Acc sum = 0;
    if (skip) {
      for (size_t i = 0; i < rows; ++i) sum = wrapAdd(sum, skip[i] ? T{} : data[i]);
    } else {
      for (size_t i = 0; i < rows; ++i) sum = wrapAdd(sum, data[i]);
    }
    Acc& state = *reinterpret_cast<Acc*>(place);
    if constexpr (std::is_integral_v<Acc>) state = static_cast<Acc>(static_cast<uint64_t>(state) + static_cast<uint64_t>(sum));
    else state += sum;
  }
  void mergeStates(Acc& state, const Acc& other) const { state += other; }
  void insertState(const Acc& state, Column& to) const { static_cast<ColumnVector<Acc>&>(to).data().push_back(state); }
  void writeState(const Acc& state, StateWriter& out) const { out.writePod(state); }
  void readState(Acc& state, StateReader& in) const { state = in.readPod<Acc>(); }
};

template <typename T>
struct AvgState {
  SumAccumulator<T> sum = 0;
  uint64_t count = 0;
};

template <typename T>
class Avg final : public AggregateFunctionHelper<Avg<T>, AvgState<T>> {
  using Base = AggregateFunctionHelper<Avg<T>, AvgState<T>>;

 public:
  Avg() : Base(DataType(TypeId::kFloat64)) {}
  const T* prepare(std::span<const ColumnPtr> args) const { return asVector<T>(*args[0]).data().data(); }
  void add(AvgState<T>& state, const T* data, size_t row) const {
    state.sum = Sum<T>::wrapAdd(state.sum, data[row]);
    ++state.count;
  }
  void mergeStates(AvgState<T>& state, const AvgState<T>& other) const {
    state.sum += other.sum;
    state.count += other.count;
  }
  void insertState(const AvgState<T>& state, Column& to) const {
    static_cast<ColumnVector<double>&>(to).data().push_back(state.count ? static_cast<double>(state.sum) / static_cast<double>(state.count)
                                                                          : NAN);
  }
  void writeState(const AvgState<T>& state, StateWriter& out) const {
    out.writePod(state.sum);
    out.writeVarUInt(state.count);
  }
  void readState(AvgState<T>& state, StateReader& in) const {
    state.sum = in.readPod<SumAccumulator<T>>();
    state.count = in.readVarUInt();
  }
};

// ---- min / max / any / anyLast ------------------------------------------------------------

enum class Pick { kMin, kMax, kAny, kAnyLast };

template <typename T>
struct SingleValueState {
  T value{};
  bool has = false;
};

template <Pick kPick, typename V>
bool better(const V& candidate, const V& current) {
  if constexpr (kPick == Pick::kMin) return candidate < current;
  else if constexpr (kPick == Pick::kMax) return current < candidate;
  else if constexpr (kPick == Pick::kAny) return false;
  else return true;
}

template <typename T, Pick kPick>
class PickFixed final : public AggregateFunctionHelper<PickFixed<T, kPick>, SingleValueState<T>> {
  using Base = AggregateFunctionHelper<PickFixed<T, kPick>, SingleValueState<T>>;

 public:
  explicit PickFixed(DataType type) : Base(std::move(type)) {}
  const T* prepare(std::span<const ColumnPtr> args) const { return asVector<T>(*args[0]).data().data(); }
  void add(SingleValueState<T>& state, const T* data, size_t row) const {
    if (!state.has || better<kPick>(data[row], state.value)) {
      state.value = data[row];
      state.has = true;
    }
  }
  void mergeStates(SingleValueState<T>& state, const SingleValueState<T>& other) const {
    if (other.has && (!state.has || better<kPick>(other.value, state.value))) state = other;
  }
  void insertState(const SingleValueState<T>& state, Column& to) const {
    static_cast<ColumnVector<T>&>(to).data().push_back(state.value);
  }
  void writeState(const SingleValueState<T>& state, StateWriter& out) const {
    out.writeBool(state.has);
    if (state.has) out.writePod(state.value);
  }
  void readState(SingleValueState<T>& state, StateReader& in) const {
    state.has = in.readBool();
    if (state.has) state.value = in.readPod<T>();
  }
};

// The value is a TrackedString: its heap buffer (values over 15 bytes) is charged to the query.
template <Pick kPick>
class PickString final : public AggregateFunctionHelper<PickString<kPick>, SingleValueState<TrackedString>> {
  using Base = AggregateFunctionHelper<PickString<kPick>, SingleValueState<TrackedString>>;

 public:
  explicit PickString(DataType type) : Base(std::move(type)) {}
  const ColumnString* prepare(std::span<const ColumnPtr> args) const { return &asString(*args[0]); }
  void add(SingleValueState<TrackedString>& state, const ColumnString* column, size_t row) const {
    const std::string_view value = column->at(row);
    if (!state.has || better<kPick>(value, std::string_view(state.value))) {
      state.value.assign(value);
      state.has = true;
    }
  }
  void mergeStates(SingleValueState<TrackedString>& state, const SingleValueState<TrackedString>& other) const {
    if (other.has && (!state.has || better<kPick>(other.value, state.value))) state = other;
  }
  void insertState(const SingleValueState<TrackedString>& state, Column& to) const {
    static_cast<ColumnString&>(to).push(state.value);
  }
  void writeState(const SingleValueState<TrackedString>& state, StateWriter& out) const {
    out.writeBool(state.has);
    if (state.has) out.writeBytes(state.value);
  }
  void readState(SingleValueState<TrackedString>& state, StateReader& in) const {
    state.has = in.readBool();
    if (state.has) state.value.assign(in.readBytes());
  }
};

// ---- argMin / argMax ----------------------------------------------------------------------

// A value of any fixed-width or string column, copied out of a batch (strings charged to the
// query: TrackedString).
struct StoredValue {
  uint64_t bits[2] = {0, 0};  // up to 16 bytes: Decimal(P > 18) is the widest fixed-width value
  TrackedString text;
};

struct ValueReader {
  const char* fixed = nullptr;
  size_t width = 0;
  const ColumnString* string = nullptr;

  static ValueReader of(const Column& column) {
    ValueReader reader;
    if (column.type().isStringLike()) {
      reader.string = &asString(column);
    } else {
      reader.width = column.type().fixedWidth();
      dispatchFixed(column.type(), [&](auto tag) {
        using T = decltype(tag);
        reader.fixed = reinterpret_cast<const char*>(asVector<T>(column).data().data());
        return 0;
      });
    }
    return reader;
  }
  void read(size_t row, StoredValue& out) const {
    if (string) out.text.assign(string->at(row));
    else std::memcpy(out.bits, fixed + row * width, width);
  }
};

// How a column type's StoredValues are serialized: Bytes for strings, `width` raw bytes otherwise.
struct StoredCodec {
  bool is_string = false;
  size_t width = 0;

  static StoredCodec of(const DataType& type) { return {type.isStringLike(), type.fixedWidth()}; }
  void write(const StoredValue& value, StateWriter& out) const {
    if (is_string) out.writeBytes(value.text);
    else out.writeRaw(value.bits, width);
  }
  void read(StoredValue& value, StateReader& in) const {
    if (is_string) value.text.assign(in.readBytes());
    else in.readRaw(value.bits, width);
  }
  /// The fewest bytes one value takes (bounds element counts).
  size_t minBytes() const { return is_string ? 1 : width; }
};

void insertStored(const StoredValue& value, Column& to) {
  if (to.type().isStringLike()) {
    static_cast<ColumnString&>(to).push(value.text);
    return;
  }
  dispatchFixed(to.type(), [&](auto tag) {
    using T = decltype(tag);
    T typed;
    std::memcpy(&typed, value.bits, sizeof(T));
    static_cast<ColumnVector<T>&>(to).data().push_back(typed);
    return 0;
  });
}

template <typename V>
struct ArgState {
  StoredValue arg;
  V value{};
  bool has = false;
};

template <typename V, bool kMax>
class ArgMinMax final : public AggregateFunctionHelper<ArgMinMax<V, kMax>, ArgState<V>> {
  using Base = AggregateFunctionHelper<ArgMinMax<V, kMax>, ArgState<V>>;

 public:
  explicit ArgMinMax(DataType type) : Base(std::move(type)) {}
  struct Input {
    ValueReader arg;
    const V* values = nullptr;
    const ColumnString* strings = nullptr;
  };
  Input prepare(std::span<const ColumnPtr> args) const {
    Input input{ValueReader::of(*args[0])};
    if constexpr (std::is_same_v<V, TrackedString>) input.strings = &asString(*args[1]);
    else input.values = asVector<V>(*args[1]).data().data();
    return input;
  }
  void add(ArgState<V>& state, const Input& input, size_t row) const {
    if constexpr (std::is_same_v<V, TrackedString>) {
      const std::string_view value = input.strings->at(row);
      if (!state.has || (kMax ? std::string_view(state.value) < value : value < std::string_view(state.value))) {
        state.value.assign(value);
        input.arg.read(row, state.arg);
        state.has = true;
      }
    } else {
      const V value = input.values[row];
      if (!state.has || (kMax ? state.value < value : value < state.value)) {
        state.value = value;
        input.arg.read(row, state.arg);
        state.has = true;
      }
    }
  }
  void mergeStates(ArgState<V>& state, const ArgState<V>& other) const {
    if (other.has && (!state.has || (kMax ? state.value < other.value : other.value < state.value))) state = other;
  }
  void insertState(const ArgState<V>& state, Column& to) const { insertStored(state.arg, to); }
  void writeState(const ArgState<V>& state, StateWriter& out) const {
    out.writeBool(state.has);
    if (!state.has) return;
    StoredCodec::of(this->resultType()).write(state.arg, out);
    if constexpr (std::is_same_v<V, TrackedString>) out.writeBytes(state.value);
    else out.writePod(state.value);
  }
  void readState(ArgState<V>& state, StateReader& in) const {
    state.has = in.readBool();
    if (!state.has) return;
    StoredCodec::of(this->resultType()).read(state.arg, in);
    if constexpr (std::is_same_v<V, TrackedString>) state.value.assign(in.readBytes());
    else state.value = in.readPod<V>();
  }
};

// ---- uniq: exec/uniq.cpp ------------------------------------------------------------------

// ---- quantiles ----------------------------------------------------------------------------
// (The value vectors of quantile and groupArray states charge the query's memory tracker.)

// quantileExact keeps the argument's type and exact values (ClickHouse's QuantileExact; an empty
// set gives 0, or NaN for floats); quantile/median interpolate in Float64 (an empty set gives NaN).
template <typename T>
class Quantile final : public AggregateFunctionHelper<Quantile<T>, TrackedVector<T>> {
  using Base = AggregateFunctionHelper<Quantile<T>, TrackedVector<T>>;

 public:
  Quantile(DataType argument, double level, bool exact)
      : Base(exact ? std::move(argument) : DataType(TypeId::kFloat64)), level_(level), exact_(exact) {}
  const T* prepare(std::span<const ColumnPtr> args) const { return asVector<T>(*args[0]).data().data(); }
  void add(TrackedVector<T>& state, const T* data, size_t row) const { state.push_back(data[row]); }
  void mergeStates(TrackedVector<T>& state, const TrackedVector<T>& other) const {
    state.insert(state.end(), other.begin(), other.end());
  }
  void insertState(const TrackedVector<T>& state, Column& to) const {
    if (exact_) {
      auto& out = static_cast<ColumnVector<T>&>(to).data();
      if (state.empty()) {
        out.push_back(std::is_floating_point_v<T> ? static_cast<T>(NAN) : T{});
        return;
      }
      TrackedVector<T> values(state.begin(), state.end());
      const size_t index = level_ < 1 ? static_cast<size_t>(level_ * static_cast<double>(values.size())) : values.size() - 1;
      std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(index), values.end());
      out.push_back(values[index]);
      return;
    }
    auto& out = static_cast<ColumnVector<double>&>(to).data();
    if (state.empty()) {
      out.push_back(NAN);
      return;
    }
    std::vector<double> values(state.begin(), state.end());
    const double position = level_ * static_cast<double>(values.size() - 1);
    const size_t lower = static_cast<size_t>(std::floor(position));
    // Selection instead of a full sort: the lower neighbour, then the least value above it.
    std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(lower), values.end());
    const double low = values[lower];
    const double high = lower + 1 < values.size() ? *std::min_element(values.begin() + static_cast<ptrdiff_t>(lower) + 1, values.end()) : low;
    // ClickHouse's weighting, (1 - f) * low + f * high, which rounds differently from
    // low + f * (high - low) in the last digit.
    const double fraction = position - static_cast<double>(lower);
    out.push_back((1 - fraction) * low + fraction * high);
  }
  void writeState(const TrackedVector<T>& state, StateWriter& out) const {
    out.writeVarUInt(state.size());
    out.writeRaw(state.data(), state.size() * sizeof(T));
  }
  void readState(TrackedVector<T>& state, StateReader& in) const {
    state.resize(in.readCount(sizeof(T)));
    in.readRaw(state.data(), state.size() * sizeof(T));
  }

 private:
  double level_;
  bool exact_;
};

// ---- groupArray ---------------------------------------------------------------------------

class GroupArray final : public AggregateFunctionHelper<GroupArray, TrackedVector<StoredValue>> {
 public:
  explicit GroupArray(DataType element) : AggregateFunctionHelper(DataType::array(element)) {}
  ValueReader prepare(std::span<const ColumnPtr> args) const { return ValueReader::of(*args[0]); }
  void add(TrackedVector<StoredValue>& state, const ValueReader& reader, size_t row) const {
    state.emplace_back();
    reader.read(row, state.back());
  }
  void mergeStates(TrackedVector<StoredValue>& state, const TrackedVector<StoredValue>& other) const {
    state.insert(state.end(), other.begin(), other.end());
  }
  void insertState(const TrackedVector<StoredValue>& state, Column& to) const {
    auto& array = static_cast<ColumnArray&>(to);
    for (const auto& value : state) insertStored(value, array.elements());
    array.finishRow();
  }
  void writeState(const TrackedVector<StoredValue>& state, StateWriter& out) const {
    const StoredCodec codec = StoredCodec::of(resultType().nested());
    out.writeVarUInt(state.size());
    for (const auto& value : state) codec.write(value, out);
  }
  void readState(TrackedVector<StoredValue>& state, StateReader& in) const {
    const StoredCodec codec = StoredCodec::of(resultType().nested());
    state.resize(in.readCount(codec.minBytes()));
    for (auto& value : state) codec.read(value, in);
  }
};

// ---- groupUniqArray / topK ----------------------------------------------------------------

// Equality key of a value: its text for strings, its 8 bytes of bits otherwise.
std::string_view storedKey(const StoredValue& value, bool is_string) {
  if (is_string) return value.text;
  return {reinterpret_cast<const char*>(&value.bits), sizeof(value.bits)};
}

// The equality key of row `row` as storedKey gives it for the value read from there, without
// copying the value (`bits` holds a fixed-width value's bytes).
std::string_view rowKey(const ValueReader& reader, size_t row, uint64_t& bits) {
  if (reader.string) return reader.string->at(row);
  bits = 0;
  std::memcpy(&bits, reader.fixed + row * reader.width, reader.width);
  return {reinterpret_cast<const char*>(&bits), sizeof(bits)};
}

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

// Value -> position, looked up by string_view; nodes, buckets and keys charged to the query.
using PositionMap = std::unordered_map<TrackedString, size_t, KeyHash, std::equal_to<>,
                                       TrackingAllocator<std::pair<const TrackedString, size_t>>>;

TrackedString keyString(std::string_view key) { return TrackedString(key.data(), key.size()); }

struct UniqArrayState {
  TrackedVector<StoredValue> values;  // distinct values in first-seen order
  PositionMap positions;
};

// groupUniqArray([max_size])(x): the distinct values, at most max_size of them.
class GroupUniqArray final : public AggregateFunctionHelper<GroupUniqArray, UniqArrayState> {
 public:
  GroupUniqArray(DataType element, uint64_t max_size)
      : AggregateFunctionHelper(DataType::array(element)), is_string_(element.isStringLike()), max_size_(max_size) {}
  ValueReader prepare(std::span<const ColumnPtr> args) const { return ValueReader::of(*args[0]); }
  void add(UniqArrayState& state, const ValueReader& reader, size_t row) const {
    if (state.values.size() >= max_size_) return;
    uint64_t bits;
    if (state.positions.find(rowKey(reader, row, bits)) != state.positions.end()) return;
    StoredValue value;
    reader.read(row, value);
    insert(state, value);
  }
  void mergeStates(UniqArrayState& state, const UniqArrayState& other) const {
    for (const auto& value : other.values) insert(state, value);
  }
  void insertState(const UniqArrayState& state, Column& to) const {
    auto& array = static_cast<ColumnArray&>(to);
    for (const auto& value : state.values) insertStored(value, array.elements());
    array.finishRow();
  }
  void writeState(const UniqArrayState& state, StateWriter& out) const {
    const StoredCodec codec = StoredCodec::of(resultType().nested());
    out.writeVarUInt(state.values.size());
    for (const auto& value : state.values) codec.write(value, out);
  }
  void readState(UniqArrayState& state, StateReader& in) const {
    const StoredCodec codec = StoredCodec::of(resultType().nested());
    for (uint64_t n = in.readCount(codec.minBytes()); n > 0; --n) {
      StoredValue value;
      codec.read(value, in);
      insert(state, value);
    }
  }

 private:
  void insert(UniqArrayState& state, const StoredValue& value) const {
    if (state.values.size() >= max_size_) return;
    if (state.positions.try_emplace(keyString(storedKey(value, is_string_)), state.values.size()).second) state.values.push_back(value);
  }
  bool is_string_;
  uint64_t max_size_;
};

struct TopKState {
  TrackedVector<std::pair<StoredValue, uint64_t>> counts;  // value and count, in first-seen order
  PositionMap positions;
};

// topK(k)(x): the k most frequent values, most frequent first (ties in first-seen order). Exact
// counts, where ClickHouse's Space-Saving sketch is approximate past its capacity.
class TopK final : public AggregateFunctionHelper<TopK, TopKState> {
 public:
  TopK(DataType element, uint64_t k) : AggregateFunctionHelper(DataType::array(element)), is_string_(element.isStringLike()), k_(k) {}
  ValueReader prepare(std::span<const ColumnPtr> args) const { return ValueReader::of(*args[0]); }
  void add(TopKState& state, const ValueReader& reader, size_t row) const {
    uint64_t bits;
    if (const auto it = state.positions.find(rowKey(reader, row, bits)); it != state.positions.end()) {
      ++state.counts[it->second].second;
      return;
    }
    StoredValue value;
    reader.read(row, value);
    count(state, value, 1);
  }
  void mergeStates(TopKState& state, const TopKState& other) const {
    for (const auto& [value, n] : other.counts) count(state, value, n);
  }
  void insertState(const TopKState& state, Column& to) const {
    std::vector<size_t> order(state.counts.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return state.counts[a].second > state.counts[b].second; });
    auto& array = static_cast<ColumnArray&>(to);
    for (size_t i = 0; i < order.size() && i < k_; ++i) insertStored(state.counts[order[i]].first, array.elements());
    array.finishRow();
  }
  void writeState(const TopKState& state, StateWriter& out) const {
    const StoredCodec codec = StoredCodec::of(resultType().nested());
    out.writeVarUInt(state.counts.size());
    for (const auto& [value, n] : state.counts) {
      codec.write(value, out);
      out.writeVarUInt(n);
    }
  }
  void readState(TopKState& state, StateReader& in) const {
    const StoredCodec codec = StoredCodec::of(resultType().nested());
    for (uint64_t n = in.readCount(codec.minBytes() + 1); n > 0; --n) {
      StoredValue value;
      codec.read(value, in);
      count(state, value, in.readVarUInt());
    }
  }

 private:
  void count(TopKState& state, const StoredValue& value, uint64_t n) const {
    auto [it, inserted] = state.positions.try_emplace(keyString(storedKey(value, is_string_)), state.counts.size());
    if (inserted) state.counts.emplace_back(value, 0);
    state.counts[it->second].second += n;
  }
  bool is_string_;
  uint64_t k_;
};

// The optional integer parameter of groupUniqArray(max_size) / topK(k).
uint64_t sizeParameter(std::span<const ColumnPtr> parameters, std::string_view name, uint64_t fallback) {
  if (parameters.empty()) return fallback;
  if (parameters.size() > 1) throwBadRequest("Aggregate function " + std::string(name) + " takes one parameter");
  if (!parameters[0]->type().isInteger()) throwBadRequest("Parameter of aggregate function " + std::string(name) + " must be a positive integer");
  const ColumnPtr value = castColumn(parameters[0], DataType(TypeId::kInt64));
  const int64_t size = asVector<int64_t>(*value).data()[0];
  if (size <= 0 || size > 1'000'000) throwBadRequest("Parameter of aggregate function " + std::string(name) + " must be in [1, 1000000]");
  return static_cast<uint64_t>(size);
}

// ---- registry -----------------------------------------------------------------------------

using Creator = std::function<AggregateFunctionPtr(std::span<const DataType>, std::span<const ColumnPtr>)>;

struct AggregateDefinition {
  Creator create;
  bool nullable_result = true;  // false for count/uniq: NULLs are skipped, the result stays non-Nullable
  size_t min_args = 1, max_args = 1;
};

[[noreturn]] void illegalAggregateType(std::string_view name, const DataType& type) {
  throwBadRequest("Illegal type " + type.name() + " of argument for aggregate function " + std::string(name));
}

template <Pick kPick>
AggregateFunctionPtr makePick(std::string_view name, const DataType& type) {
  if (type.isStringLike()) return std::make_shared<PickString<kPick>>(type);
  if (type.fixedWidth() == 0) illegalAggregateType(name, type);
  return dispatchFixed(type, [&](auto tag) -> AggregateFunctionPtr {
    using T = decltype(tag);
    return std::make_shared<PickFixed<T, kPick>>(type);
  });
}

template <bool kMax>
AggregateFunctionPtr makeArg(std::string_view name, std::span<const DataType> types) {
  const DataType& arg = types[0];
  const DataType& value = types[1];
  if (!arg.isStringLike() && arg.fixedWidth() == 0) illegalAggregateType(name, arg);
  if (value.isStringLike()) return std::make_shared<ArgMinMax<TrackedString, kMax>>(arg);
  if (value.fixedWidth() == 0) illegalAggregateType(name, value);
  return dispatchFixed(value, [&](auto tag) -> AggregateFunctionPtr {
    using V = decltype(tag);
    return std::make_shared<ArgMinMax<V, kMax>>(arg);
  });
}

double parameterValue(std::span<const ColumnPtr> parameters, std::string_view name, double fallback) {
  if (parameters.empty()) return fallback;
  if (parameters.size() > 1) throwBadRequest("Aggregate function " + std::string(name) + " takes one parameter");
  const ColumnPtr value = castColumn(parameters[0], DataType(TypeId::kFloat64));
  const double level = asVector<double>(*value).data()[0];
  if (!(level >= 0 && level <= 1)) throwBadRequest("Quantile level must be in [0, 1] in " + std::string(name));
  return level;
}

const std::unordered_map<std::string, AggregateDefinition>& definitions() {
  static const std::unordered_map<std::string, AggregateDefinition> table = [] {
    std::unordered_map<std::string, AggregateDefinition> t;
    t["count"] = {[](auto, auto) -> AggregateFunctionPtr { return std::make_shared<Count>(); }, false, 0, 1};
    t["sum"] = {[](std::span<const DataType> types, auto) -> AggregateFunctionPtr {
                  const DataType& type = types[0];
                  if (type.isDecimal()) return makeDecimalSum(type);
                  if (!type.isNumber() && type.id() != TypeId::kBool) illegalAggregateType("sum", type);
                  return dispatchFixed(type, [&](auto tag) -> AggregateFunctionPtr {
                    using T = decltype(tag);
                    using Acc = SumAccumulator<T>;
                    const DataType result = std::is_floating_point_v<Acc> ? DataType(TypeId::kFloat64)
                                            : std::is_signed_v<Acc>      ? DataType(TypeId::kInt64)
                                                                         : DataType(TypeId::kUInt64);
                    return std::make_shared<Sum<T>>(result);
                  });
                }};
    t["avg"] = {[](std::span<const DataType> types, auto) -> AggregateFunctionPtr {
                  const DataType& type = types[0];
                  if (type.isDecimal()) return makeDecimalAvg(type);
                  if (!type.isNumber() && type.id() != TypeId::kBool) illegalAggregateType("avg", type);
                  return dispatchFixed(type, [&](auto tag) -> AggregateFunctionPtr {
                    return std::make_shared<Avg<decltype(tag)>>();
                  });
                }};
    t["min"] = {[](std::span<const DataType> types, auto) { return makePick<Pick::kMin>("min", types[0]); }};
    t["max"] = {[](std::span<const DataType> types, auto) { return makePick<Pick::kMax>("max", types[0]); }};
    t["any"] = {[](std::span<const DataType> types, auto) { return makePick<Pick::kAny>("any", types[0]); }};
    t["anyLast"] = {[](std::span<const DataType> types, auto) { return makePick<Pick::kAnyLast>("anyLast", types[0]); }};
    t["argMin"] = {[](std::span<const DataType> types, auto) { return makeArg<false>("argMin", types); }, true, 2, 2};
    t["argMax"] = {[](std::span<const DataType> types, auto) { return makeArg<true>("argMax", types); }, true, 2, 2};
    auto uniq = [](const char* name, UniqKind kind) {
      return AggregateDefinition{[name, kind](std::span<const DataType> types, auto) { return createUniq(name, kind, types); }, false, 1, 64};
    };
    t["uniq"] = uniq("uniq", UniqKind::kApproximate);
    t["uniqExact"] = uniq("uniqExact", UniqKind::kExact);
    t["uniqCombined"] = {[](std::span<const DataType> types, std::span<const ColumnPtr> parameters) { return createUniqCombined(types, parameters); },
                         false, 1, 64};
    t["uniqHLL12"] = {[](std::span<const DataType> types, std::span<const ColumnPtr> parameters) { return createUniqHLL12(types, parameters); },
                      false, 1, 64};
    t["count_distinct"] = uniq("uniqExact", UniqKind::kExact);
    auto quantile = [](bool exact, bool median) {
      return AggregateDefinition{[exact, median](std::span<const DataType> types, std::span<const ColumnPtr> parameters) -> AggregateFunctionPtr {
        const DataType& type = types[0];
        const char* name = exact ? "quantileExact" : "quantile";
        if (!type.isNumber()) illegalAggregateType(name, type);
        const double level = median ? 0.5 : parameterValue(parameters, name, 0.5);
        return dispatchFixed(type, [&](auto tag) -> AggregateFunctionPtr {
          return std::make_shared<Quantile<decltype(tag)>>(type, level, exact);
        });
      }};
    };
    t["quantile"] = quantile(false, false);
    t["quantileExact"] = quantile(true, false);
    t["median"] = quantile(false, true);
    t["medianExact"] = quantile(true, true);
    t["groupArray"] = {[](std::span<const DataType> types, auto) -> AggregateFunctionPtr {
                         const DataType& type = types[0];
                         if (!type.isStringLike() && type.fixedWidth() == 0) illegalAggregateType("groupArray", type);
                         return std::make_shared<GroupArray>(type);
                       }, false};
    t["groupUniqArray"] = {[](std::span<const DataType> types, std::span<const ColumnPtr> parameters) -> AggregateFunctionPtr {
                             const DataType& type = types[0];
                             if (!type.isStringLike() && type.fixedWidth() == 0) illegalAggregateType("groupUniqArray", type);
                             return std::make_shared<GroupUniqArray>(type, sizeParameter(parameters, "groupUniqArray", UINT64_MAX));
                           }, false};
    // groupArray with ClickHouse's -Distinct combinator: the distinct values, in no defined order.
    t["groupArrayDistinct"] = t["groupUniqArray"];
    t["topK"] = {[](std::span<const DataType> types, std::span<const ColumnPtr> parameters) -> AggregateFunctionPtr {
                   const DataType& type = types[0];
                   if (!type.isStringLike() && type.fixedWidth() == 0) illegalAggregateType("topK", type);
                   return std::make_shared<TopK>(type, sizeParameter(parameters, "topK", 10));
                 }, false};
    return t;
  }();
  return table;
}

// ClickHouse lets these be written in any case.
const AggregateDefinition* findDefinition(std::string_view name, std::string* canonical) {
  const auto& table = definitions();
  if (auto it = table.find(std::string(name)); it != table.end()) {
    *canonical = it->first;
    return &it->second;
  }
  static constexpr const char* kCaseInsensitive[] = {"count", "sum", "avg", "min", "max", "any"};
  for (const char* candidate : kCaseInsensitive) {
    if (name.size() == std::strlen(candidate) && strncasecmp(name.data(), candidate, name.size()) == 0) {
      *canonical = candidate;
      return &table.at(candidate);
    }
  }
  return nullptr;
}

}  // namespace

bool isAggregateFunctionName(std::string_view name) {
  std::string canonical;
  if (findDefinition(name, &canonical)) return true;
  const std::string_view nested = stripAggregateCombinator(name);
  return !nested.empty() && isAggregateFunctionName(nested);
}

namespace {

// An aggregate over a bare NULL argument: no state; NULL (Nullable(Nothing)) or, for count, 0.
class OverNothing final : public AggregateFunction {
 public:
  explicit OverNothing(bool null_result)
      : AggregateFunction(null_result ? DataType::nullable(DataType(TypeId::kNothing)) : DataType(TypeId::kUInt64)),
        null_result_(null_result) {}
  size_t stateSize() const override { return 1; }
  size_t stateAlign() const override { return 1; }
  void create(char*) const override {}
  void destroy(char*) const noexcept override {}
  bool hasTrivialDestructor() const override { return true; }
  void addBatch(char* const*, size_t, std::span<const ColumnPtr>, size_t, const uint8_t*) const override {}
  void addBatchSingle(char*, std::span<const ColumnPtr>, size_t, const uint8_t*) const override {}
  void merge(char*, const char*) const override {}
  void insertResult(const char*, Column& to) const override {
    if (null_result_) static_cast<ColumnNullable&>(to).appendNull();
    else static_cast<ColumnVector<uint64_t>&>(to).data().push_back(0);
  }
  void serialize(const char*, StateWriter&) const override {}  // the empty state: no bytes
  void deserializeAndMerge(char*, StateReader&) const override {}

 private:
  bool null_result_;
};

}  // namespace

AggregateFunctionPtr createAggregateFunction(std::string_view name, std::span<const DataType> arg_types,
                                             std::span<const ColumnPtr> parameters) {
  std::string canonical;
  const AggregateDefinition* definition = findDefinition(name, &canonical);
  if (!definition) return createCombinedAggregateFunction(name, arg_types, parameters);
  if (arg_types.size() < definition->min_args || arg_types.size() > definition->max_args) {
    throwBadRequest("Aggregate function " + canonical + " takes " + std::to_string(definition->min_args) +
                    (definition->max_args != definition->min_args ? " to " + std::to_string(definition->max_args) : "") +
                    " arguments, got " + std::to_string(arg_types.size()));
  }
  bool any_nullable = false;
  std::vector<DataType> plain;
  for (const auto& type : arg_types) {
    // ClickHouse (18.16 and current): an argument of type Nullable(Nothing), a bare NULL, makes
    // any aggregate NULL of type Nullable(Nothing) (AggregateFunctionNothing), whatever the rows;
    // count skips NULL arguments, so it counts 0.
    if (isNothing(type)) return std::make_shared<OverNothing>(canonical != "count");
    any_nullable |= type.isNullable();
    plain.push_back(removeLowCardinality(removeNullable(type)));
  }
  // Arguments lose LowCardinality (ClickHouse's aggregate functions see the nested type), so
  // min/max/any of a LowCardinality(String) column are String.
  AggregateFunctionPtr function = definition->create(plain, parameters);
  if (any_nullable) function = makeNullableAdapter(std::move(function), definition->nullable_result);
  return function;
}

}  // namespace perch
