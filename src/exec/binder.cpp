#include "exec/binder.h"

#include <algorithm>

#include "common/error.h"
#include "exec/aggregate_function.h"
#include "exec/array_functions.h"
#include "exec/cast.h"
#include "exec/in_set.h"
#include "exec/type_rules.h"
#include "exec/window.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace perch {

namespace {

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "toIntervalDay" -> "Day"; empty when `expr` is not an INTERVAL.
std::string intervalUnit(const Expr& expr) {
  if (expr.kind != ExprKind::kFunction || !expr.name.starts_with("toInterval") || expr.args.size() != 1) return "";
  return expr.name.substr(10);
}

ExprPtr call(std::string name, std::vector<ExprPtr> args, size_t position) { return makeFunction(std::move(name), std::move(args), position); }

}  // namespace

ColumnPtr literalColumn(const LiteralValue& value) {
  return std::visit(
      [](const auto& v) -> ColumnPtr {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, Null>) {
          return makeNullConstant();
        } else if constexpr (std::is_same_v<V, std::string>) {
          return makeStringConstant(v);
        } else if constexpr (std::is_same_v<V, double>) {
          return makeConstantColumn<double>(DataType(TypeId::kFloat64), v);
        } else if constexpr (std::is_same_v<V, uint64_t>) {
          const DataType type = literalIntegerType(v);
          return castColumn(makeConstantColumn<uint64_t>(DataType(TypeId::kUInt64), v), type);
        } else {
          const DataType type = literalSignedType(v);
          return castColumn(makeConstantColumn<int64_t>(DataType(TypeId::kInt64), v), type);
        }
      },
      value);
}

std::string ExpressionBinder::where(const Expr& expr) const {
  return describePosition(sql_, expr.position) + context_note_;
}

BoundExprPtr ExpressionBinder::bind(const Expr& expr, const BindScope& scope) {
  if (scope.windows && expr.kind == ExprKind::kFunction && expr.window) {
    if (auto it = scope.windows->find(columnName(expr)); it != scope.windows->end()) {
      const ScopeColumn& column = (*scope.columns)[it->second];
      return BoundExpr::makeColumn(it->second, column.type, column.name);
    }
  }
  if (scope.replacements && expr.kind != ExprKind::kLiteral) {
    const std::string name = columnName(expr);
    if (auto it = scope.replacements->find(name); it != scope.replacements->end()) {
      const ScopeColumn& column = (*scope.columns)[it->second];
      return BoundExpr::makeColumn(it->second, column.type, column.name);
    }
  }
  switch (expr.kind) {
    case ExprKind::kLiteral: return BoundExpr::makeConstant(literalColumn(expr.literal));
    case ExprKind::kIdentifier: return bindIdentifier(expr, scope);
    case ExprKind::kAsterisk: throwBadRequest("Asterisk is not allowed in " + std::string(scope.clause) + " at " + where(expr));
    case ExprKind::kSubquery: return bindScalarSubquery(expr);
    case ExprKind::kFunction: return bindFunction(expr, scope);
  }
  return nullptr;
}

BoundExprPtr ExpressionBinder::bindIdentifier(const Expr& expr, const BindScope& scope) {
  const std::string full = expr.identifierName();
  const auto& columns = *scope.columns;
  std::vector<size_t> matches;
  for (size_t i = 0; i < columns.size(); ++i) {
    const ScopeColumn& column = columns[i];
    if (expr.name_parts.size() == 1 && column.name == full && column.visibility == ScopeColumn::Visibility::kNormal) matches.push_back(i);
    if (expr.name_parts.size() == 2 && column.qualifier == expr.name_parts[0] && column.name == expr.name_parts[1]) matches.push_back(i);
    if (expr.name_parts.size() > 1 && column.name == full && std::find(matches.begin(), matches.end(), i) == matches.end()) matches.push_back(i);
  }
  if (matches.size() > 1) throwBadRequest("Ambiguous column '" + full + "' at " + where(expr));
  if (scope.replacements && !(matches.size() == 1 && columns[matches[0]].lambda_parameter)) {
    throwBadRequest("Column '" + full + "' is not under aggregate function and not in GROUP BY keys at " + where(expr));
  }
  if (matches.empty()) {
    std::string available;
    for (const auto& column : columns) {
      available += available.empty() ? "" : ", ";
      available += column.name;
    }
    throwBadRequest("Missing columns: '" + full + "' at " + where(expr) + " while processing " + std::string(scope.clause) +
                    (available.empty() ? "" : "; available columns: " + available));
  }
  const ScopeColumn& column = columns[matches[0]];
  return BoundExpr::makeColumn(matches[0], column.type, column.name);
}

