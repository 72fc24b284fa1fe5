// sqllogic: the text format of tests/sql/**/*.test, shared by the GoogleTest runner
// (sqllogic_test.cpp) and the ClickHouse differential oracle (tests/clickhouse/sql_oracle.cpp).
//
// A file is a sequence of blocks separated by blank lines; lines starting with '#' are comments.
//
//   load <table>                      a table for the rest of the file (replaces one of that name)
//   <col> <Type>, <col> <Type>, ...   schema: one or more lines, ClickHouse type names
//   ----
//   <TSV rows>                        ClickHouse TabSeparated: \N is NULL, \t \n \\ escapes
//
//   include <path>                    blocks of another file (relative to this one), e.g. shared tables
//
//   query [rowsort] [noclickhouse]    a SELECT (any number of lines), then the expected result:
//   SELECT ...
//   ----
//   <TSV rows>                        expected rows, columns separated by one tab; a row that
//                                     is one empty string is written `(empty)`
//   (or)  error <substring>           the query must fail with a 400 whose message contains it
//
// `rowsort` compares rows as sorted text (queries without ORDER BY). `noclickhouse` marks queries
// whose expected rows follow ClickHouse's documentation because ClickHouse 18.16 (the oracle on
// this machine) cannot run them; tests/clickhouse/sqllogic_check.py skips them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/query.h"
#include "exec/type_rules.h"
#include "query_fixture.h"

namespace perch::sqllogic {

/// How an expected row consisting of one empty string is written (a blank line ends a block).
inline constexpr std::string_view kEmptyRow = "(empty)";

struct TableBlock {
  std::string name;
  std::string schema;            // "a UInt8, b String"
  std::vector<std::string> rows;  // raw TSV lines
};

struct QueryBlock {
  std::string sql;
  bool rowsort = false;
  bool noclickhouse = false;
  bool expects_error = false;
  std::string error;                  // expected substring when expects_error
  std::vector<std::string> expected;  // TSV lines
  bool has_expected = false;          // a `----` section was present
};

struct Block {
  std::string file;
  size_t line = 0;  // 1-based line of the block header
  size_t end_line = 0;  // 0-based index of the line after the block's last line
  bool is_load = false;
  TableBlock table;
  QueryBlock query;
};

inline std::vector<std::string> splitTopLevel(std::string_view text, char separator) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string current;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == separator && depth == 0) {
      parts.push_back(current);
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  parts.push_back(current);
  return parts;
}

inline std::string trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

/// Reads `path` (following includes) into blocks. Throws std::runtime_error on a malformed file.
inline std::vector<Block> parseFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  std::vector<Block> blocks;
  const std::string file = path.string();
  size_t i = 0;
  auto fail = [&](size_t line, const std::string& message) {
    throw std::runtime_error(file + ":" + std::to_string(line) + ": " + message);
  };
  while (i < lines.size()) {
    const std::string header = trim(lines[i]);
    if (header.empty() || header[0] == '#') {
      ++i;
      continue;
    }
    const size_t header_line = i + 1;
    std::istringstream words(header);
    std::string keyword;
    words >> keyword;
    if (keyword == "include") {
      std::string target;
      words >> target;
      for (auto& block : parseFile(path.parent_path() / target)) blocks.push_back(std::move(block));
      ++i;
      continue;
    }
    Block block;
    block.file = file;
    block.line = header_line;
    ++i;
    // Body lines up to `----` or a blank line.
    std::vector<std::string> body;
    while (i < lines.size() && !lines[i].empty() && lines[i] != "----") body.push_back(lines[i++]);
    bool separator = i < lines.size() && lines[i] == "----";
    std::vector<std::string> result;
    if (separator) {
      ++i;
      while (i < lines.size() && !lines[i].empty()) {
        result.push_back(lines[i] == kEmptyRow ? std::string() : lines[i]);
        ++i;
      }
    }
    block.end_line = i;
    if (keyword == "load") {
      block.is_load = true;
      words >> block.table.name;
      if (block.table.name.empty()) fail(header_line, "load needs a table name");
      for (const auto& line : body) block.table.schema += (block.table.schema.empty() ? "" : " ") + line;
      block.table.rows = std::move(result);
    } else if (keyword == "query") {
      for (std::string flag; words >> flag;) {
        if (flag == "rowsort") block.query.rowsort = true;
        else if (flag == "noclickhouse") block.query.noclickhouse = true;
        else fail(header_line, "unknown query flag '" + flag + "'");
      }
      for (const auto& line : body) block.query.sql += (block.query.sql.empty() ? "" : "\n") + line;
      if (block.query.sql.empty()) fail(header_line, "query without SQL");
      block.query.has_expected = separator;
      if (result.size() == 1 && result[0].starts_with("error")) {
        block.query.expects_error = true;
        block.query.error = trim(std::string_view(result[0]).substr(5));
      } else {
        block.query.expected = std::move(result);
      }
    } else {
      fail(header_line, "expected 'load', 'include' or 'query', got '" + keyword + "'");
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

/// One TSV field with ClickHouse's escapes undone; nullopt for \N.
inline std::optional<std::string> unescapeField(std::string_view field) {
  if (field == "\\N") return std::nullopt;
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out.push_back(field[i]);
      continue;
    }
    const char next = field[++i];
    switch (next) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case '0': out.push_back('\0'); break;
      default: out.push_back(next); break;
    }
  }
  return out;
}

