#include "exec/planner.h"

#include <algorithm>
#include <functional>

#include "common/error.h"
#include "exec/aggregate_function.h"
#include "exec/array_join.h"
#include "exec/cast.h"
#include "exec/fill.h"
#include "exec/filter.h"
#include "exec/hash_aggregate.h"
#include "exec/key_condition.h"
#include "exec/limit_by.h"
#include "exec/numbers_source.h"
#include "exec/project.h"
#include "exec/scan.h"
#include "exec/sort.h"
#include "exec/type_rules.h"
#include "exec/union_all.h"
#include "exec/window_planner.h"
#include "types/date_time.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace perch {

namespace {

using AliasMap = std::unordered_map<std::string, const Expr*>;

// Replaces identifiers naming a SELECT/WITH alias by (a copy of) the aliased expression, as
// ClickHouse's QueryNormalizer does. An alias never expands inside its own definition, so
// `sum(x) AS x` refers to the column x.
void expandAliases(ExprPtr& expr, const AliasMap& aliases, std::vector<std::string>& expanding) {
  if (!expr) return;
  if (expr->kind == ExprKind::kIdentifier && expr->name_parts.size() == 1) {
    const std::string& name = expr->name_parts[0];
    auto it = aliases.find(name);
    if (it != aliases.end() && std::find(expanding.begin(), expanding.end(), name) == expanding.end()) {
      if (it->second->kind == ExprKind::kSubquery && it->second->subquery && !it->second->alias.empty()) {
        // WITH (SELECT ...) AS name: a scalar subquery.
      }
      const size_t position = expr->position;
      ExprPtr replacement = it->second->clone();
      replacement->alias = name;
      replacement->position = replacement->position ? replacement->position : position;
      expanding.push_back(name);
      expandAliases(replacement, aliases, expanding);
      expanding.pop_back();
      expr = std::move(replacement);
    }
    return;
  }
  if (expr->kind != ExprKind::kFunction) return;
  if (expr->name == "lambda") {
    // lambda(tuple(parameters), body): aliases expand in the body (`WITH 2 AS k SELECT arrayMap(x ->
    // x * k, a)`), except names the lambda's own parameters shadow.
    if (expr->args.size() != 2) return;
    AliasMap visible = aliases;
    for (const auto& parameter : expr->args[0]->args) {
      if (parameter->kind == ExprKind::kIdentifier && parameter->name_parts.size() == 1) visible.erase(parameter->name_parts[0]);
    }
    expandAliases(expr->args[1], visible, expanding);
    return;
  }
  for (auto& arg : expr->args) expandAliases(arg, aliases, expanding);
  if (expr->window) {  // the spec is shared between copies: expand inside a new one
    auto window = std::make_shared<WindowSpec>();
    for (const auto& key : expr->window->partition_by) window->partition_by.push_back(key->clone());
    for (const auto& element : expr->window->order_by) window->order_by.push_back(element.clone());
    window->frame = expr->window->frame;
    window->name = expr->window->name;
    for (auto& key : window->partition_by) expandAliases(key, aliases, expanding);
    for (auto& element : window->order_by) expandAliases(element.expr, aliases, expanding);
    expr->window = std::move(window);
  }
}

void collectIdentifiers(const Expr& expr, std::set<std::string>& out, bool& star) {
  switch (expr.kind) {
    case ExprKind::kIdentifier:
      out.insert(expr.identifierName());
      if (expr.name_parts.size() > 1) out.insert(expr.name_parts.back());
      return;
    case ExprKind::kAsterisk: star = true; return;
    case ExprKind::kFunction:
      for (const auto& arg : expr.args) collectIdentifiers(*arg, out, star);
      if (expr.window) {
        for (const auto& key : expr.window->partition_by) collectIdentifiers(*key, out, star);
        for (const auto& element : expr.window->order_by) collectIdentifiers(*element.expr, out, star);
      }
      return;
    default: return;
  }
}

void collectAggregates(const Expr& expr, std::vector<const Expr*>& out, bool inside_aggregate) {
  if (expr.kind != ExprKind::kFunction) return;
  if (!expr.window && isAggregateFunctionName(expr.name)) {
    if (inside_aggregate) {
      throwBadRequest("Aggregate function " + columnName(expr) + " is found inside another aggregate function");
    }
    out.push_back(&expr);
    for (const auto& arg : expr.args) collectAggregates(*arg, out, true);
    return;
  }
  for (const auto& arg : expr.args) collectAggregates(*arg, out, inside_aggregate);
  if (expr.window) {  // aggregates in a window definition: rank() OVER (ORDER BY count())
    for (const auto& key : expr.window->partition_by) collectAggregates(*key, out, inside_aggregate);
    for (const auto& element : expr.window->order_by) collectAggregates(*element.expr, out, inside_aggregate);
  }
}

void markColumns(const BoundExpr& expr, std::vector<uint8_t>& used) {
  if (expr.kind == BoundExpr::Kind::kColumn && expr.column < used.size()) used[expr.column] = 1;
  for (const auto& arg : expr.args) markColumns(*arg, used);
}

void splitConjunction(const Expr& expr, std::vector<const Expr*>& out) {
  if (expr.kind == ExprKind::kFunction && expr.name == "and" && !expr.window) {
    for (const auto& arg : expr.args) splitConjunction(*arg, out);
    return;
  }
  out.push_back(&expr);
}

uint64_t constantToCount(const ColumnPtr& value, std::string_view what) {
  const ColumnPtr plain = value->type().isNullable() ? nullptr : value;
  if (!plain || !(plain->type().isInteger() || plain->type().isFloat())) {
    throwBadRequest(std::string(what) + " must be a non-negative integer, got type " + value->type().name());
  }
  const ColumnPtr as_int = castColumn(plain, DataType(TypeId::kInt64));
  const int64_t count = asVector<int64_t>(*as_int).data()[0];
  if (count < 0) throwBadRequest(std::string(what) + " must not be negative, got " + std::to_string(count));
  return static_cast<uint64_t>(count);
}

bool isPredicateType(const DataType& type) { return isNothing(type) || isNumeric(removeNullable(type)); }

void checkPredicateType(const DataType& type, std::string_view clause) {
  if (!isPredicateType(type)) {
    throwBadRequest("Illegal type " + type.name() + " of column for filter in " + std::string(clause) + ", it must be UInt8");
  }
}

// Lets a scan right under WHERE/PREWHERE skip granules whose min/max rule the predicates out.
// With FINAL only sorting-key columns prune: a non-key column may differ between versions of a row.
void attachKeyCondition(Scan& scan, const std::vector<const Expr*>& conjuncts, const std::vector<BoundExprPtr>& predicates,
                        ExpressionBinder& binder, const BindScope& scope, const FunctionContext& functions) {
  std::vector<size_t> key_columns_only;
  if (scan.isFinal() && scan.snapshot().replacing()) {
    for (const auto& key : scan.snapshot().sortingKey()) key_columns_only.push_back(*scan.snapshot().schema().indexOf(key));
    if (key_columns_only.empty()) return;
  }
  scan.setKeyCondition(KeyCondition::build(conjuncts, predicates, binder, scope, scan.columns(), functions, key_columns_only));
}

// Replaces each arrayJoin(arr) call in `expr` by an identifier naming its elements, and records the
// call (its argument, aliased with that name) in `calls` once per distinct call: the planner puts one
// ArrayJoin per call under the query, so two different calls multiply the rows (a cartesian
// product) and the same call written twice is one join, as in ClickHouse. A call over an aggregate
// (`arrayJoin(groupArray(x))`) goes to `aggregated_calls` instead: it runs after GROUP BY and
// HAVING; where that list is null (WHERE, GROUP BY), such a call is refused.
void extractArrayJoinCalls(ExprPtr& expr, std::vector<ExprPtr>& calls, std::vector<ExprPtr>* aggregated_calls = nullptr) {
  if (!expr || expr->kind != ExprKind::kFunction || expr->name == "lambda") return;
  for (auto& arg : expr->args) extractArrayJoinCalls(arg, calls, aggregated_calls);
  if (expr->name != "arrayJoin" || expr->window) return;
  if (expr->args.size() != 1) throwBadRequest("Function arrayJoin requires exactly one argument, got " + std::to_string(expr->args.size()));
  std::vector<const Expr*> aggregates;
  collectAggregates(*expr->args[0], aggregates, false);
  if (!aggregates.empty() && !aggregated_calls) {
    throwBadRequest("arrayJoin over an aggregate function is only allowed in SELECT and ORDER BY: " + columnName(*expr));
  }
  std::vector<ExprPtr>& target = aggregates.empty() ? calls : *aggregated_calls;
  const std::string name = columnName(*expr);
  const bool known = std::any_of(target.begin(), target.end(), [&](const ExprPtr& call) { return call->alias == name; });
  if (!known) {
    target.push_back(expr->args[0]->clone());
    target.back()->alias = name;
  }
  ExprPtr column = makeIdentifier({name}, expr->position);
  column->alias = expr->alias;
  expr = std::move(column);
}

// Whether `expr` names a column that ARRAY JOIN (or an arrayJoin() call) replaces by its elements or
// adds: such a conjunct cannot run below it.
bool readsArrayJoinOutput(const Expr& expr, const std::optional<ArrayJoinClause>& array_join, const std::vector<ExprPtr>& calls) {
  std::set<std::string> outputs;
  if (array_join) {
    for (const auto& joined : array_join->exprs) outputs.insert(joined->alias.empty() ? joined->identifierName() : joined->alias);
  }
  for (const auto& call : calls) outputs.insert(call->alias);
  if (outputs.empty()) return false;
  std::vector<const Expr*> identifiers;
  collectIdentifierNodes(expr, identifiers);
  return std::any_of(identifiers.begin(), identifiers.end(), [&](const Expr* identifier) {
    return outputs.count(identifier->identifierName()) || outputs.count(identifier->name_parts.back()) ||
           outputs.count(identifier->name_parts.front());
  });
}

constexpr size_t kNoSide = SIZE_MAX;

// The join side (index into `sides`) whose columns every identifier of `expr` names, resolving
// names as the joined scope does: `q.c` is the side qualified q, a bare `c` the first side that has
// a column c (the left one wins, and a USING key is the left side's). kNoSide when the identifiers
// name several sides, none, or something else.
template <typename Sides>
size_t sideReadBy(const Expr& expr, const Sides& sides) {
  std::vector<const Expr*> identifiers;
  collectIdentifierNodes(expr, identifiers);
  size_t found = kNoSide;
  for (const Expr* identifier : identifiers) {
    const auto& parts = identifier->name_parts;
    if (parts.empty() || parts.size() > 2) return kNoSide;
    size_t side = kNoSide;
    for (size_t s = 0; s < sides.size() && (side == kNoSide || parts.size() == 2); ++s) {
      for (const ScopeColumn& column : sides[s].columns) {
        if (column.name != parts.back() || (parts.size() == 2 && column.qualifier != parts[0])) continue;
        if (side != kNoSide && side != s) return kNoSide;  // two sides share the qualifier
        side = s;
      }
    }
    if (side == kNoSide || (found != kNoSide && found != side)) return kNoSide;
    found = side;
  }
  return found;
}

// STEP of a WITH FILL column: a number in the column's unit (days for Date, seconds for DateTime,
// ticks for DateTime64) or an INTERVAL of a Date/DateTime/DateTime64 column; default 1, or -1 for DESC.
FillStep fillStep(const OrderByElement& element, const DataType& type, ExpressionBinder& binder) {
  FillStep step;
  if (!element.fill_step) {
    step.count = element.descending ? -1 : 1;
    step.real = static_cast<double>(step.count);
    return step;
  }
  const Expr& expr = *element.fill_step;
  const bool interval = expr.kind == ExprKind::kFunction && expr.name.starts_with("toInterval") && expr.args.size() == 1;
  const ColumnPtr value = castColumn(binder.bindConstant(interval ? *expr.args[0] : expr, "WITH FILL STEP"), DataType(TypeId::kFloat64));
  const double number = asVector<double>(*value).data()[0];
  step.real = number;
  step.count = static_cast<int64_t>(number);
  if (!interval) {
    if (!type.isFloat() && static_cast<double>(step.count) != number) {
      throwBadRequest("WITH FILL STEP of a " + type.name() + " column must be a whole number (at " + binder.where(expr) + ")");
    }
    return step;
  }
  const std::string unit = expr.name.substr(std::string_view("toInterval").size());
  const bool is_date = type.id() == TypeId::kDate;
  const bool is_date_time64 = type.id() == TypeId::kDateTime64;
  if (!is_date && !is_date_time64 && type.id() != TypeId::kDateTime) {
    throwBadRequest("WITH FILL STEP INTERVAL needs a Date, DateTime or DateTime64 column, got " + type.name() + " (at " + binder.where(expr) + ")");
  }
  // Sub-second units count ticks of a DateTime64 of at least their precision.
  static const std::unordered_map<std::string, unsigned> kSubsecondDigits = {{"Millisecond", 3}, {"Microsecond", 6}, {"Nanosecond", 9}};
  if (const auto subsecond = kSubsecondDigits.find(unit); subsecond != kSubsecondDigits.end()) {
    if (!is_date_time64 || type.precision() < subsecond->second) {
      throwBadRequest("WITH FILL STEP INTERVAL " + unit + " cannot be used with a " + type.name() + " column (at " + binder.where(expr) + ")");
    }
    step.unit = FillStep::Unit::kNumber;
    step.count *= powerOfTen(type.precision() - subsecond->second);
    return step;
  }
  static const std::unordered_map<std::string, std::pair<FillStep::Unit, int64_t>> kUnits = {
      {"Second", {FillStep::Unit::kSecond, 1}},     {"Minute", {FillStep::Unit::kSecond, 60}},
      {"Hour", {FillStep::Unit::kSecond, 3600}},    {"Day", {FillStep::Unit::kSecond, 86400}},
      {"Week", {FillStep::Unit::kSecond, 604800}},  {"Month", {FillStep::Unit::kMonth, 1}},
      {"Quarter", {FillStep::Unit::kMonth, 3}},     {"Year", {FillStep::Unit::kMonth, 12}}};
  const auto found = kUnits.find(unit);
  if (found == kUnits.end() || (is_date && found->second.first == FillStep::Unit::kSecond && found->second.second < 86400)) {
    throwBadRequest("WITH FILL STEP INTERVAL " + unit + " cannot be used with a " + type.name() + " column (at " + binder.where(expr) + ")");
  }
  step.unit = found->second.first;
  step.count *= found->second.second;
  if (is_date && step.unit == FillStep::Unit::kSecond) {  // days and weeks of a Date count days
    step.unit = FillStep::Unit::kNumber;
    step.count /= 86400;
  }
  if (is_date_time64 && step.unit == FillStep::Unit::kSecond) step.count *= powerOfTen(type.precision());
  return step;
}

// ClickHouse's checks: a step against the sort direction would never reach the next row.
void checkFillDirection(const OrderByElement& element, const FillColumn& fill, ExpressionBinder& binder) {
  const bool is_float = fill.type.isFloat();
  const double step = is_float ? fill.step.real : static_cast<double>(fill.step.count);
  const std::string where = " (at " + binder.where(*element.expr) + ")";
  if (step == 0) throwBadRequest("WITH FILL STEP value cannot be zero" + where);
  const auto before = [&](const FillValue& a, const FillValue& b) { return is_float ? a.real < b.real : a.integer < b.integer; };
  const bool bounded = !fill.from.null && !fill.to.null;
  if (!element.descending) {
    if (step < 0) throwBadRequest("WITH FILL STEP value cannot be negative for sorting in ascending direction" + where);
    if (bounded && before(fill.to, fill.from)) {
      throwBadRequest("WITH FILL TO value cannot be less than FROM value for sorting in ascending direction" + where);
    }
  } else {
    if (step > 0) throwBadRequest("WITH FILL STEP value cannot be positive for sorting in descending direction" + where);
    if (bounded && before(fill.from, fill.to)) {
      throwBadRequest("WITH FILL FROM value cannot be less than TO value for sorting in descending direction" + where);
    }
  }
}

// ORDER BY ... WITH FILL: the Fill operator over the sorted rows (fill.h), with FROM/TO/STEP
// evaluated as constants of the column's type. `columns[i]` is the position of ORDER BY element i.
OperatorPtr planFill(OperatorPtr input, const std::vector<OrderByElement>& order_by, const std::vector<size_t>& columns,
                     const std::vector<DataType>& types, ExpressionBinder& binder, ExecContext& context) {
  std::vector<size_t> prefix;
  std::vector<FillColumn> fills;
  for (size_t i = 0; i < order_by.size(); ++i) {
    const OrderByElement& element = order_by[i];
    if (!element.with_fill) {
      if (fills.empty()) prefix.push_back(columns[i]);
      continue;
    }
    FillColumn fill;
    fill.column = columns[i];
    fill.type = types[columns[i]];
    fill.descending = element.descending;
    const bool date = fill.type.id() == TypeId::kDate || fill.type.id() == TypeId::kDateTime || fill.type.id() == TypeId::kDateTime64;
    if (!fill.type.isNumber() && !date) {
      throwBadRequest("WITH FILL needs a number, Date, DateTime or DateTime64 column; " + columnName(*element.expr) + " has type " + fill.type.name() +
                      " (at " + binder.where(*element.expr) + ")");
    }
    auto bound = [&](const ExprPtr& expr, std::string_view what) {
      ColumnPtr value = castColumn(binder.bindConstant(*expr, what), fill.type);
      if (value->isNullAt(0)) throwBadRequest(std::string(what) + " must not be NULL (at " + binder.where(*expr) + ")");
      return fillValueAt(*value, 0);
    };
    if (element.fill_from) fill.from = bound(element.fill_from, "WITH FILL FROM");
    if (element.fill_to) fill.to = bound(element.fill_to, "WITH FILL TO");
    fill.step = fillStep(element, fill.type, binder);
    checkFillDirection(element, fill, binder);
    fills.push_back(std::move(fill));
  }
  return std::make_unique<Fill>(std::move(input), types, std::move(prefix), std::move(fills), context);
}

}  // namespace

