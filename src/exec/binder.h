// ExpressionBinder: turns AST expressions into BoundExpr trees against a scope — the columns of
// the batch the expression will see. It resolves identifiers (with optional table qualifiers),
// types literals the way ClickHouse does (1 is UInt8, -1 Int8, 1.5 Float64), resolves functions
// through the registry, folds constant sub-trees, builds IN sets, runs scalar subqueries, and
// rewrites ClickHouse sugar (CASE x WHEN, INTERVAL arithmetic, dateAdd) into plain calls.
//
// Lambdas (`arrayMap(x -> x * 2, arr)`) bind their body in the outer scope plus one column per
// parameter; at run time the body sees a batch with one row per array element, in which the
// outer columns it captures are repeated for each element of their row.
//
// After GROUP BY, a scope carries `replacements`: canonical expression names (columnName) of the
// keys and aggregates mapped to output columns, so `toStartOfDay(timestamp)` or `sum(x)` in
// SELECT/HAVING/ORDER BY bind to the aggregated column. One binder per query; not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "exec/expression.h"
#include "exec/function_registry.h"
#include "sql/ast.h"

namespace perch {

struct ScopeColumn {
  /// After a JOIN: a right-side column whose name the left side also has is reachable only as
  /// `qualifier.name` (the left column wins, as in ClickHouse); a USING key of the right side is
  /// not visible at all (the left one stands for both).
  enum class Visibility { kNormal, kQualifiedOnly, kUsingKey };

  std::string name;
  std::string qualifier;  // table alias or name; empty for subqueries without alias
  DataType type;
  Visibility visibility = Visibility::kNormal;
  bool lambda_parameter = false;  // `x` of `x -> expr`, visible while its body is bound
};

struct BindScope {
  const std::vector<ScopeColumn>* columns = nullptr;
  const std::unordered_map<std::string, size_t>* replacements = nullptr;  // set after aggregation
  std::string_view clause = "SELECT";                                      // for messages
  const std::unordered_map<std::string, size_t>* windows = nullptr;        // window function columns (window_planner.h)
};

class ExpressionBinder {
 public:
  /// Runs a subquery to completion; returns its column types and all rows in one batch.
  using SubqueryRunner = std::function<Batch(const SelectQuery&, std::vector<DataType>& types)>;

  ExpressionBinder(FunctionContext functions, std::string_view sql, std::string context_note, SubqueryRunner run_subquery)
      : functions_(functions), sql_(sql), context_note_(std::move(context_note)), run_subquery_(std::move(run_subquery)) {}

  BoundExprPtr bind(const Expr& expr, const BindScope& scope);
  /// Binds an expression that must be constant (LIMIT, quantile level, ...) and returns its value.
  ColumnPtr bindConstant(const Expr& expr, std::string_view what);

  /// "position N (line L, col C)" of an expression in the query text.
  std::string where(const Expr& expr) const;

 private:
  BoundExprPtr bindIdentifier(const Expr& expr, const BindScope& scope);
  BoundExprPtr bindFunction(const Expr& expr, const BindScope& scope);
  BoundExprPtr bindCall(const std::string& name, std::vector<BoundExprPtr> args, const Expr& origin);
  BoundExprPtr bindIn(const Expr& expr, const BindScope& scope, bool negated);
  BoundExprPtr bindArray(const Expr& expr, const BindScope& scope);
  BoundExprPtr bindScalarSubquery(const Expr& expr);
  /// arrayMap(x -> body, arr, ...) and the other functions of array_functions.h.
  BoundExprPtr bindHigherOrder(const Expr& expr, const BindScope& scope, const struct HigherOrderFunction& function);
  /// ClickHouse sugar rewritten to plain calls, or nullptr when `expr` needs no rewrite.
  ExprPtr rewrite(const Expr& expr) const;

  FunctionContext functions_;
  std::string_view sql_;
  std::string context_note_;  // " (in view 'x')" for messages
  SubqueryRunner run_subquery_;
};

/// The 1-row column of a literal, typed like ClickHouse types it.
ColumnPtr literalColumn(const LiteralValue& value);

}  // namespace perch
