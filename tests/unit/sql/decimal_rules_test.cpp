// Decimal typing and arithmetic as ClickHouse 18.16 has them: result types and scales of + - * /
// (type_rules.h), values computed by the kernels (exact digits, truncation toward zero), the errors
// for overflow, division by zero and out-of-range scales, comparisons across scales, casts, and
// the DateTime64 ± integer seconds rule that shares the arithmetic resolver.
#include <gtest/gtest.h>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/type_rules.h"

namespace perch {
namespace {

DataType dec(unsigned precision, unsigned scale) { return DataType::decimal(precision, scale); }

// A 1-row column of `type` holding `text` parsed as that type.
ColumnPtr value(const DataType& type, std::string_view text) { return castColumn(makeStringConstant(text), type); }

// name(a, b) over two constants, printed as text.
std::string call(std::string_view name, const ColumnPtr& a, const ColumnPtr& b, DataType* result_type = nullptr) {
  const ArgumentInfo args[] = {{a->type(), a}, {b->type(), b}};
  const ResolvedFunction resolved = resolveFunction(name, args, FunctionContext{});
  if (result_type) *result_type = resolved.result_type;
  const Datum call_args[] = {Datum::constant(a), Datum::constant(b)};
  const Datum result = resolved.kernel(call_args, 1);
  std::string text;
  result.column->formatText(0, text);
  return text;
}

std::string errorOf(std::string_view name, const ColumnPtr& a, const ColumnPtr& b) {
  try {
    call(name, a, b);
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(DecimalRules, ResultTypesFollowClickHouse1816) {
  const auto type = [](ArithmeticOp op, const DataType& a, const DataType& b) {
    return decimalArithmeticResultType(op, a, b, "f").name();
  };
  EXPECT_EQ(type(ArithmeticOp::kPlus, dec(9, 2), dec(18, 3)), "Decimal(18, 3)");
  EXPECT_EQ(type(ArithmeticOp::kPlus, dec(5, 2), dec(5, 2)), "Decimal(9, 2)");  // the storage class
  EXPECT_EQ(type(ArithmeticOp::kMultiply, dec(9, 2), dec(18, 3)), "Decimal(18, 5)");
  EXPECT_EQ(type(ArithmeticOp::kDivide, dec(18, 3), dec(9, 2)), "Decimal(18, 3)");
  EXPECT_EQ(type(ArithmeticOp::kMultiply, dec(5, 2), DataType(TypeId::kInt64)), "Decimal(5, 2)");  // integers keep the type
  EXPECT_EQ(type(ArithmeticOp::kMinus, DataType(TypeId::kUInt8), dec(38, 7)), "Decimal(38, 7)");
  EXPECT_THROW(type(ArithmeticOp::kDivide, dec(9, 2), dec(9, 3)), Error);
  EXPECT_THROW(type(ArithmeticOp::kMultiply, dec(9, 2), dec(9, 8)), Error);
  EXPECT_THROW(type(ArithmeticOp::kPlus, dec(9, 2), DataType(TypeId::kFloat64)), Error);
  EXPECT_THROW(type(ArithmeticOp::kModulo, dec(9, 2), DataType(TypeId::kInt32)), Error);
  const DataType mixed[] = {dec(9, 2), dec(18, 3)};
  EXPECT_EQ(leastSupertype(mixed, "t").name(), "Decimal(18, 3)");
  const DataType with_int[] = {dec(9, 2), DataType(TypeId::kUInt32)};
  EXPECT_EQ(leastSupertype(with_int, "t").name(), "Decimal(18, 2)");  // 10 integer digits + 2
  const DataType with_float[] = {dec(9, 2), DataType(TypeId::kFloat64)};
  EXPECT_THROW(leastSupertype(with_float, "t"), Error);
}

TEST(DecimalRules, ArithmeticValuesAreExactAndTruncate) {
  const ColumnPtr a = value(dec(9, 2), "1.50");
  const ColumnPtr b = value(dec(18, 3), "3.141");
  DataType result;
  EXPECT_EQ(call("plus", a, b, &result), "4.641");
  EXPECT_EQ(result.name(), "Decimal(18, 3)");
  EXPECT_EQ(call("minus", a, b), "-1.641");
  EXPECT_EQ(call("multiply", a, b), "4.71150");
  EXPECT_EQ(call("divide", b, a), "2.094");
  EXPECT_EQ(call("divide", value(dec(9, 2), "-7"), makeConstantColumn<uint8_t>(DataType(TypeId::kUInt8), 3)), "-2.33");
  EXPECT_EQ(call("divide", makeConstantColumn<uint8_t>(DataType(TypeId::kUInt8), 1), value(dec(9, 2), "3")), "0.33");
  EXPECT_EQ(call("plus", value(dec(9, 2), "2.5"), makeConstantColumn<int64_t>(DataType(TypeId::kInt64), -1)), "1.50");
  EXPECT_EQ(call("multiply", value(dec(9, 2), "7.77"), value(dec(9, 1), "-1.1")), "-8.547");
}

TEST(DecimalRules, OverflowAndDivisionByZeroThrow) {
  EXPECT_EQ(call("plus", value(dec(9, 0), "999999999"), value(dec(9, 0), "1")), "1000000000");  // 18.16 checks the Int32, not P
  EXPECT_NE(errorOf("multiply", value(dec(9, 0), "999999999"), value(dec(9, 0), "10")).find("Decimal math overflow"), std::string::npos);
  EXPECT_NE(errorOf("divide", value(dec(9, 2), "1"), value(dec(9, 2), "0")).find("Division by zero"), std::string::npos);
  EXPECT_NE(errorOf("plus", value(dec(9, 2), "1"), makeConstantColumn<double>(DataType(TypeId::kFloat64), 1.5)).find("Illegal types"),
            std::string::npos);
}

TEST(DecimalRules, ComparisonsMeetAtTheLargerScale) {
  EXPECT_EQ(call("equals", value(dec(9, 2), "1.5"), value(dec(18, 7), "1.5")), "1");
  EXPECT_EQ(call("less", value(dec(9, 2), "1.5"), value(dec(18, 4), "1.5001")), "1");
  EXPECT_EQ(call("greater", value(dec(9, 2), "-0.01"), makeConstantColumn<int8_t>(DataType(TypeId::kInt8), 0)), "0");
  EXPECT_EQ(call("less", value(dec(9, 2), "-1"), makeConstantColumn<uint64_t>(DataType(TypeId::kUInt64), 0)), "1");
  EXPECT_EQ(call("equals", value(dec(9, 2), "10.5"), makeStringConstant("10.50")), "1");
  EXPECT_NE(errorOf("equals", value(dec(9, 2), "1"), makeConstantColumn<double>(DataType(TypeId::kFloat64), 1.0)).find("No operation"),
            std::string::npos);
}

TEST(DecimalRules, CastsTruncateAndCheckRange) {
  std::string text;
  castColumn(makeConstantColumn<double>(DataType(TypeId::kFloat64), 1.15), dec(9, 2))->formatText(0, text);
  EXPECT_EQ(text, "1.14");  // 1.15 * 100 is 114.99999999999999 in binary, truncated as 18.16 does
  text.clear();
  castColumn(value(dec(18, 3), "-1.239"), dec(9, 2))->formatText(0, text);
  EXPECT_EQ(text, "-1.23");
  text.clear();
  castColumn(value(dec(9, 2), "-1.57"), DataType(TypeId::kInt32))->formatText(0, text);
  EXPECT_EQ(text, "-1");
  EXPECT_THROW(castColumn(value(dec(9, 0), "300"), DataType(TypeId::kUInt8)), Error);
  EXPECT_THROW(castColumn(makeConstantColumn<int64_t>(DataType(TypeId::kInt64), 3000000000), dec(9, 0)), Error);
  EXPECT_THROW(castColumn(makeStringConstant("1.234"), dec(9, 2)), Error);
  const ColumnPtr or_null = castColumn(makeStringConstant("x"), dec(9, 2), ParseFailure::kNull);
  EXPECT_TRUE(or_null->isNullAt(0));
}

TEST(DecimalRules, DateTime64PlusIntegerAddsSeconds) {
  const DataType dt64 = DataType::dateTime64(3);
  const ColumnPtr t = castColumn(makeStringConstant("2024-01-01 00:00:00.250"), dt64);
  DataType result;
  EXPECT_EQ(call("plus", t, makeConstantColumn<uint8_t>(DataType(TypeId::kUInt8), 1), &result), "2024-01-01 00:00:01.250");
  EXPECT_EQ(result.name(), "DateTime64(3)");
  EXPECT_EQ(call("minus", t, makeConstantColumn<int32_t>(DataType(TypeId::kInt32), 86400)), "2023-12-31 00:00:00.250");
  EXPECT_EQ(call("plus", makeConstantColumn<uint16_t>(DataType(TypeId::kUInt16), 60), t), "2024-01-01 00:01:00.250");
  EXPECT_THROW(call("minus", makeConstantColumn<uint8_t>(DataType(TypeId::kUInt8), 1), t), Error);
}

}  // namespace
}  // namespace perch
