// Decimal columns in ingestion (value_converter.h): JSON numbers and strings, CSV/DEFAULT text,
// Nullable, and the quarantine reasons for malformed, too precise and out-of-range values.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "ingest/value_converter.h"

namespace perch::ingest {
namespace {

struct Appended {
  bool ok;
  std::string text;   // the appended value as text, when ok
  std::string error;  // why not, otherwise
};

Appended appendJsonValue(const DataType& type, std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element element = parser.parse(padded).value();
  MutableColumnPtr column = makeColumn(type);
  Appended result{};
  result.ok = appendJson(*column, type, element, result.error);
  if (result.ok) column->formatText(0, result.text);
  else EXPECT_EQ(column->size(), 0u) << "nothing is appended on failure";
  return result;
}

TEST(DecimalIngest, JsonNumbersAndStringsKeepTheirDigits) {
  const DataType price = DataType::parse("Decimal(9, 2)");
  EXPECT_EQ(appendJsonValue(price, "10.5").text, "10.50");
  EXPECT_EQ(appendJsonValue(price, "-3").text, "-3.00");
  EXPECT_EQ(appendJsonValue(price, "\"0.05\"").text, "0.05");
  EXPECT_EQ(appendJsonValue(price, "12.34").text, "12.34");  // not 12.339999... from a double
  EXPECT_EQ(appendJsonValue(DataType::parse("Decimal64(4)"), "\"-1.25\"").text, "-1.2500");
  EXPECT_EQ(appendJsonValue(DataType::parse("Nullable(Decimal(9, 2))"), "null").text, "\\N");
}

TEST(DecimalIngest, BadValuesExplainWhy) {
  const DataType price = DataType::parse("Decimal(9, 2)");
  const Appended precise = appendJsonValue(price, "\"1.234\"");
  EXPECT_FALSE(precise.ok);
  EXPECT_NE(precise.error.find("Decimal value is too small"), std::string::npos) << precise.error;
  const Appended large = appendJsonValue(price, "99999999999");
  EXPECT_FALSE(large.ok);
  EXPECT_NE(large.error.find("Decimal(9, 2)"), std::string::npos) << large.error;
  const Appended text = appendJsonValue(price, "\"ten\"");
  EXPECT_FALSE(text.ok);
  EXPECT_NE(text.error.find("'ten'"), std::string::npos) << text.error;
  EXPECT_FALSE(appendJsonValue(price, "true").ok);
  EXPECT_FALSE(appendJsonValue(price, "[1]").ok);
  EXPECT_FALSE(appendJsonValue(price, "null").ok);
}

TEST(DecimalIngest, TextFromCsvAndDefaults) {
  const DataType rate = DataType::parse("Decimal(18, 4)");
  MutableColumnPtr column = makeColumn(rate);
  std::string error;
  ASSERT_TRUE(appendText(*column, rate, "+7.5", error)) << error;
  ASSERT_TRUE(appendText(*column, rate, "7.5e3", error)) << error;  // ClickHouse 18.16 reads an exponent in CSV/TSV
  EXPECT_FALSE(appendText(*column, rate, "1.5e-5", error));          // too small once shifted
  EXPECT_NE(error.find("Decimal value is too small"), std::string::npos) << error;
  EXPECT_FALSE(appendText(*column, rate, "", error));
  ASSERT_EQ(column->size(), 2u);
  std::string text;
  column->formatText(0, text);
  EXPECT_EQ(text, "7.5000");
  text.clear();
  column->formatText(1, text);
  EXPECT_EQ(text, "7500.0000");
}

TEST(DecimalIngest, JsonNumberWithAnExponent) {
  const DataType price = DataType::parse("Decimal(9, 2)");
  EXPECT_EQ(appendJsonValue(price, "3e-1").text, "0.30");
  EXPECT_EQ(appendJsonValue(price, "\"1E2\"").text, "100.00");
  EXPECT_FALSE(appendJsonValue(price, "1e-3").ok);
}

}  // namespace
}  // namespace perch::ingest
