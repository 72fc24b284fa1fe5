// The columns of a table: names and ClickHouse types, in storage order.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/data_type.h"

namespace perch {

struct ColumnSchema {
  std::string name;
  DataType type;
};

struct TableSchema {
  std::vector<ColumnSchema> columns;

  /// Position of the column called `name`, or nullopt.
  std::optional<size_t> indexOf(std::string_view name) const;
  /// One line per column, "name Type" — stored in WAL segments and parts so that data written under
  /// another schema is detected instead of misread. A column holding Decimal(P > 18) values adds
  /// " int128": builds before Decimal128 storage wrote those as 64-bit values, and their files must
  /// be refused rather than read with the wrong width.
  std::string signature() const;
};

/// The leading plain column names of a ClickHouse sorting key such as "organization_id, timestamp",
/// "(a, `b`)" or "tuple()", for TableOptions::sorting_key. Stops at the first element that is not a
/// column of `schema` (an expression such as toDate(ts)): sorting by that prefix is still a valid
/// order for the whole key's prefix-based pruning.
std::vector<std::string> sortingKeyColumns(std::string_view sorting_key, const TableSchema& schema);

}  // namespace perch
