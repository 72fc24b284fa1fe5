#include "exec/key_condition.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "common/error.h"
#include "exec/filter.h"
#include "exec/type_rules.h"

namespace perch {

/// One comparison evaluated on the granules' key minima (or maxima) against a constant.
struct KeyCondition::Check {
  FunctionKernel kernel;
  bool key_first = true;  // the key is the kernel's first argument
  bool use_max = false;   // evaluate on key(max) instead of key(min)
  ColumnPtr constant;
};

struct KeyCondition::Node {
  enum class Kind {
    kAnd,      // every child may match
    kOr,       // some child may match
    kAtom,     // every check holds (or, with negate, not all of them hold)
    kIsNull,   // the granule has a NULL in the column
    kNever,    // a constant false/NULL conjunct
    kUnknown,  // cannot tell: may match
  };
  Kind kind = Kind::kUnknown;
  std::vector<std::shared_ptr<const Node>> children;
  size_t position = 0;      // scan output position of the key's column
  size_t schema_column = 0;  // schema position of that column
  BoundExprPtr key;         // over a batch whose column `position` holds the values
  std::vector<Check> checks;
  bool negate = false;
};

namespace {

using Node = KeyCondition::Node;
using NodePtr = std::shared_ptr<const Node>;

std::shared_ptr<Node> makeNode(Node::Kind kind) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  return node;
}

// One-argument functions that never decrease when their Date/DateTime argument grows (UTC).
bool isMonotoneDateFunction(const std::string& name) {
  static const char* const kNames[] = {
      "toDate",          "toDateTime",         "toStartOfDay",         "toStartOfHour",          "toStartOfMinute",
      "toStartOfFiveMinutes", "toStartOfFiveMinute", "toStartOfTenMinutes", "toStartOfFifteenMinutes", "toStartOfMonth",
      "toStartOfQuarter", "toStartOfYear",     "toMonday",             "toStartOfWeek",          "toYYYYMM",
      "toYYYYMMDD",      "toYear",             "toUnixTimestamp",
  };
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* candidate) { return name == candidate; });
}

// Types whose granule min/max are recorded in the same order the comparison kernels use.
bool hasOrderedStats(const DataType& type) {
  const DataType plain = removeNullable(type);
  return plain.id() == TypeId::kString || isNumeric(plain) || plain.isDecimal();  // Decimal: its storage integer
}

// The column a monotone key expression reads (scan position), or nullopt when `expr` is not one.
std::optional<size_t> keyColumn(const BoundExpr& expr) {
  if (expr.kind == BoundExpr::Kind::kColumn) {
    if (!hasOrderedStats(expr.type)) return std::nullopt;
    return expr.column;
  }
  if (expr.kind != BoundExpr::Kind::kFunction || expr.args.size() != 1 || !isMonotoneDateFunction(expr.name)) return std::nullopt;
  if (!isDateOrDateTime(removeNullable(expr.args[0]->type))) return std::nullopt;
  return keyColumn(*expr.args[0]);
}

bool isComparison(const std::string& name) {
  return name == "equals" || name == "notEquals" || name == "less" || name == "lessOrEquals" || name == "greater" ||
         name == "greaterOrEquals";
}

// Whether comparing a key of type `key` with a constant of type `constant` follows the key's order.
bool comparableInKeyOrder(const DataType& key, const DataType& constant) {
  const DataType k = removeNullable(key);
  const DataType c = removeNullable(constant);
  if (k.id() == TypeId::kString) return c.id() == TypeId::kString;
  // Decimal keys compare through the Decimal comparison kernels (any scale, integers, strings).
  if (k.isDecimal()) return c.isDecimal() || c.isInteger() || c.id() == TypeId::kString;
  if (!isNumeric(k)) return false;
  return isNumeric(c) || c.id() == TypeId::kString;
}

bool constantIsNull(const ColumnPtr& constant) { return isNothing(constant->type()) || constant->isNullAt(0); }

