// Planner::planJoin: one JOIN clause to a HashJoin. Keys come from USING (same-named columns of
// both sides) or from the equalities of ON whose one side reads only left columns and the other only
// right columns. Other ON conjuncts that read only the right side filter the right input before the
// join; for INNER joins the remaining conjuncts filter the joined rows.
#include <algorithm>

#include "common/error.h"
#include "exec/filter.h"
#include "exec/hash_join.h"
#include "exec/planner.h"
#include "exec/type_rules.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace perch {

namespace {

void splitOn(const Expr& expr, std::vector<const Expr*>& out) {
  if (expr.kind == ExprKind::kFunction && expr.name == "and" && !expr.window) {
    for (const auto& arg : expr.args) splitOn(*arg, out);
    return;
  }
  out.push_back(&expr);
}

std::pair<JoinMode, JoinMatch> joinKind(const JoinClause& join, const std::string& where) {
  JoinMode mode = JoinMode::kInner;
  switch (join.kind) {
    case JoinKind::kInner: mode = JoinMode::kInner; break;
    case JoinKind::kLeft: mode = JoinMode::kLeft; break;
    case JoinKind::kRight: mode = JoinMode::kRight; break;
    case JoinKind::kFull: mode = JoinMode::kFull; break;
    case JoinKind::kCross:
    case JoinKind::kComma: mode = JoinMode::kCross; break;
  }
  JoinMatch match = JoinMatch::kAll;
  switch (join.strictness) {
    case JoinStrictness::kUnspecified:
    case JoinStrictness::kAll: match = JoinMatch::kAll; break;
    case JoinStrictness::kAny: match = JoinMatch::kAny; break;
    case JoinStrictness::kSemi: match = JoinMatch::kSemi; break;
    case JoinStrictness::kAnti: match = JoinMatch::kAnti; break;
    case JoinStrictness::kAsof: throwBadRequest("ASOF JOIN is not supported (at " + where + ")");
  }
  if ((match == JoinMatch::kSemi || match == JoinMatch::kAnti) && mode != JoinMode::kLeft && mode != JoinMode::kInner) {
    throwBadRequest("Only SEMI LEFT and ANTI LEFT joins are supported (at " + where + ")");
  }
  if (match == JoinMatch::kAny && (mode == JoinMode::kRight || mode == JoinMode::kFull)) {
    throwBadRequest("ANY RIGHT and ANY FULL joins are not supported (at " + where + ")");
  }
  return {mode, match};
}

}  // namespace

BoundExprPtr tryBind(ExpressionBinder& binder, const Expr& expr, const BindScope& scope) {
  try {
    return binder.bind(expr, scope);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kBadRequest) throw;
    return nullptr;
  }
}

