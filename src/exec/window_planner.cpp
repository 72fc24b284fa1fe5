#include "exec/window_planner.h"

#include <algorithm>

#include "common/error.h"
#include "exec/aggregate_function.h"
#include "exec/cast.h"
#include "exec/type_rules.h"
#include "exec/window.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace perch {

namespace {

uint64_t constantOffset(ExpressionBinder& binder, const Expr& expr, const std::string& function) {
  const ColumnPtr value = binder.bindConstant(expr, "offset of " + function);
  if (value->type().isNullable() || !value->type().isInteger()) {
    throwBadRequest("Offset of " + function + " must be a non-negative integer constant, got type " + value->type().name() + " at " + binder.where(expr));
  }
  const int64_t offset = asVector<int64_t>(*castColumn(value, DataType(TypeId::kInt64))).data()[0];
  if (offset < 0) throwBadRequest("Offset of " + function + " must not be negative, got " + std::to_string(offset) + " at " + binder.where(expr));
  return static_cast<uint64_t>(offset);
}

BoundExprPtr castTo(BoundExprPtr expr, const DataType& type) {
  if (expr->type == type) return expr;
  auto cast = std::make_shared<BoundExpr>();
  cast->kind = BoundExpr::Kind::kFunction;
  cast->type = type;
  cast->name = "CAST";
  cast->args.push_back(std::move(expr));
  cast->kernel = [type](std::span<const Datum> args, size_t) { return castDatum(args[0], type); };
  return cast;
}

void resolveWindows(Expr& expr, const SelectQuery& query, std::string_view sql, const std::string& note) {
  if (expr.kind != ExprKind::kFunction) return;
  if (expr.window && !expr.window->name.empty()) {
    const auto found = std::find_if(query.windows.begin(), query.windows.end(),
                                    [&](const auto& window) { return window.first == expr.window->name; });
    if (found == query.windows.end()) {
      throwBadRequest("Window '" + expr.window->name + "' is not defined (at " + describePosition(sql, expr.position) + note + ")");
    }
    expr.window = found->second;
  }
  for (auto& arg : expr.args) resolveWindows(*arg, query, sql, note);
}

// What a frame needs beyond its own syntax: ntile the whole partition (its default frame), RANGE
// offsets one numeric ORDER BY key to measure distances on.
void checkFrame(WindowCall& call, const Expr& expr, ExpressionBinder& binder) {
  if (call.kind == WindowFunctionKind::kNtile) {
    if (expr.window->frame.empty()) {
      call.frame.rows = true;
      call.frame.end = {WindowFrameBound::Kind::kUnboundedFollowing, 0};
    } else if (!call.frame.wholePartition()) {
      throwBadRequest("Window frame for function 'ntile' should be 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING', at " + binder.where(expr));
    }
  }
  if (!call.frame.hasRangeOffset()) return;
  if (call.order_by.size() != 1) {
    throwBadRequest("The RANGE OFFSET window frame requires exactly one ORDER BY column, " + std::to_string(call.order_by.size()) +
                    " given, at " + binder.where(expr));
  }
  const DataType& key = call.order_by[0]->type;
  if (!isNumeric(key) || key.id() == TypeId::kBool) {
    throwBadRequest("The RANGE OFFSET frame needs a numeric, Date or DateTime ORDER BY column (not Nullable), got " + key.name() +
                    ", at " + binder.where(expr));
  }
}

}  // namespace

void resolveNamedWindows(SelectQuery& query, std::string_view sql, const std::string& note) {
  for (auto& item : query.with) resolveWindows(*item, query, sql, note);
  for (auto& item : query.select) resolveWindows(*item, query, sql, note);
  for (auto& element : query.order_by) resolveWindows(*element.expr, query, sql, note);
}

void collectWindowFunctions(const Expr& expr, std::vector<const Expr*>& out) {
  if (expr.kind != ExprKind::kFunction) return;
  if (expr.window) {
    out.push_back(&expr);
    return;
  }
  if (expr.name == "lambda") return;
  for (const auto& arg : expr.args) collectWindowFunctions(*arg, out);
}