bool constantIsTrue(const ColumnPtr& constant) {
  if (constantIsNull(constant)) return false;
  return !selectTrueRows(Datum::constant(constant), 1).empty();
}

class Builder {
 public:
  Builder(const std::vector<size_t>& sources, const FunctionContext& functions, const std::vector<size_t>& key_columns_only)
      : sources_(sources), functions_(functions), key_columns_only_(key_columns_only) {}

  NodePtr build(const BoundExpr& expr) {
    if (expr.kind == BoundExpr::Kind::kConstant) return makeNode(constantIsTrue(expr.constant) ? Node::Kind::kUnknown : Node::Kind::kNever);
    if (expr.kind != BoundExpr::Kind::kFunction) return makeNode(Node::Kind::kUnknown);
    if ((expr.name == "and" || expr.name == "or") && !expr.args.empty()) {
      auto node = makeNode(expr.name == "and" ? Node::Kind::kAnd : Node::Kind::kOr);
      for (const auto& arg : expr.args) node->children.push_back(build(*arg));
      return simplify(node);
    }
    if (expr.name == "isNull" && expr.args.size() == 1 && expr.args[0]->kind == BoundExpr::Kind::kColumn &&
        expr.args[0]->type.isNullable()) {
      auto node = makeNode(Node::Kind::kIsNull);
      if (!bindColumn(*node, expr.args[0]->column)) return makeNode(Node::Kind::kUnknown);
      return node;
    }
    if (isComparison(expr.name) && expr.args.size() == 2) return comparison(expr);
    return makeNode(Node::Kind::kUnknown);
  }

 private:
  bool bindColumn(Node& node, size_t position) {
    if (position >= sources_.size()) return false;
    node.position = position;
    node.schema_column = sources_[position];
    if (!key_columns_only_.empty() &&
        std::find(key_columns_only_.begin(), key_columns_only_.end(), node.schema_column) == key_columns_only_.end()) {
      return false;
    }
    return true;
  }

  NodePtr comparison(const BoundExpr& expr) {
    const bool constant_second = expr.args[1]->kind == BoundExpr::Kind::kConstant;
    const bool constant_first = expr.args[0]->kind == BoundExpr::Kind::kConstant;
    if (constant_first == constant_second) return makeNode(Node::Kind::kUnknown);
    const BoundExprPtr& key = expr.args[constant_second ? 0 : 1];
    const ColumnPtr& constant = expr.args[constant_second ? 1 : 0]->constant;
    const std::optional<size_t> position = keyColumn(*key);
    if (!position || constantIsNull(constant) || !comparableInKeyOrder(key->type, constant->type())) {
      return makeNode(Node::Kind::kUnknown);
    }
    auto node = makeNode(Node::Kind::kAtom);
    if (!bindColumn(*node, *position)) return makeNode(Node::Kind::kUnknown);
    node->key = key;
    const std::string& name = expr.name;
    const bool key_first = constant_second;
    try {
      if (name == "equals") {
        node->checks.push_back(resolved("lessOrEquals", *key, constant, false));
        node->checks.push_back(resolved("greaterOrEquals", *key, constant, true));
      } else if (name == "notEquals") {
        // NaN != c holds but NaN is not in the statistics: floats never prune on !=.
        if (removeNullable(key->type).isFloat()) return makeNode(Node::Kind::kUnknown);
        node->checks.push_back(resolved("equals", *key, constant, false));
        node->checks.push_back(resolved("equals", *key, constant, true));
        node->negate = true;
      } else {
        // key < c holds for some x in [min, max] iff key(min) < c; c < key iff c < key(max).
        const bool lower = name == "less" || name == "lessOrEquals";
        node->checks.push_back(KeyCondition::Check{expr.kernel, key_first, lower != key_first, constant});
      }
    } catch (const Error&) {
      return makeNode(Node::Kind::kUnknown);
    }
    return node;
  }

