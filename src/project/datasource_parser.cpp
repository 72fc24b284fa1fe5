// Parsing of `.datasource` files: SCHEMA columns, ENGINE_* keys, TOKEN lines.
#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "project/project.h"

namespace perch::project {

namespace {

// Splits `text` at commas that are not inside parentheses, brackets, quotes or backquotes.
// Each piece carries the line (relative to the start of `text`) where it begins.
std::vector<std::pair<std::string, int>> splitTopLevel(std::string_view text) {
  std::vector<std::pair<std::string, int>> pieces;
  int depth = 0;
  char quote = 0;
  int line = 0;
  int piece_line = -1;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (piece_line < 0 && !std::isspace(static_cast<unsigned char>(c))) piece_line = line;
    if (quote) {
      current.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        current.push_back(text[++i]);
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') quote = c;
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (c == ',' && depth == 0) {
      pieces.emplace_back(current, piece_line < 0 ? line : piece_line);
      current.clear();
      piece_line = -1;
      continue;
    }
    current.push_back(c);
  }
  if (!trimView(current).empty()) pieces.emplace_back(current, piece_line < 0 ? line : piece_line);
  return pieces;
}

// Reads a type expression: an identifier optionally followed by a balanced (...) group.
std::string_view readType(std::string_view text, size_t& pos) {
  const size_t start = pos;
  while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_')) ++pos;
  if (pos < text.size() && text[pos] == '(') {
    int depth = 0;
    char quote = 0;
    for (; pos < text.size(); ++pos) {
      const char c = text[pos];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"') quote = c;
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) {
        ++pos;
        break;
      }
    }
  }
  return text.substr(start, pos - start);
}

void skipSpaces(std::string_view text, size_t& pos) {
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
}

bool startsWithWord(std::string_view text, size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[pos + i])) != word[i]) return false;
  }
  const size_t end = pos + word.size();
  return end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_');
}

bool validJsonPath(std::string_view path) {
  if (path == "$") return true;
  if (path.size() < 3 || path.substr(0, 2) != "$.") return false;
  for (char c : path.substr(2)) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']' || c == ':' ||
          c == '-' || c == '@')) {
      return false;
    }
  }
  return true;
}

// Parses one column definition: name type [`json:$.path`] [DEFAULT expr] [CODEC(...)].
std::optional<DataSourceColumn> parseColumn(std::string_view text, int line, const std::filesystem::path& file,
                                            std::vector<Diagnostic>& diagnostics) {
  auto fail = [&](std::string message) -> std::optional<DataSourceColumn> {
    diagnostics.push_back({file, line, std::move(message)});
    return std::nullopt;
  };
  DataSourceColumn column;
  column.line = line;
  size_t pos = 0;
  skipSpaces(text, pos);
  if (pos < text.size() && text[pos] == '`') {
    const size_t end = text.find('`', pos + 1);
    if (end == std::string_view::npos) return fail("unterminated backquote in column name");
    column.name = std::string(text.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  } else {
    const size_t start = pos;
    while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_')) ++pos;
    column.name = std::string(text.substr(start, pos - start));
  }
  if (!isValidName(column.name)) return fail("invalid column name '" + column.name + "'");
  skipSpaces(text, pos);
  const std::string_view type_text = readType(text, pos);
  if (type_text.empty()) return fail("column '" + column.name + "' has no type");
  try {
    column.type = DataType::parse(type_text);
  } catch (const Error& error) {
    return fail("column '" + column.name + "': " + error.what());
  }
  column.json_path = "$." + column.name;
  while (true) {
    skipSpaces(text, pos);
    if (pos >= text.size()) break;
    if (text[pos] == '`') {
      const size_t end = text.find('`', pos + 1);
      if (end == std::string_view::npos) return fail("unterminated backquote after column '" + column.name + "'");
      std::string_view path = text.substr(pos + 1, end - pos - 1);
      if (path.substr(0, 5) != "json:") return fail("expected `json:$.path` after column '" + column.name + "'");
      path = trimView(path.substr(5));
      if (!validJsonPath(path)) return fail("invalid jsonpath '" + std::string(path) + "' for column '" + column.name + "'");
      column.json_path = std::string(path);
      pos = end + 1;
    } else if (startsWithWord(text, pos, "DEFAULT")) {
      pos += 7;
      skipSpaces(text, pos);
      size_t end = pos;
      // The DEFAULT expression runs to CODEC or the end of the definition.
      while (end < text.size() && !startsWithWord(text, end, "CODEC")) {
        if (text[end] == '\'') {
          ++end;
          while (end < text.size() && text[end] != '\'') end += text[end] == '\\' ? 2 : 1;
        }
        ++end;
      }
      end = std::min(end, text.size());
      column.default_expr = std::string(trimView(text.substr(pos, end - pos)));
      if (column.default_expr->empty()) return fail("DEFAULT without a value for column '" + column.name + "'");
      pos = end;
    } else if (startsWithWord(text, pos, "CODEC")) {
      column.codec = std::string(readType(text, pos));
    } else {
      return fail("unexpected '" + std::string(trimView(text.substr(pos)).substr(0, 30)) + "' in column '" + column.name + "'");
    }
  }
  return column;
}

}  // namespace

