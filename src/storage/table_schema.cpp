#include "storage/table_schema.h"

namespace perch {

std::optional<size_t> TableSchema::indexOf(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

namespace {

bool holdsWideDecimal(const DataType& type) {
  if (type.isDecimal()) return type.fixedWidth() == 16;
  if (type.isNullable() || type.isArray()) return holdsWideDecimal(type.nested());
  return false;
}

}  // namespace

std::string TableSchema::signature() const {
  std::string text;
  for (const auto& column : columns) {
    text.append(column.name).append(" ").append(column.type.name());
    if (holdsWideDecimal(column.type)) text.append(" int128");
    text.append("\n");
  }
  return text;
}

std::vector<std::string> sortingKeyColumns(std::string_view sorting_key, const TableSchema& schema) {
  auto trim = [](std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n')) text.remove_suffix(1);
    return text;
  };
  std::string_view text = trim(sorting_key);
  if (text.starts_with("tuple(") && text.ends_with(")")) text = trim(text.substr(6, text.size() - 7));
  else if (text.starts_with("(") && text.ends_with(")")) text = trim(text.substr(1, text.size() - 2));
  std::vector<std::string> columns;
  size_t depth = 0, start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '(') ++depth;
    if (i < text.size() && text[i] == ')' && depth > 0) --depth;
    if (i < text.size() && (text[i] != ',' || depth > 0)) continue;
    std::string_view element = trim(text.substr(start, i - start));
    start = i + 1;
    if (element.size() >= 2 && element.front() == '`' && element.back() == '`') element = element.substr(1, element.size() - 2);
    if (element.empty() || !schema.indexOf(element)) break;
    columns.emplace_back(element);
  }
  return columns;
}

}  // namespace perch
