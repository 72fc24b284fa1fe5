#include <gtest/gtest.h>

#include "common/error.h"
#include "types/column.h"
#include "types/date_time.h"

namespace perch {
namespace {

TEST(DataTypeTest, ParsesAndPrintsClickHouseNames) {
  for (const char* name : {"Int8", "UInt64", "Float32", "String", "LowCardinality(String)", "Bool", "Date",
                           "DateTime", "UUID", "Nullable(String)", "Array(String)", "Array(Nullable(Int32))"}) {
    EXPECT_EQ(DataType::parse(name).name(), name);
  }
  EXPECT_EQ(DataType::parse("DateTime('UTC')").name(), "DateTime('UTC')");
  EXPECT_EQ(DataType::parse("  LowCardinality( String ) ").name(), "LowCardinality(String)");
}

TEST(DataTypeTest, RejectsUnknownTypesWithTheirName) {
  try {
    DataType::parse("Int128");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_NE(std::string(error.what()).find("Int128"), std::string::npos);
  }
  EXPECT_THROW(DataType::parse("LowCardinality(Int32)"), Error);
  EXPECT_THROW(DataType::parse("DateTime('Mars/Olympus')"), Error);
  EXPECT_THROW(DataType::parse("DateTime(UTC)"), Error);
  EXPECT_THROW(DataType::parse("DateTime64(10)"), Error);
  EXPECT_THROW(DataType::parse("DateTime64()"), Error);
  EXPECT_THROW(DataType::parse("DateTime64(3, 'UTC', 1)"), Error);
  EXPECT_THROW(DataType::parse("Tuple()"), Error);
  EXPECT_THROW(DataType::parse("Tuple(a UInt8, String)"), Error);
}

TEST(DataTypeTest, DateTimeTypesKeepZoneAndPrecision) {
  const DataType madrid = DataType::parse("DateTime('Europe/Madrid')");
  EXPECT_EQ(madrid.id(), TypeId::kDateTime);
  EXPECT_EQ(madrid.timeZoneName(), "Europe/Madrid");
  EXPECT_EQ(madrid.name(), "DateTime('Europe/Madrid')");
  EXPECT_EQ(madrid.fixedWidth(), 4u);
  EXPECT_FALSE(madrid == DataType(TypeId::kDateTime));
  EXPECT_EQ(madrid.withTimeZone(""), DataType(TypeId::kDateTime));
  EXPECT_EQ(DataType::parse("DateTime(\"Europe/Madrid\")"), madrid);

  const DataType millis = DataType::parse("DateTime64(3)");
  EXPECT_EQ(millis.id(), TypeId::kDateTime64);
  EXPECT_EQ(millis.precision(), 3u);
  EXPECT_EQ(millis.timeZoneName(), "");
  EXPECT_EQ(millis.fixedWidth(), 8u);
  EXPECT_EQ(millis.name(), "DateTime64(3)");
  EXPECT_EQ(DataType::parse("DateTime64(6, 'Asia/Tokyo')").name(), "DateTime64(6, 'Asia/Tokyo')");
  EXPECT_EQ(DataType::parse("Nullable(DateTime64(9,'UTC'))").name(), "Nullable(DateTime64(9, 'UTC'))");
  EXPECT_FALSE(millis == DataType::parse("DateTime64(6)"));
  EXPECT_NE(dynamic_cast<ColumnVector<int64_t>*>(makeColumn(millis).get()), nullptr);
}

TEST(DataTypeTest, TuplesKeepElementTypesAndNames) {
  const DataType pair = DataType::parse("Tuple(UInt8, Nullable(String))");
  EXPECT_TRUE(pair.isTuple());
  ASSERT_EQ(pair.tupleElements().size(), 2u);
  EXPECT_EQ(pair.tupleElements()[1], DataType::parse("Nullable(String)"));
  EXPECT_TRUE(pair.tupleNames().empty());
  EXPECT_EQ(pair.name(), "Tuple(UInt8, Nullable(String))");
  const DataType named = DataType::parse("Tuple(a UInt8, b Array(DateTime64(3)))");
  EXPECT_EQ(named.tupleNames(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(named.name(), "Tuple(a UInt8, b Array(DateTime64(3)))");
  EXPECT_FALSE(named == DataType::parse("Tuple(UInt8, Array(DateTime64(3)))"));
}

TEST(DataTypeTest, AggregateFunctionKeepsFunctionParametersAndArguments) {
  const DataType type = DataType::parse("AggregateFunction( quantiles(0.5,0.9) , Nullable(Float64))");
  EXPECT_EQ(type.id(), TypeId::kAggregateFunction);
  EXPECT_TRUE(type.isAggregateFunction());
  EXPECT_EQ(type.aggregateFunctionName(), "quantiles");
  EXPECT_EQ(type.aggregateFunctionParameters(), "0.5, 0.9");
  ASSERT_EQ(type.aggregateFunctionArguments().size(), 1u);
  EXPECT_EQ(type.aggregateFunctionArguments()[0], DataType::parse("Nullable(Float64)"));
  EXPECT_EQ(type.name(), "AggregateFunction(quantiles(0.5, 0.9), Nullable(Float64))");
  for (const char* name : {"AggregateFunction(count)", "AggregateFunction(uniq, String)",
                           "AggregateFunction(argMax, String, DateTime)", "AggregateFunction(uniqIf, UInt64, UInt8)",
                           "AggregateFunction(groupArrayDistinct, LowCardinality(String))"}) {
    EXPECT_EQ(DataType::parse(name).name(), name);
  }
  EXPECT_EQ(DataType::parse("AggregateFunction(count)").aggregateFunctionArguments().size(), 0u);
  EXPECT_EQ(DataType::parse("AggregateFunction(uniq, String)"), DataType::parse("AggregateFunction(uniq,String)"));
  EXPECT_FALSE(DataType::parse("AggregateFunction(uniq, String)") == DataType::parse("AggregateFunction(uniq, UInt64)"));
  EXPECT_FALSE(DataType::parse("AggregateFunction(sum, UInt64)") == DataType::parse("AggregateFunction(max, UInt64)"));
  EXPECT_THROW(DataType::parse("AggregateFunction(uniq, Strin)"), Error);
  EXPECT_THROW(DataType::parse("AggregateFunction(1x, String)"), Error);
  EXPECT_THROW(DataType::parse("AggregateFunction(quantile(, UInt8)"), Error);
}

TEST(DataTypeTest, AggregateFunctionStatesAreOpaqueStrings) {
  MutableColumnPtr column = makeColumn(DataType::parse("AggregateFunction(uniq, String)"));
  auto* states = dynamic_cast<ColumnString*>(column.get());
  ASSERT_NE(states, nullptr);
  states->push(std::string("\x02\x00state", 7));
  EXPECT_EQ(states->at(0).size(), 7u);
  EXPECT_EQ(column->type().name(), "AggregateFunction(uniq, String)");
}

TEST(DataTypeTest, SimpleAggregateFunctionIsItsTypeWithAnotherName) {
  const DataType type = DataType::parse("SimpleAggregateFunction(max, UInt64)");
  EXPECT_EQ(type.id(), TypeId::kUInt64);
  EXPECT_TRUE(type.isSimpleAggregateFunction());
  EXPECT_EQ(type.aggregateFunctionName(), "max");
  EXPECT_EQ(type, DataType(TypeId::kUInt64));
  EXPECT_EQ(type.fixedWidth(), 8u);
  EXPECT_EQ(type.name(), "SimpleAggregateFunction(max, UInt64)");
  EXPECT_NE(dynamic_cast<ColumnVector<uint64_t>*>(makeColumn(type).get()), nullptr);

  const DataType nullable = DataType::parse("SimpleAggregateFunction(anyLast, Nullable(String))");
  EXPECT_TRUE(nullable.isNullable());
  EXPECT_EQ(nullable.nested(), DataType(TypeId::kString));
  EXPECT_EQ(nullable.name(), "SimpleAggregateFunction(anyLast, Nullable(String))");
  EXPECT_EQ(DataType::parse("SimpleAggregateFunction(groupArrayArray, Array(String))").name(),
            "SimpleAggregateFunction(groupArrayArray, Array(String))");
  EXPECT_THROW(DataType::parse("SimpleAggregateFunction(max)"), Error);
  EXPECT_THROW(DataType::parse("SimpleAggregateFunction(max, UInt64, UInt8)"), Error);
}

TEST(DateTimeTest, RoundTripsCivilDates) {
  EXPECT_EQ(daysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(daysFromCivil(2000, 3, 1), 11017);
  for (int64_t days = -1000; days < 40000; days += 37) {
    const CivilDate date = civilFromDays(days);
    EXPECT_EQ(daysFromCivil(date.year, date.month, date.day), days);
  }
}

TEST(DateTimeTest, ParsesCommonFormats) {
  EXPECT_EQ(parseDateTime("2026-11-01 10:20:30"), 1793528430);
  EXPECT_EQ(parseDateTime("2026-11-01T10:20:30Z"), 1793528430);
  EXPECT_EQ(parseDateTime("2026-11-01T10:20:30.123Z"), 1793528430);
  EXPECT_EQ(parseDateTime("2026-11-01T11:20:30+01:00"), 1793528430);
  EXPECT_EQ(parseDateTime("2026-11-01"), 1793491200);
  EXPECT_EQ(parseDateTime("1793528430"), 1793528430);
  EXPECT_EQ(parseDate("2024-02-29"), daysFromCivil(2024, 2, 29));
  EXPECT_FALSE(parseDate("2023-02-29"));
  EXPECT_FALSE(parseDate("2023-13-01"));
  EXPECT_FALSE(parseDateTime("2026-11-01 25:00:00"));
  EXPECT_FALSE(parseDateTime("yesterday"));
  std::string out;
  formatDateTime(1793528430, out);
  EXPECT_EQ(out, "2026-11-01 10:20:30");
}

TEST(DateTimeTest, ParsesAndPrintsInAZone) {
  const TimeZone& madrid = *TimeZone::get("Europe/Madrid");
  // 2024-07-01 12:00:00 in Madrid is 10:00:00 UTC (CEST, +02:00); in January it is +01:00.
  EXPECT_EQ(parseDateTime("2024-07-01 12:00:00", madrid), parseDateTime("2024-07-01 10:00:00"));
  EXPECT_EQ(parseDateTime("2024-01-01 12:00:00", madrid), parseDateTime("2024-01-01 11:00:00"));
  EXPECT_EQ(parseDateTime("2024-07-01T12:00:00Z", madrid), parseDateTime("2024-07-01 12:00:00"));
  EXPECT_EQ(parseDateTime64("2024-01-01 00:00:00.5", 3), parseDateTime("2024-01-01 00:00:00").value() * 1000 + 500);
  EXPECT_EQ(parseDateTime64("2024-01-01 00:00:00.123456789", 6), parseDateTime("2024-01-01 00:00:00").value() * 1000000 + 123456);
  EXPECT_EQ(parseDateTime64("1700000000.25", 2), 170000000025);
  EXPECT_EQ(parseDateTime64("1969-12-31 23:59:59.5", 1), -5);
  EXPECT_FALSE(parseDateTime64("2024-01-01 00:00:00.", 3));

  std::string text;
  formatDateTime64(-5, 1, TimeZone::utc(), text);
  EXPECT_EQ(text, "1969-12-31 23:59:59.5");
  text.clear();
  formatDateTime64(parseDateTime64("2024-07-01 12:00:00.007", 3).value(), 3, TimeZone::utc(), text);
  EXPECT_EQ(text, "2024-07-01 12:00:00.007");
  text.clear();
  formatDateTime64(parseDateTime64("2024-07-01 12:00:00.007", 3, madrid).value(), 3, madrid, text);
  EXPECT_EQ(text, "2024-07-01 12:00:00.007");
}

TEST(ColumnTest, DateTimesPrintInTheirTypesZone) {
  auto madrid = makeColumn(DataType::parse("DateTime('Europe/Madrid')"));
  static_cast<ColumnVector<uint32_t>&>(*madrid).data().push_back(static_cast<uint32_t>(*parseDateTime("2024-07-01 10:00:00")));
  std::string json;
  madrid->formatJson(0, json, {});
  EXPECT_EQ(json, "\"2024-07-01 12:00:00\"");

  auto ticks = makeColumn(DataType::parse("DateTime64(3, 'Asia/Tokyo')"));
  static_cast<ColumnVector<int64_t>&>(*ticks).data().push_back(*parseDateTime64("2024-01-01 00:00:00.123", 3));
  std::string text;
  ticks->formatJson(0, text, FormatOptions{.quote_64bit_integers = true});
  EXPECT_EQ(text, "\"2024-01-01 09:00:00.123\"");
}

TEST(ColumnTest, TuplesPrintAsClickHouse) {
  const DataType type = DataType::parse("Tuple(UInt8, Nullable(String), Array(String))");
  auto column = makeColumn(type);
  auto& tuple = static_cast<ColumnTuple&>(*column);
  static_cast<ColumnVector<uint8_t>&>(tuple.element(0)).data().push_back(1);
  auto& strings = static_cast<ColumnNullable&>(tuple.element(1));
  static_cast<ColumnString&>(strings.nested()).push("it's");
  strings.nullMap().push_back(0);
  tuple.element(2).appendDefault();
  column->appendDefault();
  ASSERT_EQ(column->size(), 2u);
  std::string text, json;
  column->formatText(0, text);
  column->formatJson(1, json, {});
  EXPECT_EQ(text, "(1,'it\\'s',[])");
  EXPECT_EQ(json, "[0,null,[]]");
  auto picked = column->gather(std::vector<uint32_t>{1, 0});
  std::string again;
  picked->formatText(1, again);
  EXPECT_EQ(again, text);

  auto named = makeColumn(DataType::parse("Tuple(a UInt8, b String)"));
  named->appendDefault();
  std::string object;
  named->formatJson(0, object, {});
  EXPECT_EQ(object, "{\"a\":0,\"b\":\"\"}");
}

TEST(ColumnTest, GatherAppendAndFormat) {
  auto strings = std::make_shared<ColumnString>();
  strings->push("a\"b");
  strings->push("");
  strings->push("\x01\xff");
  auto picked = strings->gather(std::vector<uint32_t>{2, 0});
  std::string json;
  picked->formatJson(0, json, {});
  picked->formatJson(1, json, {});
  EXPECT_EQ(json, "\"\\u0001\xEF\xBF\xBD\"\"a\\\"b\"");

  auto numbers = makeColumn(DataType(TypeId::kInt64));
  auto& data = static_cast<ColumnVector<int64_t>&>(*numbers).data();
  data = {1, -2, 9007199254740993};
  std::string text;
  numbers->formatJson(2, text, FormatOptions{.quote_64bit_integers = true});
  EXPECT_EQ(text, "\"9007199254740993\"");

  auto nullable = makeColumn(DataType::parse("Nullable(String)"));
  static_cast<ColumnNullable&>(*nullable).appendNull();
  auto copy = nullable->cloneEmpty();
  copy->appendRange(*nullable, 0, 1);
  std::string null_json;
  copy->formatJson(0, null_json, {});
  EXPECT_EQ(null_json, "null");

  auto dates = makeColumn(DataType(TypeId::kDateTime));
  static_cast<ColumnVector<uint32_t>&>(*dates).data().push_back(86399);
  std::string date_json;
  dates->formatJson(0, date_json, {});
  EXPECT_EQ(date_json, "\"1970-01-01 23:59:59\"");
}

TEST(ColumnTest, FloatsPrintLikeClickHouse) {
  auto floats = makeColumn(DataType(TypeId::kFloat64));
  auto& data = static_cast<ColumnVector<double>&>(*floats).data();
  data = {1e10, 1152921504606846976.0, 1e-7, 1e21, 0.1, -2.5, 123.456, 0.000123, 1e20, -0.0, 3.0, 1.5e-6};
  const std::vector<std::string> expected = {"10000000000", "1152921504606847000", "1e-7", "1e21", "0.1", "-2.5",
                                             "123.456", "0.000123", "100000000000000000000", "-0", "3", "0.0000015"};
  for (size_t i = 0; i < data.size(); ++i) {
    std::string text;
    floats->formatText(i, text);
    EXPECT_EQ(text, expected[i]) << data[i];
  }
}

}  // namespace
}  // namespace perch

namespace perch {
namespace {

// `SELECT [NULL]` once crashed the server: a Nullable(Nothing) column inside an array recursed into
// the (absent) nested type of Nothing.
TEST(ColumnTest, NothingColumnsCanBeBuiltAtAnyDepth) {
  const DataType nothing(TypeId::kNothing);
  const DataType null_type = DataType::nullable(nothing);
  const DataType array_of_null = DataType::array(null_type);
  for (const DataType& type : {nothing, null_type, array_of_null, DataType::array(array_of_null)}) {
    MutableColumnPtr column = makeColumn(type);
    ASSERT_NE(column, nullptr) << type.name();
    EXPECT_EQ(column->type().name(), type.name());
    column->appendDefault();
    EXPECT_EQ(column->size(), 1u) << type.name();
  }
}

}  // namespace
}  // namespace perch