ExprPtr ExpressionBinder::rewrite(const Expr& expr) const {
  const std::string& name = expr.name;
  const size_t position = expr.position;
  if (name == "caseWithExpression" && expr.args.size() >= 3) {
    std::vector<ExprPtr> args;
    for (size_t i = 1; i + 1 < expr.args.size(); i += 2) {
      std::vector<ExprPtr> comparison;
      comparison.push_back(expr.args[0]->clone());
      comparison.push_back(expr.args[i]->clone());
      args.push_back(call("equals", std::move(comparison), position));
      args.push_back(expr.args[i + 1]->clone());
    }
    args.push_back(expr.args.back()->clone());
    return call("multiIf", std::move(args), position);
  }
  if ((name == "plus" || name == "minus") && expr.args.size() == 2) {
    const std::string right_unit = intervalUnit(*expr.args[1]);
    const std::string left_unit = name == "plus" ? intervalUnit(*expr.args[0]) : "";
    if (!right_unit.empty() || !left_unit.empty()) {
      const bool right = !right_unit.empty();
      const Expr& interval = *expr.args[right ? 1 : 0];
      const Expr& time = *expr.args[right ? 0 : 1];
      std::vector<ExprPtr> args;
      args.push_back(time.clone());
      args.push_back(interval.args[0]->clone());
      return call((name == "plus" ? "add" : "subtract") + (right ? right_unit : left_unit) + "s", std::move(args), position);
    }
  }
  if (name == "toStartOfInterval" && expr.args.size() >= 2 && !intervalUnit(*expr.args[1]).empty()) {
    std::vector<ExprPtr> args;
    args.push_back(expr.args[0]->clone());
    args.push_back(expr.args[1]->args[0]->clone());
    args.push_back(makeLiteral(intervalUnit(*expr.args[1]), expr.args[1]->position));
    for (size_t i = 2; i < expr.args.size(); ++i) args.push_back(expr.args[i]->clone());
    return call("toStartOfInterval", std::move(args), position);
  }
  const std::string lowered = lowerCase(name);
  const bool add = lowered == "dateadd" || lowered == "date_add" || lowered == "timestampadd" || lowered == "timestamp_add";
  const bool sub = lowered == "datesub" || lowered == "date_sub" || lowered == "timestampsub" || lowered == "timestamp_sub";
  if (add || sub) {
    std::vector<ExprPtr> args;
    std::string unit;
    if (expr.args.size() == 3) {  // dateAdd(unit, n, t)
      const Expr& unit_expr = *expr.args[0];
      if (unit_expr.kind == ExprKind::kIdentifier) unit = unit_expr.identifierName();
      else if (unit_expr.kind == ExprKind::kLiteral && std::holds_alternative<std::string>(unit_expr.literal)) unit = std::get<std::string>(unit_expr.literal);
      args.push_back(expr.args[2]->clone());
      args.push_back(expr.args[1]->clone());
    } else if (expr.args.size() == 2 && !intervalUnit(*expr.args[1]).empty()) {  // dateAdd(t, INTERVAL n unit)
      unit = intervalUnit(*expr.args[1]);
      args.push_back(expr.args[0]->clone());
      args.push_back(expr.args[1]->args[0]->clone());
    } else {
      throwBadRequest("Function " + name + " expects (unit, amount, date) or (date, INTERVAL) at " + where(expr));
    }
    std::string canonical = lowerCase(unit);
    if (canonical.ends_with("s")) canonical.pop_back();
    static constexpr const char* kUnits[] = {"Nanosecond", "Microsecond", "Millisecond", "Second", "Minute", "Hour",
                                             "Day",        "Week",        "Month",       "Quarter", "Year"};
    for (const char* candidate : kUnits) {
      if (lowerCase(candidate) == canonical) return call(std::string(add ? "add" : "subtract") + candidate + "s", std::move(args), position);
    }
    throwBadRequest("Unknown unit '" + unit + "' in function " + name + " at " + where(expr));
  }
  return nullptr;
}