  KeyCondition::Check resolved(const char* function, const BoundExpr& key, const ColumnPtr& constant, bool use_max) {
    const ArgumentInfo infos[] = {ArgumentInfo{key.type, nullptr}, ArgumentInfo{constant->type(), constant}};
    ResolvedFunction resolved = resolveFunction(function, infos, functions_);
    return KeyCondition::Check{std::move(resolved.kernel), true, use_max, constant};
  }

  static NodePtr simplify(const std::shared_ptr<Node>& node) {
    const bool is_and = node->kind == Node::Kind::kAnd;
    std::vector<NodePtr> kept;
    for (const auto& child : node->children) {
      if (is_and && child->kind == Node::Kind::kUnknown) continue;
      if (!is_and && child->kind == Node::Kind::kNever) continue;
      if (is_and && child->kind == Node::Kind::kNever) return child;
      if (!is_and && child->kind == Node::Kind::kUnknown) return child;
      kept.push_back(child);
    }
    if (kept.empty()) return makeNode(is_and ? Node::Kind::kUnknown : Node::Kind::kNever);
    if (kept.size() == 1) return kept[0];
    node->children = std::move(kept);
    return node;
  }

  const std::vector<size_t>& sources_;
  const FunctionContext& functions_;
  const std::vector<size_t>& key_columns_only_;
};

// `x IN (a, b, ...)` → `x = a OR x = b OR ...` inside AND/OR trees, so the constants are visible
// to the analysis (binding IN hides them in a set). nullptr when there is no such IN.
constexpr size_t kMaxInListForPruning = 10'000;

ExprPtr expandInLists(const Expr& expr) {
  if (expr.kind != ExprKind::kFunction || expr.window) return nullptr;
  if ((expr.name == "and" || expr.name == "or") && !expr.args.empty()) {
    bool changed = false;
    std::vector<ExprPtr> args;
    for (const auto& arg : expr.args) {
      ExprPtr expanded = expandInLists(*arg);
      changed |= expanded != nullptr;
      args.push_back(expanded ? std::move(expanded) : arg->clone());
    }
    return changed ? makeFunction(expr.name, std::move(args), expr.position) : nullptr;
  }
  if ((expr.name != "in" && expr.name != "globalIn") || expr.args.size() != 2) return nullptr;
  const Expr& right = *expr.args[1];
  if (right.kind == ExprKind::kSubquery) return nullptr;
  std::vector<const Expr*> items;
  if (right.kind == ExprKind::kFunction && (right.name == "tuple" || right.name == "array")) {
    for (const auto& arg : right.args) items.push_back(arg.get());
  } else {
    items.push_back(&right);
  }
  if (items.empty() || items.size() > kMaxInListForPruning) return nullptr;
  std::vector<ExprPtr> equalities;
  for (const Expr* item : items) {
    std::vector<ExprPtr> args;
    args.push_back(expr.args[0]->clone());
    args.push_back(item->clone());
    equalities.push_back(makeFunction("equals", std::move(args), expr.position));
  }
  if (equalities.size() == 1) return std::move(equalities[0]);
  return makeFunction("or", std::move(equalities), expr.position);
}

