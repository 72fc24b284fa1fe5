// Aggregate function states as bytes (aggregate_state.h): every supported function's state
// survives serialize -> deserializeAndMerge, merging serialized partial states gives the same
// result as aggregating all rows at once, and corrupt or foreign bytes are refused with a clear
// 400 instead of being trusted.
#include <gtest/gtest.h>

#include <random>

#include "common/error.h"
#include "exec/aggregate_function.h"
#include "exec/aggregate_state_holder.h"
#include "exec/datum.h"
#include "exec/type_rules.h"
#include "query_fixture.h"

namespace perch {
namespace {

// A state of `function` that aggregates row ranges and reads and writes its bytes.
class OwnedState {
 public:
  explicit OwnedState(AggregateFunctionPtr function) : function_(std::move(function)), state_(*function_) {}

  /// Adds rows [begin, end) of `args`.
  void add(std::span<const ColumnPtr> args, size_t begin, size_t end) {
    const size_t rows = args.empty() ? end : args[0]->size();
    std::vector<uint8_t> skip(rows, 1);
    for (size_t i = begin; i < end; ++i) skip[i] = 0;
    function_->addBatchSingle(state_.place(), args, rows, skip.data());
  }
  std::string result() const {
    MutableColumnPtr column = makeEmptyColumn(function_->resultType());
    function_->insertResult(state_.place(), *column);
    std::string text;
    column->formatText(0, text);
    return text;
  }
  std::string bytes() const { return serializeState(*function_, state_.place()); }
  void mergeBytes(std::string_view bytes) { mergeSerializedState(*function_, state_.place(), bytes, "the test state"); }

 private:
  AggregateFunctionPtr function_;
  AggregateStateHolder state_;
};

ColumnPtr int64s(std::vector<int64_t> values) { return std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64), std::move(values)); }
ColumnPtr float64s(std::vector<double> values) { return std::make_shared<ColumnVector<double>>(DataType(TypeId::kFloat64), std::move(values)); }
ColumnPtr strings(const std::vector<std::string>& values) {
  auto column = std::make_shared<ColumnString>();
  for (const auto& value : values) column->push(value);
  return column;
}
ColumnPtr nullableInt64s(std::vector<int64_t> values, std::vector<uint8_t> nulls) {
  return std::make_shared<ColumnNullable>(DataType::nullable(DataType(TypeId::kInt64)),
                                          std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64), std::move(values)), std::move(nulls));
}

struct Case {
  std::string name;
  std::vector<ColumnPtr> args;
  std::vector<ColumnPtr> parameters;
};

AggregateFunctionPtr create(const Case& c) {
  std::vector<DataType> types;
  for (const auto& arg : c.args) types.push_back(arg->type());
  return createAggregateFunction(c.name, types, c.parameters);
}

// Ten rows with repeats, a negative number, an empty string and a long string.
std::vector<Case> cases() {
  const ColumnPtr ints = int64s({5, -3, 5, 12, 0, 7, -3, 40, 5, 9});
  const ColumnPtr floats = float64s({0.5, -1.25, 3, 3, 1e300, 0, -0.0, 2.5, 7, 7});
  const ColumnPtr words = strings({"b", "", "a", std::string(300, 'x'), "b", "c", "", "a", "zz", "b"});
  const ColumnPtr half = makeConstantColumn(DataType(TypeId::kFloat64), 0.5);
  const ColumnPtr three = makeConstantColumn(DataType(TypeId::kUInt64), uint64_t{3});
  return {
      {"count", {}, {}},
      {"count", {ints}, {}},
      {"sum", {ints}, {}},
      {"sum", {floats}, {}},
      {"avg", {ints}, {}},
      {"min", {ints}, {}},
      {"max", {floats}, {}},
      {"any", {words}, {}},
      {"anyLast", {words}, {}},
      {"max", {words}, {}},
      {"min", {words}, {}},
      {"argMax", {words, ints}, {}},
      {"argMin", {ints, words}, {}},
      {"argMax", {floats, floats}, {}},
      {"uniq", {ints}, {}},
      {"uniq", {words}, {}},
      {"uniq", {ints, words}, {}},
      {"uniqExact", {floats}, {}},
      {"uniqCombined", {words}, {}},
      {"groupArray", {words}, {}},
      {"groupArray", {ints}, {}},
      {"groupUniqArray", {ints}, {}},
      {"groupArrayDistinct", {words}, {}},
      {"quantile", {floats}, {half}},
      {"quantileExact", {ints}, {}},
      {"median", {ints}, {}},
      {"topK", {words}, {three}},
      {"sum", {nullableInt64s({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 0, 1, 0, 0, 1, 1, 0, 0, 1})}, {}},
      {"countIf", {ints, int64s({1, 0, 1, 1, 0, 0, 1, 1, 0, 1})}, {}},
  };
}

std::string label(const Case& c) { return c.name + "/" + std::to_string(c.args.size()) + " args" + (c.args.empty() ? "" : " of " + c.args[0]->type().name()); }

