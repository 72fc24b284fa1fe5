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
  /// another schema is detected instead of misread.
  std::string signature() const;
};

}  // namespace perch
