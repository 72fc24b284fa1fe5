// Planner: SELECT AST -> operator tree. Per SELECT it expands aliases (ClickHouse lets every
// clause use SELECT aliases), resolves FROM (CTE, view, table or subquery), pushes the set of
// columns the query needs down into subqueries and scans, and stacks the operators:
//   Scan/subquery -> Filter(WHERE) -> HashAggregate(GROUP BY) -> Filter(HAVING) -> Project
//   -> [DISTINCT] -> Sort/top-N -> Limit -> Project(drop ORDER BY helper columns)
// UNION ALL members are converted to common column types. One Planner per query; not thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/binder.h"
#include "exec/hash_aggregate.h"
#include "exec/limit.h"
#include "exec/operator.h"
#include "exec/predicate_pushdown.h"
#include "exec/query.h"
#include "sql/ast.h"

namespace perch {

struct PlannedQuery {
  OperatorPtr root;
  std::vector<std::string> names;
  std::vector<DataType> types;
  const Limit* limit = nullptr;  // the outermost LIMIT, for rows_before_limit
  /// WITH TOTALS: the aggregation that computes the totals row, and the projections that take it
  /// to this query's columns, in stages: each stage is evaluated over the previous stage's output
  /// (the first over the aggregation's totals batch). More than one stage when the totals row comes
  /// up from a subquery: ClickHouse 18.16 passes a FROM subquery's totals row through the outer
  /// query's SELECT list (not its WHERE, LIMIT or DISTINCT) when the outer query does not aggregate.
  const HashAggregate* totals_source = nullptr;
  std::vector<std::vector<BoundExprPtr>> totals_projections;
};

/// Names a consumer reads from a query's output; nullopt means all of them.
using RequiredColumns = std::optional<std::set<std::string>>;

/// Binds `expr` against `scope`, or returns nullptr when it is not valid there (a 400 while binding).
BoundExprPtr tryBind(ExpressionBinder& binder, const Expr& expr, const BindScope& scope);

/// The text a query came from (for error positions) and where it came from (a view's name).
struct QueryText {
  std::string_view sql;
  std::string note;  // appended to messages, e.g. " (in view 'daily')"
};

class Planner {
 public:
  Planner(const Catalog& catalog, ExecContext& context, FunctionContext functions)
      : catalog_(catalog), context_(context), functions_(functions) {}

  /// Plans `query` (with its UNION ALL members). `count_rows` makes the outermost LIMIT count
  /// every row for rows_before_limit. `pushed`: WHERE conjuncts of the consumer over this query's
  /// outputs, moved into its WHERE where that keeps the answer (predicate_pushdown.h).
  /// Off: WHERE runs where it is written (differential tests compare both plans).
  void setPredicatePushdown(bool enabled) { pushdown_ = enabled; }

  PlannedQuery plan(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, bool count_rows,
                    const PushedConjuncts* pushed = nullptr);

 private:
  struct Source {
    OperatorPtr op;
    std::vector<ScopeColumn> columns;
    /// A FROM subquery's totals row (PlannedQuery::totals_*), for a non-aggregating consumer;
    /// joins and ARRAY JOIN build new Sources without it.
    const HashAggregate* totals_source = nullptr;
    std::vector<std::vector<BoundExprPtr>> totals_projections;
  };

  /// A WHERE/PREWHERE conjunct that may move below joins and into subqueries. `optional`: it was
  /// pushed in from a consumer, which still checks it, so where it does not bind it is dropped.
  /// `consumed`: it now runs on a join side's scan and the WHERE filter need not repeat it.
  struct WhereConjunct {
    const Expr* expr = nullptr;
    bool optional = false;
    bool consumed = false;
  };

  PlannedQuery planSelect(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, bool count_rows,
                          const PushedConjuncts* pushed);
  /// FROM, JOINs, ARRAY JOIN, then one ArrayJoin per arrayJoin() call of `array_join_calls`.
  Source planSource(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, std::vector<WhereConjunct>& conjuncts,
                    const std::vector<ExprPtr>& array_join_calls);
  Source planTableName(const TableExpression& table, const QueryText& text, const RequiredColumns& required, const PushedConjuncts* pushed);
  /// A FROM/JOIN item: subquery, table function or name.
  Source planTableExpression(const TableExpression& table, const QueryText& text, const RequiredColumns& required,
                             const PushedConjuncts* pushed);
  /// The conjuncts offered to FROM/JOIN item `side` of `tables` (predicate_pushdown.h).
  PushedConjuncts offeredConjuncts(const std::vector<const TableExpression*>& tables, size_t side, bool preserved,
                                   const std::vector<WhereConjunct>& conjuncts) const;
  /// The output names of a FROM/JOIN item known before planning it (a stored table's columns, a
  /// subquery's SELECT list as written); nullopt for views, CTEs, table functions and `SELECT *`.
  std::optional<std::set<std::string>> knownColumnNames(const TableExpression& table) const;
  /// Filters the join sides (or the one source under ARRAY JOIN) that are scans by the conjuncts
  /// that read only their columns, where join semantics allow (predicate_pushdown.h).
  void pushIntoScans(std::vector<Source>& sides, const std::vector<bool>& preserved, std::vector<WhereConjunct>& conjuncts,
                     const QueryText& text);
  /// `left` JOIN `right` (join_planner.cpp): keys from USING or the equalities of ON.
  Source planJoin(Source left, Source right, const JoinClause& join, const QueryText& text);
  /// `input` ARRAY JOIN `clause`: element columns appended; a joined column name now means its elements.
  Source planArrayJoin(Source input, const ArrayJoinClause& clause, const QueryText& text);
  /// One ArrayJoin per arrayJoin() call (the call's argument, aliased with the column's name).
  Source planArrayJoinCalls(Source source, const std::vector<ExprPtr>& calls, const QueryText& text);
  Batch runSubquery(const SelectQuery& query, const QueryText& text, std::vector<DataType>& types);

  const Catalog& catalog_;
  ExecContext& context_;
  FunctionContext functions_;
  bool pushdown_ = true;
  std::vector<std::string> view_stack_;
  std::vector<const SelectQuery*> cte_stack_;  // CTE bodies being planned (a CTE cannot see itself)
  std::vector<std::unordered_map<std::string, const SelectQuery*>> ctes_;
  std::vector<std::unique_ptr<SelectQuery>> parsed_views_;  // keeps view ASTs alive while planning
  std::vector<std::unique_ptr<std::string>> view_texts_;
};

}  // namespace perch