TEST(AggregateState, RoundTripKeepsTheResult) {
  for (const Case& c : cases()) {
    const AggregateFunctionPtr function = create(c);
    OwnedState direct(function);
    direct.add(c.args, 0, 10);
    OwnedState restored(function);
    restored.mergeBytes(direct.bytes());
    EXPECT_EQ(restored.result(), direct.result()) << label(c);
  }
}

TEST(AggregateState, MergingSerializedPartsEqualsAggregatingAllRows) {
  for (const Case& c : cases()) {
    const AggregateFunctionPtr function = create(c);
    OwnedState all(function);
    all.add(c.args, 0, 10);
    for (size_t split : {0, 3, 7, 10}) {
      OwnedState first(function), second(function), merged(function);
      first.add(c.args, 0, split);
      second.add(c.args, split, 10);
      merged.mergeBytes(first.bytes());
      merged.mergeBytes(second.bytes());
      EXPECT_EQ(merged.result(), all.result()) << label(c) << " split at " << split;
    }
  }
}

TEST(AggregateState, EmptyStatesStayEmpty) {
  // sum over no rows of a Nullable column is NULL, and stays NULL through its bytes.
  const Case c{"sum", {nullableInt64s({1, 2}, {1, 1})}, {}};
  OwnedState empty(create(c));
  empty.add(c.args, 0, 2);
  OwnedState restored(create(c));
  restored.mergeBytes(empty.bytes());
  EXPECT_EQ(restored.result(), "\\N");
  OwnedState count(create({"count", {}, {}}));
  EXPECT_EQ(count.bytes(), std::string("\x01\x00", 2));  // version byte, VarUInt 0
}

