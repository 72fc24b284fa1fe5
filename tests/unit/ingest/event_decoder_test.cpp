#include "ingest/event_decoder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "common/error.h"
#include "ingest/value_converter.h"

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


// The fast paths (ColumnWriter) must give exactly what the generic conversion gives: the same
// rows accepted, the same stored values, the same error messages.
TEST(EventDecoderTest, FastPathsAgreeWithTheGenericConversionForEveryType) {
  const std::vector<std::string> types = {
      "String", "LowCardinality(String)", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
      "Float32", "Float64", "Date", "DateTime", "Bool", "UUID", "Nullable(String)", "Nullable(Int32)",
      "Nullable(UInt64)", "Nullable(Float64)", "Nullable(DateTime)", "Nullable(Date)", "Array(Int32)",
      "DateTime('Asia/Tokyo')", "Nullable(DateTime('America/New_York'))", "DateTime64(3)"};
  const std::vector<std::string> values = {
      "\"text\"", "\"\"", "\"caf\\u00e9 \\\"quoted\\\" \\ud83d\\ude00\"", "0", "1", "-1", "127", "128", "-128", "-129",
      "255", "256", "32767", "32768", "65535", "65536", "2147483647", "2147483648", "-2147483648", "-2147483649",
      "4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
      "18446744073709551615", "1.5", "-0.0", "2.0", "1e10", "3.4e39", "1e308", "true", "false", "null", "\"42\"", "\"-7\"",
      "\"1.25\"", "\"x\"", "\"2026-01-02 03:04:05\"", "\"2026-01-02T03:04:05Z\"", "\"2026-01-02T03:04:05.123+02:00\"",
      "\"2026-01-02\"", "\"2026-02-30\"", "\"2026-01-02 24:00:00\"", "\"1767323045\"", "1767323045", "\"1969-12-31 23:59:59\"",
      "\"2106-02-07 06:28:16\"", "\"2149-06-06\"", "\"2149-06-07\"", "[1,2]", "{\"a\":1}",
      "\"123e4567-e89b-12d3-a456-426614174000\""};
  for (const std::string& type_name : types) {
    DataType type;
    try {
      type = DataType::parse(type_name);
    } catch (const Error&) {
      continue;  // a type this build does not know yet
    }
    EventDecoder decoder({{"v", type, "$.v", {}, false}});
    for (const std::string& value : values) {
      SCOPED_TRACE(type_name + " <- " + value);
      simdjson::dom::parser parser;
      const std::string line = "{\"v\":" + value + "}";
      simdjson::dom::element root = parser.parse(line).value();
      auto expected_column = makeColumn(type);
      std::string expected_error;
      const bool expected_ok = appendJson(*expected_column, type, root["v"].value(), expected_error);

      DecodeResult result = decoder.decode(line, 0, "x");
      ASSERT_EQ(result.successful_rows, expected_ok ? 1u : 0u);
      if (expected_ok) {
        std::string expected_text, actual_text;
        expected_column->formatJson(0, expected_text, {});
        result.rows.columns[0]->formatJson(0, actual_text, {});
        EXPECT_EQ(actual_text, expected_text);
        EXPECT_EQ(result.rows.columns[0]->isNullAt(0), expected_column->isNullAt(0));
      } else {
        const auto& errors = static_cast<const ColumnArray&>(*result.quarantine.columns[2]);  // c__error
        ASSERT_EQ(errors.elements().size(), 1u);
        EXPECT_EQ(static_cast<const ColumnString&>(errors.elements()).at(0), "v: " + expected_error);
      }
    }
  }
}

TEST(EventDecoderTest, EscapesAreDecoded) {
  EventDecoder decoder({{"s", DataType(TypeId::kString), "$.s", {}, false},
                        {"lc", DataType(TypeId::kString, true), "$.lc", {}, false}});
  DecodeResult result = decoder.decode(
      "{\"s\":\"caf\\u00e9\",\"lc\":\"say \\\"hi\\\"\\n\"}\n{\"s\":\"\\ud83d\\ude00\",\"lc\":\"tab\\there \\\\ / \\/\"}\n", 0, "x");
  ASSERT_EQ(result.successful_rows, 2u);
  EXPECT_EQ(text(result.rows, 0, 0), "caf\xc3\xa9");
  EXPECT_EQ(text(result.rows, 1, 0), "say \"hi\"\n");
  EXPECT_EQ(text(result.rows, 0, 1), "\xf0\x9f\x98\x80");  // a surrogate pair becomes one 4-byte character
  EXPECT_EQ(text(result.rows, 1, 1), "tab\there \\ / /");
  // A lone surrogate is not valid JSON text: the row is quarantined, not stored half-decoded.
  DecodeResult bad = decoder.decode("{\"s\":\"\\ud83d\",\"lc\":\"x\"}", 0, "x");
  EXPECT_EQ(bad.successful_rows, 0u);
  EXPECT_EQ(bad.quarantined_rows, 1u);
}

