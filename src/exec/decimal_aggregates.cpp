#include "exec/decimal_aggregates.h"

#include "common/error.h"
#include "exec/kernel_loops.h"
#include "types/decimal.h"

namespace perch {

namespace {

// A 128-bit sum kept as two 64-bit halves so the state needs only 8-byte alignment wherever
// aggregate states are placed.
struct DecimalSumState {
  uint64_t low = 0;
  int64_t high = 0;
  uint64_t count = 0;

  DecimalWide sum() const { return static_cast<DecimalWide>((static_cast<DecimalWideUnsigned>(high) << 64) | low); }
  void setSum(DecimalWide value) {
    low = static_cast<uint64_t>(value);
    high = static_cast<int64_t>(value >> 64);
  }
  /// sum() + value, wrapping around at 128 bits as ClickHouse's sum of Decimal128 does (only
  /// Decimal(P > 18) inputs can get there).
  void add(DecimalWide value) { setSum(wrappingAdd(sum(), value)); }
  static DecimalWide wrappingAdd(DecimalWide a, DecimalWide b) {
    return static_cast<DecimalWide>(static_cast<DecimalWideUnsigned>(a) + static_cast<DecimalWideUnsigned>(b));
  }
};

template <typename T, bool kAverage>
class DecimalSum final : public AggregateFunctionHelper<DecimalSum<T, kAverage>, DecimalSumState> {
  using Base = AggregateFunctionHelper<DecimalSum<T, kAverage>, DecimalSumState>;

 public:
  explicit DecimalSum(DataType result) : Base(std::move(result)) {}
  const T* prepare(std::span<const ColumnPtr> args) const { return asVector<T>(*args[0]).data().data(); }
  void add(DecimalSumState& state, const T* data, size_t row) const {
    state.add(data[row]);
    ++state.count;
  }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    const T* data = prepare(args);
    DecimalWide sum = 0;
    uint64_t count = 0;
    for (size_t i = 0; i < rows; ++i) {
      if (skip && skip[i]) continue;
      sum = DecimalSumState::wrappingAdd(sum, data[i]);
      ++count;
    }
    auto& state = *reinterpret_cast<DecimalSumState*>(place);
    state.add(sum);
    state.count += count;
  }
  void mergeStates(DecimalSumState& state, const DecimalSumState& other) const {
    state.add(other.sum());
    state.count += other.count;
  }
  void insertState(const DecimalSumState& state, Column& to) const {
    DecimalWide value = state.sum();
    if (kAverage) value = state.count ? value / static_cast<DecimalWide>(state.count) : 0;
    if (!decimalFits(value, to.type())) throwBadRequest("Decimal math overflow");
    dispatchFixed(to.type(), [&](auto tag) {
      using R = decltype(tag);
      static_cast<ColumnVector<R>&>(to).data().push_back(static_cast<R>(value));
    });
  }
  void writeState(const DecimalSumState& state, StateWriter& out) const {
    out.writePod(state.low);
    out.writePod(state.high);
    out.writeVarUInt(state.count);
  }
  void readState(DecimalSumState& state, StateReader& in) const {
    state.low = in.readPod<uint64_t>();
    state.high = in.readPod<int64_t>();
    state.count = in.readVarUInt();
  }
};

template <bool kAverage>
AggregateFunctionPtr makeDecimal(const DataType& type) {
  const DataType result = DataType::decimal(38, type.scale());
  return dispatchFixed(type, [&](auto tag) -> AggregateFunctionPtr {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      throwBadRequest("Decimal storage is integral");  // unreachable
    } else {
      return std::make_shared<DecimalSum<T, kAverage>>(result);
    }
  });
}

}  // namespace

AggregateFunctionPtr makeDecimalSum(const DataType& type) { return makeDecimal<false>(type); }

AggregateFunctionPtr makeDecimalAvg(const DataType& type) { return makeDecimal<true>(type); }

}  // namespace perch