std::optional<std::set<std::string>> Planner::knownColumnNames(const TableExpression& table) const {
  std::set<std::string> names;
  if (table.subquery) {
    const auto written = writtenOutputNames(*table.subquery);
    if (!written) return std::nullopt;
    names.insert(written->begin(), written->end());
    return names;
  }
  if (table.table_function || table.table_name.empty()) return std::nullopt;
  for (const auto& ctes : ctes_) {
    if (ctes.count(table.table_name)) return std::nullopt;
  }
  if (catalog_.viewIn(table.table_name, view_stack_)) return std::nullopt;
  SnapshotPtr snapshot = catalog_.tableIn(table.table_name, view_stack_);
  if (!snapshot) return std::nullopt;
  for (const auto& column : snapshot->schema().columns) names.insert(column.name);
  return names;
}

PushedConjuncts Planner::offeredConjuncts(const std::vector<const TableExpression*>& tables, size_t side, bool preserved,
                                          const std::vector<WhereConjunct>& conjuncts) const {
  PushedConjuncts offered;
  const TableExpression& table = *tables[side];
  offered.qualifier = table.alias.empty() ? table.table_name : table.alias;
  if (tables.size() == 1) {
    for (const WhereConjunct& conjunct : conjuncts) offered.conjuncts.push_back(conjunct.expr);
    return offered;
  }
  // Among joins a conjunct moves into a subquery when each of its identifiers names this side: by
  // its unique qualifier, or unqualified when no other side has a column of that name (which needs
  // every other side's columns known before planning; the side's own are unknown until then).
  const auto same_qualifier = std::count_if(tables.begin(), tables.end(), [&](const TableExpression* other) {
    return (other->alias.empty() ? other->table_name : other->alias) == offered.qualifier;
  });
  if (!preserved || offered.qualifier.empty() || same_qualifier != 1) return offered;
  std::optional<std::set<std::string>> other_names = std::set<std::string>{};
  for (size_t other = 0; other < tables.size() && other_names; ++other) {
    if (other == side) continue;
    const auto names = knownColumnNames(*tables[other]);
    if (names) other_names->insert(names->begin(), names->end());
    else other_names.reset();
  }
  for (const WhereConjunct& conjunct : conjuncts) {
    std::vector<const Expr*> identifiers;
    collectIdentifierNodes(*conjunct.expr, identifiers);
    const bool names_side = !identifiers.empty() && std::all_of(identifiers.begin(), identifiers.end(), [&](const Expr* identifier) {
      if (identifier->name_parts.size() == 1) return other_names && !other_names->count(identifier->name_parts[0]);
      return identifier->name_parts.size() == 2 && identifier->name_parts[0] == offered.qualifier;
    });
    if (names_side) offered.conjuncts.push_back(conjunct.expr);
  }
  return offered;
}