BoundExprPtr ExpressionBinder::bindFunction(const Expr& expr, const BindScope& scope) {
  if (expr.window) {
    throwBadRequest("Window function " + columnName(expr) + " is found in " + std::string(scope.clause) + " where it is not allowed, at " + where(expr));
  }
  if (isWindowOnlyFunctionName(expr.name)) {
    throwBadRequest("Window function " + expr.name + " must be used with an OVER clause, at " + where(expr));
  }
  if (isAggregateFunctionName(expr.name)) {
    throwBadRequest("Aggregate function " + columnName(expr) + " is found in " + std::string(scope.clause) +
                    " where it is not allowed, at " + where(expr));
  }
  if (ExprPtr rewritten = rewrite(expr)) return bind(*rewritten, scope);
  const std::string& name = expr.name;
  if (name == "in" || name == "notIn" || name == "globalIn" || name == "globalNotIn") {
    return bindIn(expr, scope, name == "notIn" || name == "globalNotIn");
  }
  if (const HigherOrderFunction* function = findHigherOrderFunction(name)) return bindHigherOrder(expr, scope, *function);
  if (name == "lambda") throwBadRequest("Lambda function " + columnName(expr) + " is allowed only as the first argument of a higher-order function such as arrayMap, at " + where(expr));
  if (name == "array") return bindArray(expr, scope);
  if (name.starts_with("toInterval")) throwBadRequest("INTERVAL is only supported in date arithmetic, at " + where(expr));
  std::vector<BoundExprPtr> args;
  args.reserve(expr.args.size());
  for (const auto& arg : expr.args) args.push_back(bind(*arg, scope));
  if (!FunctionRegistry::instance().find(name)) {
    throwBadRequest("Unknown function " + name + " at " + where(expr));
  }
  return bindCall(name, std::move(args), expr);
}

BoundExprPtr ExpressionBinder::bindCall(const std::string& name, std::vector<BoundExprPtr> args, const Expr& origin) {
  std::vector<ArgumentInfo> infos;
  bool all_constant = true;
  for (const auto& arg : args) {
    const bool constant = arg->kind == BoundExpr::Kind::kConstant;
    all_constant &= constant;
    infos.push_back(ArgumentInfo{arg->type, constant ? arg->constant : nullptr});
  }
  ResolvedFunction resolved;
  try {
    resolved = resolveFunction(name, infos, functions_);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kBadRequest) throw;
    throwBadRequest(std::string(error.what()) + " (at " + where(origin) + ")");
  }
  auto bound = std::make_shared<BoundExpr>();
  bound->kind = BoundExpr::Kind::kFunction;
  bound->type = resolved.result_type;
  bound->kernel = std::move(resolved.kernel);
  bound->args = std::move(args);
  bound->name = name;
  const FunctionDefinition* definition = FunctionRegistry::instance().find(name);
  if (all_constant && definition && definition->deterministic) {
    Batch empty;
    empty.rows = 1;
    Datum value = evaluate(*bound, empty);
    ColumnPtr column = value.column;
    if (column->size() != 1) column = materialize(Datum::constant(column), 1);
    return BoundExpr::makeConstant(column);
  }
  return bound;
}

namespace {

// A 400 raised while folding or converting a constant (`Cannot parse string 'x' as Int32`) names
// no place in the query: rethrows it with `place` (a clause and position) unless it has one.
[[noreturn]] void rethrowWithPlace(const Error& error, const std::string& place) {
  const std::string message = error.what();
  if (error.code() != ErrorCode::kBadRequest || message.find("position ") != std::string::npos) throw;
  throwBadRequest(message + " (" + place + ")");
}

}  // namespace

