#include "common/json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"

namespace perch {
namespace {

void expectInvalid(std::string_view text, const JsonLimits& limits = {}) {
  try {
    parseJson(text, limits);
    ADD_FAILURE() << "accepted: " << testing::PrintToString(std::string(text));
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << text;
  }
}

TEST(JsonParseTest, ParsesEveryKindWithExactValues) {
  const JsonValue value = parseJson(R"( {"a": [1, -2.5e3, true, false, null, "x\"y"], "b": {}} )");
  ASSERT_TRUE(value.isObject());
  const auto& members = value.asObject();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "a");
  EXPECT_EQ(members[1].first, "b");
  const auto& items = value.find("a")->asArray();
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(items[0].asInt64(), 1);
  EXPECT_EQ(items[1].numberText(), "-2.5e3");
  EXPECT_DOUBLE_EQ(items[1].asDouble(), -2500.0);
  EXPECT_TRUE(items[2].asBool());
  EXPECT_FALSE(items[3].asBool());
  EXPECT_TRUE(items[4].isNull());
  EXPECT_EQ(items[5].asString(), "x\"y");
  EXPECT_TRUE(value.find("b")->isObject());
  EXPECT_EQ(value.find("missing"), nullptr);
}

TEST(JsonParseTest, ScalarDocumentsAreAllowed) {
  EXPECT_EQ(parseJson("42").asInt64(), 42);
  EXPECT_EQ(parseJson("\"s\"").asString(), "s");
  EXPECT_TRUE(parseJson(" null ").isNull());
}

TEST(JsonParseTest, NumbersKeepTheirTextAndIntegerness) {
  EXPECT_TRUE(parseJson("1").isInteger());
  EXPECT_TRUE(parseJson("-0").isInteger());
  EXPECT_FALSE(parseJson("1.0").isInteger());
  EXPECT_FALSE(parseJson("1e3").isInteger());
  EXPECT_FALSE(parseJson("1E3").isInteger());
  EXPECT_EQ(parseJson("1.50").numberText(), "1.50");
  EXPECT_EQ(parseJson("9223372036854775807").asInt64(), INT64_MAX);
  EXPECT_EQ(parseJson("-9223372036854775808").asInt64(), INT64_MIN);
  EXPECT_THROW(parseJson("9223372036854775808").asInt64(), Error);
  EXPECT_THROW(parseJson("1.0").asInt64(), Error);
  EXPECT_THROW(parseJson("1e400").asDouble(), Error);
  EXPECT_THROW(parseJson("\"1\"").asInt64(), Error);
}

TEST(JsonParseTest, DecodesEscapesAndSurrogatePairs) {
  EXPECT_EQ(parseJson(R"("\"\\\/\b\f\n\r\t")").asString(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(parseJson(R"("\u00e9\u20AC")").asString(), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(parseJson(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseJson(R"("a\u0000b")").asString(), std::string("a\0b", 3));
  EXPECT_EQ(parseJson("\"\xF0\x9F\x98\x80 caf\xC3\xA9\"").asString(), "\xF0\x9F\x98\x80 caf\xC3\xA9");
}

TEST(JsonParseTest, RejectsMalformedDocuments) {
  const std::vector<std::string> cases = {
      "", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":}",
      "[1 2]", "01", "-", "+1", "1.", ".5", "1e", "1e+", "NaN", "Infinity", "-Infinity", "tru", "nul",
      "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"tab\there\"", "\"nl\nhere\"",
      "{} {}", "[] x", "1 2", "// c\n1", "/* c */ 1", "\"a\"\"b\"", "[\"a\" \"b\"]", "\xEF\xBB\xBF{}",
      "\v1", "\f1",
  };
  for (const std::string& text : cases) expectInvalid(text);
  expectInvalid(std::string("{\"a\":1}\0", 8));  // a NUL after the value is trailing garbage
}

TEST(JsonParseTest, RejectsInvalidUtf8AndLoneSurrogates) {
  const std::vector<std::string> cases = {
      "\"\x80\"",                  // lone continuation byte
      "\"\xC3\"",                  // truncated sequence
      "\"\xC0\xAF\"",              // overlong '/'
      "\"\xE0\x80\xAF\"",          // overlong 3-byte
      "\"\xF0\x80\x80\xAF\"",      // overlong 4-byte
      "\"\xED\xA0\x80\"",          // UTF-8-encoded surrogate U+D800
      "\"\xF4\x90\x80\x80\"",      // above U+10FFFF
      "\"\xFF\"", "\"\xFE\"",      // never valid
      R"("\ud800")",               // lone high surrogate
      R"("\udc00")",               // lone low surrogate
      R"("\ud800\u0041")",         // high surrogate + non-surrogate
      R"("\ud800\ud800")",         // two highs
      R"("\ud800x")",
      "{\"\xC3\":1}",              // invalid key
  };
  for (const std::string& text : cases) expectInvalid(text);
}

TEST(JsonParseTest, RejectsDuplicateKeysAtAnyDepthAndSize) {
  expectInvalid(R"({"a":1,"a":2})");
  expectInvalid(R"({"a":1,"b":{"c":1,"c":1}})");
  expectInvalid(R"({"\u0061":1,"a":2})");  // same key after unescaping
  std::string big = "{";
  for (int i = 0; i < 1000; ++i) big += "\"k" + std::to_string(i) + "\":0,";
  const std::string big_ok = big + "\"last\":0}";
  EXPECT_EQ(parseJson(big_ok).asObject().size(), 1001u);
  expectInvalid(big + "\"k500\":0}");  // duplicate found by the sorted check, not the linear one
  EXPECT_THROW(JsonValue::fromObject({{"x", JsonValue()}, {"x", JsonValue()}}), Error);
}

TEST(JsonParseTest, LastDuplicateKeyWinsAtTheFirstKeysPlaceWhenAsked) {
  JsonLimits python_like;
  python_like.last_duplicate_key_wins = true;
  const JsonValue value = parseJson(R"({"a":1,"b":2,"a":3,"c":{"d":1,"d":[5]},"\u0061":4})", python_like);
  const JsonValue::Object& members = value.asObject();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first, "a");
  EXPECT_EQ(members[0].second.asInt64(), 4);
  EXPECT_EQ(members[1].first, "b");
  EXPECT_EQ(members[2].second.find("d")->asArray().size(), 1u);
  std::string big = "{";
  for (int i = 0; i < 5000; ++i) big += "\"k" + std::to_string(i % 100) + "\":" + std::to_string(i) + ",";
  const JsonValue many = parseJson(big + "\"k0\":-1}", python_like);
  ASSERT_EQ(many.asObject().size(), 100u);
  EXPECT_EQ(many.asObject()[0].second.asInt64(), -1);
  EXPECT_EQ(many.asObject()[99].second.asInt64(), 4999);
  expectInvalid(R"({"a":1,"a":2})");  // the default is unchanged
}

