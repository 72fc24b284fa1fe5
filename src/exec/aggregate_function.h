// AggregateFunction: count, sum, avg, min, max, uniq, ... as ClickHouse models them — a fixed-size
// state placed in an arena by the caller, a batch `add` over typed columns, `merge` (for parallel
// aggregation), `insertResult`, and `serialize` / `deserializeAndMerge` (the bytes of
// `AggregateFunction(f, T...)` values, for the -State / -Merge combinators; format in
// aggregate_state.h). Concrete functions derive from AggregateFunctionHelper (CRTP),
// whose batch loops inline the per-row add: one virtual call per batch, none per row.
//
// Argument columns are full (constants materialized by the caller) and non-Nullable unless the
// function says otherwise; the Nullable and -If adapters in aggregate_functions.cpp translate
// NULLs and conditions into the `skip` mask (skip[i] != 0: ignore row i).
// Instances are immutable after creation and may be shared by threads; states are not.
#pragma once

#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <vector>

#include "exec/aggregate_state.h"
#include "exec/datum.h"

namespace perch {

class AggregateFunction {
 public:
  explicit AggregateFunction(DataType result_type) : result_type_(std::move(result_type)) {}
  virtual ~AggregateFunction() = default;

  const DataType& resultType() const { return result_type_; }
  virtual size_t stateSize() const = 0;
  virtual size_t stateAlign() const = 0;
  virtual void create(char* place) const = 0;
  virtual void destroy(char* place) const noexcept = 0;
  virtual bool hasTrivialDestructor() const = 0;

  /// Adds row i to the state at places[i] + offset, for every row not skipped.
  virtual void addBatch(char* const* places, size_t offset, std::span<const ColumnPtr> args, size_t rows,
                        const uint8_t* skip) const = 0;
  /// Adds every row not skipped to one state.
  virtual void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const = 0;
  virtual void merge(char* place, const char* other) const = 0;
  virtual void insertResult(const char* place, Column& to) const = 0;
  /// Appends the state's bytes.
  virtual void serialize(const char* place, StateWriter& out) const = 0;
  /// Reads one state written by `serialize` of an identical function and merges it into `place`.
  /// Throws (kBadRequest) on corrupt input; `place` stays a valid state to destroy.
  virtual void deserializeAndMerge(char* place, StateReader& in) const = 0;

 private:
  DataType result_type_;
};

using AggregateFunctionPtr = std::shared_ptr<const AggregateFunction>;

/// CRTP base: Derived provides `using State`, `Input prepare(args) const` (typed pointers, once
/// per batch), `void add(State&, const Input&, size_t row) const`, `mergeStates(State&, const
/// State&)`, `insertState(const State&, Column&)`, `writeState(const State&, StateWriter&)` and
/// `readState(State&, StateReader&)` (into a fresh State).
template <typename Derived, typename StateType>
class AggregateFunctionHelper : public AggregateFunction {
 public:
  using AggregateFunction::AggregateFunction;
  using State = StateType;

  size_t stateSize() const override { return sizeof(State); }
  size_t stateAlign() const override { return alignof(State); }
  void create(char* place) const override { new (place) State{}; }
  void destroy(char* place) const noexcept override { reinterpret_cast<State*>(place)->~State(); }
  bool hasTrivialDestructor() const override { return std::is_trivially_destructible_v<State>; }

  void addBatch(char* const* places, size_t offset, std::span<const ColumnPtr> args, size_t rows,
                const uint8_t* skip) const override {
    const Derived& self = static_cast<const Derived&>(*this);
    const auto input = self.prepare(args);
    if (skip) {
      for (size_t i = 0; i < rows; ++i) {
        if (!skip[i]) self.add(*reinterpret_cast<State*>(places[i] + offset), input, i);
      }
    } else {
      for (size_t i = 0; i < rows; ++i) self.add(*reinterpret_cast<State*>(places[i] + offset), input, i);
    }
  }

  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    const Derived& self = static_cast<const Derived&>(*this);
    const auto input = self.prepare(args);
    State& state = *reinterpret_cast<State*>(place);
    if (skip) {
      for (size_t i = 0; i < rows; ++i) {
        if (!skip[i]) self.add(state, input, i);
      }
    } else {
      for (size_t i = 0; i < rows; ++i) self.add(state, input, i);
    }
  }

  void merge(char* place, const char* other) const override {
    static_cast<const Derived&>(*this).mergeStates(*reinterpret_cast<State*>(place), *reinterpret_cast<const State*>(other));
  }
  void insertResult(const char* place, Column& to) const override {
    static_cast<const Derived&>(*this).insertState(*reinterpret_cast<const State*>(place), to);
  }
  void serialize(const char* place, StateWriter& out) const override {
    static_cast<const Derived&>(*this).writeState(*reinterpret_cast<const State*>(place), out);
  }
  void deserializeAndMerge(char* place, StateReader& in) const override {
    const Derived& self = static_cast<const Derived&>(*this);
    State other{};
    self.readState(other, in);
    self.mergeStates(*reinterpret_cast<State*>(place), other);
  }
};

/// The bytes of one `AggregateFunction(f, ...)` value holding the state at `place`.
std::string serializeState(const AggregateFunction& function, const char* place);
/// Reads one value written by serializeState for an identical function and merges it into
/// `place`; `context` (the type's name) appears in the error for a corrupt value.
void mergeSerializedState(const AggregateFunction& function, char* place, std::string_view bytes, std::string_view context);

/// True when `name` (possibly with the -If combinator) is an aggregate function.
bool isAggregateFunctionName(std::string_view name);

/// Creates `name(parameters)(args)` for the argument types; throws kBadRequest for unknown
/// functions or illegal types. Nullable arguments and -If are handled here.
AggregateFunctionPtr createAggregateFunction(std::string_view name, std::span<const DataType> arg_types,
                                             std::span<const ColumnPtr> parameters);

}  // namespace perch
