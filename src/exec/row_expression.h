// RowExpression: one SQL expression over the columns of a table, compiled once and evaluated per
// batch — what the storage hooks of a data source need (ENGINE_PARTITION_KEY gives each row its
// partition value, ENGINE_TTL its expiry time). Storage itself evaluates no SQL; the server builds
// these and passes closures in TableOptions.
//
// The expression is parsed with the SQL parser and bound with the ExpressionBinder against the
// table's columns (same functions, typing and INTERVAL rewrites as a query); subqueries and
// aggregates are rejected at compile time with Error(kBadRequest).
//
// Thread safety: immutable after compile(); evaluate methods may run concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exec/expression.h"
#include "storage/table_schema.h"

namespace perch {

class RowExpression {
 public:
  /// Parses and binds `text` against the columns of `schema`. Throws Error(kBadRequest) with the
  /// parser's or binder's message (unknown column, unknown function, syntax error).
  static RowExpression compile(std::string_view text, const TableSchema& schema);

  const std::string& text() const { return text_; }
  const DataType& type() const { return expr_->type; }
  /// The expression's value for every row of `batch` (a batch of the schema's columns, in order).
  ColumnPtr evaluate(const Batch& batch) const;
  /// Each row's value as text (partition values: "202401" for toYYYYMM, NULL as "\N").
  std::vector<std::string> evaluateText(const Batch& batch) const;
  /// Each row's value as seconds since the epoch (TTL): Date → midnight UTC, DateTime → itself,
  /// NULL → INT64_MAX (never). Only for expressions of type [Nullable] Date or DateTime (check
  /// with isTimePoint() — compile-time validation is the caller's).
  std::vector<int64_t> evaluateEpochSeconds(const Batch& batch) const;
  /// Whether the type is Date or DateTime, possibly Nullable.
  bool isTimePoint() const;

 private:
  std::string text_;
  BoundExprPtr expr_;
};

}  // namespace perch