TEST(EventDecoderTest, KeysAreMatchedWhateverTheirOrder) {
  std::vector<IngestColumn> columns = {
      {"a", DataType(TypeId::kInt32), "$.a", {}, false},
      {"b", DataType(TypeId::kString), "$.b", parseDefault("'none'", DataType(TypeId::kString)), true},
      {"a_again", DataType(TypeId::kString), "$.a", {}, false},
      {"nested", DataType(TypeId::kString), "$.n.x", {}, false},
      {"whole_n", DataType(TypeId::kString), "$.n", {}, false},
  };
  EventDecoder decoder(std::move(columns));
  const std::string body =
      "{\"a\":1,\"b\":\"x\",\"n\":{\"x\":\"deep\"}}\n"
      "{\"n\":{\"x\":\"d2\"},\"extra\":true,\"b\":\"y\",\"a\":2}\n"  // another order, an unknown key
      "{\"a\":3}\n"                                                     // missing keys: defaults
      "{\"a\":4,\"a\":5,\"b\":\"first\",\"b\":\"second\"}\n";            // repeated keys: the first wins
  DecodeResult result = decoder.decode(body, 0, "x");
  ASSERT_EQ(result.successful_rows, 4u);
  EXPECT_EQ(text(result.rows, 0, 1), "2");
  EXPECT_EQ(text(result.rows, 1, 1), "y");
  EXPECT_EQ(text(result.rows, 2, 1), "2");  // the same key feeds two columns
  EXPECT_EQ(text(result.rows, 3, 1), "d2");
  EXPECT_EQ(text(result.rows, 4, 0), "{\"x\":\"deep\"}");
  EXPECT_EQ(text(result.rows, 1, 2), "none");
  EXPECT_EQ(text(result.rows, 3, 2), "");
  EXPECT_EQ(text(result.rows, 0, 3), "4");
  EXPECT_EQ(text(result.rows, 1, 3), "first");
  EXPECT_EQ(text(result.rows, 2, 3), "4");
}

TEST(EventDecoderTest, WrongTypesAndHugeNumbersAreQuarantinedWithTheirReasons) {
  std::vector<IngestColumn> columns = {
      {"n", DataType(TypeId::kInt64), "$.n", {}, false},
      {"f", DataType(TypeId::kFloat64), "$.f", {}, false},
      {"t", DataType(TypeId::kDateTime), "$.t", {}, false},
  };
  EventDecoder decoder(std::move(columns));
  const std::string body =
      "{\"n\":1,\"f\":1.5,\"t\":\"2026-01-01 00:00:00\"}\n"
      "{\"n\":\"abc\",\"f\":[1],\"t\":\"2026-13-01 00:00:00\"}\n"
      "{\"n\":18446744073709551615,\"f\":1,\"t\":0}\n"
      "{\"n\":99999999999999999999,\"f\":1,\"t\":0}\n"
      "{\"n\":1,\"f\":1e400,\"t\":0}\n"
      "{\"n\":null,\"f\":null,\"t\":null}\n";
  DecodeResult result = decoder.decode(body, 0, "x");
  EXPECT_EQ(result.successful_rows, 1u);
  ASSERT_EQ(result.quarantined_rows, 5u);
  EXPECT_EQ(text(result.quarantine, 3, 0), "['n','f','t']");
  EXPECT_EQ(text(result.quarantine, 4, 0),
            "['n: cannot parse \\'abc\\' as Int64','f: value \\'[1]\\' does not fit Float64',"
            "'t: cannot parse \\'2026-13-01 00:00:00\\' as DateTime']");
  EXPECT_EQ(text(result.quarantine, 3, 1), "['n']");  // above Int64's range
  EXPECT_NE(text(result.quarantine, 4, 2).find("invalid JSON"), std::string::npos);  // beyond 64 bits
  EXPECT_NE(text(result.quarantine, 4, 3).find("invalid JSON"), std::string::npos);  // beyond double
  EXPECT_EQ(text(result.quarantine, 3, 4), "['n','f','t']");
  EXPECT_EQ(text(result.quarantine, 0, 0), "abc");
  EXPECT_EQ(text(result.quarantine, 1, 0), "[1]");
}

