// Decimal(P, S) as a type (names, aliases, bounds, storage width) and its digit helpers
// (types/decimal.h): printing with exactly S digits, strict parsing, rescaling.
#include <gtest/gtest.h>

#include "common/error.h"
#include "types/column.h"
#include "types/decimal.h"

namespace perch {
namespace {

std::string format(DecimalWide raw, unsigned scale) {
  std::string out;
  formatDecimal(raw, scale, out);
  return out;
}

TEST(DecimalType, ParsesClickHouseSpellingsAndPrintsDecimalPS) {
  EXPECT_EQ(DataType::parse("Decimal(10, 2)").name(), "Decimal(10, 2)");
  EXPECT_EQ(DataType::parse("Decimal(10,2)").name(), "Decimal(10, 2)");
  EXPECT_EQ(DataType::parse("Decimal32(3)").name(), "Decimal(9, 3)");
  EXPECT_EQ(DataType::parse("Decimal64(4)").name(), "Decimal(18, 4)");
  EXPECT_EQ(DataType::parse("Decimal128(0)").name(), "Decimal(38, 0)");
  EXPECT_EQ(DataType::parse("Decimal(7)").name(), "Decimal(7, 0)");
  EXPECT_EQ(DataType::parse("Nullable(Decimal(5, 5))").name(), "Nullable(Decimal(5, 5))");
  EXPECT_EQ(DataType::parse("Array(Decimal64(1))").name(), "Array(Decimal(18, 1))");
  EXPECT_TRUE(DataType::parse("Decimal(9, 2)") == DataType::decimal(9, 2));
  EXPECT_FALSE(DataType::parse("Decimal(9, 2)") == DataType::decimal(9, 3));
  EXPECT_FALSE(DataType::parse("Decimal(9, 2)") == DataType::decimal(10, 2));
}

TEST(DecimalType, StorageIsInt32UpToNineDigitsInt64UpToEighteenElseInt128) {
  EXPECT_EQ(DataType::decimal(9, 2).fixedWidth(), 4u);
  EXPECT_EQ(DataType::decimal(10, 2).fixedWidth(), 8u);
  EXPECT_EQ(DataType::decimal(18, 2).fixedWidth(), 8u);
  EXPECT_EQ(DataType::decimal(19, 2).fixedWidth(), 16u);
  EXPECT_EQ(DataType::decimal(38, 2).fixedWidth(), 16u);
  auto column = makeColumn(DataType::decimal(9, 2));
  EXPECT_NE(dynamic_cast<ColumnVector<int32_t>*>(column.get()), nullptr);
  column = makeColumn(DataType::decimal(18, 2));
  EXPECT_NE(dynamic_cast<ColumnVector<int64_t>*>(column.get()), nullptr);
  column = makeColumn(DataType::decimal(38, 2));
  EXPECT_NE(dynamic_cast<ColumnVector<Int128>*>(column.get()), nullptr);
}

TEST(DecimalType, RejectsBadPrecisionAndScaleNamingThem) {
  for (const char* text : {"Decimal(0, 0)", "Decimal(39, 1)", "Decimal(5, 6)", "Decimal32(10)", "Decimal(a, 1)",
                           "Decimal(5, 1, 2)", "Decimal64()"}) {
    try {
      DataType::parse(text);
      FAIL() << text;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << text;
    }
  }
  try {
    DataType::parse("Decimal(39, 1)");
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("precision 39"), std::string::npos) << error.what();
  }
}

TEST(DecimalFormat, PrintsExactlyScaleDigits) {
  EXPECT_EQ(format(150, 2), "1.50");
  EXPECT_EQ(format(-5, 2), "-0.05");
  EXPECT_EQ(format(0, 2), "0.00");
  EXPECT_EQ(format(0, 0), "0");
  EXPECT_EQ(format(-12, 0), "-12");
  EXPECT_EQ(format(1, 9), "0.000000001");
  EXPECT_EQ(format(INT64_MIN, 4), "-922337203685477.5808");
  auto column = std::make_shared<ColumnVector<int64_t>>(DataType::decimal(18, 3), std::vector<int64_t>{-1234});
  std::string json, text;
  column->formatJson(0, json, FormatOptions{.quote_64bit_integers = true});
  column->formatText(0, text);
  EXPECT_EQ(json, "-1.234");  // bare, never quoted like Int64
  EXPECT_EQ(text, "-1.234");
}

TEST(DecimalParse, ReadsDigitsStrictly) {
  DecimalWide raw = 0;
  EXPECT_EQ(parseDecimal("1.5", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 150);
  EXPECT_EQ(parseDecimal("-0.05", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, -5);
  EXPECT_EQ(parseDecimal("+7", 3, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 7000);
  EXPECT_EQ(parseDecimal("1.50000", 2, raw), DecimalParseError::kNone);  // trailing zeros are fine
  EXPECT_EQ(raw, 150);
  EXPECT_EQ(parseDecimal(".5", 1, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 5);
  EXPECT_EQ(parseDecimal("1.234", 2, raw), DecimalParseError::kTooManyFractionDigits);
  EXPECT_EQ(parseDecimal("", 2, raw), DecimalParseError::kMalformed);
  EXPECT_EQ(parseDecimal("-", 2, raw), DecimalParseError::kMalformed);
  EXPECT_EQ(parseDecimal("1.2.3", 2, raw), DecimalParseError::kMalformed);
  EXPECT_EQ(parseDecimal("12a", 2, raw), DecimalParseError::kMalformed);
  EXPECT_EQ(parseDecimal(std::string(39, '9'), 0, raw), DecimalParseError::kTooManyDigits);
  EXPECT_EQ(parseDecimal(std::string(37, '9'), 2, raw), DecimalParseError::kTooBig);
  EXPECT_FALSE(decimalFits(DecimalWide(3000000000LL), DataType::decimal(9, 0)));
  EXPECT_TRUE(decimalFits(DecimalWide(3000000000LL), DataType::decimal(10, 0)));
}

// Text gets the storage's digits (9, 18, 38), not the declared precision, as in 18.16:
// toDecimal32('10000000', 2) is too big, CAST('100000' AS Decimal(5, 2)) is not.
TEST(DecimalParse, LimitsDigitsToTheStorage) {
  DecimalWide raw = 0;
  EXPECT_EQ(decimalStorageDigits(DataType::decimal(5, 2)), 9u);
  EXPECT_EQ(decimalStorageDigits(DataType::decimal(18, 2)), 18u);
  EXPECT_EQ(decimalStorageDigits(DataType::decimal(19, 2)), 38u);
  EXPECT_EQ(parseDecimal("100000", 2, raw, 9), DecimalParseError::kNone);
  EXPECT_EQ(raw, 10000000);
  EXPECT_EQ(parseDecimal("10000000", 2, raw, 9), DecimalParseError::kTooBig);
  EXPECT_EQ(parseDecimal("1234567890", 0, raw, 9), DecimalParseError::kTooManyDigits);
  EXPECT_EQ(parseDecimal("1000000000000000", 2, raw, 18), DecimalParseError::kNone);
  EXPECT_EQ(parseDecimal("1e16", 2, raw, 18), DecimalParseError::kTooBig);
  EXPECT_EQ(parseDecimal("12345678901234567890.123456789012345678", 18, raw, 38), DecimalParseError::kNone);
}

TEST(DecimalParse, ReadsAnExponentAsClickHouse1816) {
  DecimalWide raw = 0;
  EXPECT_EQ(parseDecimal("1e2", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 10000);
  EXPECT_EQ(parseDecimal("-1.5E+1", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, -1500);
  EXPECT_EQ(parseDecimal("25e-2", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 25);
  EXPECT_EQ(parseDecimal("0.001e3", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 100);
  EXPECT_EQ(parseDecimal("1.0e0", 0, raw), DecimalParseError::kNone);  // a trailing fraction zero is ignored
  EXPECT_EQ(raw, 1);
  EXPECT_EQ(parseDecimal("1.05", 2, raw), DecimalParseError::kNone);  // a zero before a digit is not
  EXPECT_EQ(raw, 105);
  EXPECT_EQ(parseDecimal("0." + std::string(100, '0') + "1e101", 0, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 1);
  EXPECT_EQ(parseDecimal("1.25e-1", 2, raw), DecimalParseError::kTooManyFractionDigits);
  EXPECT_EQ(parseDecimal("100e-2", 0, raw), DecimalParseError::kTooManyFractionDigits);  // integer zeros count
  EXPECT_EQ(parseDecimal("-0e-5", 2, raw), DecimalParseError::kTooManyFractionDigits);
  EXPECT_EQ(parseDecimal("1e-99999999999", 2, raw), DecimalParseError::kTooManyFractionDigits);
  EXPECT_EQ(parseDecimal("1e35", 2, raw), DecimalParseError::kNone);  // 38 digits
  EXPECT_EQ(parseDecimal("1e36", 2, raw), DecimalParseError::kTooBig);
  EXPECT_EQ(parseDecimal("1e99999999999", 0, raw), DecimalParseError::kTooBig);
  EXPECT_EQ(parseDecimal("0e99999", 2, raw), DecimalParseError::kNone);
  EXPECT_EQ(raw, 0);
  for (const char* malformed : {"1e", "1e+", "e2", "1e2.5", "1ee2", "1e 2", ".e1"}) {
    EXPECT_EQ(parseDecimal(malformed, 2, raw), DecimalParseError::kMalformed) << malformed;
  }
}

TEST(DecimalRescale, TruncatesTowardZeroAndDetectsOverflow) {
  EXPECT_EQ(*rescaleDecimal(1234, 3, 1), 12);
  EXPECT_EQ(*rescaleDecimal(-1239, 3, 2), -123);
  EXPECT_EQ(*rescaleDecimal(5, 0, 4), 50000);
  EXPECT_FALSE(rescaleDecimal(decimalPowerOfTen(30), 0, 20).has_value());
}

}  // namespace
}  // namespace perch