Planner::Source Planner::planJoin(Source left, Source right, const JoinClause& join, const QueryText& text) {
  const std::string where = describePosition(text.sql, join.table.position) + text.note;
  const auto [mode, match] = joinKind(join, where);
  ExpressionBinder binder(functions_, text.sql, text.note, [this, &text](const SelectQuery& subquery, std::vector<DataType>& types) {
    return runSubquery(subquery, text, types);
  });
  const BindScope left_scope{&left.columns, nullptr, "JOIN ON"};
  const BindScope right_scope{&right.columns, nullptr, "JOIN ON"};

  HashJoin::Spec spec;
  spec.mode = mode;
  spec.match = match;
  std::vector<ScopeColumn> right_columns = right.columns;
  std::vector<const Expr*> residual;
  std::vector<BoundExprPtr> right_filters;
  if (mode == JoinMode::kCross) {
    if (join.on || !join.using_columns.empty()) throwBadRequest("CROSS JOIN takes no ON or USING (at " + where + ")");
  } else if (!join.using_columns.empty()) {
    for (const auto& column : join.using_columns) {
      const std::string name = column->identifierName();
      spec.left_keys.push_back(binder.bind(*column, left_scope));
      BindScope scope = right_scope;
      scope.clause = "JOIN USING";
      spec.right_keys.push_back(binder.bind(*column, scope));
      right_columns[spec.right_keys.back()->column].visibility = ScopeColumn::Visibility::kUsingKey;
      spec.using_columns.emplace_back(spec.left_keys.back()->column, spec.right_keys.back()->column);
    }
  } else if (join.on) {
    std::vector<const Expr*> conjuncts;
    splitOn(*join.on, conjuncts);
    for (const Expr* conjunct : conjuncts) {
      if (conjunct->kind == ExprKind::kFunction && conjunct->name == "equals" && conjunct->args.size() == 2) {
        const Expr& a = *conjunct->args[0];
        const Expr& b = *conjunct->args[1];
        BoundExprPtr left_key = tryBind(binder, a, left_scope);
        BoundExprPtr right_key = left_key ? tryBind(binder, b, right_scope) : nullptr;
        if (!left_key || !right_key) {
          left_key = tryBind(binder, b, left_scope);
          right_key = left_key ? tryBind(binder, a, right_scope) : nullptr;
        }
        // A column both sides have (`ON k = k`) is ambiguous; qualified names decide.
        if (left_key && right_key && left_key->kind != BoundExpr::Kind::kConstant && right_key->kind != BoundExpr::Kind::kConstant) {
          spec.left_keys.push_back(left_key);
          spec.right_keys.push_back(right_key);
          continue;
        }
      }
      if (BoundExprPtr right_only = tryBind(binder, *conjunct, right_scope); right_only && tryBind(binder, *conjunct, left_scope) == nullptr) {
        right_filters.push_back(right_only);
        continue;
      }
      residual.push_back(conjunct);
    }
  }
  if (mode != JoinMode::kCross && spec.left_keys.empty()) {
    throwBadRequest("JOIN needs USING or an ON equality between a left and a right expression (at " + where + ")");
  }
  if (!residual.empty() && (mode != JoinMode::kInner || match != JoinMatch::kAll)) {
    throwBadRequest("Only equalities between the two sides and conditions on the right table are supported in ON of " +
                    std::string(mode == JoinMode::kInner ? "ANY/SEMI/ANTI" : "OUTER") + " JOIN (at " + binder.where(*residual[0]) + ")");
  }
  for (size_t k = 0; k < spec.left_keys.size(); ++k) {
    const DataType left_type = removeLowCardinality(removeNullable(spec.left_keys[k]->type));
    const DataType right_type = removeLowCardinality(removeNullable(spec.right_keys[k]->type));
    std::vector<DataType> pair{left_type, right_type};
    DataType common = left_type == right_type ? left_type : removeNullable(leastSupertype(pair, "JOIN key"));
    if (!(common.isNumber() || common.isStringLike() || common.fixedWidth() > 0)) {
      throwBadRequest("JOIN key of type " + common.name() + " is not supported (at " + where + ")");
    }
    spec.key_types.push_back(common);
  }

  OperatorPtr right_op = std::move(right.op);
  if (!right_filters.empty()) right_op = std::make_unique<Filter>(std::move(right_op), std::move(right_filters), context_);
  for (const auto& column : left.columns) spec.left_types.push_back(column.type);
  for (const auto& column : right.columns) spec.right_types.push_back(column.type);

  Source joined;
  joined.columns = left.columns;
  for (auto column : right_columns) {
    if (column.visibility == ScopeColumn::Visibility::kNormal) {
      const bool clash = std::any_of(left.columns.begin(), left.columns.end(), [&](const ScopeColumn& other) {
        return other.name == column.name && other.visibility != ScopeColumn::Visibility::kUsingKey;
      });
      if (clash) column.visibility = ScopeColumn::Visibility::kQualifiedOnly;
    }
    joined.columns.push_back(std::move(column));
  }
  joined.op = std::make_unique<HashJoin>(std::move(left.op), std::move(right_op), std::move(spec), context_);
  if (!residual.empty()) {
    const BindScope scope{&joined.columns, nullptr, "JOIN ON"};
    std::vector<BoundExprPtr> predicates;
    for (const Expr* conjunct : residual) predicates.push_back(binder.bind(*conjunct, scope));
    joined.op = std::make_unique<Filter>(std::move(joined.op), std::move(predicates), context_);
  }
  return joined;
}

}  // namespace perch
