// Project: computes one output column per expression for each input batch (constants are
// materialized to the batch's row count).
#pragma once

#include <vector>

#include "exec/expression.h"
#include "exec/operator.h"

namespace perch {

class Project final : public Operator {
 public:
  Project(OperatorPtr input, std::vector<BoundExprPtr> exprs) : input_(std::move(input)), exprs_(std::move(exprs)) {}

  std::optional<Batch> next() override {
    auto batch = input_->next();
    if (!batch) return std::nullopt;
    Batch out;
    out.rows = batch->rows;
    out.columns.reserve(exprs_.size());
    for (const auto& expr : exprs_) out.columns.push_back(evaluateColumn(*expr, *batch));
    return out;
  }

 private:
  OperatorPtr input_;
  std::vector<BoundExprPtr> exprs_;
};

}  // namespace perch
