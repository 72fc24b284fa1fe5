// sql_oracle: runs queries through Perch's engine for the ClickHouse differential test.
//
// Input (a file argument, or stdin): the sqllogic format of tests/sql (see
// tests/unit/sql/sqllogic.h) — `load` blocks with a schema and TSV rows, then `query` blocks
// without expected rows. Output on stdout, per query in order:
//   #<n> ok <rows>       followed by <rows> TSV lines (ClickHouse TabSeparated escaping)
//   #<n> error <message> (one line) when the query fails
// Tables are stored in batches of 50 rows so that multi-batch and parallel paths run.
// Exit status 0 unless the input itself is malformed. No gtest dependency.
#include <iostream>

#include "../unit/sql/sqllogic.h"

int main(int argc, char** argv) {
  using namespace perch;
  std::filesystem::path input = argc > 1 ? argv[1] : "/dev/stdin";
  std::vector<sqllogic::Block> blocks;
  try {
    blocks = sqllogic::parseFile(input);
  } catch (const std::exception& error) {
    std::cerr << "sql_oracle: " << error.what() << "\n";
    return 2;
  }
  testing::FixtureCatalog catalog;
  size_t index = 0;
  std::string out;
  for (const auto& block : blocks) {
    if (block.is_load) {
      try {
        sqllogic::addTable(catalog, block.table, 50);
      } catch (const std::exception& error) {
        std::cerr << "sql_oracle: cannot load " << block.table.name << ": " << error.what() << "\n";
        return 2;
      }
      continue;
    }
    out.clear();
    try {
      const QueryResult result = executeQuery(block.query.sql, catalog, sqllogic::fixedClock());
      const std::vector<std::string> lines = sqllogic::resultLines(result);
      out += "#" + std::to_string(index) + " ok " + std::to_string(lines.size()) + "\n";
      for (const auto& line : lines) out += line + "\n";
    } catch (const std::exception& error) {
      std::string message = error.what();
      for (char& c : message) {
        if (c == '\n') c = ' ';
      }
      out += "#" + std::to_string(index) + " error " + message + "\n";
    }
    std::cout << out;
    ++index;
  }
  std::cout.flush();
  return 0;
}
