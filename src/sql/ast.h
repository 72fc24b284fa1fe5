// The SQL abstract syntax tree, shaped like ClickHouse's: every operator is a function call
// (`a + b` is plus(a, b), `x IN (1, 2)` is in(x, tuple(1, 2)), `CASE` is multiIf/caseWithExpression,
// `x::T` is CAST(x, 'T')), so the binder, the printer and the column namer see one uniform form.
//
// Invariants: a tree owns its children (unique_ptr); clone() makes an independent deep copy.
// `position` is the byte offset of the node's first token in the parsed text (0 for synthesized
// nodes). Trees are plain data: not thread-safe to mutate, safe to read concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace perch {

struct SelectQuery;
struct Expr;
struct OrderByElement;
using ExprPtr = std::unique_ptr<Expr>;

/// A literal value. Non-negative integers are UInt64, negative ones Int64 (as ClickHouse parses them).
struct Null {
  bool operator==(const Null&) const = default;
};
using LiteralValue = std::variant<Null, uint64_t, int64_t, double, std::string>;

enum class ExprKind {
  kLiteral,
  kIdentifier,  // name_parts: ["col"] or ["table", "col"]
  kFunction,    // name(args), or name(parameters)(args) for parametric aggregates
  kAsterisk,    // `*` or `t.*` (qualifier in name_parts); EXCEPT columns in args
  kSubquery,    // (SELECT ...)
};

struct WindowSpec {
  std::vector<ExprPtr> partition_by;
  std::vector<OrderByElement> order_by;
  std::string frame;  // the frame clause as written, e.g. "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW"
  std::string name;   // `OVER w`: a window of the WINDOW clause (the other fields are empty)
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  size_t position = 0;
  std::string alias;  // `AS alias`, empty when none

  LiteralValue literal;                         // kLiteral
  std::vector<std::string> name_parts;          // kIdentifier, kAsterisk qualifier
  std::string name;                             // kFunction
  std::vector<ExprPtr> args;                    // kFunction arguments, kAsterisk EXCEPT list
  std::vector<ExprPtr> parameters;              // kFunction: quantile(0.5)(x) -> parameters {0.5}
  bool has_parameters = false;
  std::shared_ptr<WindowSpec> window;           // kFunction with OVER (...)
  std::unique_ptr<SelectQuery> subquery;        // kSubquery
  uint32_t depth = 1;                           // height of the tree below (bounded, see makeFunction)

  ExprPtr clone() const;

  /// The identifier as written, parts joined by '.'.
  std::string identifierName() const;
};

ExprPtr makeLiteral(LiteralValue value, size_t position = 0);
ExprPtr makeIdentifier(std::vector<std::string> parts, size_t position = 0);
/// Expressions nested deeper than this are rejected while parsing, so that recursive passes over
/// the tree (binding, evaluation, destruction) cannot exhaust a thread's stack.
constexpr uint32_t kMaxExpressionDepth = 1000;

/// Throws Error(kBadRequest) when the new node would be deeper than kMaxExpressionDepth.
ExprPtr makeFunction(std::string name, std::vector<ExprPtr> args, size_t position = 0);

struct OrderByElement {
  ExprPtr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // nullopt: ClickHouse's default (NULLS LAST)
  bool with_fill = false;
  ExprPtr fill_from, fill_to, fill_step;

  OrderByElement clone() const;
};

enum class JoinKind { kInner, kLeft, kRight, kFull, kCross, kComma };
enum class JoinStrictness { kUnspecified, kAll, kAny, kSemi, kAnti, kAsof };

/// A table reference in FROM or JOIN: exactly one of table_name, subquery, table_function.
struct TableExpression {
  std::string database;  // `db.table`, empty when unqualified
  std::string table_name;
  std::unique_ptr<SelectQuery> subquery;
  ExprPtr table_function;
  std::string alias;
  bool final = false;
  size_t position = 0;

  TableExpression clone() const;
};

struct JoinClause {
  JoinKind kind = JoinKind::kInner;
  JoinStrictness strictness = JoinStrictness::kUnspecified;
  bool global = false;
  TableExpression table;
  ExprPtr on;
  std::vector<ExprPtr> using_columns;

  JoinClause clone() const;
};

struct ArrayJoinClause {
  bool left = false;
  std::vector<ExprPtr> exprs;
};

struct SelectQuery {
  std::vector<ExprPtr> with;  // `WITH expr AS name, ...`
  bool distinct = false;
  std::vector<ExprPtr> select;
  std::optional<TableExpression> from;
  std::optional<ArrayJoinClause> array_join;
  std::vector<JoinClause> joins;
  ExprPtr prewhere;
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  bool with_totals = false;
  ExprPtr having;
  std::vector<std::pair<std::string, std::shared_ptr<WindowSpec>>> windows;  // `WINDOW w AS (...)`
  std::vector<OrderByElement> order_by;
  ExprPtr limit_by_limit;                 // LIMIT n BY ...
  std::vector<ExprPtr> limit_by;
  ExprPtr limit;
  ExprPtr offset;
  std::vector<std::pair<std::string, ExprPtr>> settings;
  std::string format;                     // `FORMAT name`; the caller decides what to do with it
  std::vector<std::unique_ptr<SelectQuery>> union_all;  // SELECTs that follow with UNION ALL
  size_t position = 0;

  std::unique_ptr<SelectQuery> clone() const;
};

}  // namespace perch
