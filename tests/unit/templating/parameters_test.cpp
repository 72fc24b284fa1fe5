// Template::parameters(): the static list of parameters a template reads, for docs and checks.
#include <gtest/gtest.h>

#include "template_test_support.h"

namespace perch::templating {
namespace {

std::string describe(const ParamInfo& info) {
  std::string text = info.name + ":" + info.type;
  if (info.default_value) text += " default=" + *info.default_value;
  if (info.required) text += " required";
  if (!info.description.empty()) text += " description=" + info.description;
  for (const std::string& option : info.enum_values) text += " enum=" + option;
  return text;
}

std::vector<std::string> describeAll(std::string_view body) {
  std::vector<std::string> out;
  const Template tmpl = testing::parseBody(body);
  for (const ParamInfo& info : tmpl.parameters()) out.push_back(describe(info));
  return out;
}

TEST(TemplateParametersTest, ListsTypedAndUntypedParametersOnce) {
  EXPECT_EQ(describeAll("SELECT * FROM t WHERE org = {{String(organization_id, required=True)}}\n"
                        "{% if defined(user_id) %} AND user = {{String(user_id, description='The user')}} {% end %}\n"
                        "LIMIT {{Int32(limit, 10, enum=[10, 100])}} OFFSET {{Int32(page, 0) * Int32(limit, 10)}}\n"
                        "{% if defined(ids) %} AND id IN {{Array(ids, 'UInt64', '1,2')}}{% end %}\n"
                        "AND t >= {{DateTime(start, '2024-01-01 00:00:00')}} AND flag = {{Boolean(f, True)}}\n"
                        "AND x = {{ plain }} AND d = {{Float64(ratio, -0.5)}} AND n = {{Int(n)}}"),
            (std::vector<std::string>{
                "organization_id:String required",
                "user_id:String description=The user",
                "limit:Int32 default=10 enum=10 enum=100",
                "page:Int32 default=0",
                "ids:Array(UInt64) default=1,2",
                "start:DateTime default=2024-01-01 00:00:00",
                "f:Boolean default=true",
                "plain:String",
                "ratio:Float64 default=-0.5",
                "n:Int32",
            }));
}

TEST(TemplateParametersTest, TypedUseWinsOverAnEarlierUntypedUse) {
  EXPECT_EQ(describeAll("{% if defined(x) and x %}{{ Int64(x, 5) }}{% end %}{{ column(c, 'ts') }}"),
            (std::vector<std::string>{"x:Int64 default=5", "c:String default=ts"}));
}

TEST(TemplateParametersTest, LocalVariablesAndBuiltinArgumentsAreNotParameters) {
  EXPECT_EQ(describeAll("{% set n = 3 %}{% for i, v in enumerate(Array(xs, 'Int32', [1])) %}{{ v * n + i }}{% end %}"
                        "{{ String(n) }}{{ JSON(filters, '[]') }}"),
            (std::vector<std::string>{"xs:Array(Int32) default=1", "filters:JSON default=[]"}));
}

TEST(TemplateParametersTest, TextOnlyTemplatesHaveNone) {
  EXPECT_TRUE(describeAll("SELECT 1 {# {{ x }} #}").empty());
  // Text without the `%` line is still parsed as a template (nothing is dropped).
  const Template tmpl = Template::parse("SELECT {{ Int32(x) }}", "n", "p");
  ASSERT_EQ(tmpl.parameters().size(), 1u);
  EXPECT_EQ(describe(tmpl.parameters()[0]), "x:Int32");
  EXPECT_EQ(tmpl.render({{"x", {"1"}}}), "SELECT toInt32('1')");
}

}  // namespace
}  // namespace perch::templating