bool isValidName(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

TableSchema DataSource::tableSchema() const {
  TableSchema schema;
  for (const auto& column : columns) schema.columns.push_back({column.name, column.type});
  return schema;
}

std::optional<TokenDeclaration> parseTokenLine(const DatafileEntry& entry, const std::filesystem::path& file,
                                               std::vector<Diagnostic>& diagnostics, bool pipe) {
  std::string_view rest = entry.value;
  const size_t space = rest.find_first_of(" \t");
  TokenDeclaration token;
  token.line = entry.line;
  token.name = unquote(rest.substr(0, space));
  token.permission = space == std::string_view::npos ? "READ" : std::string(trimView(rest.substr(space)));
  for (char& c : token.permission) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const bool valid_permission = token.permission == "READ" || (!pipe && token.permission == "APPEND");
  if (token.name.empty() || !valid_permission) {
    diagnostics.push_back({file, entry.line, pipe ? "expected 'TOKEN <name> READ'" : "expected 'TOKEN <name> READ|APPEND'"});
    return std::nullopt;
  }
  return token;
}

DataSource parseDataSource(std::string_view text, const std::filesystem::path& file,
                           std::vector<Diagnostic>& diagnostics) {
  const size_t first_diagnostic = diagnostics.size();
  DataSource source;
  source.file = file;
  source.name = file.stem().string();
  if (!isValidName(source.name)) diagnostics.push_back({file, 1, "invalid data source name '" + source.name + "'"});
  bool has_schema = false;
  for (const auto& entry : readDatafile(text, file, diagnostics)) {
    const std::string& key = entry.key;
    if (key == "DESCRIPTION") {
      source.description = entry.value;
    } else if (key == "TOKEN") {
      if (auto token = parseTokenLine(entry, file, diagnostics, false)) source.tokens.push_back(*token);
    } else if (key == "SCHEMA") {
      has_schema = true;
      for (const auto& [piece, offset] : splitTopLevel(entry.value)) {
        if (trimView(piece).empty()) continue;
        if (auto column = parseColumn(piece, entry.body_line + offset, file, diagnostics)) {
          for (const auto& existing : source.columns) {
            if (existing.name == column->name) {
              diagnostics.push_back({file, column->line, "duplicate column '" + column->name + "'"});
            }
          }
          source.columns.push_back(std::move(*column));
        }
      }
    } else if (key == "ENGINE") {
      source.engine = unquote(entry.value);
      if (source.engine != "MergeTree" && source.engine != "ReplacingMergeTree" &&
          source.engine != "AggregatingMergeTree" && source.engine != "SummingMergeTree" &&
          source.engine != "Null") {
        diagnostics.push_back({file, entry.line, "unknown engine '" + source.engine + "'"});
      } else if (source.engine != "MergeTree" && source.engine != "ReplacingMergeTree") {
        diagnostics.push_back({file, entry.line, "engine '" + source.engine + "' runs as plain MergeTree for now", true});
      }
    } else if (key == "ENGINE_SORTING_KEY" || key == "ENGINE_PRIMARY_KEY") {
      if (key == "ENGINE_SORTING_KEY" || source.sorting_key.empty()) source.sorting_key = unquote(entry.value);
    } else if (key == "ENGINE_PARTITION_KEY") {
      source.partition_key = unquote(entry.value);
    } else if (key == "ENGINE_TTL") {
      source.ttl = unquote(entry.value);
    } else if (key == "ENGINE_VER") {
      source.version_column = unquote(entry.value);
    } else if (key == "ENGINE_SETTINGS") {
      source.engine_settings = unquote(entry.value);
    } else if (key == "NODE" || key == "SQL" || key == "TYPE" || key == "DATASOURCE" || key == "TARGET_DATASOURCE" ||
               key == "COPY_SCHEDULE" || key == "COPY_MODE") {
      diagnostics.push_back({file, entry.line, "'" + key + "' belongs in a .pipe file"});
    } else if (classifyKey(key) == KeyKind::kImplemented) {  // warned keys were reported by the reader
      diagnostics.push_back({file, entry.line, "'" + key + "' is not supported by Perch yet; ignored", true});
    }
  }
  if (!has_schema) diagnostics.push_back({file, 1, "data source '" + source.name + "' has no SCHEMA"});
  else if (source.columns.empty()) diagnostics.push_back({file, 1, "data source '" + source.name + "' has no columns"});
  std::stable_sort(diagnostics.begin() + static_cast<ptrdiff_t>(first_diagnostic), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  return source;
}

}  // namespace perch::project