void expectCorrupt(const Case& c, const std::string& bytes, const std::string& problem) {
  OwnedState state(create(c));
  try {
    state.mergeBytes(bytes);
    ADD_FAILURE() << label(c) << ": accepted corrupt bytes, expected '" << problem << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    const std::string message = error.what();
    EXPECT_NE(message.find("Cannot read a state of the test state"), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
  }
}

TEST(AggregateState, CorruptBytesAreRefusedWithAClearError) {
  const Case sum{"sum", {int64s({1})}, {}};
  const std::string version("\x01", 1);
  expectCorrupt(sum, "", "ends too early");
  expectCorrupt(sum, version + "1234567", "ends too early");             // 7 of 8 bytes
  expectCorrupt(sum, version + "123456789", "unexpected bytes after");   // one byte too many
  expectCorrupt(sum, std::string("\x02", 1) + "12345678", "unknown format version");
  expectCorrupt({"count", {}, {}}, version + std::string(11, '\xff'), "does not fit 64 bits");
  expectCorrupt({"max", {int64s({1})}, {}}, version + "\x07" + "12345678", "neither 0 nor 1");
  // A count of values far larger than the bytes that follow: refused before allocating.
  expectCorrupt({"uniqExact", {int64s({1})}, {}}, version + std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "abc",
                "element count exceeds");
  expectCorrupt({"groupArray", {strings({"a"})}, {}}, version + "\x01" + "\x05" + "ab", "ends too early");
  expectCorrupt({"quantile", {float64s({1})}, {}}, version + "\x03" + std::string(16, '\0'), "element count exceeds");
}

TEST(AggregateState, RandomBytesNeverCrash) {
  // Whatever the bytes, reading either succeeds or throws a 400; ASan/UBSan builds check the rest.
  std::mt19937_64 random(20240315);
  for (const Case& c : cases()) {
    OwnedState source(create(c));
    source.add(c.args, 0, 10);
    const std::string valid = source.bytes();
    for (int attempt = 0; attempt < 200; ++attempt) {
      std::string bytes = valid;
      if (attempt % 2) bytes.resize(random() % (bytes.size() + 1));
      for (int flips = 1 + attempt % 4; flips > 0 && !bytes.empty(); --flips) bytes[random() % bytes.size()] = static_cast<char>(random());
      if (!bytes.empty()) bytes[0] = static_cast<char>(kStateFormatVersion);
      OwnedState target(create(c));
      try {
        target.mergeBytes(bytes);
        target.result();
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << label(c);
      }
    }
  }
}

// ---- through queries --------------------------------------------------------------------

std::vector<std::string> rowsOf(const QueryResult& result) {
  std::vector<std::string> rows;
  for (size_t row = 0; row < result.rows; ++row) {
    std::string line;
    for (size_t c = 0; c < result.columns.size(); ++c) {
      if (c) line += '\t';
      result.columns[c]->formatText(row, line);
    }
    rows.push_back(line);
  }
  return rows;
}

class AggregateStateQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.addTable("app_events", testing::appEventsSchema(), testing::eventBatches(testing::generateEvents(200'000, 30), 8192));
  }
  std::vector<std::string> run(const std::string& sql, unsigned threads = 2) {
    QueryOptions options;
    options.threads = threads;
    return rowsOf(executeQuery(sql, catalog_, options));
  }
  testing::FixtureCatalog catalog_;
};

TEST_F(AggregateStateQuery, MergingGroupStatesEqualsAggregatingAllRows) {
  // 200k rows over many batches and two threads: partial states from both threads are merged
  // before -State serializes them, and -Merge re-merges the per-group states.
  const auto direct = run(
      "SELECT event_type, count(), uniq(user_id), uniqExact(user_id, team_id), uniqCombined(timestamp), sum(some_number), "
      "avg(some_number), min(timestamp), max(user_id), argMax(user_id, timestamp), length(groupArray(some_number)), "
      "arraySort(groupArrayDistinct(team_id)) FROM app_events GROUP BY event_type ORDER BY event_type");
  const auto merged = run(
      "SELECT event_type, countMerge(c), uniqMerge(u), uniqExactMerge(ue), uniqCombinedMerge(uc), sumMerge(s), avgMerge(a), "
      "minMerge(mn), maxMerge(mx), argMaxMerge(am), length(groupArrayMerge(g)), arraySort(groupArrayDistinctMerge(d)) FROM ("
      "SELECT event_type, organization_id, toDate(timestamp) AS day, countState() AS c, uniqState(user_id) AS u, "
      "uniqExactState(user_id, team_id) AS ue, uniqCombinedState(timestamp) AS uc, sumState(some_number) AS s, "
      "avgState(some_number) AS a, minState(timestamp) AS mn, maxState(user_id) AS mx, argMaxState(user_id, timestamp) AS am, "
      "groupArrayState(some_number) AS g, groupArrayDistinctState(team_id) AS d "
      "FROM app_events GROUP BY event_type, organization_id, day) GROUP BY event_type ORDER BY event_type");
  ASSERT_EQ(direct.size(), 4u);
  EXPECT_EQ(merged, direct);
  EXPECT_EQ(run("SELECT uniqMerge(u) FROM (SELECT timestamp, uniqState(user_id) AS u FROM app_events GROUP BY timestamp)", 1),
            run("SELECT uniq(user_id) FROM app_events", 1));
}

TEST_F(AggregateStateQuery, AggregatedTableFilledFromStatesAnswersLikeTheRawRows) {
  // What a materialized pipe does: write per-hour states into a data source with
  // AggregateFunction / SimpleAggregateFunction columns, then read them with -Merge / plain sum.
  const QueryResult states = executeQuery(
      "SELECT organization_id, toStartOfHour(timestamp) AS hour, countState() AS c, uniqState(user_id) AS u, "
      "sumSimpleState(some_number) AS s FROM app_events GROUP BY organization_id, hour",
      catalog_);
  ASSERT_EQ(states.types[2].name(), "AggregateFunction(count)");
  ASSERT_EQ(states.types[3].name(), "AggregateFunction(uniq, String)");
  ASSERT_EQ(states.types[4].name(), "SimpleAggregateFunction(sum, Int64)");
  TableSchema schema{{{"organization_id", DataType::parse("String")},
                      {"hour", DataType::parse("DateTime")},
                      {"c", DataType::parse("AggregateFunction(count)")},
                      {"u", DataType::parse("AggregateFunction(uniq, String)")},
                      {"s", DataType::parse("SimpleAggregateFunction(sum, Int64)")}}};
  catalog_.addTable("hourly", schema, {Batch{states.columns, states.rows}});
  EXPECT_EQ(run("SELECT organization_id, countMerge(c), uniqMerge(u), sum(s) FROM hourly GROUP BY organization_id ORDER BY organization_id"),
            run("SELECT organization_id, count(), uniq(user_id), sum(some_number) FROM app_events GROUP BY organization_id ORDER BY organization_id"));
  EXPECT_EQ(run("SELECT finalizeAggregation(c) FROM hourly ORDER BY organization_id, hour LIMIT 3"),
            run("SELECT count() FROM app_events GROUP BY organization_id, toStartOfHour(timestamp) ORDER BY organization_id, "
                "toStartOfHour(timestamp) LIMIT 3"));
}

TEST_F(AggregateStateQuery, CorruptStoredStatesFailTheQueryWithA400) {
  TableSchema schema{{{"c", DataType::parse("AggregateFunction(count)")}, {"u", DataType::parse("AggregateFunction(uniq, UInt64)")}}};
  auto counts = std::make_shared<ColumnString>(schema.columns[0].type);
  auto uniqs = std::make_shared<ColumnString>(schema.columns[1].type);
  counts->push(std::string("\x01\x05", 2));
  uniqs->push(std::string("\x01\x09", 2) + "12345678");  // claims 9 values, holds 1
  catalog_.addTable("broken", schema, {Batch{{counts, uniqs}, 1}});
  EXPECT_EQ(run("SELECT countMerge(c) FROM broken"), std::vector<std::string>{"5"});
  EXPECT_EQ(run("SELECT finalizeAggregation(c) FROM broken"), std::vector<std::string>{"5"});
  for (const char* sql : {"SELECT uniqMerge(u) FROM broken", "SELECT finalizeAggregation(u) FROM broken"}) {
    try {
      run(sql);
      ADD_FAILURE() << "accepted a corrupt state: " << sql;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
      EXPECT_NE(std::string(error.what()).find("Cannot read a state of AggregateFunction(uniq, UInt64)"), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace perch
