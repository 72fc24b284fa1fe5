// Parser: ClickHouse SQL text -> AST (see ast.h), and the canonical printer back to SQL.
//
// parseSelect accepts one SELECT statement (with WITH, UNION ALL, a trailing FORMAT/SETTINGS and an
// optional ';'); any other statement kind is rejected with a 400 naming it. Syntax errors are
// Error(kBadRequest, "Syntax error at position N (line L, col C): expected X, got 'Y'"), positions
// 1-based. formatAst prints canonical ClickHouse SQL such that parse(format(parse(s))) == parse(s),
// which is what template-injection tests compare. All functions are reentrant.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sql/ast.h"

namespace perch {

/// Parses one SELECT statement.
std::unique_ptr<SelectQuery> parseSelect(std::string_view sql);
/// Parses one standalone expression (e.g. a column default or a filter).
ExprPtr parseExpression(std::string_view sql);

/// Canonical SQL of a query / an expression (aliases included).
std::string formatAst(const SelectQuery& query);
std::string formatAst(const Expr& expr);

/// ClickHouse's name of an expression's result column when it has no alias: functions in call
/// form with their arguments' names (`plus(a, 1)`, `count()`, `toStartOfDay(timestamp)`),
/// identifiers as written, literals as ClickHouse prints them ('x', 1, 1.5, [1, 2]).
std::string columnName(const Expr& expr);

}  // namespace perch