ColumnPtr ExpressionBinder::bindConstant(const Expr& expr, std::string_view what) {
  static const std::vector<ScopeColumn> kNoColumns;
  BindScope scope{&kNoColumns, nullptr, what};
  BoundExprPtr bound;
  try {
    bound = bind(expr, scope);
  } catch (const Error& error) {
    rethrowWithPlace(error, "in " + std::string(what) + " at " + where(expr));
  }
  if (bound->kind != BoundExpr::Kind::kConstant) {
    throwBadRequest(std::string(what) + " must be a constant expression, got " + columnName(expr) + " at " + where(expr));
  }
  return bound->constant;
}

BoundExprPtr ExpressionBinder::bindArray(const Expr& expr, const BindScope& scope) {
  std::vector<BoundExprPtr> elements;
  std::vector<DataType> types;
  bool all_constant = true;
  for (const auto& arg : expr.args) {
    elements.push_back(bind(*arg, scope));
    all_constant &= elements.back()->kind == BoundExpr::Kind::kConstant;
    types.push_back(elements.back()->type);
  }
  const DataType element_type = types.empty() ? DataType(TypeId::kUInt8) : leastSupertype(types, "array elements");
  if (!all_constant) {
    // [a, b, ...] over columns: per batch, the element columns (converted to the common type)
    // are interleaved row by row.
    auto bound = std::make_shared<BoundExpr>();
    bound->kind = BoundExpr::Kind::kFunction;
    bound->type = DataType::array(element_type);
    bound->name = "array";
    bound->args = elements;
    bound->kernel = [element_type](std::span<const Datum> args, size_t rows) {
      std::vector<ColumnPtr> columns;
      for (const Datum& arg : args) columns.push_back(castDatum(arg, element_type).column);
      auto array = std::make_shared<ColumnArray>(DataType::array(element_type));
      array->elements().reserve(rows * columns.size());
      array->reserve(rows);
      for (size_t row = 0; row < rows; ++row) {
        for (size_t c = 0; c < columns.size(); ++c) array->elements().appendRange(*columns[c], args[c].is_constant ? 0 : row, 1);
        array->finishRow();
      }
      return Datum{array, false};
    };
    return bound;
  }
  auto array = std::make_shared<ColumnArray>(DataType::array(element_type));
  for (const auto& element : elements) {
    ColumnPtr value = castColumn(element->constant, element_type);
    array->elements().appendRange(*value, 0, 1);
  }
  array->finishRow();
  return BoundExpr::makeConstant(array);
}

namespace {

void collectColumns(const BoundExpr& expr, size_t limit, std::vector<size_t>& out) {
  if (expr.kind == BoundExpr::Kind::kColumn && expr.column < limit && std::find(out.begin(), out.end(), expr.column) == out.end()) {
    out.push_back(expr.column);
  }
  for (const auto& arg : expr.args) collectColumns(*arg, limit, out);
}

}  // namespace

