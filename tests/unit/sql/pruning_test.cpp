// Granule pruning (KeyCondition + Scan over lazily read parts) and FINAL, end to end through
// executeQuery: the same rows in a durable table (flushed parts, small granules, min/max stats)
// and in an in-memory table (no statistics, nothing pruned) must give the same answers for random
// predicates, and rows_read must shrink to the matching granules for a sorting-key filter.
#include <gtest/gtest.h>


#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "exec/query.h"
#include "query_fixture.h"
#include "storage/part.h"
#include "types/date_time.h"

namespace perch {
namespace {

using testing::rowsOf;

using testing::FixtureCatalog;
using testing::ScratchDirectory;

using testing::durableTableOptions;
using testing::fixtureQueryOptions;

// ---- random data with edge values ----

TableSchema randomSchema() {
  return TableSchema{{{"id", DataType::parse("Int64")},
                      {"i8", DataType::parse("Int8")},
                      {"u64", DataType::parse("UInt64")},
                      {"f", DataType::parse("Float64")},
                      {"s", DataType::parse("String")},
                      {"lc", DataType::parse("LowCardinality(String)")},
                      {"n", DataType::parse("Nullable(Int32)")},
                      {"ns", DataType::parse("Nullable(String)")},
                      {"d", DataType::parse("Date")},
                      {"ts", DataType::parse("DateTime")},
                      {"arr", DataType::parse("Array(Int32)")}}};
}

const uint32_t kStart = static_cast<uint32_t>(*parseDateTime("2024-01-01 00:00:00"));

Batch randomBatch(std::mt19937_64& random, int64_t first_id, size_t rows) {
  const TableSchema schema = randomSchema();
  auto id = std::make_shared<ColumnVector<int64_t>>(schema.columns[0].type);
  auto i8 = std::make_shared<ColumnVector<int8_t>>(schema.columns[1].type);
  auto u64 = std::make_shared<ColumnVector<uint64_t>>(schema.columns[2].type);
  auto f = std::make_shared<ColumnVector<double>>(schema.columns[3].type);
  auto s = std::make_shared<ColumnString>(schema.columns[4].type);
  auto lc = std::make_shared<ColumnString>(schema.columns[5].type);
  auto n = std::make_shared<ColumnNullable>(schema.columns[6].type);
  auto ns = std::make_shared<ColumnNullable>(schema.columns[7].type);
  auto d = std::make_shared<ColumnVector<uint16_t>>(schema.columns[8].type);
  auto ts = std::make_shared<ColumnVector<uint32_t>>(schema.columns[9].type);
  auto arr = std::make_shared<ColumnArray>(schema.columns[10].type);
  static const char* kStrings[] = {"", "a", "ab", "b", "org_1", "org_10", "org_2", "z", "\xff", "A"};
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  for (size_t r = 0; r < rows; ++r) {
    id->data().push_back(first_id + static_cast<int64_t>(r));
    i8->data().push_back(static_cast<int8_t>(static_cast<int>(pick(256)) - 128));
    static const uint64_t kU64[] = {0, 1, 5, 1000, UINT64_MAX, uint64_t{1} << 63, 42};
    u64->data().push_back(pick(3) == 0 ? kU64[pick(7)] : random() % 2000);
    static const double kFloats[] = {0.0, -0.0, 1.5, -2.5, NAN, INFINITY, -INFINITY, 1e300};
    f->data().push_back(pick(3) == 0 ? kFloats[pick(8)] : static_cast<double>(static_cast<int>(pick(200)) - 100) / 4);
    s->push(kStrings[pick(10)]);
    lc->push(kStrings[pick(5)]);
    if (pick(4) == 0) {
      n->appendNull();
    } else {
      static_cast<ColumnVector<int32_t>&>(n->nested()).data().push_back(static_cast<int32_t>(pick(100)) - 50);
      n->nullMap().push_back(0);
    }
    if (pick(3) == 0) {
      ns->appendNull();
    } else {
      static_cast<ColumnString&>(ns->nested()).push(kStrings[pick(10)]);
      ns->nullMap().push_back(0);
    }
    const uint32_t time = kStart + static_cast<uint32_t>(pick(60u * 86400u));
    d->data().push_back(static_cast<uint16_t>(time / 86400 + (pick(5) == 0 ? 1 : 0)));
    ts->data().push_back(time);
    const size_t elements = pick(3);
    for (size_t e = 0; e < elements; ++e) static_cast<ColumnVector<int32_t>&>(arr->elements()).data().push_back(static_cast<int32_t>(pick(10)));
    arr->finishRow();
  }
  Batch batch;
  batch.rows = rows;
  batch.columns = {id, i8, u64, f, s, lc, n, ns, d, ts, arr};
  return batch;
}

// ---- random predicates ----

std::string sqlString(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

class PredicateGenerator {
 public:
  explicit PredicateGenerator(uint64_t seed) : random_(seed) {}

  std::string predicate(int depth = 0) {
    const size_t choice = pick(depth < 2 ? 12 : 9);
    if (choice == 9) return "(" + predicate(depth + 1) + " AND " + predicate(depth + 1) + ")";
    if (choice == 10) return "(" + predicate(depth + 1) + " OR " + predicate(depth + 1) + ")";
    if (choice == 11) return "NOT (" + predicate(depth + 1) + ")";
    return atom();
  }

 private:
  size_t pick(size_t n) { return static_cast<size_t>(random_() % n); }

  std::string op() {
    static const char* kOps[] = {"=", "!=", "<", "<=", ">", ">="};
    return kOps[pick(6)];
  }

  std::string stringConstant() {
    static const char* kStrings[] = {"", "a", "ab", "aa", "b", "org_1", "org_10", "org_2", "org_3", "z", "A", "zz"};
    return sqlString(kStrings[pick(12)]);
  }

  std::string dateTimeConstant() {
    const uint32_t time = kStart + static_cast<uint32_t>(pick(62u * 86400u)) - 86400u;
    std::string text;
    formatDateTime(time, text);
    switch (pick(5)) {
      case 0: return sqlString(text);
      case 1: return "toDateTime(" + sqlString(text) + ")";
      case 2: return "toDate(" + sqlString(text.substr(0, 10)) + ")";
      case 3: return "now() - INTERVAL " + std::to_string(pick(90)) + " DAY";
      default: return std::to_string(time);
    }
  }

  std::string numberConstant() {
    static const char* kNumbers[] = {"0", "-1", "1", "5", "-128", "127", "1000", "18446744073709551615", "9223372036854775808",
                                     "1.5", "-2.5", "0.0", "toInt32('5')", "toUInt8(3)", "-1000", "'5'", "NULL", "nan", "inf"};
    return kNumbers[pick(19)];
  }

  std::string inList(std::string (PredicateGenerator::*constant)()) {
    std::string list;
    const size_t count = 1 + pick(4);
    for (size_t i = 0; i < count; ++i) list += (i ? ", " : "") + (this->*constant)();
    return pick(2) ? "(" + list + ")" : "[" + list + "]";
  }

  std::string atom() {
    static const char* kNumericColumns[] = {"id", "i8", "u64", "f", "n"};
    static const char* kStringColumns[] = {"s", "lc", "ns"};
    switch (pick(9)) {
      case 0:
      case 1: {
        const std::string column = kNumericColumns[pick(5)];
        if (column == "n" && pick(4) == 0) return pick(2) ? "isNull(n)" : "isNotNull(n)";
        return column + " " + op() + " " + numberConstant();
      }
      case 2: return std::string(kStringColumns[pick(3)]) + " " + op() + " " + stringConstant();
      case 3: return std::string(kStringColumns[pick(3)]) + (pick(3) == 0 ? " NOT IN " : " IN ") + inList(&PredicateGenerator::stringConstant);
      case 4: return std::string(kNumericColumns[pick(4)]) + " IN " + inList(&PredicateGenerator::numberConstant);
      case 5: {
        static const char* kKeys[] = {"ts", "toDate(ts)", "toStartOfDay(ts)", "d", "toStartOfMonth(d)", "toDateTime(d)"};
        return std::string(kKeys[pick(6)]) + " " + op() + " " + dateTimeConstant();
      }
      case 6: return std::string(pick(2) ? "ts" : "d") + " BETWEEN " + dateTimeConstant() + " AND " + dateTimeConstant();
      case 7: return "toYYYYMM(ts) " + op() + " " + std::to_string(202312 + pick(4));
      default: return "id " + op() + " " + std::to_string(static_cast<int64_t>(pick(2600)) - 100) + " AND has(arr, " + std::to_string(pick(10)) + ")";
    }
  }

  std::mt19937_64 random_;
};

// ---- the property: pruning never changes an answer ----

TEST(Pruning, RandomPredicatesGiveTheSameRowsWithAndWithoutPruning) {
  ScratchDirectory dir("perch-pruning-test");
  auto durable = std::make_shared<Table>("t", randomSchema(), durableTableOptions(dir.path(), {"s", "ts"}, 16));
  auto memory = std::make_shared<Table>("t", randomSchema());
  std::mt19937_64 random(2024);
  int64_t next_id = 0;
  // Three parts (sorted by s, ts; 16-row granules), plus rows still in the buffer.
  for (int part = 0; part < 4; ++part) {
    const size_t rows = part == 3 ? 50 : 400 + 100 * static_cast<size_t>(part);
    Batch batch = randomBatch(random, next_id, rows);
    next_id += static_cast<int64_t>(rows);
    durable->append(batch, Durability::kWritten);
    memory->append(std::move(batch));
    if (part < 3) durable->flush();
  }
  ASSERT_EQ(durable->stats().parts, 3u);
  FixtureCatalog pruned_catalog, full_catalog;
  pruned_catalog.addTable("t", durable);
  full_catalog.addTable("t", memory);

  // PERCH_PRUNING_QUERIES / PERCH_PRUNING_SEED widen the search when pruning changes.
  const char* queries_text = std::getenv("PERCH_PRUNING_QUERIES");
  const char* seed_text = std::getenv("PERCH_PRUNING_SEED");
  const int queries = queries_text ? std::atoi(queries_text) : 600;
  PredicateGenerator generator(seed_text ? std::strtoull(seed_text, nullptr, 10) : 7);
  uint64_t pruned_rows_read = 0, full_rows_read = 0;
  size_t queries_that_pruned = 0, checked = 0;
  for (int i = 0; i < queries; ++i) {
    const std::string where = generator.predicate();
    const std::string sql = "SELECT id FROM t WHERE " + where + " ORDER BY id";
    QueryResult expected, actual;
    try {
      expected = executeQuery(sql, full_catalog, fixtureQueryOptions(1 + static_cast<unsigned>(i % 2)));
    } catch (const Error& error) {
      // A predicate ClickHouse rejects too (e.g. a string against a number): both must reject it.
      EXPECT_THROW(executeQuery(sql, pruned_catalog, fixtureQueryOptions(1)), Error) << sql;
      continue;
    }
    actual = executeQuery(sql, pruned_catalog, fixtureQueryOptions(1 + static_cast<unsigned>(i % 2)));
    ++checked;
    ASSERT_EQ(rowsOf(actual), rowsOf(expected)) << sql;
    EXPECT_LE(actual.rows_read, expected.rows_read) << sql;
    pruned_rows_read += actual.rows_read;
    full_rows_read += expected.rows_read;
    if (actual.rows_read < expected.rows_read) ++queries_that_pruned;
  }
  // The property is not vacuous: most queries ran, and many of them skipped granules.
  EXPECT_GT(checked, static_cast<size_t>(queries) * 2 / 3);
  EXPECT_GT(queries_that_pruned, checked / 4) << pruned_rows_read << " of " << full_rows_read;
}

// ---- rows_read for a sorting-key prefix ----

class TenantTable : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = new ScratchDirectory("perch-pruning-test");
    TableOptions options = durableTableOptions(directory_->path(), {"organization_id", "timestamp"}, 8192);
    table_ = std::make_shared<Table>("app_events", testing::appEventsSchema(), options);
    // 1,000,000 rows, 100 tenants (org_0 .. org_99) of different sizes, two parts.
    std::mt19937_64 random(11);
    const TableSchema schema = testing::appEventsSchema();
    constexpr size_t kRows = 1'000'000;
    for (size_t begin = 0; begin < kRows; begin += 100'000) {
      std::vector<testing::Event> events;
      for (size_t i = 0; i < 100'000; ++i) {
        testing::Event event;
        event.timestamp = kStart + static_cast<uint32_t>(random() % (90u * 86400u));
        const size_t tenant = (random() % 3 == 0) ? random() % 10 : random() % 100;
        event.organization_id = "org_" + std::to_string(tenant);
        event.team_id = "team_" + std::to_string(random() % 3);
        event.user_id = "u_" + std::to_string(random() % 1000);
        event.event_type = "click";
        event.some_number = static_cast<int64_t>(random() % 100);
        tenant_rows_[event.organization_id] += 1;
        events.push_back(std::move(event));
      }
      for (auto& batch : testing::eventBatches(events, events.size())) table_->append(std::move(batch), Durability::kWritten);
      if (begin == 400'000) table_->flush();
    }
    table_->flush();
    catalog_ = new FixtureCatalog;
    catalog_->addTable("app_events", table_);
  }
  static void TearDownTestSuite() {
    delete catalog_;
    table_.reset();
    delete directory_;
  }

  static QueryResult run(const std::string& sql, unsigned threads = 2) { return executeQuery(sql, *catalog_, fixtureQueryOptions(threads)); }

  static inline ScratchDirectory* directory_ = nullptr;
  static inline std::shared_ptr<Table> table_;
  static inline FixtureCatalog* catalog_ = nullptr;
  static inline std::map<std::string, uint64_t> tenant_rows_;
};

TEST_F(TenantTable, OneTenantReadsOnlyItsGranules) {
  ASSERT_EQ(table_->stats().parts, 2u);
  ASSERT_EQ(table_->stats().buffered_rows, 0u);
  const uint64_t tenant = tenant_rows_["org_42"];
  const QueryResult result = run("SELECT count(), sum(some_number) FROM app_events WHERE organization_id = 'org_42'");
  EXPECT_EQ(rowsOf(result)[0].substr(0, rowsOf(result)[0].find('|')), std::to_string(tenant));
  // Per part at most one partial granule on each side of the tenant's range.
  EXPECT_LE(result.rows_read, tenant + 2 * 2 * 8192) << "tenant rows " << tenant;
  EXPECT_GE(result.rows_read, tenant);
  const QueryResult everything = run("SELECT count(), sum(some_number) FROM app_events");
  EXPECT_EQ(everything.rows_read, 1'000'000u);
}

TEST_F(TenantTable, TimeRangeInsideATenantNarrowsFurther) {
  const std::string where = "organization_id = 'org_3' AND timestamp >= '2024-03-01 00:00:00' AND toDate(timestamp) < toDate('2024-03-08')";
  const QueryResult count = run("SELECT count() FROM app_events WHERE " + where);
  const QueryResult tenant_only = run("SELECT count() FROM app_events WHERE organization_id = 'org_3'");
  const uint64_t matching = std::stoull(rowsOf(count)[0]);
  EXPECT_GT(matching, 0u);
  EXPECT_LT(count.rows_read, tenant_only.rows_read);
  EXPECT_LE(count.rows_read, matching + 2 * 2 * 8192) << count.rows_read << " vs " << tenant_only.rows_read;
  // The same answer when nothing can prune (every condition through a non-monotone function).
  const QueryResult unpruned = run("SELECT count() FROM app_events WHERE concat(organization_id, '') = 'org_3' AND "
                                   "toString(timestamp) >= '2024-03-01 00:00:00' AND toString(toDate(timestamp)) < '2024-03-08'");
  EXPECT_EQ(rowsOf(count), rowsOf(unpruned));
  EXPECT_EQ(unpruned.rows_read, 1'000'000u);
}

TEST_F(TenantTable, InListReadsTheListedTenants) {
  const QueryResult result = run("SELECT count() FROM app_events WHERE organization_id IN ['org_42', 'org_77']");
  const uint64_t rows = tenant_rows_["org_42"] + tenant_rows_["org_77"];
  EXPECT_EQ(rowsOf(result), std::vector<std::string>{std::to_string(rows)});
  EXPECT_LE(result.rows_read, rows + 4 * 2 * 8192);
}

TEST_F(TenantTable, NoMatchingTenantReadsNothing) {
  const QueryResult result = run("SELECT count() FROM app_events WHERE organization_id = 'nobody'");
  EXPECT_EQ(rowsOf(result), std::vector<std::string>{"0"});
  EXPECT_EQ(result.rows_read, 0u);
  EXPECT_EQ(result.bytes_read, 0u);
}

TEST_F(TenantTable, ReadsOnlyTheNeededColumns) {
  const QueryResult narrow = run("SELECT sum(some_number) FROM app_events WHERE organization_id = 'org_5'");
  const QueryResult wide = run("SELECT sum(some_number), max(user_id), max(team_id) FROM app_events WHERE organization_id = 'org_5'");
  EXPECT_EQ(narrow.rows_read, wide.rows_read);
  // organization_id + some_number vs. two more string columns.
  EXPECT_LT(narrow.bytes_read * 3 / 2, wide.bytes_read) << narrow.bytes_read << " vs " << wide.bytes_read;
}

// ---- a flipped byte fails the query that reads it ----

TEST(CorruptPart, FailsTheQueryThatReadsTheBlockNamingThePart) {
  ScratchDirectory dir("perch-pruning-test");
  TableSchema schema{{{"key", DataType::parse("String")}, {"value", DataType::parse("Int64")}}};
  std::filesystem::path part_file;
  {
    Table table("c", schema, durableTableOptions(dir.path(), {"key"}, 4));
    auto key = std::make_shared<ColumnString>(schema.columns[0].type);
    auto value = std::make_shared<ColumnVector<int64_t>>(schema.columns[1].type);
    for (int i = 0; i < 12; ++i) {
      key->push("k" + std::to_string(i % 3));
      value->data().push_back(i);
    }
    Batch rows;
    rows.rows = 12;
    rows.columns = {key, value};
    table.append(std::move(rows), Durability::kWritten);
    table.flush();
    part_file = table.snapshot()->parts().at(0)->path();
    // Flip a byte inside the first block of `value` (column 1, granule 0).
    const storage::BlockLocation block = table.snapshot()->parts().at(0)->index().blocks[1][0];
    std::fstream file(part_file, std::ios::binary | std::ios::in | std::ios::out);
    const std::streamoff position = static_cast<std::streamoff>(block.offset + 13 + block.compressed_size / 2);
    file.seekg(position);
    const char byte = static_cast<char>(file.get());
    file.seekp(position);
    file.put(static_cast<char>(byte ^ 0x08));
  }
  auto table = std::make_shared<Table>("c", schema, durableTableOptions(dir.path(), {"key"}, 4));  // reopened: nothing cached
  FixtureCatalog catalog;
  catalog.addTable("c", table);
  try {
    executeQuery("SELECT sum(value) FROM c", catalog, fixtureQueryOptions(2));
    FAIL() << "expected the corrupt block to fail the query";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_NE(message.find(part_file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  }
  // Queries that do not read the broken block still answer.
  EXPECT_EQ(rowsOf(executeQuery("SELECT count() FROM c", catalog, fixtureQueryOptions(1))), std::vector<std::string>{"12"});
  EXPECT_EQ(rowsOf(executeQuery("SELECT count() FROM c WHERE key = 'k2'", catalog, fixtureQueryOptions(1))), std::vector<std::string>{"4"});
}

// ---- FINAL ----

TEST(Final, KeepsTheRowWithTheGreatestVersionPerSortingKey) {
  ScratchDirectory dir("perch-pruning-test");
  TableSchema schema{{{"key", DataType::parse("String")}, {"version", DataType::parse("UInt32")}, {"value", DataType::parse("Int64")}}};
  TableOptions options = durableTableOptions(dir.path(), {"key"}, 4);
  options.engine = TableEngine::kReplacingMergeTree;
  options.version_column = "version";
  auto table = std::make_shared<Table>("r", schema, options);
  auto batch = [&](std::vector<std::tuple<std::string, uint32_t, int64_t>> rows) {
    auto key = std::make_shared<ColumnString>(schema.columns[0].type);
    auto version = std::make_shared<ColumnVector<uint32_t>>(schema.columns[1].type);
    auto value = std::make_shared<ColumnVector<int64_t>>(schema.columns[2].type);
    for (const auto& [k, v, x] : rows) {
      key->push(k);
      version->data().push_back(v);
      value->data().push_back(x);
    }
    Batch out;
    out.rows = rows.size();
    out.columns = {key, version, value};
    return out;
  };
  table->append(batch({{"a", 1, 10}, {"b", 5, 20}, {"c", 1, 30}}), Durability::kWritten);
  table->flush();
  table->append(batch({{"a", 3, 11}, {"b", 2, 21}, {"d", 1, 40}}), Durability::kWritten);
  table->flush();
  table->append(batch({{"a", 3, 12}, {"c", 0, 31}}), Durability::kWritten);  // buffered; a: tie → last wins
  FixtureCatalog catalog;
  catalog.addTable("r", table);
  const auto final_rows = rowsOf(executeQuery("SELECT key, value FROM r FINAL ORDER BY key", catalog, fixtureQueryOptions(2)));
  EXPECT_EQ(final_rows, (std::vector<std::string>{"a|12", "b|20", "c|30", "d|40"}));
  // FINAL happens before WHERE: a filter on a non-key column sees only the surviving versions.
  EXPECT_EQ(rowsOf(executeQuery("SELECT key FROM r FINAL WHERE value = 11", catalog, fixtureQueryOptions(1))), std::vector<std::string>{});
  EXPECT_EQ(rowsOf(executeQuery("SELECT key, value FROM r FINAL WHERE key = 'b'", catalog, fixtureQueryOptions(1))),
            std::vector<std::string>{"b|20"});
  // Without FINAL every version is there.
  EXPECT_EQ(rowsOf(executeQuery("SELECT count() FROM r", catalog, fixtureQueryOptions(1))), std::vector<std::string>{"8"});
}

TEST(Final, IsANoOpOnAPlainMergeTree) {
  ScratchDirectory dir("perch-pruning-test");
  TableSchema schema{{{"key", DataType::parse("String")}, {"value", DataType::parse("Int64")}}};
  auto table = std::make_shared<Table>("m", schema, durableTableOptions(dir.path(), {"key"}, 4));
  auto key = std::make_shared<ColumnString>(schema.columns[0].type);
  auto value = std::make_shared<ColumnVector<int64_t>>(schema.columns[1].type);
  for (int i = 0; i < 3; ++i) {
    key->push("same");
    value->data().push_back(i);
  }
  Batch rows;
  rows.rows = 3;
  rows.columns = {key, value};
  table->append(std::move(rows), Durability::kWritten);
  table->flush();
  FixtureCatalog catalog;
  catalog.addTable("m", table);
  EXPECT_EQ(rowsOf(executeQuery("SELECT count() FROM m FINAL", catalog, fixtureQueryOptions(1))), std::vector<std::string>{"3"});
}

}  // namespace
}  // namespace perch
