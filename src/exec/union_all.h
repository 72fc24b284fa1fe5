// UnionAll: the batches of each input in turn. The planner has already converted every input to
// the same column types.
#pragma once

#include <vector>

#include "exec/operator.h"

namespace perch {

class UnionAll final : public Operator {
 public:
  explicit UnionAll(std::vector<OperatorPtr> inputs) : inputs_(std::move(inputs)) {}

  std::optional<Batch> next() override {
    while (current_ < inputs_.size()) {
      if (auto batch = inputs_[current_]->next()) return batch;
      ++current_;
    }
    return std::nullopt;
  }

 private:
  std::vector<OperatorPtr> inputs_;
  size_t current_ = 0;
};

}  // namespace perch
