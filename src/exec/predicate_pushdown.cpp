#include "exec/predicate_pushdown.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "exec/aggregate_function.h"
#include "exec/window_planner.h"
#include "sql/parser.h"

namespace perch {

namespace {

// Functions whose value for a row depends on other rows, on the block the row arrives in, or on
// chance: evaluating them at another place of the plan would change the answer.
bool dependsOnPlacement(std::string_view name) {
  static const std::set<std::string_view> kNames = {
      "arrayJoin",     "lambda",           "rand",           "rand32",         "rand64",
      "randCanonical", "generateUUIDv4",   "randomString",   "runningDifference",
      "runningAccumulate", "runningDifferenceStartingWithFirstValue", "rowNumberInBlock",
      "rowNumberInAllBlocks", "blockNumber", "neighbor",      "randConstant"};
  return kNames.count(name) > 0;
}

bool callsArrayJoin(const Expr& expr) {
  if (expr.kind != ExprKind::kFunction) return false;
  if (expr.name == "arrayJoin") return true;
  return std::any_of(expr.args.begin(), expr.args.end(), [](const ExprPtr& arg) { return callsArrayJoin(*arg); });
}

// Whether the subquery's rows may be filtered on its output columns before its own clauses run.
bool acceptsConjuncts(const SelectQuery& query) {
  // UNION ALL members are offered the conjuncts one by one (Planner::plan), never as a whole.
  if (query.limit || query.offset || !query.limit_by.empty() || query.distinct || query.array_join || !query.union_all.empty()) {
    return false;
  }
  std::vector<const Expr*> windows;
  for (const auto& item : query.select) collectWindowFunctions(*item, windows);
  for (const auto& element : query.order_by) {
    if (element.with_fill) return false;
    collectWindowFunctions(*element.expr, windows);
  }
  if (!windows.empty()) return false;
  // arrayJoin() in the SELECT list multiplies rows like ARRAY JOIN.
  return std::none_of(query.select.begin(), query.select.end(), [](const ExprPtr& item) { return callsArrayJoin(*item); });
}

bool containsAggregate(const Expr& expr) {
  if (expr.kind != ExprKind::kFunction) return false;
  if (!expr.window && isAggregateFunctionName(expr.name)) return true;
  return std::any_of(expr.args.begin(), expr.args.end(), [](const ExprPtr& arg) { return containsAggregate(*arg); });
}

// Rewrites a pushed conjunct over the subquery's source: each identifier becomes the expression of
// the output column it names.
class ConjunctRewriter {
 public:
  ConjunctRewriter(const SelectQuery& query, const std::vector<std::string>& output_names, const std::string& qualifier)
      : query_(query), output_names_(output_names), qualifier_(qualifier) {
    for (const auto& item : query.select) {
      aggregating_ |= containsAggregate(*item);
      if (item->kind == ExprKind::kAsterisk && item->name_parts.empty()) star_ = item.get();
    }
    aggregating_ |= !query.group_by.empty() || (query.having != nullptr);
    for (const auto& key : query.group_by) group_keys_.insert(columnName(*key));
  }

  /// The rewritten conjunct, or nullptr when it cannot move into the subquery.
  ExprPtr rewrite(const Expr& conjunct) const {
    // Without GROUP BY an aggregating subquery returns one row even when nothing matches.
    if (aggregating_ && query_.group_by.empty()) return nullptr;
    ExprPtr copy = conjunct.clone();
    return substitute(copy) ? std::move(copy) : nullptr;
  }

 private:
  bool substitute(ExprPtr& expr) const {
    if (expr->kind == ExprKind::kFunction) {
      expr->position = 0;  // positions of the outer text mean nothing in the subquery's text
      return std::all_of(expr->args.begin(), expr->args.end(), [&](ExprPtr& arg) { return substitute(arg); });
    }
    if (expr->kind == ExprKind::kLiteral) {
      expr->position = 0;
      return true;
    }
    if (expr->kind != ExprKind::kIdentifier) return false;
    std::string name;
    if (expr->name_parts.size() == 1) {
      name = expr->name_parts[0];
    } else if (expr->name_parts.size() == 2 && !qualifier_.empty() && expr->name_parts[0] == qualifier_) {
      name = expr->name_parts[1];
    } else {
      return false;
    }
    const auto found = std::find(output_names_.begin(), output_names_.end(), name);
    if (found == output_names_.end()) return passThroughStar(expr, name);
    if (std::find(found + 1, output_names_.end(), name) != output_names_.end()) return false;  // ambiguous
    const Expr& item = *query_.select[found - output_names_.begin()];
    if (item.kind == ExprKind::kAsterisk || !isMovableConjunct(item)) return false;
    if (aggregating_ && !group_keys_.count(columnName(item))) return false;
    expr = item.clone();
    expr->alias.clear();
    return true;
  }

  // `SELECT * FROM t`: a name that no explicit item has is t's column of that name.
  bool passThroughStar(ExprPtr& expr, const std::string& name) const {
    if (!star_ || aggregating_) return false;
    for (const auto& except : star_->args) {
      if (except->identifierName() == name) return false;
    }
    expr = makeIdentifier({name});
    return true;
  }

