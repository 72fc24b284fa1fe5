// Typed parameter functions: defaults, required parameters, validation, output forms, Array.
#include <gtest/gtest.h>

#include "template_test_support.h"

namespace perch::templating {
namespace {

using testing::errorOf;
using testing::render;
using testing::wrapped;

struct TypedCase {
  const char* body;
  const char* value;  // nullptr: parameter absent
  const char* expected;
};

TEST(TypedParamsTest, ValidValuesRenderInTheirOutputForm) {
  const TypedCase cases[] = {
      {"{{String(x)}}", "abc", "'abc'"},
      {"{{String(x)}}", "", "''"},
      {"{{String(x, 'd')}}", nullptr, "'d'"},
      {"{{String(x, 5)}}", nullptr, "'5'"},
      {"{{Boolean(x)}}", "1", "1"},
      {"{{Boolean(x)}}", "true", "1"},
      {"{{Boolean(x)}}", "anything", "1"},
      {"{{Boolean(x)}}", "0", "0"},
      {"{{Boolean(x)}}", "FaLsE", "0"},
      {"{{Boolean(x)}}", "", "0"},
      {"{{Boolean(x, True)}}", nullptr, "1"},
      {"{{Boolean(x, False)}}", nullptr, "0"},
      {"{{Int(x)}}", "42", "42"},
      {"{{Integer(x)}}", "-42", "-42"},
      {"{{Int(x, 10)}}", nullptr, "10"},
      {"{{Int8(x)}}", "-128", "toInt8('-128')"},
      {"{{Int8(x)}}", "127", "toInt8('127')"},
      {"{{Int16(x)}}", "32767", "toInt16('32767')"},
      {"{{Int32(x)}}", "5", "toInt32('5')"},
      {"{{Int32(x)}}", "+5", "toInt32('5')"},
      {"{{Int32(x)}}", "007", "toInt32('7')"},
      {"{{Int32(x)}}", "-0", "toInt32('0')"},
      {"{{Int32(x, -1)}}", nullptr, "toInt32('-1')"},
      {"{{Int64(x)}}", "-9223372036854775808", "toInt64('-9223372036854775808')"},
      {"{{Int128(x)}}", "170141183460469231731687303715884105727", "toInt128('170141183460469231731687303715884105727')"},
      {"{{Int256(x)}}", "-1", "toInt256('-1')"},
      {"{{UInt8(x)}}", "255", "toUInt8('255')"},
      {"{{UInt16(x)}}", "65535", "toUInt16('65535')"},
      {"{{UInt32(x)}}", "4294967295", "toUInt32('4294967295')"},
      {"{{UInt64(x)}}", "18446744073709551615", "toUInt64('18446744073709551615')"},
      {"{{UInt64(x)}}", "7", "toUInt64('7')"},
      {"{{UInt128(x)}}", "340282366920938463463374607431768211455",
       "toUInt128('340282366920938463463374607431768211455')"},
      {"{{UInt256(x)}}", "115792089237316195423570985008687907853269984665640564039457584007913129639935",
       "toUInt256('115792089237316195423570985008687907853269984665640564039457584007913129639935')"},
      {"{{Float32(x)}}", "1.5", "toFloat32('1.5')"},
      {"{{Float64(x)}}", "1.5", "toFloat64('1.5')"},
      {"{{Float64(x)}}", "-2", "toFloat64('-2')"},
      {"{{Float64(x)}}", "1e3", "toFloat64('1e3')"},
      {"{{Float64(x)}}", ".5", "toFloat64('0.5')"},
      {"{{Float64(x)}}", "+5.", "toFloat64('5.0')"},
      {"{{Float64(x, 0.25)}}", nullptr, "toFloat64('0.25')"},
      {"{{Date(x)}}", "2024-02-29", "'2024-02-29'"},
      {"{{Date(x, '2024-01-01')}}", nullptr, "'2024-01-01'"},
      {"{{DateTime(x)}}", "2024-01-01 10:20:30", "'2024-01-01 10:20:30'"},
      {"{{DateTime(x)}}", "2024-01-01T10:20:30", "'2024-01-01 10:20:30'"},
      {"{{DateTime64(x)}}", "2024-01-01 10:20:30.123", "'2024-01-01 10:20:30.123'"},
      {"{{DateTime64(x)}}", "2024-01-01T10:20:30", "'2024-01-01 10:20:30'"},
      {"{{UUID(x)}}", "123e4567-e89b-12d3-a456-426614174000", "'123e4567-e89b-12d3-a456-426614174000'"},
      {"{{UUID(x)}}", "123E4567-E89B-12D3-A456-426614174000", "'123E4567-E89B-12D3-A456-426614174000'"},
      {"{{String(x, enum=['a', 'b'])}}", "b", "'b'"},
      {"{{Int32(x, enum=[1, 2])}}", "2", "toInt32('2')"},
      // Typed values keep their plain value for comparisons and arithmetic.
      {"{% if Int32(x, 0) > 10 %}big{% else %}small{% end %}", "11", "big"},
      {"{% if Int32(x, 0) > 10 %}big{% else %}small{% end %}", "9", "small"},
      {"{% if String(x) == 'a' %}A{% end %}", "a", "A"},
      {"{{ Float64(x) * 2 }}", "1.25", "2.5"},
      {"{{ UInt64(x) - 1 }}", "10", "9"},
      // Not required and absent: None, which `if` treats as false.
      {"{% if String(x) %}set{% else %}unset{% end %}", nullptr, "unset"},
  };
  for (const TypedCase& c : cases) {
    SCOPED_TRACE(std::string(c.body) + " with " + (c.value ? c.value : "<absent>"));
    Params params;
    if (c.value != nullptr) params["x"] = {c.value};
    EXPECT_EQ(render(c.body, params), c.expected);
  }
}

TEST(TypedParamsTest, InvalidValuesAreRejectedWithTheTinybirdMessage) {
  const TypedCase cases[] = {
      {"{{Int(x)}}", "2147483648", "Int32"},
      {"{{Int8(x)}}", "128", "Int8"},
      {"{{Int8(x)}}", "-129", "Int8"},
      {"{{Int32(x)}}", "", "Int32"},
      {"{{Int32(x)}}", "-", "Int32"},
      {"{{Int32(x)}}", "1.0", "Int32"},
      {"{{Int32(x)}}", " 1", "Int32"},
      {"{{Int32(x)}}", "1 ", "Int32"},
      {"{{Int32(x)}}", "0x10", "Int32"},
      {"{{Int32(x)}}", "1e3", "Int32"},
      {"{{Int32(x)}}", "2147483648", "Int32"},
      {"{{Int32(x)}}", "-2147483649", "Int32"},
      {"{{Int64(x)}}", "9223372036854775808", "Int64"},
      {"{{Int128(x)}}", "170141183460469231731687303715884105728", "Int128"},
      {"{{Int256(x)}}", "57896044618658097711785492504343953926634992332820282019728792003956564819968", "Int256"},
      {"{{UInt8(x)}}", "256", "UInt8"},
      {"{{UInt8(x)}}", "-1", "UInt8"},
      {"{{UInt8(x)}}", "+1", "UInt8"},
      {"{{UInt64(x)}}", "18446744073709551616", "UInt64"},
      {"{{UInt64(x)}}", "-0", "UInt64"},
      {"{{UInt128(x)}}", "340282366920938463463374607431768211456", "UInt128"},
      {"{{UInt256(x)}}", "115792089237316195423570985008687907853269984665640564039457584007913129639936", "UInt256"},
      {"{{Float64(x)}}", "inf", "Float64"},
      {"{{Float64(x)}}", "nan", "Float64"},
      {"{{Float64(x)}}", "1e400", "Float64"},
      {"{{Float64(x)}}", "1.5x", "Float64"},
      {"{{Float64(x)}}", "", "Float64"},
      {"{{Float64(x)}}", ".", "Float64"},
      {"{{Float64(x)}}", "1e", "Float64"},
      {"{{Float64(x)}}", "0x1p3", "Float64"},
      {"{{Float32(x)}}", "1e39", "Float32"},
      {"{{Date(x)}}", "2023-02-29", "Date"},
      {"{{Date(x)}}", "2024-13-01", "Date"},
      {"{{Date(x)}}", "2024-1-01", "Date"},
      {"{{Date(x)}}", "2024-01-01 00:00:00", "Date"},
      {"{{Date(x)}}", "0000-01-01", "Date"},
      {"{{DateTime(x)}}", "2024-01-01", "DateTime"},
      {"{{DateTime(x)}}", "2024-01-01 24:00:00", "DateTime"},
      {"{{DateTime(x)}}", "2024-01-01 10:20:30.5", "DateTime"},
      {"{{DateTime(x)}}", "2024-01-01X10:20:30", "DateTime"},
      {"{{DateTime64(x)}}", "2024-01-01 10:20:30.", "DateTime64"},
      {"{{DateTime64(x)}}", "2024-01-01 10:20:30.1234567890", "DateTime64"},
      {"{{UUID(x)}}", "123e4567e89b12d3a456426614174000", "UUID"},
      {"{{UUID(x)}}", "123e4567-e89b-12d3-a456-42661417400g", "UUID"},
      {"{{UUID(x)}}", "{123e4567-e89b-12d3-a456-426614174000}", "UUID"},
  };
  for (const TypedCase& c : cases) {
    SCOPED_TRACE(std::string(c.body) + " with '" + c.value + "'");
    EXPECT_EQ(errorOf(c.body, {{"x", {c.value}}}),
              wrapped("Error validating '" + std::string(c.value) + "' to type " + c.expected));
  }
}

TEST(TypedParamsTest, ValidationMessagesNeverEchoMoreThanAShortPrefix) {
  const std::string huge(100000, '9');
  const std::string message = errorOf("{{Int32(x)}}", {{"x", {huge}}});
  EXPECT_EQ(message, wrapped("Error validating '" + std::string(100, '9') + "...' to type Int32"));
}

TEST(TypedParamsTest, DefaultsAreValidatedToo) {
  EXPECT_EQ(errorOf("{{Int32(x, 'abc')}}"), wrapped("Error validating 'abc' to type Int32"));
  EXPECT_EQ(errorOf("{{Date(x, '2024-02-30')}}"), wrapped("Error validating '2024-02-30' to type Date"));
}

TEST(TypedParamsTest, MissingRequiredParametersAreAllListedOnce) {
  const std::string suffix = ". Please provide a value or set a default value in the pipe code.";
  EXPECT_EQ(errorOf("{{String(a, required=True)}}"),
            wrapped("Required parameter is not defined. Check the parameters a" + suffix));
  EXPECT_EQ(errorOf("{{String(a, required=True)}} {{Int32(b, required=True)}}"),
            wrapped("Required parameter is not defined. Check the parameters a and b" + suffix));
  EXPECT_EQ(errorOf("{{String(a, required=True)}} {{Int32(b, required=True)}} {{Date(c, required=True)}} "
                    "{{String(a, required=True)}}"),
            wrapped("Required parameter is not defined. Check the parameters a, b and c" + suffix));
  // The missing parameter is reported even when a later expression fails because of it.
  EXPECT_EQ(errorOf("{{ Int32(a, required=True) * 2 }}"),
            wrapped("Required parameter is not defined. Check the parameters a" + suffix));
  // A default satisfies required=True.
  EXPECT_EQ(render("{{Int32(a, 3, required=True)}}"), "toInt32('3')");
  EXPECT_EQ(render("{{String(a, required=True)}}", {{"a", {"v"}}}), "'v'");
}

TEST(TypedParamsTest, EnumIsEnforced) {
  EXPECT_EQ(errorOf("{{String(x, enum=['asc', 'desc'])}}", {{"x", {"up"}}}),
            wrapped("Invalid value 'up' for parameter 'x': allowed values are 'asc', 'desc'"));
  EXPECT_EQ(errorOf("{{Array(x, 'Int32', enum=[1, 2])}}", {{"x", {"1,3"}}}),
            wrapped("Invalid value '3' for parameter 'x': allowed values are '1', '2'"));
}

TEST(TypedParamsTest, ScalarTypesRejectRepeatedParameters) {
  const Params repeated{{"x", {"1", "2"}}};
  EXPECT_EQ(errorOf("{{Int32(x)}}", repeated),
            wrapped("Parameter 'x' was given more than once but Int32 takes a single value"));
  EXPECT_EQ(errorOf("{{String(x)}}", repeated),
            wrapped("Parameter 'x' was given more than once but String takes a single value"));
  EXPECT_EQ(errorOf("{{x}}", repeated),
            wrapped("Parameter 'x' was given more than once; use Array() to accept several values"));
  EXPECT_EQ(errorOf("{{column(x)}}", repeated),
            wrapped("Parameter 'x' was given more than once but column takes a single value"));
}

TEST(TypedParamsTest, ArraysComeFromRepeatedKeysOrCommaLists) {
  const TypedCase cases[] = {
      {"{{Array(x, 'Int32')}}", "1,2,3", "[1,2,3]"},
      {"{{Array(x, 'Int')}}", "-1", "[-1]"},
      {"{{Array(x, 'UInt64')}}", "007,8", "[7,8]"},
      {"{{Array(x, 'Float64')}}", "1.5,.5", "[1.5,0.5]"},
      {"{{Array(x, 'String')}}", "a,b", "['a','b']"},
      {"{{Array(x)}}", "a,b", "['a','b']"},
      {"{{Array(x, 'String')}}", "it's", "['it\\'s']"},
      {"{{Array(x, 'String')}}", "a,", "['a','']"},
      {"{{Array(x, 'String')}}", "", "[]"},
      {"{{Array(x, 'Date')}}", "2024-01-01,2024-01-02", "['2024-01-01','2024-01-02']"},
      {"{{Array(x, 'DateTime')}}", "2024-01-01T01:02:03", "['2024-01-01 01:02:03']"},
      {"{{Array(x, 'UUID')}}", "123e4567-e89b-12d3-a456-426614174000", "['123e4567-e89b-12d3-a456-426614174000']"},
      {"{{Array(x, 'Boolean')}}", "0,true", "[0,1]"},
      {"{{Array(x, 'Int32', default='4,5')}}", nullptr, "[4,5]"},
      {"{{Array(x, 'Int32', [6, 7])}}", nullptr, "[6,7]"},
      {"{{Array(x, 'String', ['a', 'b'])}}", nullptr, "['a','b']"},
      {"x IN {{Array(x, 'Int32', default='1')}}", "9", "x IN [9]"},
      {"{% if Array(x, 'Int32') %}{{ len(Array(x, 'Int32')) }}{% end %}", "4,5,6", "3"},
      {"{% for v in Array(x, 'Int32') %}{{ v * 10 }};{% end %}", "1,2", "10;20;"},
      {"{% if defined(x) %}{{Array(x, 'Int32')}}{% else %}none{% end %}", nullptr, "none"},
  };
  for (const TypedCase& c : cases) {
    SCOPED_TRACE(std::string(c.body) + " with " + (c.value ? c.value : "<absent>"));
    Params params;
    if (c.value != nullptr) params["x"] = {c.value};
    EXPECT_EQ(render(c.body, params), c.expected);
  }
  // Repeated keys are the elements (commas inside them are not separators).
  EXPECT_EQ(render("{{Array(x, 'Int32')}}", {{"x", {"1", "2"}}}), "[1,2]");
  EXPECT_EQ(render("{{Array(x, 'String')}}", {{"x", {"a,b", "c"}}}), "['a,b','c']");
}

TEST(TypedParamsTest, ArrayElementsAreValidated) {
  EXPECT_EQ(errorOf("{{Array(x, 'Int32')}}", {{"x", {"1,a"}}}), wrapped("Error validating 'a' to type Int32"));
  EXPECT_EQ(errorOf("{{Array(x, 'Int32')}}", {{"x", {"1,,2"}}}), wrapped("Error validating '' to type Int32"));
  EXPECT_EQ(errorOf("{{Array(x, 'UInt8')}}", {{"x", {"1", "-1"}}}), wrapped("Error validating '-1' to type UInt8"));
  EXPECT_EQ(errorOf("{{Array(x, 'Date')}}", {{"x", {"2024-01-01,yesterday"}}}),
            wrapped("Error validating 'yesterday' to type Date"));
  EXPECT_EQ(errorOf("{{Array(x, 'Int32', required=True)}}"),
            wrapped("Required parameter is not defined. Check the parameters x. Please provide a value or set a "
                    "default value in the pipe code."));
  EXPECT_EQ(errorOf("{{Array(x, 'Decimal')}}"), wrapped("unknown Array element type 'Decimal' at line 2"));
}

}  // namespace
}  // namespace perch::templating
