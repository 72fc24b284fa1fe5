#include "ingest/event_decoder.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace perch::ingest {
namespace {

std::string text(const Batch& batch, size_t column, size_t row) {
  std::string out;
  batch.columns[column]->formatText(row, out);
  return out;
}

EventDecoder appEventsDecoder() {
  std::vector<IngestColumn> columns = {
      {"timestamp", DataType(TypeId::kDateTime), "$.timestamp", {}, false},
      {"organization_id", DataType(TypeId::kString), "$.org.id", {}, false},
      {"team_id", DataType(TypeId::kString, true), "$.team_id", parseDefault("'none'", DataType(TypeId::kString)), true},
      {"some_number", DataType(TypeId::kInt64), "$.value", {}, false},
      {"tags", DataType::array(DataType(TypeId::kString)), "$.tags[:]", {}, false},
      {"first_tag", DataType(TypeId::kString), "$.tags[0]", {}, false},
  };
  return EventDecoder(std::move(columns));
}

TEST(EventDecoderTest, MapsJsonPathsAndConvertsValues) {
  const std::string body =
      "{\"timestamp\":\"2026-11-01 10:00:00\",\"org\":{\"id\":\"org_1\"},\"team_id\":\"t1\",\"value\":\"42\",\"tags\":[\"a\",\"b\"]}\n"
      "\n"
      "{\"timestamp\":1793491200,\"org\":{\"id\":7},\"value\":-3}\r\n";
  DecodeResult result = appEventsDecoder().decode(body, 1793500000, "import-1");
  ASSERT_EQ(result.successful_rows, 2u);
  EXPECT_EQ(result.quarantined_rows, 0u);
  EXPECT_EQ(text(result.rows, 0, 0), "2026-11-01 10:00:00");
  EXPECT_EQ(text(result.rows, 0, 1), "2026-11-01 00:00:00");
  EXPECT_EQ(text(result.rows, 1, 1), "7");      // number into String keeps its text
  EXPECT_EQ(text(result.rows, 2, 1), "none");   // missing -> DEFAULT
  EXPECT_EQ(text(result.rows, 3, 0), "42");     // string into Int64 is converted
  EXPECT_EQ(text(result.rows, 4, 0), "['a','b']");
  EXPECT_EQ(text(result.rows, 4, 1), "[]");
  EXPECT_EQ(text(result.rows, 5, 0), "a");
  EXPECT_EQ(text(result.rows, 5, 1), "");
}

TEST(EventDecoderTest, BadRowsGoToQuarantineAndTheRestIsKept) {
  const std::string body =
      "{\"timestamp\":\"2026-11-01 10:00:00\",\"org\":{\"id\":\"a\"},\"value\":1}\n"
      "{not json}\n"
      "{\"timestamp\":\"yesterday\",\"org\":{\"id\":\"b\"},\"value\":\"x\"}\n"
      "{\"timestamp\":\"2026-11-01 11:00:00\",\"org\":{\"id\":\"c\"},\"value\":99999999999999999999}\n"
      "{\"timestamp\":\"2026-11-01 12:00:00\",\"org\":{\"id\":\"d\"},\"value\":3}\n";
  EventDecoder decoder = appEventsDecoder();
  DecodeResult result = decoder.decode(body, 1793500000, "import-2");
  EXPECT_EQ(result.successful_rows, 2u);
  ASSERT_EQ(result.quarantined_rows, 3u);
  EXPECT_EQ(text(result.rows, 1, 0), "a");
  EXPECT_EQ(text(result.rows, 1, 1), "d");
  // Every column of a successful row has exactly the successful rows (no half-appended row).
  for (const auto& column : result.rows.columns) EXPECT_EQ(column->size(), 2u);

  const size_t errors_column = decoder.schema().columns.size() + 1;
  EXPECT_NE(text(result.quarantine, errors_column, 0).find("invalid JSON"), std::string::npos);
  const std::string second = text(result.quarantine, errors_column, 1);
  EXPECT_NE(second.find("timestamp"), std::string::npos);
  EXPECT_NE(second.find("some_number"), std::string::npos);
  EXPECT_EQ(text(result.quarantine, errors_column - 1, 1), "['timestamp','some_number']");
  EXPECT_EQ(text(result.quarantine, 0, 1), "yesterday");  // raw value kept for the user
  EXPECT_TRUE(result.quarantine.columns[0]->isNullAt(0));
  EXPECT_EQ(text(result.quarantine, errors_column + 1, 2), "import-2");
  EXPECT_EQ(result.quarantine.columns.size(), decoder.quarantine().columns.size());
  EXPECT_EQ(decoder.quarantine().columns[0].type.name(), "Nullable(String)");
}

TEST(EventDecoderTest, IntegerRangesAreChecked) {
  std::vector<IngestColumn> columns = {{"small", DataType(TypeId::kUInt8), "$.v", {}, false}};
  EventDecoder decoder(std::move(columns));
  DecodeResult result = decoder.decode("{\"v\":255}\n{\"v\":256}\n{\"v\":-1}\n{\"v\":1.5}\n{\"v\":2.0}\n", 0, "x");
  EXPECT_EQ(result.successful_rows, 2u);
  EXPECT_EQ(result.quarantined_rows, 3u);
}

TEST(EventDecoderTest, NullGoesToDefaultOrQuarantine) {
  std::vector<IngestColumn> columns = {
      {"with_default", DataType(TypeId::kString), "$.a", parseDefault("'d'", DataType(TypeId::kString)), true},
      {"nullable", DataType::nullable(DataType(TypeId::kInt32)), "$.b", {}, false},
      {"plain", DataType(TypeId::kInt32), "$.c", {}, false},
  };
  EventDecoder decoder(std::move(columns));
  DecodeResult ok = decoder.decode("{\"a\":null,\"b\":null,\"c\":1}", 0, "x");
  ASSERT_EQ(ok.successful_rows, 1u);
  EXPECT_EQ(text(ok.rows, 0, 0), "d");
  EXPECT_TRUE(ok.rows.columns[1]->isNullAt(0));
  DecodeResult bad = decoder.decode("{\"c\":null}", 0, "x");
  EXPECT_EQ(bad.quarantined_rows, 1u);
}

TEST(EventDecoderTest, DefaultsAreValidated) {
  EXPECT_EQ(parseDefault("now()", DataType(TypeId::kDateTime)).kind, ColumnDefault::Kind::kNow);
  EXPECT_EQ(parseDefault("toDateTime64(0, 3)", DataType(TypeId::kDateTime)).constant, "1970-01-01 00:00:00");
  EXPECT_EQ(parseDefault("42", DataType(TypeId::kInt32)).constant, "42");
  EXPECT_THROW(parseDefault("'abc'", DataType(TypeId::kInt32)), Error);
  EXPECT_THROW(parseDefault("generateUUIDv4()", DataType(TypeId::kUUID)), Error);
  EXPECT_THROW(parseJsonPath("a.b"), Error);
  EXPECT_THROW(parseJsonPath("$.a[x]"), Error);
  EXPECT_EQ(parseJsonPath("$.a.b[2]").size(), 3u);
}

}  // namespace
}  // namespace perch::ingest