// Minima or maxima of column `column` over the granules of `part`, as a column of its type;
// `present[g]` is 0 where granule g has no statistics (the value there is a placeholder).
ColumnPtr statsColumn(const storage::Part& part, size_t column, const DataType& type, bool max, std::vector<uint8_t>& present) {
  const auto& stats = part.index().stats[column];
  const size_t granules = stats.size();
  present.assign(granules, 0);
  const DataType plain = removeNullable(type);
  MutableColumnPtr values = makeColumn(plain);
  values->reserve(granules);
  dispatchPhysical(plain, [&](auto* tag) {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    auto& out = static_cast<ColumnType&>(*values);
    for (size_t g = 0; g < granules; ++g) {
      const std::string& bytes = max ? stats[g].max : stats[g].min;
      if constexpr (std::is_same_v<ColumnType, ColumnString>) {
        if (stats[g].has_min_max) {
          out.push(bytes);
          present[g] = 1;
        } else {
          out.appendDefault();
        }
      } else if constexpr (std::is_same_v<ColumnType, ColumnNullable> || std::is_same_v<ColumnType, ColumnArray>) {
        out.appendDefault();
      } else {
        using T = typename ColumnType::ValueType;
        T value{};
        if (stats[g].has_min_max && bytes.size() == sizeof(T)) {
          std::memcpy(&value, bytes.data(), sizeof(T));
          present[g] = 1;
        }
        out.data().push_back(value);
      }
    }
  });
  if (!type.isNullable()) return values;
  return std::make_shared<ColumnNullable>(type, values, std::vector<uint8_t>(granules, 0));
}

class Evaluator {
 public:
  explicit Evaluator(const storage::Part& part) : part_(part), granules_(part.granuleCount()) {}

  std::vector<uint8_t> evaluate(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kUnknown: return std::vector<uint8_t>(granules_, 1);
      case Node::Kind::kNever: return std::vector<uint8_t>(granules_, 0);
      case Node::Kind::kAnd:
      case Node::Kind::kOr: {
        const bool is_and = node.kind == Node::Kind::kAnd;
        std::vector<uint8_t> result(granules_, is_and ? 1 : 0);
        for (const auto& child : node.children) {
          const std::vector<uint8_t> part = evaluate(*child);
          for (size_t g = 0; g < granules_; ++g) result[g] = is_and ? (result[g] & part[g]) : (result[g] | part[g]);
        }
        return result;
      }
      case Node::Kind::kIsNull: {
        std::vector<uint8_t> result(granules_);
        const auto& stats = part_.index().stats[node.schema_column];
        for (size_t g = 0; g < granules_; ++g) result[g] = stats[g].has_null ? 1 : 0;
        return result;
      }
      case Node::Kind::kAtom: return atom(node);
    }
    return std::vector<uint8_t>(granules_, 1);
  }

 private:
  struct Bounds {
    ColumnPtr min, max;
    std::vector<uint8_t> present;
  };

  const Bounds& bounds(const Node& node) {
    auto it = bounds_.find(node.schema_column);
    if (it != bounds_.end()) return it->second;
    const DataType& type = node.key ? typeOfColumn(*node.key, node.position) : DataType();
    Bounds bounds;
    std::vector<uint8_t> present_max;
    bounds.min = statsColumn(part_, node.schema_column, type, false, bounds.present);
    bounds.max = statsColumn(part_, node.schema_column, type, true, present_max);
    return bounds_.emplace(node.schema_column, std::move(bounds)).first->second;
  }

  // The type of the column at `position` as the key expression sees it.
  static const DataType& typeOfColumn(const BoundExpr& key, size_t position) {
    if (key.kind == BoundExpr::Kind::kColumn && key.column == position) return key.type;
    return typeOfColumn(*key.args[0], position);
  }

  std::vector<uint8_t> atom(const Node& node) {
    const Bounds& range = bounds(node);
    Batch batch;
    batch.rows = granules_;
    batch.columns.resize(node.position + 1);
    batch.columns[node.position] = range.min;
    const Datum key_min = perch::evaluate(*node.key, batch);
    batch.columns[node.position] = range.max;
    const Datum key_max = perch::evaluate(*node.key, batch);
    std::vector<uint8_t> all(granules_, 1);
    for (const auto& check : node.checks) {
      const Datum constant = Datum::constant(check.constant);
      const Datum& key = check.use_max ? key_max : key_min;
      const Datum args[] = {check.key_first ? key : constant, check.key_first ? constant : key};
      const Datum result = check.kernel(args, granules_);
      std::vector<uint8_t> holds(granules_, 0);
      for (uint32_t g : selectTrueRows(result, granules_)) holds[g] = 1;
      for (size_t g = 0; g < granules_; ++g) all[g] &= holds[g];
    }
    std::vector<uint8_t> result(granules_);
    for (size_t g = 0; g < granules_; ++g) {
      result[g] = !range.present[g] ? 1 : (node.negate ? !all[g] : all[g]);
    }
    return result;
  }

  const storage::Part& part_;
  const size_t granules_;
  std::unordered_map<size_t, Bounds> bounds_;
};