PlannedQuery Planner::plan(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, bool count_rows,
                           const PushedConjuncts* pushed) {
  if (query.union_all.empty()) return planSelect(query, text, required, count_rows, pushed);
  std::vector<const SelectQuery*> members{&query};
  for (const auto& next : query.union_all) members.push_back(next.get());
  // The consumer's conjuncts go into every member, renamed to its output names by position
  // (predicate_pushdown.h); only when every member's names are known before planning.
  std::vector<std::vector<std::string>> member_names;
  bool push = pushed && pushdown_ && !pushed->conjuncts.empty();
  for (const SelectQuery* member : members) {
    auto names = push ? writtenOutputNames(*member) : std::nullopt;
    push = push && names.has_value();
    if (push) member_names.push_back(std::move(*names));
  }
  std::vector<PlannedQuery> parts;
  std::vector<DataType> types;
  const auto planMembers = [&](bool with_pushdown) {
    parts.clear();
    types.clear();
    for (size_t m = 0; m < members.size(); ++m) {
      std::vector<ExprPtr> renamed = with_pushdown ? renameForUnionMember(*pushed, member_names[0], member_names[m]) : std::vector<ExprPtr>{};
      PushedConjuncts offered;
      for (const auto& conjunct : renamed) offered.conjuncts.push_back(conjunct.get());
      parts.push_back(planSelect(*members[m], text, std::nullopt, false, offered.conjuncts.empty() ? nullptr : &offered));
    }
    const size_t width = parts[0].names.size();
    for (size_t c = 0; c < width; ++c) {
      std::vector<DataType> candidates;
      for (const auto& part : parts) {
        if (part.names.size() != width) {
          throwBadRequest("Different number of columns in UNION ALL elements: " + std::to_string(width) + " and " +
                          std::to_string(part.names.size()));
        }
        candidates.push_back(part.types[c]);
      }
      types.push_back(leastSupertype(candidates, "UNION ALL column " + parts[0].names[c]));
    }
  };
  planMembers(push);
  // A member whose column has another type than the union's (Date in one, DateTime in another)
  // would evaluate the conjunct on other values (`d + 1`): plan again without pushing anything.
  const auto differs = [&](const PlannedQuery& part) { return part.types != types; };
  if (push && std::any_of(parts.begin(), parts.end(), differs)) planMembers(false);
  const size_t width = types.size();
  std::vector<OperatorPtr> inputs;
  PlannedQuery result;
  for (auto& part : parts) {
    bool needs_cast = false;
    std::vector<BoundExprPtr> casts;
    for (size_t c = 0; c < width; ++c) {
      auto column = BoundExpr::makeColumn(c, part.types[c], part.names[c]);
      if (part.types[c] == types[c]) {
        casts.push_back(column);
        continue;
      }
      needs_cast = true;
      auto cast = std::make_shared<BoundExpr>();
      cast->kind = BoundExpr::Kind::kFunction;
      cast->type = types[c];
      cast->args.push_back(column);
      cast->kernel = [target = types[c]](std::span<const Datum> args, size_t) { return castDatum(args[0], target); };
      casts.push_back(cast);
    }
    // 18.16 shows the totals row of the first member that has one (a member's own WITH TOTALS, or
    // one passed up from its FROM subquery), in the union's types.
    if (part.totals_source && !result.totals_source) {
      result.totals_source = part.totals_source;
      result.totals_projections = std::move(part.totals_projections);
      if (needs_cast) result.totals_projections.push_back(casts);
    }
    inputs.push_back(needs_cast ? std::make_unique<Project>(std::move(part.root), std::move(casts)) : std::move(part.root));
  }
  result.names = parts[0].names;
  result.types = types;
  result.root = std::make_unique<UnionAll>(std::move(inputs));
  return result;
}

