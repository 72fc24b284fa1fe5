// Planning of window functions: finds the `f(...) OVER (...)` calls of a SELECT, binds their
// arguments, partition and order keys against the rows after WHERE / GROUP BY / HAVING, and puts
// a Window operator (window.h) over those rows. Each distinct call (by its ClickHouse column name)
// becomes one column that the SELECT list and ORDER BY bind to through BindScope::windows.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "exec/binder.h"
#include "exec/operator.h"

namespace perch {

/// Replaces each `OVER w` in WITH, the SELECT list and ORDER BY by the definition of `w` in the WINDOW
/// clause; throws kBadRequest (with the position in `sql`) for an undefined window.
void resolveNamedWindows(SelectQuery& query, std::string_view sql, const std::string& note);

/// Appends the window function calls in `expr` (calls inside their arguments are left for the
/// binder to reject).
void collectWindowFunctions(const Expr& expr, std::vector<const Expr*>& out);

/// Returns a Window operator over `input`, whose columns are `scope_columns` bound through
/// `scope`. Appends one column per distinct call to `scope_columns` and records it in
/// `window_columns` (columnName -> index). `bound_inputs` receives every expression the
/// operator evaluates over its input. Throws kBadRequest for OVER on a function that is neither
/// a window function nor an aggregate function, bad arguments and unsupported frames.
OperatorPtr planWindow(OperatorPtr input, std::vector<ScopeColumn>& scope_columns, const BindScope& scope,
                       const std::vector<const Expr*>& calls, ExpressionBinder& binder,
                       std::unordered_map<std::string, size_t>& window_columns, std::vector<BoundExprPtr>& bound_inputs,
                       ExecContext& context);

}  // namespace perch
