#include "storage/table_schema.h"

namespace perch {

std::optional<size_t> TableSchema::indexOf(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

std::string TableSchema::signature() const {
  std::string text;
  for (const auto& column : columns) text.append(column.name).append(" ").append(column.type.name()).append("\n");
  return text;
}

}  // namespace perch