BoundExprPtr ExpressionBinder::bindHigherOrder(const Expr& expr, const BindScope& scope, const HigherOrderFunction& function) {
  const std::string& name = expr.name;
  const Expr* lambda = nullptr;
  std::vector<BoundExprPtr> arrays;
  for (size_t i = 0; i < expr.args.size(); ++i) {
    const Expr& arg = *expr.args[i];
    if (arg.kind == ExprKind::kFunction && arg.name == "lambda") {
      if (i != 0) throwBadRequest("Lambda function must be the first argument of function " + name + ", at " + where(arg));
      lambda = &arg;
      continue;
    }
    BoundExprPtr array = bind(arg, scope);
    if (!array->type.isArray()) {
      throwBadRequest("Illegal type " + (isNothing(array->type) ? std::string("Nullable(Nothing)") : array->type.name()) + " of argument " +
                      std::to_string(i + 1) + " of function " + name + ": an array is expected (at " + where(arg) + ")");
    }
    arrays.push_back(std::move(array));
  }
  if (arrays.empty()) throwBadRequest("Function " + name + " needs at least one array argument, at " + where(expr));
  if (!lambda && function.lambda_required) throwBadRequest("Function " + name + " needs a lambda function as its first argument, at " + where(expr));
  std::vector<DataType> array_types;
  for (const auto& array : arrays) array_types.push_back(array->type);

  // The body: bound in the outer scope plus one column per parameter (which hide outer columns
  // of the same name).
  BoundExprPtr body;
  std::vector<size_t> captured;
  const size_t outer_size = scope.columns->size();
  DataType body_type = array_types[0].nested();
  if (lambda) {
    if (lambda->args.size() != 2 || lambda->args[0]->kind != ExprKind::kFunction) throwBadRequest("Malformed lambda at " + where(*lambda));
    const auto& parameters = lambda->args[0]->args;
    if (parameters.size() != arrays.size()) {
      throwBadRequest("Lambda of function " + name + " takes " + std::to_string(parameters.size()) + " arguments but " +
                      std::to_string(arrays.size()) + " arrays are passed, at " + where(*lambda));
    }
    std::vector<ScopeColumn> columns = *scope.columns;
    for (size_t p = 0; p < parameters.size(); ++p) {
      if (parameters[p]->kind != ExprKind::kIdentifier || parameters[p]->name_parts.size() != 1) {
        throwBadRequest("Lambda parameters must be plain names, at " + where(*parameters[p]));
      }
      const std::string& parameter = parameters[p]->name_parts[0];
      for (auto& column : columns) {
        if (column.name == parameter && column.visibility == ScopeColumn::Visibility::kNormal) column.visibility = ScopeColumn::Visibility::kQualifiedOnly;
      }
      ScopeColumn column{parameter, "", array_types[p].nested()};
      column.lambda_parameter = true;
      columns.push_back(std::move(column));
    }
    const BindScope body_scope{&columns, scope.replacements, scope.clause};
    body = bind(*lambda->args[1], body_scope);
    body_type = body->type;
    // Columns of Array(Nullable(Nothing)) cannot be built yet (src/types), so a body that is
    // always NULL is refused instead of crashing.
    if (isNothing(body_type)) throwBadRequest("The lambda of function " + name + " returns only NULL, which is not supported yet, at " + where(*lambda));
    collectColumns(*body, outer_size, captured);
  }
  DataType result_type;
  try {
    result_type = function.result_type(name, array_types, body_type);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kBadRequest) throw;
    throwBadRequest(std::string(error.what()) + " (at " + where(expr) + ")");
  }

  auto bound = std::make_shared<BoundExpr>();
  bound->kind = BoundExpr::Kind::kFunction;
  bound->type = result_type;
  bound->name = name;
  bound->args = arrays;
  for (size_t index : captured) bound->args.push_back(BoundExpr::makeColumn(index, (*scope.columns)[index].type, (*scope.columns)[index].name));
  const size_t array_count = arrays.size();
  bound->kernel = [&function, body, captured, outer_size, array_count, result_type, name](std::span<const Datum> args, size_t rows) {
    bool constant = true;
    for (const auto& arg : args) constant &= arg.is_constant;
    const size_t n = constant ? 1 : rows;
    std::vector<ColumnPtr> holders;
    std::vector<const ColumnArray*> arrays;
    for (size_t i = 0; i < array_count; ++i) {
      holders.push_back(materialize(args[i], n));
      arrays.push_back(static_cast<const ColumnArray*>(holders.back().get()));
    }
    for (size_t i = 1; i < array_count; ++i) {
      if (arrays[i]->offsets() != arrays[0]->offsets()) throwBadRequest("Arrays passed to " + name + " must have equal size");
    }
    const size_t elements = arrays[0]->offsets().empty() ? 0 : arrays[0]->offsets().back();
    ColumnPtr values;
    if (body) {
      Batch inner;
      inner.rows = elements;
      inner.columns.resize(outer_size + array_count);
      for (size_t i = 0; i < array_count; ++i) inner.columns[outer_size + i] = ColumnPtr(holders[i], &arrays[i]->elements());
      if (!captured.empty()) {
        std::vector<uint32_t> owners;  // element -> the row it belongs to
        owners.reserve(elements);
        uint64_t begin = 0;
        for (size_t row = 0; row < n; ++row) {
          const uint64_t end = arrays[0]->offsets()[row];
          owners.insert(owners.end(), end - begin, static_cast<uint32_t>(row));
          begin = end;
        }
        for (size_t c = 0; c < captured.size(); ++c) inner.columns[captured[c]] = materialize(args[array_count + c], n)->gather(owners);
      }
      values = evaluateColumn(*body, inner);
    } else {
      values = ColumnPtr(holders[0], &arrays[0]->elements());
    }
    return Datum{function.execute(arrays, *values, result_type), constant};
  };
  bool all_constant = true;
  for (const auto& arg : bound->args) all_constant &= arg->kind == BoundExpr::Kind::kConstant;
  if (all_constant) {
    Batch empty;
    empty.rows = 1;
    return BoundExpr::makeConstant(materialize(evaluate(*bound, empty), 1));
  }
  return bound;
}

