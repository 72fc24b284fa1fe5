// AggregateStateHolder: one state of an aggregate function in its own aligned heap buffer, for code
// that aggregates outside HashAggregate's arena (window frames, finalizeAggregation, tests).
// The state is created in the constructor and destroyed in the destructor, also when aggregating
// into it threw. Not thread-safe: one holder per thread.
#pragma once

#include <new>

#include "exec/aggregate_function.h"

namespace perch {

class AggregateStateHolder {
 public:
  explicit AggregateStateHolder(const AggregateFunction& function)
      : function_(function), place_(static_cast<char*>(::operator new(function.stateSize(), std::align_val_t(function.stateAlign())))) {
    try {
      function_.create(place_);
    } catch (...) {
      ::operator delete(place_, std::align_val_t(function_.stateAlign()));
      throw;
    }
  }
  ~AggregateStateHolder() {
    if (!function_.hasTrivialDestructor()) function_.destroy(place_);
    ::operator delete(place_, std::align_val_t(function_.stateAlign()));
  }
  AggregateStateHolder(const AggregateStateHolder&) = delete;
  AggregateStateHolder& operator=(const AggregateStateHolder&) = delete;

  char* place() { return place_; }
  const char* place() const { return place_; }
  /// Back to the empty state.
  void reset() {
    if (!function_.hasTrivialDestructor()) function_.destroy(place_);
    function_.create(place_);
  }

 private:
  const AggregateFunction& function_;
  char* place_;
};

}  // namespace perch
