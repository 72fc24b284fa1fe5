// A Decimal sorting key prunes granules by their min/max (stored as the Decimal's storage
// integer): the answer equals the in-memory table's, and rows_read shrinks to the matching
// granules, for constants of another scale, integers and strings.
#include <gtest/gtest.h>

#include "exec/query.h"
#include "query_fixture.h"

namespace perch {
namespace {

using testing::durableTableOptions;
using testing::FixtureCatalog;
using testing::fixtureQueryOptions;
using testing::rowsOf;
using testing::ScratchDirectory;

TableSchema priceSchema() { return TableSchema{{{"price", DataType::parse("Decimal(9, 2)")}, {"id", DataType::parse("Int64")}}}; }

// Prices -50.00, -49.99, ... ascending by one cent per row.
Batch priceBatch(size_t rows) {
  const TableSchema schema = priceSchema();
  std::vector<int32_t> prices(rows);
  std::vector<int64_t> ids(rows);
  for (size_t i = 0; i < rows; ++i) {
    prices[i] = static_cast<int32_t>(i) - 5000;
    ids[i] = static_cast<int64_t>(i);
  }
  Batch batch;
  batch.rows = rows;
  batch.columns.push_back(std::make_shared<ColumnVector<int32_t>>(schema.columns[0].type, prices));
  batch.columns.push_back(std::make_shared<ColumnVector<int64_t>>(schema.columns[1].type, ids));
  return batch;
}

TEST(DecimalPruning, SortingKeyRangesReadOnlyTheirGranules) {
  ScratchDirectory dir;
  auto durable = std::make_shared<Table>("t", priceSchema(), durableTableOptions(dir.path(), {"price"}, 128));
  durable->append(priceBatch(10000));
  durable->flush();
  FixtureCatalog pruned, memory;
  pruned.addTable("t", durable);
  memory.addTable("t", priceSchema(), {priceBatch(10000)});
  for (const char* where : {"price >= toDecimal64(40.5, 3)", "price < -45", "price = '0.01'", "price BETWEEN 1 AND 2",
                            "price > toDecimal32(49.98, 2) OR price < toDecimal32(-49.99, 2)"}) {
    const std::string sql = std::string("SELECT count(), sum(price), min(id), max(id) FROM t WHERE ") + where;
    const QueryResult actual = executeQuery(sql, pruned, fixtureQueryOptions(2));
    const QueryResult expected = executeQuery(sql, memory, fixtureQueryOptions(2));
    EXPECT_EQ(rowsOf(actual), rowsOf(expected)) << sql;
    EXPECT_LE(actual.rows_read, 1500u) << sql;  // of 10,000 rows in granules of 128
  }
  EXPECT_EQ(rowsOf(executeQuery("SELECT count() FROM t WHERE price >= toDecimal64(40.5, 3)", pruned, fixtureQueryOptions(2)))[0], "950");
}

}  // namespace
}  // namespace perch