size_t countAtoms(const Node& node) {
  size_t count = node.kind == Node::Kind::kAtom || node.kind == Node::Kind::kIsNull ? 1 : 0;
  for (const auto& child : node.children) count += countAtoms(*child);
  return count;
}

std::string describeNode(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kUnknown: return "unknown";
    case Node::Kind::kNever: return "never";
    case Node::Kind::kIsNull: return "isNull(column " + std::to_string(node.schema_column) + ")";
    case Node::Kind::kAtom: {
      std::string text = node.negate ? "not(" : "(";
      for (size_t i = 0; i < node.checks.size(); ++i) {
        if (i) text += " and ";
        text += std::string(node.checks[i].use_max ? "max" : "min") + " of column " + std::to_string(node.schema_column);
      }
      return text + ")";
    }
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      std::string text = node.kind == Node::Kind::kAnd ? "and(" : "or(";
      for (size_t i = 0; i < node.children.size(); ++i) text += (i ? ", " : "") + describeNode(*node.children[i]);
      return text + ")";
    }
  }
  return "";
}

}  // namespace

std::shared_ptr<const KeyCondition> KeyCondition::build(std::span<const BoundExprPtr> predicates, const std::vector<size_t>& sources,
                                                        const FunctionContext& functions, const std::vector<size_t>& key_columns_only) {
  Builder builder(sources, functions, key_columns_only);
  auto root = std::make_shared<Node>();
  root->kind = Node::Kind::kAnd;
  for (const auto& predicate : predicates) root->children.push_back(builder.build(*predicate));
  // Same simplification as for a bound AND.
  std::vector<NodePtr> kept;
  for (const auto& child : root->children) {
    if (child->kind == Node::Kind::kNever) return std::shared_ptr<const KeyCondition>(new KeyCondition(child));
    if (child->kind != Node::Kind::kUnknown) kept.push_back(child);
  }
  if (kept.empty()) return nullptr;
  root->children = std::move(kept);
  return std::shared_ptr<const KeyCondition>(new KeyCondition(root));
}

std::shared_ptr<const KeyCondition> KeyCondition::build(std::span<const Expr* const> conjuncts, std::span<const BoundExprPtr> predicates,
                                                        ExpressionBinder& binder, const BindScope& scope,
                                                        const std::vector<size_t>& sources, const FunctionContext& functions,
                                                        const std::vector<size_t>& key_columns_only) {
  std::vector<BoundExprPtr> analyzed(predicates.begin(), predicates.end());
  for (size_t i = 0; i < conjuncts.size() && i < analyzed.size(); ++i) {
    ExprPtr expanded = expandInLists(*conjuncts[i]);
    if (!expanded) continue;
    try {
      analyzed[i] = binder.bind(*expanded, scope);
    } catch (const Error&) {
      // Keep the predicate as bound for the filter; its IN lists just do not prune.
    }
  }
  return build(analyzed, sources, functions, key_columns_only);
}

std::vector<uint8_t> KeyCondition::mayMatch(const storage::Part& part) const {
  try {
    Evaluator evaluator(part);
    return evaluator.evaluate(*root_);
  } catch (const Error&) {
    // A kernel refused the statistics values (should not happen): read everything.
    return std::vector<uint8_t>(part.granuleCount(), 1);
  }
}

size_t KeyCondition::atomCount() const { return countAtoms(*root_); }

std::string KeyCondition::describe() const { return describeNode(*root_); }

}  // namespace perch
