#include "sql/ast.h"

#include <algorithm>

#include "common/error.h"

namespace perch {

namespace {

template <typename T>
std::vector<T> cloneAll(const std::vector<T>& items) {
  std::vector<T> result;
  result.reserve(items.size());
  for (const auto& item : items) {
    if constexpr (std::is_same_v<T, ExprPtr> || std::is_same_v<T, std::unique_ptr<SelectQuery>>) {
      result.push_back(item ? item->clone() : nullptr);
    } else {
      result.push_back(item.clone());
    }
  }
  return result;
}

ExprPtr cloneOrNull(const ExprPtr& expr) { return expr ? expr->clone() : nullptr; }

}  // namespace

ExprPtr Expr::clone() const {
  auto copy = std::make_unique<Expr>();
  copy->kind = kind;
  copy->position = position;
  copy->alias = alias;
  copy->literal = literal;
  copy->name_parts = name_parts;
  copy->name = name;
  copy->args = cloneAll(args);
  copy->parameters = cloneAll(parameters);
  copy->has_parameters = has_parameters;
  copy->depth = depth;
  copy->window = window;  // immutable after parsing, shared
  if (subquery) copy->subquery = subquery->clone();
  return copy;
}

std::string Expr::identifierName() const {
  std::string result;
  for (size_t i = 0; i < name_parts.size(); ++i) {
    if (i) result.push_back('.');
    result += name_parts[i];
  }
  return result;
}

ExprPtr makeLiteral(LiteralValue value, size_t position) {
  auto expr = std::make_unique<Expr>();
  expr->kind = ExprKind::kLiteral;
  expr->literal = std::move(value);
  expr->position = position;
  return expr;
}

ExprPtr makeIdentifier(std::vector<std::string> parts, size_t position) {
  auto expr = std::make_unique<Expr>();
  expr->kind = ExprKind::kIdentifier;
  expr->name_parts = std::move(parts);
  expr->position = position;
  return expr;
}

ExprPtr makeFunction(std::string name, std::vector<ExprPtr> args, size_t position) {
  auto expr = std::make_unique<Expr>();
  expr->kind = ExprKind::kFunction;
  expr->name = std::move(name);
  expr->args = std::move(args);
  expr->position = position;
  for (const auto& arg : expr->args) expr->depth = std::max(expr->depth, arg->depth + 1);
  if (expr->depth > kMaxExpressionDepth) {
    throw Error(ErrorCode::kBadRequest, "Expression is too deeply nested (more than " +
                                            std::to_string(kMaxExpressionDepth) + " levels)");
  }
  return expr;
}

OrderByElement OrderByElement::clone() const {
  OrderByElement copy;
  copy.expr = cloneOrNull(expr);
  copy.descending = descending;
  copy.nulls_first = nulls_first;
  copy.with_fill = with_fill;
  copy.fill_from = cloneOrNull(fill_from);
  copy.fill_to = cloneOrNull(fill_to);
  copy.fill_step = cloneOrNull(fill_step);
  return copy;
}

TableExpression TableExpression::clone() const {
  TableExpression copy;
  copy.database = database;
  copy.table_name = table_name;
  if (subquery) copy.subquery = subquery->clone();
  copy.table_function = cloneOrNull(table_function);
  copy.alias = alias;
  copy.final = final;
  copy.position = position;
  return copy;
}

JoinClause JoinClause::clone() const {
  JoinClause copy;
  copy.kind = kind;
  copy.strictness = strictness;
  copy.global = global;
  copy.table = table.clone();
  copy.on = cloneOrNull(on);
  copy.using_columns = cloneAll(using_columns);
  return copy;
}

std::unique_ptr<SelectQuery> SelectQuery::clone() const {
  auto copy = std::make_unique<SelectQuery>();
  copy->with = cloneAll(with);
  copy->distinct = distinct;
  copy->select = cloneAll(select);
  if (from) copy->from = from->clone();
  if (array_join) copy->array_join = ArrayJoinClause{array_join->left, cloneAll(array_join->exprs)};
  copy->joins = cloneAll(joins);
  copy->prewhere = cloneOrNull(prewhere);
  copy->where = cloneOrNull(where);
  copy->group_by = cloneAll(group_by);
  copy->with_totals = with_totals;
  copy->having = cloneOrNull(having);
  copy->windows = windows;  // immutable after parsing, shared
  copy->order_by = cloneAll(order_by);
  copy->limit_by_limit = cloneOrNull(limit_by_limit);
  copy->limit_by = cloneAll(limit_by);
  copy->limit = cloneOrNull(limit);
  copy->offset = cloneOrNull(offset);
  for (const auto& [name, value] : settings) copy->settings.emplace_back(name, cloneOrNull(value));
  copy->format = format;
  copy->union_all = cloneAll(union_all);
  copy->position = position;
  return copy;
}

}  // namespace perch
