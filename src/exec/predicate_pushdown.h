// Predicate pushdown: moves WHERE/PREWHERE conjuncts of a SELECT closer to the data, so that a
// conjunct reaches the Scan of its table and KeyCondition can skip granules (statistics.rows_read
// drops), and a tenant filter written in a later pipe node filters the earlier node's scan.
//
// Two moves, both decided on the AST:
//   - into a JOIN side: a conjunct that reads only one side's columns is evaluated on that side
//     before the join, when every join above that side keeps its rows as they are (the side is
//     "preserved": the left side of INNER/LEFT/CROSS and of ANY/SEMI/ANTI LEFT, the right side of
//     ALL INNER/RIGHT and CROSS; never a side whose rows a later join can fill with defaults, never
//     the right side of ANY/SEMI/ANTI, whose chosen right row would change).
//   - into a subquery, view, CTE or pipe node in FROM: the conjunct is rewritten over the
//     subquery's source (each output column replaced by the expression that computes it) and ANDed
//     into the subquery's WHERE. Refused when the subquery has LIMIT/OFFSET, LIMIT BY, DISTINCT,
//     ARRAY JOIN, WITH FILL or window functions, when a referenced column is computed by
//     an aggregate (only GROUP BY keys cross an aggregation; nothing crosses one without GROUP BY),
//     and for conjuncts that are not deterministic per row (rand(), arrayJoin(), lambdas, ...).
//     A subquery with UNION ALL gets the conjunct in each member, renamed to the member's own
//     output names by position (renameForUnionMember) and then rewritten as above; the planner
//     takes it back out of every member when a member's column type differs from the union's
//     (Date in one member, DateTime in another: `d + 1` would mean another value in each).
//
// The outer query keeps a conjunct it pushed into a subquery (so the pushed copy only has to be
// implied by it, never exact; where it does not bind it is dropped); a conjunct of the query's own
// WHERE that runs on a join side's scan is dropped from that WHERE, since the side's columns reach
// the join output unchanged. Tenant isolation: inside a subquery or view, pushed-in conjuncts run
// only after its own WHERE (a second filter) and on its join sides only prune granules, so an
// expression of the consumer that fails on some values is never evaluated on rows the view hides.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/ast.h"

namespace perch {

/// WHERE conjuncts offered to a subquery: written over its outputs, identifiers either
/// unqualified or qualified with `qualifier` (the subquery's alias, or the view/CTE name).
struct PushedConjuncts {
  std::vector<const Expr*> conjuncts;
  std::string qualifier;
};

/// Whether `conjunct` may run below joins and inside subqueries: it gives the same answer for a
/// row wherever it runs (no aggregate, window function, arrayJoin, lambda, random or
/// block-position function).
bool isMovableConjunct(const Expr& conjunct);

/// The identifiers `expr` reads (pointers into `expr`).
void collectIdentifierNodes(const Expr& expr, std::vector<const Expr*>& out);

/// The conjuncts of `pushed` that can move into `query`'s WHERE, rewritten over its source.
/// `query` must have its aliases expanded; `output_names[i]` names `query.select[i]`.
std::vector<ExprPtr> rewriteForSelect(const SelectQuery& query, const std::vector<std::string>& output_names, const PushedConjuncts& pushed);

/// The output names of `query`'s SELECT list as written (alias, else the expression's name), or
/// nullopt when an asterisk makes them unknown before planning.
std::optional<std::vector<std::string>> writtenOutputNames(const SelectQuery& query);

/// The conjuncts of `pushed`, written over a UNION ALL's outputs (named by its first member,
/// `union_names`), renamed by position to one member's `member_names`, for rewriteForSelect on
/// that member. A conjunct naming anything else is left out.
std::vector<ExprPtr> renameForUnionMember(const PushedConjuncts& pushed, const std::vector<std::string>& union_names,
                                          const std::vector<std::string>& member_names);

/// Per table expression of `query` (0 = FROM, i = the i-th JOIN's table): whether its rows reach
/// the result of all the joins unchanged, so a filter on its columns may run before them.
std::vector<bool> preservedJoinSides(const SelectQuery& query);

}  // namespace perch