Batch Planner::runSubquery(const SelectQuery& query, const QueryText& text, std::vector<DataType>& types) {
  PlannedQuery planned = plan(query, text, std::nullopt, false);
  types = planned.types;
  return drain(*planned.root, planned.types);
}

Planner::Source Planner::planTableName(const TableExpression& table, const QueryText& text, const RequiredColumns& required,
                                       const PushedConjuncts* pushed) {
  const std::string& name = table.table_name;
  const std::string qualifier = table.alias.empty() ? name : table.alias;
  auto withQualifier = [&](PlannedQuery planned) {
    Source source;
    for (size_t i = 0; i < planned.names.size(); ++i) source.columns.push_back({planned.names[i], qualifier, planned.types[i]});
    source.op = std::move(planned.root);
    return source;
  };
  for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it) {
    auto found = it->find(name);
    if (found == it->end()) continue;
    // Inside its own definition a CTE is not visible (no recursive CTEs, as in ClickHouse): the
    // name means the table or view outside it.
    if (std::find(cte_stack_.begin(), cte_stack_.end(), found->second) != cte_stack_.end()) continue;
    cte_stack_.push_back(found->second);
    struct CteExpansion {
      std::vector<const SelectQuery*>& stack;
      ~CteExpansion() { stack.pop_back(); }
    } expansion{cte_stack_};
    return withQualifier(plan(*found->second, text, required, false, pushed));
  }
  const bool expanding = std::find(view_stack_.begin(), view_stack_.end(), name) != view_stack_.end();
  if (!expanding) {
    if (std::optional<std::string> view_sql = catalog_.viewIn(name, view_stack_)) {
      view_texts_.push_back(std::make_unique<std::string>(std::move(*view_sql)));
      const std::string& sql = *view_texts_.back();
      QueryText view_text{sql, " (in view '" + name + "')"};
      try {
        parsed_views_.push_back(parseSelect(sql));
      } catch (const Error& error) {
        if (error.code() != ErrorCode::kBadRequest) throw;
        throwBadRequest(std::string(error.what()) + view_text.note);
      }
      // A view does not see the caller's CTEs; both stacks are restored even when planning throws.
      struct ViewScope {
        Planner& planner;
        std::vector<std::unordered_map<std::string, const SelectQuery*>> saved_ctes;
        ViewScope(Planner& p, const std::string& view) : planner(p), saved_ctes(std::move(p.ctes_)) {
          planner.ctes_.clear();
          planner.view_stack_.push_back(view);
        }
        ~ViewScope() {
          planner.ctes_ = std::move(saved_ctes);
          planner.view_stack_.pop_back();
        }
      } scope(*this, name);
      return withQualifier(plan(*parsed_views_.back(), view_text, required, false, pushed));
    }
  }
  SnapshotPtr snapshot = catalog_.tableIn(name, view_stack_);
  if (!snapshot) {
    if (expanding) {
      std::string chain;
      for (const auto& view : view_stack_) chain += view + " -> ";
      throwBadRequest("Cyclic view reference: " + chain + name);
    }
    throwBadRequest("Table '" + name + "' doesn't exist (at " + describePosition(text.sql, table.position) + text.note + ")");
  }
  const TableSchema& schema = snapshot->schema();
  std::vector<size_t> indices;
  Source source;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const std::string& column = schema.columns[i].name;
    if (required && !required->count(column) && !required->count(qualifier + "." + column)) continue;
    indices.push_back(i);
    source.columns.push_back({column, qualifier, schema.columns[i].type});
  }
  auto scan = std::make_unique<Scan>(std::move(snapshot), std::move(indices), context_);
  scan->setFinal(table.final);
  source.op = std::move(scan);
  return source;
}

