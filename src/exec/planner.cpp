#include "exec/planner.h"

#include <algorithm>
#include <functional>

#include "common/error.h"
#include "exec/aggregate_function.h"
#include "exec/array_join.h"
#include "exec/cast.h"
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
  if (expr->name == "lambda") return;  // lambda parameters shadow aliases; bodies are bound later
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

void checkPredicateType(const DataType& type, std::string_view clause) {
  const DataType plain = removeNullable(type);
  if (!isNothing(type) && !isNumeric(plain)) {
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

}  // namespace

PlannedQuery Planner::plan(const SelectQuery& query, const QueryText& text, const RequiredColumns& required, bool count_rows) {
  if (query.union_all.empty()) return planSelect(query, text, required, count_rows);
  std::vector<PlannedQuery> parts;
  parts.push_back(planSelect(query, text, std::nullopt, false));
  for (const auto& next : query.union_all) parts.push_back(planSelect(*next, text, std::nullopt, false));
  const size_t width = parts[0].names.size();
  std::vector<DataType> types;
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
  std::vector<OperatorPtr> inputs;
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
    inputs.push_back(needs_cast ? std::make_unique<Project>(std::move(part.root), std::move(casts)) : std::move(part.root));
  }
  PlannedQuery result;
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

Planner::Source Planner::planTableName(const TableExpression& table, const QueryText& text, const RequiredColumns& required) {
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
    return withQualifier(plan(*found->second, text, required, false));
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
      return withQualifier(plan(*parsed_views_.back(), view_text, required, false));
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

Planner::Source Planner::planSource(const SelectQuery& query, const QueryText& text, const RequiredColumns& required) {
  if (query.array_join && !query.from) throwBadRequest("ARRAY JOIN needs a FROM clause" + text.note);
  if (!query.from) {
    Source source;
    source.op = std::make_unique<OneRowSource>();
    return source;
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
  Source source = planTableExpression(*query.from, text, side_required);
  for (const auto& join : query.joins) source = planJoin(std::move(source), join, text, side_required);
  if (query.array_join) source = planArrayJoin(std::move(source), *query.array_join, text);
  return source;
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

Planner::Source Planner::planTableExpression(const TableExpression& table, const QueryText& text, const RequiredColumns& required) {
  if (table.subquery) {
    PlannedQuery planned = plan(*table.subquery, text, required, false);
    Source source;
    for (size_t i = 0; i < planned.names.size(); ++i) source.columns.push_back({planned.names[i], table.alias, planned.types[i]});
    source.op = std::move(planned.root);
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
  return planTableName(table, text, required);
}

PlannedQuery Planner::planSelect(const SelectQuery& original, const QueryText& text, const RequiredColumns& required, bool count_rows) {
  context_.checkDeadline();
  std::unique_ptr<SelectQuery> query = original.clone();
  query->union_all.clear();
  for (const auto& element : query->order_by) {
    if (element.with_fill) throwBadRequest("ORDER BY ... WITH FILL is not supported yet" + text.note);
  }
  // Refused rather than ignored: an answer without its totals row would look complete.
  if (query->with_totals) throwBadRequest("GROUP BY ... WITH TOTALS is not supported yet" + text.note);

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
  Source source = planSource(*query, text, source_required);

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

  // WHERE / PREWHERE, one predicate per conjunct.
  Filter* where_filter = nullptr;
  std::vector<const Expr*> conjuncts;
  if (query->prewhere) splitConjunction(*query->prewhere, conjuncts);
  if (query->where) splitConjunction(*query->where, conjuncts);
  if (!conjuncts.empty()) {
    BindScope scope{&scope_columns, nullptr, "WHERE"};
    std::vector<BoundExprPtr> predicates;
    for (const Expr* conjunct : conjuncts) {
      predicates.push_back(binder.bind(*conjunct, scope));
      checkPredicateType(predicates.back()->type, "WHERE");
    }
    if (auto* scan = dynamic_cast<Scan*>(op.get())) attachKeyCondition(*scan, conjuncts, predicates, binder, scope, functions_);
    auto filter = std::make_unique<Filter>(std::move(op), std::move(predicates), context_);
    where_filter = filter.get();
    op = std::move(filter);
  }
  // Columns the operators above WHERE evaluate: the filter gathers only those.
  std::vector<uint8_t> used_after_where(scope_columns.size(), 0);
  const auto markUsed = [&](const BoundExprPtr& expr) { markColumns(*expr, used_after_where); };

  // GROUP BY and aggregates.
  std::vector<const Expr*> aggregate_exprs;
  for (const auto& item : query->select) collectAggregates(*item, aggregate_exprs, false);
  if (query->having) collectAggregates(*query->having, aggregate_exprs, false);
  for (const auto& element : query->order_by) collectAggregates(*element.expr, aggregate_exprs, false);
  const bool aggregating = !query->group_by.empty() || !aggregate_exprs.empty();
  std::unordered_map<std::string, size_t> replacements;
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
    op = std::make_unique<HashAggregate>(std::move(op), std::move(keys), std::move(calls), context_);
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
    op = std::make_unique<Filter>(std::move(op), std::move(predicates), context_);
  }

  // Window functions, over the rows HAVING kept (window_planner.h).
  {
    std::vector<const Expr*> window_calls;
    for (const auto& item : query->select) collectWindowFunctions(*item, window_calls);
    for (const auto& element : query->order_by) collectWindowFunctions(*element.expr, window_calls);
    if (!window_calls.empty()) {
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
  if (!sort_keys.empty()) {
    std::optional<uint64_t> keep;
    if (limit && limit_by_columns.empty()) keep = *limit + offset.value_or(0);
    auto sort_op = std::make_unique<Sort>(std::move(op), types, std::move(sort_keys), keep, context_);
    sort = sort_op.get();
    op = std::move(sort_op);
  }
  if (!limit_by_columns.empty()) {
    const uint64_t per_key = constantToCount(binder.bindConstant(*query->limit_by_limit, "LIMIT BY"), "LIMIT BY");
    op = std::make_unique<LimitBy>(std::move(op), std::move(limit_by_columns), per_key);
    sort = nullptr;  // rows_before_limit counts the rows LIMIT BY passes, not the sort's input
  }
  PlannedQuery result;
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
