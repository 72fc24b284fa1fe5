#include "exec/row_expression.h"

#include <limits>

#include "common/error.h"
#include "exec/binder.h"
#include "sql/parser.h"

namespace perch {

RowExpression RowExpression::compile(std::string_view text, const TableSchema& schema) {
  RowExpression result;
  result.text_ = std::string(text);
  const ExprPtr ast = parseExpression(result.text_);
  std::vector<ScopeColumn> columns;
  for (const auto& column : schema.columns) columns.push_back(ScopeColumn{column.name, "", column.type});
  ExpressionBinder binder(FunctionContext{}, result.text_, "", [](const SelectQuery&, std::vector<DataType>&) -> Batch {
    throw Error(ErrorCode::kBadRequest, "subqueries are not allowed in a table expression");
  });
  const BindScope scope{&columns, nullptr, "table expression"};
  result.expr_ = binder.bind(*ast, scope);
  return result;
}

ColumnPtr RowExpression::evaluate(const Batch& batch) const { return evaluateColumn(*expr_, batch); }

std::vector<std::string> RowExpression::evaluateText(const Batch& batch) const {
  const ColumnPtr column = evaluate(batch);
  std::vector<std::string> values(batch.rows);
  for (size_t row = 0; row < batch.rows; ++row) column->formatText(row, values[row]);
  return values;
}

bool RowExpression::isTimePoint() const {
  const DataType& type = expr_->type.isNullable() ? expr_->type.nested() : expr_->type;
  return type.id() == TypeId::kDate || type.id() == TypeId::kDateTime;
}

std::vector<int64_t> RowExpression::evaluateEpochSeconds(const Batch& batch) const {
  if (!isTimePoint()) throw Error(ErrorCode::kBadRequest, "'" + text_ + "' is " + expr_->type.name() + ", not a Date or DateTime");
  const ColumnPtr column = evaluate(batch);
  const Column* values = column.get();
  const std::vector<uint8_t>* null_map = nullptr;
  if (column->type().isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*column);
    values = &nullable.nested();
    null_map = &nullable.nullMap();
  }
  std::vector<int64_t> seconds(batch.rows);
  if (values->type().id() == TypeId::kDate) {
    const auto& days = asVector<uint16_t>(*values).data();
    for (size_t row = 0; row < batch.rows; ++row) seconds[row] = int64_t{days[row]} * 86400;
  } else {
    const auto& times = asVector<uint32_t>(*values).data();
    for (size_t row = 0; row < batch.rows; ++row) seconds[row] = int64_t{times[row]};
  }
  if (null_map) {
    for (size_t row = 0; row < batch.rows; ++row) {
      if ((*null_map)[row]) seconds[row] = std::numeric_limits<int64_t>::max();
    }
  }
  return seconds;
}

}  // namespace perch
