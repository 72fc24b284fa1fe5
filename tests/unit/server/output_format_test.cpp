#include "server/output_format.h"

#include <gtest/gtest.h>

#include "server/http_types.h"

namespace perch::server {
namespace {

TEST(OutputFormatTest, JsonShapeMatchesTheSpec) {
  std::vector<std::string> names = {"day", "total"};
  std::vector<DataType> types = {DataType(TypeId::kDateTime), DataType(TypeId::kInt64)};
  auto days = std::make_shared<ColumnVector<uint32_t>>(types[0], std::vector<uint32_t>{1793491200});
  auto totals = std::make_shared<ColumnVector<int64_t>>(types[1], std::vector<int64_t>{42});
  std::vector<ColumnPtr> columns = {days, totals};
  ResultStatistics statistics{0.000412, 5120, 81920, 1};
  const std::string json = formatResult(OutputFormat::kJson, ResultView{names, types, columns, 1}, statistics, {});
  EXPECT_EQ(json,
            "{\"meta\":[{\"name\":\"day\",\"type\":\"DateTime\"},{\"name\":\"total\",\"type\":\"Int64\"}],"
            "\"data\":[{\"day\":\"2026-11-01 00:00:00\",\"total\":42}],\"rows\":1,\"rows_before_limit_at_least\":1,"
            "\"statistics\":{\"elapsed\":0.000412,\"rows_read\":5120,\"bytes_read\":81920}}");
  statistics.rows_before_limit.reset();
  EXPECT_EQ(formatResult(OutputFormat::kJson, ResultView{names, types, columns, 1}, statistics, {}).find("rows_before"),
            std::string::npos);
  EXPECT_EQ(formatResult(OutputFormat::kCsv, ResultView{names, types, columns, 1}, statistics, {}),
            "\"day\",\"total\"\n\"2026-11-01 00:00:00\",42\n");
  EXPECT_EQ(formatResult(OutputFormat::kNdjson, ResultView{names, types, columns, 1}, statistics, {}),
            "{\"day\":\"2026-11-01 00:00:00\",\"total\":42}\n");
}

TEST(OutputFormatTest, CsvAndTsvEscapeTheirSeparators) {
  std::vector<std::string> names = {"s"};
  std::vector<DataType> types = {DataType(TypeId::kString)};
  auto strings = std::make_shared<ColumnString>();
  strings->push("a\"b,c");
  strings->push("t\tn\n");
  std::vector<ColumnPtr> columns = {strings};
  EXPECT_EQ(formatResult(OutputFormat::kCsv, ResultView{names, types, columns, 2}, {}, {}),
            "\"s\"\n\"a\"\"b,c\"\n\"t\tn\n\"\n");
  EXPECT_EQ(formatResult(OutputFormat::kTsv, ResultView{names, types, columns, 2}, {}, {}), "a\"b,c\nt\\tn\\n\n");
  EXPECT_FALSE(parseOutputFormat("xml"));
  EXPECT_EQ(parseOutputFormat("CSV"), OutputFormat::kCsv);
}

TEST(OutputFormatTest, NullsAreBareInCsvAndTsvAndNullInsideArrays) {
  const DataType nullable_string = DataType::nullable(DataType(TypeId::kString));
  const DataType array_type = DataType::array(nullable_string);
  std::vector<std::string> names = {"s", "a"};
  std::vector<DataType> types = {nullable_string, array_type};
  auto strings = std::make_shared<ColumnNullable>(nullable_string);
  strings->appendNull();
  auto arrays = std::make_shared<ColumnArray>(array_type);
  auto& elements = static_cast<ColumnNullable&>(arrays->elements());
  static_cast<ColumnString&>(elements.nested()).push("it's");
  elements.nullMap().push_back(0);
  elements.appendNull();
  arrays->finishRow();
  std::vector<ColumnPtr> columns = {strings, arrays};
  // As ClickHouse: SELECT NULL AS s, ['it\'s', NULL] AS a FORMAT CSV / TSV.
  EXPECT_EQ(formatResult(OutputFormat::kCsv, ResultView{names, types, columns, 1}, {}, {}),
            "\"s\",\"a\"\n\\N,\"['it\\'s',NULL]\"\n");
  EXPECT_EQ(formatResult(OutputFormat::kTsv, ResultView{names, types, columns, 1}, {}, {}), "\\N\t['it\\'s',NULL]\n");
}

TEST(OutputFormatTest, TotalsFollowTheDataAsInClickHouse) {
  std::vector<std::string> names = {"k", "c"};
  std::vector<DataType> types = {DataType(TypeId::kString), DataType(TypeId::kUInt64)};
  auto keys = std::make_shared<ColumnString>();
  keys->push("a");
  keys->push("b");
  auto counts = std::make_shared<ColumnVector<uint64_t>>(types[1], std::vector<uint64_t>{2, 3});
  auto total_key = std::make_shared<ColumnString>();
  total_key->push("");
  auto total_count = std::make_shared<ColumnVector<uint64_t>>(types[1], std::vector<uint64_t>{5});
  std::vector<ColumnPtr> columns = {keys, counts};
  std::vector<ColumnPtr> totals = {total_key, total_count};
  const ResultView view{names, types, columns, 2};
  const std::string json = formatResult(OutputFormat::kJson, view, {}, {}, totals);
  EXPECT_NE(json.find("\"data\":[{\"k\":\"a\",\"c\":2},{\"k\":\"b\",\"c\":3}],\"totals\":{\"k\":\"\",\"c\":5},\"rows\":2"),
            std::string::npos)
      << json;
  EXPECT_EQ(formatResult(OutputFormat::kCsvWithNames, view, {}, {}, totals), "\"k\",\"c\"\n\"a\",2\n\"b\",3\n\n\"\",5\n");
  EXPECT_EQ(formatResult(OutputFormat::kTsv, view, {}, {}, totals), "a\t2\nb\t3\n\n\t5\n");
  EXPECT_EQ(formatResult(OutputFormat::kNdjson, view, {}, {}, totals), "{\"k\":\"a\",\"c\":2}\n{\"k\":\"b\",\"c\":3}\n");
  EXPECT_EQ(formatResult(OutputFormat::kJson, view, {}, {}).find("totals"), std::string::npos);
}

TEST(HttpTypesTest, QueryStringsDecodeAndKeepRepeatedKeys) {
  const KeyValues query = parseQueryString("a=1&a=2&b=x%20y+z&c&bad=%zz&e=%27");
  ASSERT_EQ(query.size(), 6u);
  EXPECT_EQ(query[1], (std::pair<std::string, std::string>{"a", "2"}));
  EXPECT_EQ(query[2].second, "x y z");
  EXPECT_EQ(query[3].second, "");
  EXPECT_EQ(query[4].second, "%zz");
  EXPECT_EQ(query[5].second, "'");
  HttpRequest request;
  request.headers = {{"authorization", "Bearer x"}};
  EXPECT_EQ(request.header("Authorization"), "Bearer x");
}

}  // namespace
}  // namespace perch::server
