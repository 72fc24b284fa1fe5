// ArrayJoin: `ARRAY JOIN arr [AS x], ...` — each input row is repeated once per element of its
// arrays, and each array expression becomes a column of its elements. All arrays of one ARRAY JOIN
// must have the same length in a row (else a 400, as in ClickHouse). Rows whose arrays are empty
// are dropped, or with LEFT ARRAY JOIN kept once with the element type's default value.
// Output: the input columns (unchanged positions) followed by one element column per expression.
#pragma once

#include <vector>

#include "exec/expression.h"
#include "exec/operator.h"

namespace perch {

class ArrayJoin final : public Operator {
 public:
  ArrayJoin(OperatorPtr input, std::vector<BoundExprPtr> arrays, bool left, ExecContext& context)
      : input_(std::move(input)), arrays_(std::move(arrays)), left_(left), context_(context) {}

  std::optional<Batch> next() override;

 private:
  OperatorPtr input_;
  std::vector<BoundExprPtr> arrays_;  // each of Array type, evaluated over the input batch
  bool left_;
  ExecContext& context_;
};

}  // namespace perch
