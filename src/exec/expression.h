// BoundExpr: an expression after binding — column references resolved to batch positions,
// functions resolved to kernels, constants folded. Evaluation walks the tree once per batch; all
// per-row work happens inside the kernels. Trees are immutable and shared between operators.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exec/datum.h"
#include "exec/function_registry.h"

namespace perch {

struct BoundExpr;
using BoundExprPtr = std::shared_ptr<const BoundExpr>;

struct BoundExpr {
  enum class Kind { kColumn, kConstant, kFunction };

  Kind kind = Kind::kConstant;
  DataType type;
  size_t column = 0;               // kColumn: position in the input batch
  ColumnPtr constant;              // kConstant: 1-row value
  FunctionKernel kernel;           // kFunction
  std::vector<BoundExprPtr> args;  // kFunction
  std::string name;                // for messages: the function name or column name

  static BoundExprPtr makeColumn(size_t index, DataType type, std::string name);
  static BoundExprPtr makeConstant(ColumnPtr value);
};

/// Evaluates `expr` over `batch`; constants stay constant (see Datum).
Datum evaluate(const BoundExpr& expr, const Batch& batch);
/// Evaluates and materializes to a full column of batch.rows rows.
ColumnPtr evaluateColumn(const BoundExpr& expr, const Batch& batch);

}  // namespace perch