BoundExprPtr ExpressionBinder::bindScalarSubquery(const Expr& expr) {
  std::vector<DataType> types;
  Batch result = run_subquery_(*expr.subquery, types);
  if (types.size() != 1) throwBadRequest("Scalar subquery must return exactly one column, at " + where(expr));
  if (result.rows > 1) throwBadRequest("Scalar subquery returned more than one row, at " + where(expr));
  if (result.rows == 0) return BoundExpr::makeConstant(makeNullConstant(removeNullable(types[0])));
  return BoundExpr::makeConstant(result.columns[0]);
}

namespace {

// Strings on the right of IN are parsed as the left side's type when that is not a string; in
// tuples, element by element (`(day, tag) IN (('2024-01-01', 'red'))`).
DataType parsedAs(const DataType& value, const DataType& left) {
  if (value.isStringLike() && !left.isStringLike()) return left;
  if (!value.isTuple() || !left.isTuple() || value.tupleElements().size() != left.tupleElements().size()) return value;
  std::vector<DataType> elements;
  for (size_t i = 0; i < value.tupleElements().size(); ++i) {
    elements.push_back(parsedAs(value.tupleElements()[i], removeNullable(left.tupleElements()[i])));
  }
  return DataType::tuple(std::move(elements), value.tupleNames());
}

// The rows of a subquery's columns as one Tuple column.
ColumnPtr tupleOfColumns(const Batch& result, const std::vector<DataType>& types) {
  std::vector<MutableColumnPtr> columns;
  for (const ColumnPtr& column : result.columns) columns.push_back(std::const_pointer_cast<Column>(column));
  return std::make_shared<ColumnTuple>(DataType::tuple(types), std::move(columns));
}

}  // namespace

