// ColumnWriter: appends JSON values of one Events API column to its typed column.
//
// Almost every event is made of strings, integers, floats and 'YYYY-MM-DD hh:mm:ss' timestamps;
// for those (and Nullable of them) the writer appends directly, without the generic conversion's
// per-call type dispatch. Everything else, and every value the fast path does not take (a number
// in a String column, an out-of-range integer, null in a non-Nullable column, ...), goes to
// ValueConverter's appendJson, so results and error messages are exactly the generic ones.
//
// Immutable after construction; append() may be called from any thread on distinct columns.
#pragma once

#include <simdjson.h>

#include <string>

#include "types/column.h"

namespace perch::ingest {

class ColumnWriter {
 public:
  explicit ColumnWriter(DataType type);

  /// Appends `value` to `column` (of this writer's type). On failure nothing is appended and
  /// `error` says why (the same message as appendJson's).
  bool append(Column& column, simdjson::dom::element value, std::string& error) const;

 private:
  /// The physical shape the fast path knows how to append; kGeneric = always appendJson.
  enum class Kind { kGeneric, kString, kInt8, kInt16, kInt32, kInt64, kUInt8, kUInt16, kUInt32, kUInt64, kFloat32, kFloat64, kDate, kDateTime };

  static Kind kindOf(const DataType& type);
  /// Appends `value` to the non-Nullable `column` if the fast path applies; false = untouched.
  bool appendFast(Column& column, simdjson::dom::element value) const;

  DataType type_;
  Kind kind_;  // of the nested type for Nullable columns
  bool nullable_;
};

}  // namespace perch::ingest
