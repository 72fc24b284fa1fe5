// Runs every tests/sql/**/*.test file (format: sqllogic.h). One test per file; each failing query
// is reported as file:line with the SQL, the expected and the actual rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sqllogic.h"

namespace perch {
namespace {

namespace fs = std::filesystem;

fs::path sqlTestRoot() {
  if (const char* override_dir = std::getenv("PERCH_SQL_TESTS")) return override_dir;
  // This file is tests/unit/sql/sqllogic_test.cpp; the files are in tests/sql.
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "sql";
}

std::vector<std::string> discoverFiles() {
  std::vector<std::string> files;
  const fs::path root = sqlTestRoot();
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".test") files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "  " + line + "\n";
  return out.empty() ? "  (no rows)\n" : out;
}

/// PERCH_SQLLOGIC_FILL=1 writes Perch's rows (or error) into query blocks that have no ----
/// section yet — for `noclickhouse` queries, whose rows a person must then review.
void fillMissing(const fs::path& path, const std::vector<std::pair<size_t, std::vector<std::string>>>& fills) {
  if (fills.empty()) return;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  in.close();
  for (auto it = fills.rbegin(); it != fills.rend(); ++it) {
    std::vector<std::string> insert{"----"};
    for (const auto& row : it->second) insert.push_back(row.empty() ? std::string(sqllogic::kEmptyRow) : row);
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(it->first), insert.begin(), insert.end());
  }
  std::ofstream out(path);
  for (size_t i = 0; i < lines.size(); ++i) out << lines[i] << (i + 1 < lines.size() ? "\n" : "");
  out << "\n";
}

/// Runs the blocks of one file; returns the number of queries run.
size_t runFile(const fs::path& path) {
  const bool fill = std::getenv("PERCH_SQLLOGIC_FILL") != nullptr;
  std::vector<std::pair<size_t, std::vector<std::string>>> fills;
  std::vector<sqllogic::Block> blocks;
  try {
    blocks = sqllogic::parseFile(path);
  } catch (const std::exception& error) {
    ADD_FAILURE() << error.what();
    return 0;
  }
  testing::FixtureCatalog catalog;
  size_t queries = 0;
  for (const auto& block : blocks) {
    const std::string where = block.file + ":" + std::to_string(block.line);
    if (block.is_load) {
      try {
        sqllogic::addTable(catalog, block.table);
      } catch (const std::exception& error) {
        ADD_FAILURE() << where << ": cannot load table " << block.table.name << ": " << error.what();
      }
      continue;
    }
    const sqllogic::QueryBlock& query = block.query;
    ++queries;
    std::vector<std::string> actual;
    std::string error;
    bool failed = false;
    try {
      actual = sqllogic::resultLines(executeQuery(query.sql, catalog, sqllogic::fixedClock()));
    } catch (const Error& e) {
      failed = true;
      error = e.what();
      if (e.code() != ErrorCode::kBadRequest) error = "(not a 400) " + error;
    } catch (const std::exception& e) {
      failed = true;
      error = std::string("(internal) ") + e.what();
    }
    if (!query.has_expected) {
      if (fill && block.file == path.string()) {
        if (failed) {
          std::string first_line = error.substr(0, error.find('\n'));
          fills.push_back({block.end_line, {"error " + first_line}});
        } else {
          fills.push_back({block.end_line, actual});
        }
      } else {
        ADD_FAILURE() << where << ": query without a ---- section";
      }
      continue;
    }
    if (query.expects_error) {
      if (!failed) {
        ADD_FAILURE() << where << ": expected an error containing '" << query.error << "'\n" << query.sql << "\ngot rows:\n" << joinLines(actual);
      } else if (error.find(query.error) == std::string::npos || error.starts_with("(")) {
        ADD_FAILURE() << where << ": expected an error containing '" << query.error << "'\n" << query.sql << "\ngot: " << error;
      }
      continue;
    }
    if (failed) {
      ADD_FAILURE() << where << ": query failed: " << error << "\n" << query.sql << "\nexpected:\n" << joinLines(query.expected);
      continue;
    }
    std::vector<std::string> expected = query.expected;
    if (query.rowsort) {
      std::sort(expected.begin(), expected.end());
      std::sort(actual.begin(), actual.end());
    }
    if (actual != expected) {
      ADD_FAILURE() << where << ": wrong result\n" << query.sql << "\nexpected:\n" << joinLines(expected) << "actual:\n" << joinLines(actual);
    }
  }
  fillMissing(path, fills);
  return queries;
}

class SqlLogicTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlLogicTest, Passes) {
  const size_t queries = runFile(sqlTestRoot() / GetParam());
  EXPECT_GT(queries, 0u) << GetParam() << " has no queries";
}

INSTANTIATE_TEST_SUITE_P(Files, SqlLogicTest, ::testing::ValuesIn(discoverFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(SqlLogicFiles, AreFoundAndNumerous) {
  size_t queries = 0;
  for (const auto& file : discoverFiles()) {
    for (const auto& block : sqllogic::parseFile(sqlTestRoot() / file)) queries += block.is_load ? 0 : 1;
  }
  EXPECT_GE(queries, 150u) << "tests/sql holds too few queries (looked in " << sqlTestRoot() << ")";
}

}  // namespace
}  // namespace perch
