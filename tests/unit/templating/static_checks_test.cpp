// Static checks across the nodes of a pipe (`perch check`) and the query-option names that make
// the server add a warning header.
#include <gtest/gtest.h>

#include "template_test_support.h"
#include "templating/static_checks.h"

namespace perch::templating {
namespace {

std::vector<std::string> describe(const std::vector<TemplateDiagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const TemplateDiagnostic& d : diagnostics) out.push_back(d.node + ":" + std::to_string(d.line) + ": " + d.message);
  return out;
}

TEST(TemplateStaticChecksTest, RecordsEveryTypedUseWithItsLine) {
  const Template tmpl = Template::parse(
      "%\nSELECT {{ Int32(a, 1) }}\n{% if defined(b) %}\n{{ Array(b, 'UInt64') }}{{ b }}{% end %}\n"
      "{{ Integer(a) }} {{ JSON(j, '[]') }} {{ column(String(c, 'x')) }}",
      "n", "p");
  std::vector<std::string> uses;
  for (const ParamUse& use : tmpl.typedParameterUses()) {
    uses.push_back(use.name + ":" + use.type + "@" + std::to_string(use.line));
  }
  EXPECT_EQ(uses, (std::vector<std::string>{"a:Int32@2", "b:Array(UInt64)@4", "a:Int32@5", "j:JSON@5",
                                            "c:String@5"}));
}

TEST(TemplateStaticChecksTest, ReportsConflictingTypesAcrossNodes) {
  const Template first = Template::parse("%\nSELECT 1\nWHERE a = {{ Int32(x, 0) }} AND b = {{ String(y) }}", "first", "p");
  const Template second = Template::parse("%\nSELECT * FROM first\n\nWHERE c = {{ String(x) }}", "second", "p");
  const Template third =
      Template::parse("%\n{{ Int(x) }} {{ String(y) }} {{ x }} {{ defined(y) }}\n{{ Array(y, 'Int32') }}", "third", "p");
  EXPECT_EQ(describe(checkParameterTypes({{"first", &first}, {"second", &second}, {"third", &third}})),
            (std::vector<std::string>{
                "second:4: parameter 'x' is used as String here but as Int32 in node 'first' at line 3",
                "third:3: parameter 'y' is used as Array(Int32) here but as String in node 'first' at line 3",
            }));
}

TEST(TemplateStaticChecksTest, ReportsConflictsInsideOneNode) {
  const Template tmpl = Template::parse("%\n{{ Date(d) }}\n{{ DateTime(d) }}", "only", "p");
  EXPECT_EQ(describe(checkParameterTypes({{"only", &tmpl}})),
            (std::vector<std::string>{"only:3: parameter 'd' is used as DateTime here but as Date at line 2"}));
}

TEST(TemplateStaticChecksTest, ConsistentPipesHaveNoDiagnostics) {
  const Template first = Template::parse("%\n{{ Int32(x, 0) }} {{ Int(x) }} {{ x }}", "a", "p");
  const Template second = Template::parse("%\n{% if defined(x) %}{{ Integer(x) }}{% end %}", "b", "p");
  const Template plain = Template::parse("SELECT 1", "c", "p");
  EXPECT_TRUE(checkParameterTypes({{"a", &first}, {"b", &second}, {"c", &plain}, {"d", nullptr}}).empty());
}

TEST(TemplateStaticChecksTest, ListsQueryOptionNamesTheTemplateUses) {
  const Template tmpl = testing::parseBody(
      "{% if defined(debug) %}{{ String(token) }}{% end %}{% set explain = 1 %}{{ String(debug) }}{{ x }}"
      "{{ Boolean(output_format_json_quote_64bit_integers, False) }}");
  EXPECT_EQ(tmpl.queryOptionNamesUsed(),
            (std::vector<std::string>{"debug", "token", "output_format_json_quote_64bit_integers", "explain"}));
  EXPECT_TRUE(testing::parseBody("{{ String(tokens) }}{{ pipeline_id }}").queryOptionNamesUsed().empty());
  EXPECT_EQ(queryOptionWarning("n", tmpl.queryOptionNamesUsed()),
            "node 'n' uses the query option names debug, token, output_format_json_quote_64bit_integers, explain "
            "as template parameters");
  EXPECT_EQ(queryOptionWarning("n", {"token"}), "node 'n' uses the query option name token as template parameter");
  EXPECT_EQ(queryOptionWarning("n", {}), "");
}

TEST(TemplateStaticChecksTest, KnowsTheQueryOptionNamesOfTheSpec) {
  for (const char* name : {"token", "pipeline", "debug", "explain", "template_parameters",
                           "output_format_json_quote_64bit_integers"}) {
    EXPECT_TRUE(isQueryOptionName(name)) << name;
  }
  EXPECT_FALSE(isQueryOptionName("format"));  // reserved: an error, not a warning
  EXPECT_FALSE(isQueryOptionName("q"));
  EXPECT_FALSE(isQueryOptionName("Token"));
  EXPECT_EQ(queryOptionNames().size(), 8u);
}

}  // namespace
}  // namespace perch::templating
