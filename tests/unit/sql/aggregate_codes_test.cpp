// GROUP BY one String key (HashAggregate's kString method: keys of <= 15 bytes packed into a
// ShortStringKey, longer ones hashed as bytes), checked against a std::map over the same rows:
// every key length from 0 to 40 bytes, keys that differ only in trailing zero bytes or in their
// last byte, keys at the very end of a column's bytes, more than 65,536 distinct values, one and
// two threads, an in-memory table (stored batches of odd sizes) and a durable one read from a
// part (granule batches, dictionary-encoded LowCardinality granules and plain ones mixed).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "exec/query.h"

namespace perch {
namespace {

struct Totals {
  uint64_t count = 0;
  int64_t sum = 0;
  bool operator==(const Totals&) const = default;
};

class OneTableCatalog : public Catalog {
 public:
  explicit OneTableCatalog(std::shared_ptr<Table> table) : table_(std::move(table)) {}
  SnapshotPtr table(std::string_view name) const override { return name == "t" ? table_->snapshot() : nullptr; }
  std::optional<std::string> view(std::string_view) const override { return std::nullopt; }

 private:
  std::shared_ptr<Table> table_;
};

TableSchema keySchema(const char* key_type) {
  return TableSchema{{{"id", DataType::parse("UInt64")}, {"s", DataType::parse(key_type)}, {"v", DataType::parse("Int64")}}};
}

// The key of row `row`: mostly a few event-type-like values (the low-cardinality case), then
// short keys of every length, keys with zero bytes, long keys, and a long tail of distinct ones.
std::string keyOf(size_t row, std::mt19937_64& random) {
  static const char* kTypes[] = {"page_view", "click", "purchase", "add_to_cart", "scroll", "search", "share", "signup"};
  // Stretches of 20,000 rows alternate: mostly the event types (a plain String granule is
  // dictionary-encoded then) and mostly other keys (a plain String granule stays plain).
  if ((row / 20'000) % 2 == 0 && random() % 16 != 0) return kTypes[random() % 8];
  switch (random() % 8) {
    case 0:
    case 1:
    case 2:
      return kTypes[random() % 8];
    case 3: {
      const size_t size = random() % 41;  // 0..40 bytes: both sides of the 15-byte limit
      return std::string(size, static_cast<char>('a' + random() % 3));
    }
    case 4: {
      std::string key = "k";
      key.append(random() % 4, '\0');  // "k", "k\0", "k\0\0": equal bytes, different lengths
      return key;
    }
    case 5:
      return "prefix_equal_" + std::string(1, static_cast<char>('0' + random() % 10));  // 14 bytes, last differs
    default:
      return "u" + std::to_string(row);  // distinct: > 65,536 of them over the table
  }
}

struct Data {
  std::vector<Batch> batches;
  std::map<std::string, Totals> expected;
};

Data generate(const TableSchema& schema, size_t rows) {
  Data data;
  std::mt19937_64 random(11);
  size_t row = 0;
  while (row < rows) {
    const size_t count = std::min<size_t>(rows - row, 1000 + random() % 30000);
    auto id = std::make_shared<ColumnVector<uint64_t>>(schema.columns[0].type);
    auto key = std::make_shared<ColumnString>(schema.columns[1].type);
    auto value = std::make_shared<ColumnVector<int64_t>>(schema.columns[2].type);
    for (size_t i = 0; i < count; ++i, ++row) {
      const std::string text = keyOf(row, random);
      const int64_t v = static_cast<int64_t>(random() % 1000) - 300;
      id->data().push_back(row);
      key->push(text);
      value->data().push_back(v);
      Totals& totals = data.expected[text];
      ++totals.count;
      totals.sum += v;
    }
    Batch batch;
    batch.rows = count;
    batch.columns = {id, key, value};
    data.batches.push_back(std::move(batch));
  }
  return data;
}

std::map<std::string, Totals> groupBy(const Catalog& catalog, unsigned threads) {
  QueryOptions options;
  options.threads = threads;
  const QueryResult result = executeQuery("SELECT s, count(), sum(v) FROM t GROUP BY s", catalog, options);
  std::map<std::string, Totals> groups;
  const auto& keys = static_cast<const ColumnString&>(*result.columns.at(0));
  const auto& counts = static_cast<const ColumnVector<uint64_t>&>(*result.columns.at(1));
  const auto& sums = static_cast<const ColumnVector<int64_t>&>(*result.columns.at(2));
  for (size_t row = 0; row < result.rows; ++row) {
    const bool inserted = groups.emplace(std::string(keys.at(row)), Totals{counts.data()[row], sums.data()[row]}).second;
    EXPECT_TRUE(inserted) << "key '" << keys.at(row) << "' (" << keys.at(row).size() << " bytes) came out twice";
  }
  return groups;
}

class StringGroupBy : public ::testing::TestWithParam<const char*> {};

TEST_P(StringGroupBy, MatchesAMapInMemoryAndFromParts) {
  const TableSchema schema = keySchema(GetParam());
  const Data data = generate(schema, 600'000);
  ASSERT_GT(data.expected.size(), 65'536u);

  auto memory = std::make_shared<Table>("t", schema);
  for (const Batch& batch : data.batches) memory->append(batch);

  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("perch-aggregate-codes-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(directory);
  TableOptions options;
  options.directory = directory;
  options.sorting_key = {"id"};
  options.background = false;
  options.flush_rows = 1'000'000;
  options.max_buffer_rows = 1'000'000;
  {
    Table writer("t", schema, options);
    for (const Batch& batch : data.batches) writer.append(batch, Durability::kWritten);
    writer.flush();
  }
  auto durable = std::make_shared<Table>("t", schema, options);  // reopened: every row from the part
  ASSERT_EQ(durable->stats().parts, 1u);

  for (unsigned threads : {1u, 2u}) {
    EXPECT_EQ(groupBy(OneTableCatalog(memory), threads), data.expected) << threads << " thread(s), in memory";
    EXPECT_EQ(groupBy(OneTableCatalog(durable), threads), data.expected) << threads << " thread(s), from the part";
  }
  durable.reset();
  std::filesystem::remove_all(directory);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, StringGroupBy, ::testing::Values("String", "LowCardinality(String)"));

}  // namespace
}  // namespace perch
