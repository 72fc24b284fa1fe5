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
#include "exec/limit.h"
#include "exec/operator.h"
#include "exec/query.h"
#include "sql/ast.h"

namespace perch {

struct PlannedQuery {
  OperatorPtr root;
  std::vector<std::string> names;
  std::vector<DataType> types;
  const Limit* limit = nullptr;  // the outermost LIMIT, for rows_before_limit
};

/// Names a consumer reads from a query's output; nullopt means all of them.
using RequiredColumns = std::optional<std::set<std::string>>;

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
  /// every row for rows_before_limit.
  PlannedQuery plan(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, bool count_rows);

 private:
  struct Source {
    OperatorPtr op;
    std::vector<ScopeColumn> columns;
  };

  PlannedQuery planSelect(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, bool count_rows);
  Source planSource(const SelectQuery& query, const QueryText& text, const RequiredColumns& required);
  Source planTableName(const TableExpression& table, const QueryText& text, const RequiredColumns& required);
  /// A FROM/JOIN item: subquery, table function or name.
  Source planTableExpression(const TableExpression& table, const QueryText& text, const RequiredColumns& required);
  /// `left` JOIN `join.table` (join_planner.cpp): keys from USING or the equalities of ON.
  Source planJoin(Source left, const JoinClause& join, const QueryText& text, const RequiredColumns& required);
  /// `input` ARRAY JOIN `clause`: element columns appended; a joined column name now means its elements.
  Source planArrayJoin(Source input, const ArrayJoinClause& clause, const QueryText& text);
  Batch runSubquery(const SelectQuery& query, const QueryText& text, std::vector<DataType>& types);

  const Catalog& catalog_;
  ExecContext& context_;
  FunctionContext functions_;
  std::vector<std::string> view_stack_;
  std::vector<const SelectQuery*> cte_stack_;  // CTE bodies being planned (a CTE cannot see itself)
  std::vector<std::unordered_map<std::string, const SelectQuery*>> ctes_;
  std::vector<std::unique_ptr<SelectQuery>> parsed_views_;  // keeps view ASTs alive while planning
  std::vector<std::unique_ptr<std::string>> view_texts_;
};

}  // namespace perch