Planner::Source Planner::planSource(const SelectQuery& query, const QueryText& text, const RequiredColumns& required,
                                    std::vector<WhereConjunct>& conjuncts, const std::vector<ExprPtr>& array_join_calls) {
  if (query.array_join && !query.from) throwBadRequest("ARRAY JOIN needs a FROM clause" + text.note);
  if (!query.from) {
    Source source;
    source.op = std::make_unique<OneRowSource>();
    return planArrayJoinCalls(std::move(source), array_join_calls, text);
  }
  // Both sides of a join must also read the columns of USING and ON.
  RequiredColumns side_required = required;
  if (side_required) {
    for (const auto& join : query.joins) {
      bool star = false;
      if (join.on) collectIdentifiers(*join.on, *side_required, star);
      for (const auto& column : join.using_columns) collectIdentifiers(*column, *side_required, star);
    }
    if (query.array_join) {
      bool star = false;
      for (const auto& expr : query.array_join->exprs) collectIdentifiers(*expr, *side_required, star);
    }
  }
  std::vector<const TableExpression*> tables{&*query.from};
  for (const auto& join : query.joins) tables.push_back(&join.table);
  const std::vector<bool> preserved = preservedJoinSides(query);
  std::vector<Source> sides;
  for (size_t side = 0; side < tables.size(); ++side) {
    const PushedConjuncts offered = offeredConjuncts(tables, side, preserved[side], conjuncts);
    sides.push_back(planTableExpression(*tables[side], text, side_required, &offered));
  }
  if (!query.joins.empty() || query.array_join || !array_join_calls.empty()) pushIntoScans(sides, preserved, conjuncts, text);
  Source source = std::move(sides[0]);
  for (size_t j = 0; j < query.joins.size(); ++j) source = planJoin(std::move(source), std::move(sides[j + 1]), query.joins[j], text);
  if (query.array_join) source = planArrayJoin(std::move(source), *query.array_join, text);
  return planArrayJoinCalls(std::move(source), array_join_calls, text);
}

Planner::Source Planner::planArrayJoinCalls(Source source, const std::vector<ExprPtr>& calls, const QueryText& text) {
  for (const auto& call : calls) {
    ArrayJoinClause clause;
    clause.exprs.push_back(call->clone());
    source = planArrayJoin(std::move(source), clause, text);
  }
  return source;
}

void Planner::pushIntoScans(std::vector<Source>& sides, const std::vector<bool>& preserved, std::vector<WhereConjunct>& conjuncts,
                            const QueryText& text) {
  ExpressionBinder binder(functions_, text.sql, text.note, [this, &text](const SelectQuery& subquery, std::vector<DataType>& types) {
    return runSubquery(subquery, text, types);
  });
  for (size_t side = 0; side < sides.size(); ++side) {
    auto* scan = dynamic_cast<Scan*>(sides[side].op.get());
    if (!scan || !preserved[side]) continue;
    const BindScope scope{&sides[side].columns, nullptr, "WHERE"};
    std::vector<const Expr*> exprs;
    std::vector<BoundExprPtr> predicates, filters;
    for (WhereConjunct& conjunct : conjuncts) {
      if (conjunct.consumed || sideReadBy(*conjunct.expr, sides) != side) continue;
      BoundExprPtr predicate = tryBind(binder, *conjunct.expr, scope);
      if (!predicate || !isPredicateType(predicate->type)) continue;
      exprs.push_back(conjunct.expr);
      predicates.push_back(predicate);
      // A consumer's conjunct only prunes granules here: filtering rows this query's join drops
      // would run it on rows its author never sees (see the WHERE of planSelect).
      if (conjunct.optional) continue;
      filters.push_back(std::move(predicate));
      conjunct.consumed = true;
    }
    if (predicates.empty()) continue;
    attachKeyCondition(*scan, exprs, predicates, binder, scope, functions_);
    if (!filters.empty()) sides[side].op = std::make_unique<Filter>(std::move(sides[side].op), std::move(filters), context_);
  }
}

Planner::Source Planner::planArrayJoin(Source input, const ArrayJoinClause& clause, const QueryText& text) {
  ExpressionBinder binder(functions_, text.sql, text.note, [this, &text](const SelectQuery& subquery, std::vector<DataType>& types) {
    return runSubquery(subquery, text, types);
  });
  const BindScope scope{&input.columns, nullptr, "ARRAY JOIN"};
  std::vector<BoundExprPtr> arrays;
  Source output;
  output.columns = input.columns;
  for (const auto& expr : clause.exprs) {
    BoundExprPtr array = binder.bind(*expr, scope);
    if (!array->type.isArray()) {
      throwBadRequest("ARRAY JOIN requires an array argument, got " + array->type.name() + " at " + binder.where(*expr));
    }
    // `ARRAY JOIN arr` replaces the column arr by its elements; `ARRAY JOIN expr AS x` adds x.
    const bool replaces = expr->alias.empty() && expr->kind == ExprKind::kIdentifier;
    const std::string name = expr->alias.empty() ? columnName(*expr) : expr->alias;
    if (replaces && array->kind == BoundExpr::Kind::kColumn) output.columns[array->column].visibility = ScopeColumn::Visibility::kUsingKey;
    output.columns.push_back({name, replaces ? input.columns[array->column].qualifier : "", array->type.nested()});
    arrays.push_back(std::move(array));
  }
  output.op = std::make_unique<ArrayJoin>(std::move(input.op), std::move(arrays), clause.left, context_);
  return output;
}

Planner::Source Planner::planTableExpression(const TableExpression& table, const QueryText& text, const RequiredColumns& required,
                                             const PushedConjuncts* pushed) {
  if (table.subquery) {
    PlannedQuery planned = plan(*table.subquery, text, required, false, pushed);
    Source source;
    for (size_t i = 0; i < planned.names.size(); ++i) source.columns.push_back({planned.names[i], table.alias, planned.types[i]});
    source.op = std::move(planned.root);
    source.totals_source = planned.totals_source;
    source.totals_projections = std::move(planned.totals_projections);
    return source;
  }
  if (table.table_function) {
    const Expr& function = *table.table_function;
    if ((function.name == "numbers" || function.name == "numbers_mt") && !function.args.empty() && function.args.size() <= 2) {
      ExpressionBinder binder(functions_, text.sql, text.note, [this, &text](const SelectQuery& subquery, std::vector<DataType>& types) {
        return runSubquery(subquery, text, types);
      });
      std::vector<uint64_t> values;
      for (const auto& arg : function.args) values.push_back(constantToCount(binder.bindConstant(*arg, "numbers()"), "Argument of numbers()"));
      const uint64_t offset = values.size() == 2 ? values[0] : 0;
      const uint64_t count = values.back();
      Source source;
      source.columns.push_back({"number", table.alias.empty() ? "numbers" : table.alias, DataType(TypeId::kUInt64)});
      source.op = std::make_unique<NumbersSource>(offset, count, context_);
      return source;
    }
    throwBadRequest("Table function " + function.name + " is not supported (at " + describePosition(text.sql, table.position) + text.note + ")");
  }
  return planTableName(table, text, required, pushed);
}