TEST(JsonParseTest, EnforcesDepthLimitExactly) {
  const JsonLimits limits{.max_depth = 3, .max_elements = 1000};
  EXPECT_NO_THROW(parseJson("[[[1]]]", limits));
  EXPECT_NO_THROW(parseJson(R"({"a":{"b":[]}})", limits));
  expectInvalid("[[[[1]]]]", limits);
  expectInvalid(R"({"a":{"b":{"c":{}}}})", limits);
  EXPECT_NO_THROW(parseJson("1", JsonLimits{.max_depth = 0}));
  expectInvalid("[]", JsonLimits{.max_depth = 0});
}

TEST(JsonParseTest, DeepNestingIsRejectedWithoutExhaustingTheStack) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  expectInvalid(deep);
  expectInvalid(deep, JsonLimits{.max_depth = 100'000'000});  // clamped to kMaxSupportedDepth
}

TEST(JsonParseTest, EnforcesElementLimit) {
  const JsonLimits limits{.max_depth = 8, .max_elements = 4};
  EXPECT_NO_THROW(parseJson("[1,2,3]", limits));  // array + 3 values
  expectInvalid("[1,2,3,4]", limits);
  EXPECT_NO_THROW(parseJson(R"({"a":1,"b":2,"c":3})", limits));  // keys are not counted
  expectInvalid(R"({"a":1,"b":2,"c":3,"d":4})", limits);
}

TEST(JsonWriteTest, RoundTripsAndEscapes) {
  const std::string text = R"({"s":"a\"b\\c\n\u0001\u001f","n":[1,-2.5e3,0],"t":true,"f":false,"z":null,"o":{}})";
  const JsonValue value = parseJson(text);
  EXPECT_EQ(toJson(value), text);
  EXPECT_EQ(parseJson(toJson(value)), value);
  EXPECT_EQ(toJson(JsonValue::fromString("caf\xC3\xA9")), "\"caf\xC3\xA9\"");
  EXPECT_EQ(toJson(JsonValue::fromString("/")), "\"/\"");
}

TEST(JsonWriteTest, NumbersFromCodeAreValidJson) {
  EXPECT_EQ(toJson(JsonValue::fromInt64(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(toJson(JsonValue::fromDouble(0.1)), "0.1");
  EXPECT_EQ(toJson(JsonValue::fromDouble(2.0)), "2");
  EXPECT_EQ(parseJson(toJson(JsonValue::fromDouble(1e300))).asDouble(), 1e300);
  EXPECT_THROW(JsonValue::fromDouble(std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(JsonValue::fromDouble(std::numeric_limits<double>::quiet_NaN()), Error);
  EXPECT_THROW(JsonValue::fromNumberText("1.0 "), Error);
  EXPECT_THROW(JsonValue::fromNumberText("0x10"), Error);
  EXPECT_THROW(JsonValue::fromNumberText(""), Error);
}

TEST(JsonWriteTest, RefusesToWriteInvalidUtf8) {
  EXPECT_THROW(toJson(JsonValue::fromString("\xFF")), Error);
  EXPECT_THROW(toJson(JsonValue::fromObject({{"\xC3", JsonValue()}})), Error);
}

TEST(JsonValueTest, AccessorsCheckTheKind) {
  const JsonValue value = parseJson(R"({"a":"1"})");
  EXPECT_THROW(value.asArray(), Error);
  EXPECT_THROW(value.asString(), Error);
  EXPECT_THROW(value.find("a")->asInt64(), Error);
  EXPECT_THROW(value.find("a")->asBool(), Error);
  EXPECT_FALSE(value.find("a")->isInteger());
  EXPECT_EQ(parseJson("[1]").find("a"), nullptr);
}

}  // namespace
}  // namespace perch
