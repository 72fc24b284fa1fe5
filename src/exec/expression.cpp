#include "exec/expression.h"

namespace perch {

BoundExprPtr BoundExpr::makeColumn(size_t index, DataType type, std::string name) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kColumn;
  expr->column = index;
  expr->type = std::move(type);
  expr->name = std::move(name);
  return expr;
}

BoundExprPtr BoundExpr::makeConstant(ColumnPtr value) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kConstant;
  expr->type = value->type();
  expr->constant = std::move(value);
  return expr;
}

Datum evaluate(const BoundExpr& expr, const Batch& batch) {
  switch (expr.kind) {
    case BoundExpr::Kind::kColumn: return Datum::full(batch.columns[expr.column]);
    case BoundExpr::Kind::kConstant: return Datum::constant(expr.constant);
    case BoundExpr::Kind::kFunction: break;
  }
  std::vector<Datum> args;
  args.reserve(expr.args.size());
  for (const auto& arg : expr.args) args.push_back(evaluate(*arg, batch));
  return expr.kernel(args, batch.rows);
}

ColumnPtr evaluateColumn(const BoundExpr& expr, const Batch& batch) {
  return materialize(evaluate(expr, batch), batch.rows);
}

}  // namespace perch