OperatorPtr planWindow(OperatorPtr input, std::vector<ScopeColumn>& scope_columns, const BindScope& scope,
                       const std::vector<const Expr*>& calls, ExpressionBinder& binder,
                       std::unordered_map<std::string, size_t>& window_columns, std::vector<BoundExprPtr>& bound_inputs,
                       ExecContext& context) {
  std::vector<DataType> input_types;
  for (const auto& column : scope_columns) input_types.push_back(column.type);
  BindScope argument_scope = scope;
  argument_scope.clause = "window function arguments";
  BindScope key_scope = scope;
  key_scope.clause = "window definition";
  std::vector<WindowCall> window_calls;
  std::vector<ScopeColumn> added;
  for (const Expr* expr : calls) {
    const std::string name = columnName(*expr);
    if (window_columns.count(name)) continue;
    if (!expr->window->name.empty()) {  // not resolved by resolveNamedWindows (e.g. inside a WITH alias)
      throwBadRequest("Window '" + expr->window->name + "' is not defined (at " + binder.where(*expr) + ")");
    }
    WindowCall call;
    const std::string& function = expr->name;
    const std::string ranking = rankingFunctionName(function);
    const auto expectArguments = [&](size_t low, size_t high) {
      if (expr->args.size() < low || expr->args.size() > high) {
        throwBadRequest("Window function " + function + " expects " +
                        (low == high ? std::to_string(low) : std::to_string(low) + " to " + std::to_string(high)) +
                        " arguments, got " + std::to_string(expr->args.size()) + " at " + binder.where(*expr));
      }
    };
    if (!ranking.empty()) {
      expectArguments(0, 0);
      call.kind = ranking == "row_number" ? WindowFunctionKind::kRowNumber
                  : ranking == "rank"     ? WindowFunctionKind::kRank
                                          : WindowFunctionKind::kDenseRank;
      call.result_type = DataType(TypeId::kUInt64);
    } else if (isNtileName(function)) {
      expectArguments(1, 1);
      call.kind = WindowFunctionKind::kNtile;
      call.result_type = DataType(TypeId::kUInt64);
      call.offset = constantOffset(binder, *expr->args[0], "ntile");
      if (call.offset == 0) throwBadRequest("Argument of 'ntile' function must be greater than zero, at " + binder.where(*expr->args[0]));
      if (expr->window->order_by.empty()) throwBadRequest("Window frame for 'ntile' function must have ORDER BY clause, at " + binder.where(*expr));
    } else if (function == "lagInFrame" || function == "leadInFrame") {
      expectArguments(1, 3);
      call.kind = function == "lagInFrame" ? WindowFunctionKind::kLagInFrame : WindowFunctionKind::kLeadInFrame;
      call.args.push_back(binder.bind(*expr->args[0], argument_scope));
      call.result_type = call.args[0]->type;
      if (expr->args.size() >= 2) call.offset = constantOffset(binder, *expr->args[1], function);
      if (expr->args.size() == 3) call.args.push_back(castTo(binder.bind(*expr->args[2], argument_scope), call.result_type));
    } else if (function == "nth_value") {
      expectArguments(2, 2);
      call.kind = WindowFunctionKind::kNthValue;
      call.args.push_back(binder.bind(*expr->args[0], argument_scope));
      call.result_type = call.args[0]->type;
      call.offset = constantOffset(binder, *expr->args[1], function);
      if (call.offset == 0) throwBadRequest("Offset of nth_value must be at least 1, at " + binder.where(*expr->args[1]));
    } else {
      // Aggregate functions over the frame; first_value/last_value are ClickHouse's any/anyLast.
      const std::string aggregate = function == "first_value" ? "any" : function == "last_value" ? "anyLast" : function;
      if (!isAggregateFunctionName(aggregate)) {
        throwBadRequest("Function " + function + " is neither a window function nor an aggregate function and cannot be used with OVER, at " +
                        binder.where(*expr));
      }
      std::vector<DataType> arg_types;
      for (const auto& arg : expr->args) {
        call.args.push_back(binder.bind(*arg, argument_scope));
        arg_types.push_back(call.args.back()->type);
      }
      std::vector<ColumnPtr> parameters;
      for (const auto& parameter : expr->parameters) parameters.push_back(binder.bindConstant(*parameter, "aggregate function parameter"));
      try {
        call.aggregate = createAggregateFunction(aggregate, arg_types, parameters);
      } catch (const Error& error) {
        if (error.code() != ErrorCode::kBadRequest) throw;
        throwBadRequest(std::string(error.what()) + " (at " + binder.where(*expr) + ")");
      }
      call.kind = WindowFunctionKind::kAggregate;
      call.result_type = call.aggregate->resultType();
    }
    for (const auto& key : expr->window->partition_by) call.partition_by.push_back(binder.bind(*key, key_scope));
    for (const auto& element : expr->window->order_by) {
      if (element.with_fill) throwBadRequest("WITH FILL is not allowed in a window definition, at " + binder.where(*expr));
      call.order_by.push_back(binder.bind(*element.expr, key_scope));
      call.order_keys.push_back(SortKey{0, element.descending, element.nulls_first.value_or(false)});
    }
    try {
      call.frame = parseWindowFrame(expr->window->frame);
    } catch (const Error& error) {
      if (error.code() != ErrorCode::kBadRequest) throw;
      throwBadRequest(std::string(error.what()) + " (at " + binder.where(*expr) + ")");
    }
    checkFrame(call, *expr, binder);
    for (const auto* list : {&call.args, &call.partition_by, &call.order_by}) {
      bound_inputs.insert(bound_inputs.end(), list->begin(), list->end());
    }
    window_columns[name] = scope_columns.size() + added.size();
    added.push_back({name, "", call.result_type});
    window_calls.push_back(std::move(call));
  }
  scope_columns.insert(scope_columns.end(), added.begin(), added.end());
  return std::make_unique<Window>(std::move(input), std::move(input_types), std::move(window_calls), context);
}

}  // namespace perch
