// KeyCondition: what a scan's WHERE/PREWHERE says about single columns, in a form that can be
// checked against a granule's min/max statistics, so the scan skips granules that cannot hold a
// matching row (data skipping, like ClickHouse's KeyCondition, for any column with statistics).
//
// It is a tree of AND / OR nodes over atoms `key OP constant`, where OP is =, !=, <, <=, >, >=
// (IN with a list of constants arrives as an OR of equalities, BETWEEN as two comparisons) or
// isNull(column), and `key` is a column or a chain of monotone one-argument date functions of a
// Date/DateTime column (toDate, toStartOfDay, toYYYYMM, ...). Everything else is "unknown" and
// never prunes. The check never re-implements ClickHouse's type conversions: it evaluates the
// query's own comparison kernels (or `lessOrEquals`/`greaterOrEquals` resolved from the same
// registry) on columns holding the granules' minima and maxima, so `ts >= '2024-01-01 00:00:00'`,
// Date against DateTime and signed against unsigned compare exactly as the filter does. Because
// the keys are monotone, "some x in [min, max] satisfies key(x) < c" is equivalent to
// "key(min) < c", and so on.
//
// Pruning is only an optimization: the full WHERE still runs on every row read. When in doubt an
// atom says "may match": no statistics (arrays, long strings, all-NaN granules), UUIDs, string
// columns compared with numbers, non-monotone functions, non-constant right sides.
//
// Thread-safety: immutable after build(); mayMatch() may run concurrently.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "exec/binder.h"
#include "exec/expression.h"
#include "storage/part.h"

namespace perch {

class KeyCondition {
 public:
  /// From the conjuncts of a scan's WHERE/PREWHERE: `predicates` are bound against the scan's
  /// output columns; `conjuncts` are the same expressions as written (used to see the constants
  /// of `IN (...)`, which binding hides inside a set), bound again through `binder` and `scope`.
  /// `sources` maps scan output positions to schema positions. `key_columns_only`: atoms over
  /// other columns are ignored (FINAL must not drop a newer version of a row on a non-key
  /// column). Returns nullptr when no conjunct can prune.
  static std::shared_ptr<const KeyCondition> build(std::span<const Expr* const> conjuncts,
                                                   std::span<const BoundExprPtr> predicates, ExpressionBinder& binder,
                                                   const BindScope& scope, const std::vector<size_t>& sources,
                                                   const FunctionContext& functions, const std::vector<size_t>& key_columns_only = {});
  /// From bound predicates only (IN lists are not analyzed).
  static std::shared_ptr<const KeyCondition> build(std::span<const BoundExprPtr> predicates, const std::vector<size_t>& sources,
                                                   const FunctionContext& functions, const std::vector<size_t>& key_columns_only = {});

  /// One byte per granule of `part`: 0 = no row of the granule can satisfy the condition.
  std::vector<uint8_t> mayMatch(const storage::Part& part) const;
  /// Atoms in the tree (for tests and EXPLAIN-like messages).
  size_t atomCount() const;
  /// A readable form, e.g. "and(column 1 >= const, or(...))".
  std::string describe() const;

  struct Check;
  struct Node;

 private:
  explicit KeyCondition(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

}  // namespace perch
