#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include "common/json.h"

namespace perch::ingest {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(CsvReader, QuotesCommasNewlinesAndCrlf) {
  const auto records = readCsv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,\"\"\n\nlast");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"multi\nline", "", ""}));
  EXPECT_EQ(records[1].quoted, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"last"}));
  for (const auto& record : records) EXPECT_TRUE(record.ok);
}

TEST(CsvReader, UnterminatedQuoteMarksTheRecordBroken) {
  const auto records = readCsv("ok,1\n\"never closed,2\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].ok);
  EXPECT_FALSE(records[1].ok);
}

TEST(CsvToNdjson, HeaderMapsByNameAndEmptyMeansDefault) {
  const std::string out = csvToNdjson("b,a\n2,x\n,\"\"\n\\N,y\n", {"a", "b"});
  const auto rows = lines(out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(parseJson(rows[0]), parseJson(R"({"b":"2","a":"x"})"));
  EXPECT_EQ(parseJson(rows[1]), parseJson(R"({"a":""})"));  // unquoted empty b is missing → DEFAULT
  EXPECT_EQ(parseJson(rows[2]), parseJson(R"({"b":null,"a":"y"})"));
}

TEST(CsvToNdjson, WithoutHeaderFieldsFollowSchemaOrder) {
  const auto rows = lines(csvToNdjson("1,2\n3,4\n", {"a", "b"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(parseJson(rows[0]), parseJson(R"({"a":"1","b":"2"})"));
  EXPECT_EQ(parseJson(rows[1]), parseJson(R"({"a":"3","b":"4"})"));
}

TEST(CsvToNdjson, BrokenRecordsBecomeNonObjectLinesAndTheRestSurvives) {
  const auto rows = lines(csvToNdjson("1,2\n1,2,3\n\"open,4\n", {"a", "b"}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(parseJson(rows[0]), parseJson(R"({"a":"1","b":"2"})"));
  const JsonValue too_many = parseJson(rows[1]);
  ASSERT_TRUE(too_many.isString());
  EXPECT_NE(too_many.asString().find("3 fields, the data source has 2 columns"), std::string::npos);
  const JsonValue unterminated = parseJson(rows[2]);
  ASSERT_TRUE(unterminated.isString());
  EXPECT_NE(unterminated.asString().find("unterminated"), std::string::npos);
}

TEST(CsvToNdjson, HeaderNeedsOnlyKnownDistinctNames) {
  // "a,a" repeats a name and "a,zz" names an unknown column: both are data rows.
  EXPECT_EQ(lines(csvToNdjson("a,a\n", {"a", "b"})).size(), 1u);
  EXPECT_EQ(parseJson(lines(csvToNdjson("a,zz\n", {"a", "b"}))[0]), parseJson(R"({"a":"a","b":"zz"})"));
}

}  // namespace
}  // namespace perch::ingest