BoundExprPtr ExpressionBinder::bindIn(const Expr& expr, const BindScope& scope, bool negated) {
  if (expr.args.size() != 2) throwBadRequest("Function in takes two arguments, at " + where(expr));
  BoundExprPtr left = bind(*expr.args[0], scope);
  const DataType left_type = removeLowCardinality(removeNullable(left->type));
  std::vector<ColumnPtr> elements;
  const Expr& right = *expr.args[1];
  if (right.kind == ExprKind::kSubquery) {
    std::vector<DataType> types;
    Batch result = run_subquery_(*right.subquery, types);
    // `(a, b) IN (SELECT x, y ...)`: the subquery's columns form the tuples.
    const size_t width = left_type.isTuple() ? left_type.tupleElements().size() : 1;
    if (types.size() != width) {
      throwBadRequest("Subquery for IN must return " + std::to_string(width) + (width == 1 ? " column" : " columns") + ", at " + where(right));
    }
    if (result.rows > 0) elements.push_back(width == 1 ? result.columns[0] : tupleOfColumns(result, types));
  } else {
    // A tuple on the left takes a list of tuples, or one tuple: `(a, b) IN (1, 'x')`.
    const bool tuple_list = right.kind == ExprKind::kFunction && right.name == "tuple" &&
                            std::all_of(right.args.begin(), right.args.end(), [](const ExprPtr& arg) {
                              return arg->kind == ExprKind::kFunction && arg->name == "tuple";
                            });
    const bool list = right.kind == ExprKind::kFunction && (right.name == "array" || (right.name == "tuple" && (!left_type.isTuple() || tuple_list)));
    std::vector<const Expr*> items;
    if (list) {
      for (const auto& arg : right.args) items.push_back(arg.get());
    } else {
      items.push_back(&right);
    }
    for (const Expr* item : items) {
      BoundExprPtr value = bind(*item, scope);
      if (value->kind != BoundExpr::Kind::kConstant) {
        throwBadRequest("The right side of IN must be constants or a subquery, at " + where(*item));
      }
      elements.push_back(value->constant);
    }
  }
  // Strings on the right of a non-string left side are parsed as the left side's type.
  std::vector<DataType> types{left_type};
  std::vector<ColumnPtr> converted;
  for (const auto& element : elements) {
    if (isNothing(element->type())) continue;
    ColumnPtr value = element;
    if (value->type().isNullable()) {
      const auto& nullable = static_cast<const ColumnNullable&>(*value);
      std::vector<uint32_t> keep;
      for (size_t i = 0; i < nullable.size(); ++i) {
        if (!nullable.nullMap()[i]) keep.push_back(static_cast<uint32_t>(i));
      }
      value = nullable.nested().gather(keep);
    }
    try {
      value = castColumn(value, removeLowCardinality(value->type()));
      value = castColumn(value, parsedAs(value->type(), left_type));
    } catch (const Error& error) {
      rethrowWithPlace(error, "in the right side of IN at " + where(right));
    }
    types.push_back(value->type());
    converted.push_back(value);
  }
  // The set's type is the common type of both sides. When there is none (UInt64 against -3, also
  // inside tuples: (u64, s) IN ((-3, 'b'))), ClickHouse converts each element to the left side's
  // type and drops the ones that do not convert exactly: they can never match.
  std::optional<DataType> common;
  try {
    common = removeNullable(leastSupertype(types, "IN"));
  } catch (const Error&) {
    if (!left_type.isNumber() && !left_type.isTuple()) throw;
  }
  const DataType set_type = common.value_or(left_type);
  auto values = makeEmptyColumn(set_type);
  for (const auto& value : converted) {
    if (common) {
      ColumnPtr cast = castColumn(value, set_type);
      values->appendRange(*cast, 0, cast->size());
      continue;
    }
    if (!value->type().isNumber() && !value->type().isTuple()) {
      throwBadRequest("Types " + left_type.name() + " and " + value->type().name() + " in IN are not comparable");
    }
    ColumnPtr cast = castColumn(value, set_type);
    for (size_t row = 0; row < value->size(); ++row) {
      std::string original, converted_text;
      value->formatText(row, original);
      cast->formatText(row, converted_text);
      if (original == converted_text) values->appendRange(*cast, row, 1);
    }
  }
  auto set = std::make_shared<const InSet>(set_type, *values);
  const DataType left_target = left->type.isNullable() ? DataType::nullable(set_type) : set_type;
  auto bound = std::make_shared<BoundExpr>();
  bound->kind = BoundExpr::Kind::kFunction;
  bound->type = DataType(TypeId::kUInt8);
  bound->name = negated ? "notIn" : "in";
  bound->args.push_back(left);
  bound->kernel = [set, left_target, negated](std::span<const Datum> args, size_t rows) {
    const bool same = removeLowCardinality(args[0].type()) == removeLowCardinality(left_target);
    return set->contains(same ? args[0] : castDatum(args[0], left_target), rows, negated);
  };
  if (left->kind == BoundExpr::Kind::kConstant) {
    Batch empty;
    empty.rows = 1;
    return BoundExpr::makeConstant(evaluate(*bound, empty).column);
  }
  return bound;
}

}  // namespace perch