TEST(EventDecoderTest, DateTimeFormatsAcceptedBeforeAreStillAccepted) {
  EventDecoder decoder({{"t", DataType(TypeId::kDateTime), "$.t", {}, false}, {"d", DataType(TypeId::kDate), "$.d", {}, false}});
  const std::string body =
      "{\"t\":\"2026-01-02 03:04:05\",\"d\":\"2026-01-02\"}\n"
      "{\"t\":\"2026-01-02T03:04:05\",\"d\":\"2026-01-02 03:04:05\"}\n"
      "{\"t\":\"2026-01-02T03:04:05.999Z\",\"d\":20455}\n"
      "{\"t\":\"2026-01-02T05:04:05+02:00\",\"d\":\"2026-01-02T10:00:00Z\"}\n"
      "{\"t\":\"2026-01-02 03:04\",\"d\":\"2026-01-02\"}\n"
      "{\"t\":\"2026-01-02\",\"d\":\"2026-01-02\"}\n"
      "{\"t\":1767323045,\"d\":\"2026-01-02\"}\n"
      "{\"t\":\"1767323045\",\"d\":\"2026-01-02\"}\n";
  DecodeResult result = decoder.decode(body, 0, "x");
  ASSERT_EQ(result.quarantined_rows, 0u) << text(result.quarantine, 3, 0);
  ASSERT_EQ(result.successful_rows, 8u);
  const char* expected[] = {"2026-01-02 03:04:05", "2026-01-02 03:04:05", "2026-01-02 03:04:05", "2026-01-02 03:04:05",
                            "2026-01-02 03:04:00", "2026-01-02 00:00:00", "2026-01-02 03:04:05", "2026-01-02 03:04:05"};
  for (size_t row = 0; row < 8; ++row) {
    EXPECT_EQ(text(result.rows, 0, row), expected[row]) << row;
    EXPECT_EQ(text(result.rows, 1, row), "2026-01-02") << row;
  }
}

TEST(EventDecoderTest, NullableColumnsTakeNullsAndValues) {
  EventDecoder decoder({{"s", DataType::nullable(DataType(TypeId::kString)), "$.s", {}, false},
                        {"n", DataType::nullable(DataType(TypeId::kUInt16)), "$.n", {}, false}});
  DecodeResult result = decoder.decode("{\"s\":null,\"n\":7}\n{\"s\":\"x\",\"n\":null}\n{}\n{\"s\":\"y\",\"n\":70000}\n", 0, "x");
  ASSERT_EQ(result.successful_rows, 3u);
  EXPECT_TRUE(result.rows.columns[0]->isNullAt(0));
  EXPECT_EQ(text(result.rows, 1, 0), "7");
  EXPECT_EQ(text(result.rows, 0, 1), "x");
  EXPECT_TRUE(result.rows.columns[1]->isNullAt(1));
  EXPECT_TRUE(result.rows.columns[0]->isNullAt(2));  // missing: Nullable's default is NULL
  EXPECT_TRUE(result.rows.columns[1]->isNullAt(2));
  EXPECT_EQ(result.quarantined_rows, 1u);  // 70000 does not fit UInt16
  for (const auto& column : result.rows.columns) EXPECT_EQ(column->size(), 3u);
}

// Decoder speed for the notes; timing never decides a test. Run with
//   ./build-h2/ingest_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(EventDecoderTest, DISABLED_ThroughputAppEvents) {
  std::vector<IngestColumn> columns = {
      {"timestamp", DataType(TypeId::kDateTime), "$.timestamp", {}, false},
      {"organization_id", DataType(TypeId::kString), "$.organization_id", {}, false},
      {"team_id", DataType(TypeId::kString, true), "$.team_id", {}, false},
      {"user_id", DataType(TypeId::kString), "$.user_id", {}, false},
      {"event_type", DataType(TypeId::kString, true), "$.event_type", {}, false},
      {"page", DataType(TypeId::kString), "$.page", {}, false},
      {"duration_ms", DataType(TypeId::kUInt32), "$.duration_ms", {}, false},
      {"revenue", DataType(TypeId::kFloat64), "$.revenue", {}, false},
      {"some_number", DataType(TypeId::kInt64), "$.some_number", {}, false},
  };
  EventDecoder decoder(std::move(columns));
  std::string body;
  for (int i = 0; i < 10000; ++i) {
    body += "{\"timestamp\":\"2026-0" + std::to_string(1 + i % 3) + "-1" + std::to_string(i % 10) + " 0" +
            std::to_string(i % 10) + ":12:34\",\"organization_id\":\"org_" + std::to_string(i % 997) + "\",\"team_id\":\"team_" +
            std::to_string(i % 8) + "\",\"user_id\":\"user_" + std::to_string(i % 997) + "_" + std::to_string(i % 1777) +
            "\",\"event_type\":\"page_view\",\"page\":\"/p/" + std::to_string(i % 400) + "\",\"duration_ms\":" +
            std::to_string(i % 700) + ",\"revenue\":" + (i % 50 ? "0" : "12.34") + ",\"some_number\":" + std::to_string(i * 7919 % 100000) +
            "}\n";
  }
  constexpr int kRounds = 200;
  const auto began = std::chrono::steady_clock::now();
  size_t rows = 0;
  for (int round = 0; round < kRounds; ++round) rows += decoder.decode(body, 0, "x").successful_rows;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf("decode: %.0f rows/s, %.0f MB/s of NDJSON (%zu B/row)\n", static_cast<double>(rows) / seconds,
              static_cast<double>(body.size()) * kRounds / 1e6 / seconds, body.size() / 10000);
  EXPECT_EQ(rows, 10000u * kRounds);
}

}  // namespace
}  // namespace perch::ingest