  const SelectQuery& query_;
  const std::vector<std::string>& output_names_;
  const std::string& qualifier_;
  bool aggregating_ = false;
  const Expr* star_ = nullptr;
  std::set<std::string> group_keys_;
};

}  // namespace

bool isMovableConjunct(const Expr& conjunct) {
  switch (conjunct.kind) {
    case ExprKind::kLiteral:
    case ExprKind::kIdentifier: return true;
    case ExprKind::kAsterisk:
    case ExprKind::kSubquery: return false;  // a subquery would run once more per place it is bound
    case ExprKind::kFunction:
      if (conjunct.window || isAggregateFunctionName(conjunct.name) || dependsOnPlacement(conjunct.name)) return false;
      return std::all_of(conjunct.args.begin(), conjunct.args.end(), [](const ExprPtr& arg) { return isMovableConjunct(*arg); });
  }
  return false;
}

void collectIdentifierNodes(const Expr& expr, std::vector<const Expr*>& out) {
  if (expr.kind == ExprKind::kIdentifier) out.push_back(&expr);
  for (const auto& arg : expr.args) collectIdentifierNodes(*arg, out);
}

std::vector<ExprPtr> rewriteForSelect(const SelectQuery& query, const std::vector<std::string>& output_names, const PushedConjuncts& pushed) {
  std::vector<ExprPtr> moved;
  if (pushed.conjuncts.empty() || !acceptsConjuncts(query)) return moved;
  const ConjunctRewriter rewriter(query, output_names, pushed.qualifier);
  for (const Expr* conjunct : pushed.conjuncts) {
    if (ExprPtr rewritten = rewriter.rewrite(*conjunct)) moved.push_back(std::move(rewritten));
  }
  return moved;
}

std::optional<std::vector<std::string>> writtenOutputNames(const SelectQuery& query) {
  std::vector<std::string> names;
  for (const auto& item : query.select) {
    if (item->kind == ExprKind::kAsterisk) return std::nullopt;
    names.push_back(item->alias.empty() ? columnName(*item) : item->alias);
  }
  return names;
}

namespace {

// Renames every identifier of `expr` that names output `i` of the union to the member's output `i`;
// false when an identifier names no output, or one of several of the same name.
bool renameIdentifiers(Expr& expr, const PushedConjuncts& pushed, const std::vector<std::string>& union_names,
                       const std::vector<std::string>& member_names) {
  if (expr.kind != ExprKind::kIdentifier) {
    return std::all_of(expr.args.begin(), expr.args.end(), [&](ExprPtr& arg) { return renameIdentifiers(*arg, pushed, union_names, member_names); });
  }
  std::string name;
  if (expr.name_parts.size() == 1) {
    name = expr.name_parts[0];
  } else if (expr.name_parts.size() == 2 && !pushed.qualifier.empty() && expr.name_parts[0] == pushed.qualifier) {
    name = expr.name_parts[1];
  } else {
    return false;
  }
  const auto found = std::find(union_names.begin(), union_names.end(), name);
  if (found == union_names.end() || std::find(found + 1, union_names.end(), name) != union_names.end()) return false;
  expr.name_parts = {member_names[static_cast<size_t>(found - union_names.begin())]};
  return true;
}

}  // namespace

std::vector<ExprPtr> renameForUnionMember(const PushedConjuncts& pushed, const std::vector<std::string>& union_names,
                                          const std::vector<std::string>& member_names) {
  std::vector<ExprPtr> renamed;
  if (union_names.size() != member_names.size()) return renamed;  // the planner reports the mismatch
  for (const Expr* conjunct : pushed.conjuncts) {
    ExprPtr copy = conjunct->clone();
    if (isMovableConjunct(*copy) && renameIdentifiers(*copy, pushed, union_names, member_names)) renamed.push_back(std::move(copy));
  }
  return renamed;
}

std::vector<bool> preservedJoinSides(const SelectQuery& query) {
  const size_t sides = query.joins.size() + 1;
  std::vector<bool> preserved(sides, true);
  for (size_t j = 0; j < query.joins.size(); ++j) {
    const JoinClause& join = query.joins[j];
    const bool cross = join.kind == JoinKind::kCross || join.kind == JoinKind::kComma;
    const bool all = join.strictness == JoinStrictness::kUnspecified || join.strictness == JoinStrictness::kAll;
    const bool keeps_left = cross || join.kind == JoinKind::kInner || join.kind == JoinKind::kLeft;
    const bool keeps_right = cross || (all && (join.kind == JoinKind::kInner || join.kind == JoinKind::kRight));
    // Join j has the FROM table and the tables of joins before it on its left, its own on its right.
    for (size_t side = 0; side <= j; ++side) preserved[side] = preserved[side] && keeps_left;
    preserved[j + 1] = preserved[j + 1] && keeps_right;
  }
  return preserved;
}

}  // namespace perch