PlannedQuery Planner::planSelect(const SelectQuery& original, const QueryText& text, const RequiredColumns& required, bool count_rows,
                                 const PushedConjuncts* pushed) {
  context_.checkDeadline();
  std::unique_ptr<SelectQuery> query = original.clone();
  query->union_all.clear();

  // WITH: expression aliases and CTEs.
  AliasMap aliases;
  std::unordered_map<std::string, const SelectQuery*> ctes;
  for (const auto& item : query->with) {
    aliases[item->alias] = item.get();
    if (item->kind == ExprKind::kSubquery) ctes[item->alias] = item->subquery.get();
  }
  ctes_.push_back(std::move(ctes));
  struct CtePop {
    std::vector<std::unordered_map<std::string, const SelectQuery*>>& stack;
    ~CtePop() { stack.pop_back(); }
  } cte_pop{ctes_};

  // Output names come from the query as written, before alias expansion.
  std::vector<std::string> item_names;
  for (const auto& item : query->select) {
    if (!item->alias.empty()) aliases[item->alias] = item.get();
    item_names.push_back(item->alias.empty() ? columnName(*item) : item->alias);
  }
  resolveNamedWindows(*query, text.sql, text.note);  // `OVER w`: after naming, before alias copies
  // Aliases refer to the expressions as written; expand inside copies so chains resolve.
  std::vector<ExprPtr> alias_bodies;
  {
    AliasMap expanded;
    for (const auto& [name, body] : aliases) {
      ExprPtr copy = body->clone();
      std::vector<std::string> expanding{name};
      if (copy->kind != ExprKind::kSubquery) expandAliases(copy, aliases, expanding);
      expanded[name] = copy.get();
      alias_bodies.push_back(std::move(copy));
    }
    aliases = std::move(expanded);
  }
  std::vector<std::string> expanding;
  for (auto& item : query->select) {
    const std::string alias = item->alias;
    if (item->kind == ExprKind::kIdentifier && item->name_parts.size() == 1 && item->name_parts[0] == alias) continue;
    if (!alias.empty()) expanding.push_back(alias);
    expandAliases(item, aliases, expanding);
    if (!alias.empty()) expanding.pop_back();
    item->alias = alias;
  }
  // Positional GROUP BY / ORDER BY.
  auto positional = [&](ExprPtr& expr) {
    if (expr->kind != ExprKind::kLiteral || !std::holds_alternative<uint64_t>(expr->literal)) return;
    const uint64_t index = std::get<uint64_t>(expr->literal);
    if (index < 1 || index > query->select.size() || query->select[index - 1]->kind == ExprKind::kAsterisk) {
      throwBadRequest("Positional argument " + std::to_string(index) + " is out of bounds at " +
                      describePosition(text.sql, expr->position) + text.note);
    }
    expr = query->select[index - 1]->clone();
  };
  for (auto& key : query->group_by) {
    positional(key);
    expandAliases(key, aliases, expanding);
  }
  for (auto& element : query->order_by) {
    positional(element.expr);
    expandAliases(element.expr, aliases, expanding);
  }
  for (auto& key : query->limit_by) {
    positional(key);
    expandAliases(key, aliases, expanding);
  }
  expandAliases(query->where, aliases, expanding);
  expandAliases(query->prewhere, aliases, expanding);
  expandAliases(query->having, aliases, expanding);
  // The consumer's conjuncts that can move in here, over this query's source (before unread
  // SELECT items are dropped: `item_names` must still match the items).
  // Not into a WITH TOTALS query: its totals row (which a consumer may show) is over every group.
  const std::vector<ExprPtr> pushed_here =
      pushed && pushdown_ && !query->with_totals ? rewriteForSelect(*query, item_names, *pushed) : std::vector<ExprPtr>{};
  // arrayJoin() calls become ArrayJoin operators under the query (before unread items are dropped:
  // an unread arrayJoin still multiplies the rows).
  std::vector<ExprPtr> array_join_calls, aggregated_array_join_calls;
  for (auto& item : query->select) extractArrayJoinCalls(item, array_join_calls, &aggregated_array_join_calls);
  extractArrayJoinCalls(query->prewhere, array_join_calls);
  extractArrayJoinCalls(query->where, array_join_calls);
  for (auto& key : query->group_by) extractArrayJoinCalls(key, array_join_calls);
  for (auto& element : query->order_by) extractArrayJoinCalls(element.expr, array_join_calls, &aggregated_array_join_calls);
  for (auto& key : query->limit_by) extractArrayJoinCalls(key, array_join_calls);

  // Drop SELECT items the consumer does not read (not with DISTINCT: they change the rows).
  if (required && !query->distinct) {
    std::vector<ExprPtr> kept;
    std::vector<std::string> kept_names;
    for (size_t i = 0; i < query->select.size(); ++i) {
      if (query->select[i]->kind == ExprKind::kAsterisk || required->count(item_names[i])) {
        kept.push_back(std::move(query->select[i]));
        kept_names.push_back(item_names[i]);
      }
    }
    // Keep one item when the consumer reads none (`SELECT count() FROM (SELECT sum(x) FROM t)`):
    // dropping every aggregate would turn one aggregated row into one row per input row.
    if (kept.empty() && !query->select.empty()) {
      kept.push_back(std::move(query->select[0]));
      kept_names.push_back(item_names[0]);
    }
    query->select = std::move(kept);
    item_names = std::move(kept_names);
  }

  // What this query reads from its source.
  std::set<std::string> needed;
  bool star = false;
  for (const auto& item : query->select) collectIdentifiers(*item, needed, star);
  bool other_star = false;
  for (const Expr* clause : {query->where.get(), query->prewhere.get(), query->having.get()}) {
    if (clause) collectIdentifiers(*clause, needed, other_star);
  }
  for (const auto& conjunct : pushed_here) collectIdentifiers(*conjunct, needed, other_star);
  for (const auto& call : array_join_calls) collectIdentifiers(*call, needed, other_star);
  for (const auto& call : aggregated_array_join_calls) collectIdentifiers(*call, needed, other_star);
  for (const auto& key : query->group_by) collectIdentifiers(*key, needed, other_star);
  for (const auto& element : query->order_by) collectIdentifiers(*element.expr, needed, other_star);
  for (const auto& key : query->limit_by) collectIdentifiers(*key, needed, other_star);
  RequiredColumns source_required = needed;
  if (star) {
    if (required && !query->distinct) {
      for (const auto& name : *required) source_required->insert(name);
    } else {
      source_required = std::nullopt;
    }
  }
  std::vector<WhereConjunct> where_conjuncts;
  {
    std::vector<const Expr*> split;
    if (query->prewhere) splitConjunction(*query->prewhere, split);
    if (query->where) splitConjunction(*query->where, split);
    for (const Expr* conjunct : split) where_conjuncts.push_back({conjunct, false});
    split.clear();
    for (const auto& conjunct : pushed_here) splitConjunction(*conjunct, split);
    for (const Expr* conjunct : split) where_conjuncts.push_back({conjunct, true});
  }
  std::vector<WhereConjunct> movable;
  for (const WhereConjunct& conjunct : where_conjuncts) {
    if (pushdown_ && isMovableConjunct(*conjunct.expr) && !readsArrayJoinOutput(*conjunct.expr, query->array_join, array_join_calls)) {
      movable.push_back(conjunct);
    }
  }
  Source source = planSource(*query, text, source_required, movable, array_join_calls);
  for (const WhereConjunct& moved : movable) {
    for (WhereConjunct& conjunct : where_conjuncts) conjunct.consumed |= moved.consumed && moved.expr == conjunct.expr;
  }

  ExpressionBinder binder(functions_, text.sql, text.note, [this, &text](const SelectQuery& subquery, std::vector<DataType>& types) {
    return runSubquery(subquery, text, types);
  });

  // Expand * into identifiers.
  {
    std::vector<ExprPtr> expanded;
    std::vector<std::string> names;
    for (size_t i = 0; i < query->select.size(); ++i) {
      ExprPtr& item = query->select[i];
      if (item->kind != ExprKind::kAsterisk) {
        expanded.push_back(std::move(item));
        names.push_back(item_names[i]);
        continue;
      }
      const std::string qualifier = item->name_parts.empty() ? "" : item->name_parts[0];
      bool any = false;
      for (const auto& column : source.columns) {
        if (!qualifier.empty() && column.qualifier != qualifier) continue;
        any = true;
        // `*` after JOIN ... USING shows each key once; a right column whose name the left side
        // also has is named `qualifier.name`, as ClickHouse names it.
        if (qualifier.empty() && column.visibility == ScopeColumn::Visibility::kUsingKey) continue;
        const std::string name = qualifier.empty() && column.visibility == ScopeColumn::Visibility::kQualifiedOnly
                                     ? column.qualifier + "." + column.name
                                     : column.name;
        if (required && !query->distinct && !required->count(name)) continue;
        bool excluded = false;
        for (const auto& except : item->args) excluded |= except->identifierName() == column.name;
        if (excluded) continue;
        expanded.push_back(makeIdentifier(column.qualifier.empty() ? std::vector<std::string>{column.name}
                                                                   : std::vector<std::string>{column.qualifier, column.name},
                                          item->position));
        names.push_back(name);
      }
      if (!any && !qualifier.empty()) {
        throwBadRequest("Unknown table '" + qualifier + "' in " + qualifier + ".* at " + describePosition(text.sql, item->position) + text.note);
      }
    }
    query->select = std::move(expanded);
    item_names = std::move(names);
  }

  OperatorPtr op = std::move(source.op);
  std::vector<ScopeColumn> scope_columns = std::move(source.columns);
  // Only when nothing changes the columns between the source and the SELECT list (ARRAY JOIN and
  // joins already dropped it in planSource); 18.16 would also pass it through arrayJoin() and
  // window functions, which Perch does not (documented in tests/unit/sql/totals_test.cpp).
  const bool inner_totals = source.totals_source && array_join_calls.empty();

  // WHERE / PREWHERE, one predicate per conjunct (but those that already run on a join side). The
  // conjuncts a consumer pushed in run in a second filter, only on the rows this query's own WHERE
  // keeps: behind a view's filter (a tenant's rows), an expression that fails on some values never
  // sees the other rows. Granule pruning uses both.
  Filter* where_filter = nullptr;
  {
    BindScope scope{&scope_columns, nullptr, "WHERE"};
    std::vector<const Expr*> pruning_exprs;
    std::vector<BoundExprPtr> pruning_predicates, own, pushed_in;
    for (const WhereConjunct& conjunct : where_conjuncts) {
      if (conjunct.consumed) continue;
      BoundExprPtr predicate = conjunct.optional ? tryBind(binder, *conjunct.expr, scope) : binder.bind(*conjunct.expr, scope);
      if (!predicate || (conjunct.optional && !isPredicateType(predicate->type))) continue;
      checkPredicateType(predicate->type, "WHERE");
      pruning_exprs.push_back(conjunct.expr);
      pruning_predicates.push_back(predicate);
      (conjunct.optional ? pushed_in : own).push_back(std::move(predicate));
    }
    auto* scan = dynamic_cast<Scan*>(op.get());
    if (scan && !pruning_exprs.empty()) attachKeyCondition(*scan, pruning_exprs, pruning_predicates, binder, scope, functions_);
    for (auto* predicates : {&own, &pushed_in}) {
      if (predicates->empty()) continue;
      auto filter = std::make_unique<Filter>(std::move(op), std::move(*predicates), context_);
      where_filter = filter.get();
      op = std::move(filter);
    }
  }
  // Columns the operators above WHERE evaluate: the filter gathers only those.
  std::vector<uint8_t> used_after_where(scope_columns.size(), 0);
  const auto markUsed = [&](const BoundExprPtr& expr) { markColumns(*expr, used_after_where); };

  // GROUP BY and aggregates.
  std::vector<const Expr*> aggregate_exprs;
  for (const auto& item : query->select) collectAggregates(*item, aggregate_exprs, false);
  if (query->having) collectAggregates(*query->having, aggregate_exprs, false);
  for (const auto& element : query->order_by) collectAggregates(*element.expr, aggregate_exprs, false);
  for (const auto& call : aggregated_array_join_calls) collectAggregates(*call, aggregate_exprs, false);
  const bool aggregating = !query->group_by.empty() || !aggregate_exprs.empty();
  // ClickHouse 18.16 answers a totals row of default values here; Perch refuses instead.
  if (query->with_totals && !aggregating) throwBadRequest("WITH TOTALS requires GROUP BY or an aggregate function" + text.note);
  std::unordered_map<std::string, size_t> replacements;
  HashAggregate* totals_source = nullptr;
  if (aggregating) {
    BindScope source_scope{&scope_columns, nullptr, "GROUP BY"};
    std::vector<BoundExprPtr> keys;
    std::vector<ScopeColumn> output;
    for (const auto& key : query->group_by) {
      const std::string name = columnName(*key);
      if (replacements.count(name)) continue;
      keys.push_back(binder.bind(*key, source_scope));
      replacements[name] = output.size();
      output.push_back({name, "", keys.back()->type});
    }
    std::vector<AggregateCall> calls;
    BindScope argument_scope{&scope_columns, nullptr, "aggregate function arguments"};
    for (const Expr* aggregate : aggregate_exprs) {
      const std::string name = columnName(*aggregate);
      if (replacements.count(name)) continue;
      AggregateCall call;
      std::vector<DataType> arg_types;
      for (const auto& arg : aggregate->args) {
        call.args.push_back(binder.bind(*arg, argument_scope));
        arg_types.push_back(call.args.back()->type);
      }
      std::vector<ColumnPtr> parameters;
      for (const auto& parameter : aggregate->parameters) parameters.push_back(binder.bindConstant(*parameter, "aggregate function parameter"));
      try {
        call.function = createAggregateFunction(aggregate->name, arg_types, parameters);
      } catch (const Error& error) {
        if (error.code() != ErrorCode::kBadRequest) throw;
        throwBadRequest(std::string(error.what()) + " (at " + binder.where(*aggregate) + ")");
      }
      replacements[name] = output.size();
      output.push_back({name, "", call.function->resultType()});
      calls.push_back(std::move(call));
    }
    for (const auto& key : keys) markUsed(key);
    for (const auto& call : calls) {
      for (const auto& arg : call.args) markUsed(arg);
    }
    auto aggregate = std::make_unique<HashAggregate>(std::move(op), std::move(keys), std::move(calls), context_);
    totals_source = aggregate.get();
    op = std::move(aggregate);
    scope_columns = std::move(output);
  }
  std::unordered_map<std::string, size_t> window_columns;
  const BindScope post_scope{&scope_columns, aggregating ? &replacements : nullptr, "SELECT", &window_columns};

  if (query->having) {
    if (!aggregating) throwBadRequest("HAVING requires GROUP BY or an aggregate function" + text.note);
    BindScope having_scope = post_scope;
    having_scope.clause = "HAVING";
    std::vector<const Expr*> having_conjuncts;
    splitConjunction(*query->having, having_conjuncts);
    std::vector<BoundExprPtr> predicates;
    for (const Expr* conjunct : having_conjuncts) {
      predicates.push_back(binder.bind(*conjunct, having_scope));
      checkPredicateType(predicates.back()->type, "HAVING");
    }
    if (query->with_totals) totals_source->enableTotals(predicates);
    op = std::make_unique<Filter>(std::move(op), std::move(predicates), context_);
  }

  // arrayJoin() over aggregates: one ArrayJoin per call over the aggregated rows HAVING kept; the
  // identifier that replaced the call finds its elements through `replacements`.
  for (const auto& call : aggregated_array_join_calls) {
    if (query->with_totals) throwBadRequest("WITH TOTALS together with arrayJoin over an aggregate function is not supported" + text.note);
    BoundExprPtr array = binder.bind(*call, post_scope);
    if (!array->type.isArray()) throwBadRequest("arrayJoin requires an array argument, got " + array->type.name() + " at " + binder.where(*call));
    replacements[call->alias] = scope_columns.size();
    scope_columns.push_back({call->alias, "", array->type.nested()});
    std::vector<BoundExprPtr> arrays;
    arrays.push_back(std::move(array));
    op = std::make_unique<ArrayJoin>(std::move(op), std::move(arrays), false, context_);
  }

  // Window functions, over the rows HAVING kept (window_planner.h).
  bool windowed = false;
  {
    std::vector<const Expr*> window_calls;
    for (const auto& item : query->select) collectWindowFunctions(*item, window_calls);
    for (const auto& element : query->order_by) collectWindowFunctions(*element.expr, window_calls);
    windowed = !window_calls.empty();
    if (!window_calls.empty()) {
      if (query->with_totals) throwBadRequest("WITH TOTALS together with window functions is not supported" + text.note);
      std::vector<BoundExprPtr> window_inputs;
      op = planWindow(std::move(op), scope_columns, post_scope, window_calls, binder, window_columns, window_inputs, context_);
      if (!aggregating) {
        for (const auto& input : window_inputs) markUsed(input);
      }
    }
  }

  // Projection: the SELECT list, then ORDER BY expressions that are not already selected.
  std::vector<BoundExprPtr> projections;
  std::vector<DataType> types;
  std::vector<std::string> canonical;
  for (const auto& item : query->select) {
    projections.push_back(binder.bind(*item, post_scope));
    types.push_back(projections.back()->type);
    canonical.push_back(columnName(*item));
  }
  const size_t visible = projections.size();
  std::vector<SortKey> sort_keys;
  BindScope order_scope = post_scope;
  order_scope.clause = "ORDER BY";
  for (const auto& element : query->order_by) {
    const std::string name = columnName(*element.expr);
    size_t index = std::find(canonical.begin(), canonical.end(), name) - canonical.begin();
    if (index == canonical.size()) {
      projections.push_back(binder.bind(*element.expr, order_scope));
      types.push_back(projections.back()->type);
      canonical.push_back(name);
    }
    sort_keys.push_back(SortKey{index, element.descending, element.nulls_first.value_or(false)});
  }
  std::vector<size_t> limit_by_columns;
  BindScope limit_by_scope = post_scope;
  limit_by_scope.clause = "LIMIT BY";
  for (const auto& key : query->limit_by) {
    const std::string name = columnName(*key);
    size_t index = std::find(canonical.begin(), canonical.end(), name) - canonical.begin();
    if (index == canonical.size()) {
      projections.push_back(binder.bind(*key, limit_by_scope));
      types.push_back(projections.back()->type);
      canonical.push_back(name);
    }
    limit_by_columns.push_back(index);
  }
  if (!aggregating) {
    for (const auto& projection : projections) markUsed(projection);
  }
  if (where_filter) where_filter->setNeededColumns(std::move(used_after_where));
  op = std::make_unique<Project>(std::move(op), projections);

  if (query->distinct) {
    std::vector<BoundExprPtr> keys;
    for (size_t i = 0; i < projections.size(); ++i) keys.push_back(BoundExpr::makeColumn(i, types[i], canonical[i]));
    op = std::make_unique<HashAggregate>(std::move(op), std::move(keys), std::vector<AggregateCall>{}, context_);
  }

  std::optional<uint64_t> limit, offset;
  if (query->limit) limit = constantToCount(binder.bindConstant(*query->limit, "LIMIT"), "LIMIT");
  if (query->offset) offset = constantToCount(binder.bindConstant(*query->offset, "OFFSET"), "OFFSET");

  const Sort* sort = nullptr;
  const bool fill = std::any_of(query->order_by.begin(), query->order_by.end(), [](const OrderByElement& element) { return element.with_fill; });
  if (!sort_keys.empty()) {
    // With WITH FILL the sort keeps every row: rows_before_limit counts the filled rows.
    std::optional<uint64_t> keep;
    if (limit && limit_by_columns.empty() && !fill) keep = *limit + offset.value_or(0);
    std::vector<size_t> sort_columns;
    for (const SortKey& key : sort_keys) sort_columns.push_back(key.column);
    auto sort_op = std::make_unique<Sort>(std::move(op), types, std::move(sort_keys), keep, context_);
    sort = sort_op.get();
    op = std::move(sort_op);
    if (fill) {
      op = planFill(std::move(op), query->order_by, sort_columns, types, binder, context_);
      sort = nullptr;
    }
  }
  if (!limit_by_columns.empty()) {
    const uint64_t per_key = constantToCount(binder.bindConstant(*query->limit_by_limit, "LIMIT BY"), "LIMIT BY");
    op = std::make_unique<LimitBy>(std::move(op), std::move(limit_by_columns), per_key);
    sort = nullptr;  // rows_before_limit counts the rows LIMIT BY passes, not the sort's input
  }
  PlannedQuery result;
  if (query->with_totals) {
    if (!query->having) totals_source->enableTotals({});
    result.totals_source = totals_source;
    result.totals_projections.emplace_back(projections.begin(), projections.begin() + static_cast<std::ptrdiff_t>(visible));
  } else if (inner_totals && !aggregating && !windowed) {
    result.totals_source = source.totals_source;
    result.totals_projections = std::move(source.totals_projections);
    result.totals_projections.emplace_back(projections.begin(), projections.begin() + static_cast<std::ptrdiff_t>(visible));
  }
  if (limit || offset) {
    auto limit_op = std::make_unique<Limit>(std::move(op), limit.value_or(UINT64_MAX), offset.value_or(0), count_rows && limit.has_value(), sort);
    if (limit) result.limit = limit_op.get();
    op = std::move(limit_op);
  }
  if (projections.size() > visible) {
    std::vector<BoundExprPtr> visible_columns;
    for (size_t i = 0; i < visible; ++i) visible_columns.push_back(BoundExpr::makeColumn(i, types[i], canonical[i]));
    op = std::make_unique<Project>(std::move(op), std::move(visible_columns));
    types.resize(visible);
  }
  result.root = std::move(op);
  result.names = std::move(item_names);
  result.types = std::move(types);
  return result;
}

}  // namespace perch