inline TableSchema parseSchema(const std::string& text) {
  TableSchema schema;
  for (const std::string& part : splitTopLevel(text, ',')) {
    const std::string column = trim(part);
    const size_t space = column.find(' ');
    if (space == std::string::npos) throw std::runtime_error("schema column without a type: '" + column + "'");
    schema.columns.push_back({column.substr(0, space), DataType::parse(trim(column.substr(space + 1)))});
  }
  return schema;
}

/// The TSV rows of `table` as one batch: each column parsed from text with CAST semantics.
inline Batch loadRows(const TableSchema& schema, const std::vector<std::string>& rows) {
  Batch batch;
  batch.rows = rows.size();
  std::vector<std::vector<std::string>> fields;
  for (const auto& row : rows) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t tab = row.find('\t', start);
      parts.push_back(row.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (parts.size() != schema.columns.size()) {
      throw std::runtime_error("row has " + std::to_string(parts.size()) + " fields, schema has " +
                               std::to_string(schema.columns.size()) + ": " + row);
    }
    fields.push_back(std::move(parts));
  }
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const DataType& type = schema.columns[c].type;
    const DataType plain = removeNullable(type);
    auto text = std::make_shared<ColumnString>();
    std::vector<uint8_t> nulls;
    for (const auto& row : fields) {
      std::optional<std::string> value = unescapeField(row[c]);
      nulls.push_back(value ? 0 : 1);
      text->push(value.value_or(plain.isNumber() || plain.isDecimal() ? "0" : plain.id() == TypeId::kDate ? "1970-01-01"
                                                   : plain.id() == TypeId::kDateTime ? "1970-01-01 00:00:00" : ""));
    }
    if (!type.isNullable() && std::count(nulls.begin(), nulls.end(), 1)) {
      throw std::runtime_error("NULL in non-Nullable column " + schema.columns[c].name);
    }
    ColumnPtr parsed = castColumn(text, plain);
    if (type.isNullable()) {
      MutableColumnPtr nested = parsed->cloneEmpty();
      nested->appendRange(*parsed, 0, parsed->size());
      parsed = std::make_shared<ColumnNullable>(type, nested, std::move(nulls));
    }
    batch.columns.push_back(std::const_pointer_cast<Column>(parsed));
  }
  return batch;
}

/// Loads `table` in batches of at most `batch_rows` rows (several batches exercise the parallel
/// operators and the merging of their partial results).
inline void addTable(testing::FixtureCatalog& catalog, const TableBlock& table, size_t batch_rows = SIZE_MAX) {
  TableSchema schema = parseSchema(table.schema);
  std::vector<Batch> batches;
  for (size_t begin = 0; begin < table.rows.size(); begin += batch_rows) {
    const size_t end = std::min(table.rows.size(), begin + std::min(batch_rows, table.rows.size() - begin));
    batches.push_back(loadRows(schema, std::vector<std::string>(table.rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                                                table.rows.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  catalog.addTable(table.name, std::move(schema), std::move(batches));
}

/// Result rows as TSV lines (cells in their text form, tabs and newlines escaped as ClickHouse does).
inline std::vector<std::string> resultLines(const QueryResult& result) {
  std::vector<std::string> lines;
  for (size_t r = 0; r < result.rows; ++r) {
    std::string line;
    for (size_t c = 0; c < result.columns.size(); ++c) {
      if (c) line.push_back('\t');
      std::string cell;
      result.columns[c]->formatText(r, cell);
      for (char ch : cell) {
        if (ch == '\t') line += "\\t";
        else if (ch == '\n') line += "\\n";
        else if (ch == '\\' && !(result.columns[c]->isNullAt(r))) line += "\\\\";
        else line.push_back(ch);
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

/// The fixed clock every sqllogic query runs with (now() = 2024-03-15 12:34:56 UTC).
inline QueryOptions fixedClock() {
  QueryOptions options;
  options.now_seconds = 1710506096;
  return options;
}

}  // namespace perch::sqllogic
