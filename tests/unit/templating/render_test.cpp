// Rendering of text, output tags, control flow and the expression language.
#include <gtest/gtest.h>

#include "template_test_support.h"

namespace perch::templating {
namespace {

using testing::errorOf;
using testing::render;
using testing::wrapped;

struct RenderCase {
  const char* body;
  Params params;
  const char* expected;
};

TEST(TemplateRenderTest, RendersExactSql) {
  const RenderCase cases[] = {
      // Text outside tags is kept verbatim, including whitespace and newlines.
      {"SELECT 1\n  FROM t\n", {}, "SELECT 1\n  FROM t\n"},
      {"SELECT {{ x }}", {{"x", {"a"}}}, "SELECT 'a'"},
      {"{{x}}|{{ x }}", {{"x", {"7"}}}, "'7'|'7'"},
      // if / elif / else
      {"{% if defined(a) %}A{% elif defined(b) %}B{% else %}C{% end %}", {{"a", {"1"}}}, "A"},
      {"{% if defined(a) %}A{% elif defined(b) %}B{% else %}C{% end %}", {{"b", {"1"}}}, "B"},
      {"{% if defined(a) %}A{% elif defined(b) %}B{% else %}C{% end %}", {}, "C"},
      {"{% if x %}yes{% end %}", {}, ""},
      {"{% if x %}yes{% end %}", {{"x", {""}}}, ""},
      {"{% if x %}yes{% end %}", {{"x", {"0"}}}, "yes"},
      {"{% if not defined(x) %}none{% end %}", {}, "none"},
      {"{% if Boolean(flag) %}on{% else %}off{% end %}", {{"flag", {"false"}}}, "off"},
      {"{% if Boolean(flag) %}on{% else %}off{% end %}", {{"flag", {"yes"}}}, "on"},
      // comments
      {"a{# ignored {{ x }} #}b", {}, "ab"},
      // set and for
      {"{% set n = 3 %}{{ n * 2 }}", {}, "6"},
      {"{% for i in range(3) %}{{i}},{% end %}", {}, "0,1,2,"},
      {"{% for i, v in enumerate(['a', 'b']) %}{{i}}={{v}};{% end %}", {}, "0='a';1='b';"},
      {"{% for k in {'a': 1, 'b': 2} %}{{k}}{% end %}", {}, "'a''b'"},
      {"{% for last, v in enumerate_with_last(split_to_array(xs)) %}{{v}}{% if not last %},{% end %}{% end %}",
       {{"xs", {"a, b,c"}}},
       "'a','b','c'"},
      // arithmetic on typed numbers prints the bare number
      {"LIMIT {{ Int32(page_size, 20) }} OFFSET {{ Int32(page, 0) * Int32(page_size, 20) }}",
       {{"page", {"2"}}},
       "LIMIT toInt32('20') OFFSET 40"},
      {"{{ Int32(a, 7) + 1 }}", {}, "8"},
      {"{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 - 5 }}", {}, "3 -4 1 2 3.5 -3"},
      {"{{ 1.5 * 2 }} {{ 0.1 + 0.2 }} {{ 1e20 }}", {}, "3.0 0.30000000000000004 1e+20"},
      {"{{ 'a' + 'b' }} {{ 'ab' * 2 }}", {}, "'ab' 'abab'"},
      {"{{ [1, 2] + [3] }} {{ (1, 'x') }}", {}, "[1,2,3] (1,'x')"},
      // comparisons, membership, boolean operators, conditional expression
      {"{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'b' in 'abc' }} {{ 4 not in [1, 2] }}", {}, "1 0 1 1"},
      {"{{ x == 'a' }} {{ x != 'a' }} {{ x is None }} {{ y is None }} {{ y is not None }}",
       {{"x", {"a"}}},
       "1 0 0 1 0"},
      {"{{ 'A' if x == '1' else 'B' }}", {{"x", {"1"}}}, "'A'"},
      {"{{ 'A' if x == '1' else 'B' }}", {{"x", {"2"}}}, "'B'"},
      {"{{ x or 'fallback' }} {{ y and 'both' }}", {{"y", {"1"}}}, "'fallback' 'both'"},
      {"{{ True }} {{ False }} {{ not '' }}", {}, "1 0 1"},
      // subscripts, slices, methods, python builtins
      {"{{ [10, 20, 30][-1] }} {{ 'hello'[1:3] }} {{ [1, 2, 3, 4][::2] }} {{ 'abc'[::-1] }}", {}, "30 'el' [1,3] 'cba'"},
      {"{{ {'a': 1}['a'] }} {{ {'a': 1}.get('b', 5) }}", {}, "1 5"},
      {"{{ x.lower() }} {{ x.upper() }} {{ ' p '.strip() }} {{ x.replace('B', 'c') }}", {{"x", {"aBc"}}},
       "'abc' 'ABC' 'p' 'acc'"},
      {"{{ x.split(',') }} {{ x.startswith('a') }} {{ x.endswith(('z', 'c')) }}", {{"x", {"a,b,c"}}},
       "['a','b','c'] 1 1"},
      {"{{ len(x) }} {{ len([1, 2]) }} {{ str(5) }} {{ int('42') + 1 }} {{ float('2.5') }}", {{"x", {"héllo"}}},
       "5 2 '5' 43 2.5"},
      {"{{ 'it''s' }} {{ \"dq\" }} {{ 'a\\nb' }}", {}, "'its' 'dq' 'a\\nb'"},
      // `{{!` writes literal braces
      {"{{! not a tag }}", {}, "{{ not a tag }}"},
      // local variables shadow parameters
      {"{% set x = 'local' %}{{ x }}", {{"x", {"param"}}}, "'local'"},
      {"{% if defined(x) %}{% set y = x %}{% else %}{% set y = 'none' %}{% end %}{{ y }}", {}, "'none'"},
  };
  for (const RenderCase& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_EQ(render(c.body, c.params), c.expected);
  }
}

TEST(TemplateRenderTest, DropsOnlyTheLeadingPercentLine) {
  const Template tmpl = Template::parse("\n  %  \nSELECT 1\n%\n", "n", "p");
  EXPECT_EQ(tmpl.render({}), "SELECT 1\n%\n");
}

TEST(TemplateRenderTest, DetectsTemplates) {
  EXPECT_TRUE(isTemplate("%\nSELECT 1"));
  EXPECT_TRUE(isTemplate("\n   \n\t%\t\nSELECT 1"));
  EXPECT_FALSE(isTemplate("SELECT 1\n%"));
  EXPECT_FALSE(isTemplate("%%\nSELECT 1"));
  EXPECT_FALSE(isTemplate(""));
}

TEST(TemplateRenderTest, RendersTheSpecExamplePipe) {
  const Template tmpl = Template::parse(
      "    %\n"
      "    SELECT * FROM app_events\n"
      "    WHERE organization_id = {{String(organization_id, required=True)}}\n"
      "    {% if defined(user_id) %} AND user_id = {{String(user_id)}} {% end %}\n",
      "filtered", "daily");
  EXPECT_EQ(tmpl.render({{"organization_id", {"org_1"}}}),
            "    SELECT * FROM app_events\n"
            "    WHERE organization_id = 'org_1'\n"
            "    \n");
  EXPECT_EQ(tmpl.render({{"organization_id", {"org_1"}}, {"user_id", {"u'1"}}}),
            "    SELECT * FROM app_events\n"
            "    WHERE organization_id = 'org_1'\n"
            "     AND user_id = 'u\\'1' \n");
  try {
    tmpl.render({{"user_id", {"u1"}}});
    FAIL() << "expected a missing parameter error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_EQ(std::string(error.what()),
              "Template Syntax Error: Required parameter is not defined. Check the parameters organization_id. "
              "Please provide a value or set a default value in the pipe code. (in node 'filtered' from pipe "
              "'daily')");
  }
}

TEST(TemplateRenderTest, ReportsNullOutput) {
  EXPECT_EQ(errorOf("SELECT {{ x }}"),
            wrapped("expression 'x' at line 2 evaluated to null: parameter 'x' is not defined"));
  EXPECT_EQ(errorOf("SELECT {{ String(x) }}"), wrapped("expression 'String(x)' at line 2 evaluated to null"));
  EXPECT_EQ(errorOf("SELECT {{ None }}"), wrapped("expression 'None' at line 2 evaluated to null"));
}

TEST(TemplateRenderTest, ReportsEvaluationErrors) {
  EXPECT_EQ(errorOf("{{ 1 / 0 }}"), wrapped("division by zero"));
  EXPECT_EQ(errorOf("{{ 'a' + 1 }}"), wrapped("unsupported operand type(s) for +: 'str' and 'int'"));
  EXPECT_EQ(errorOf("{{ 'a' < 1 }}"), wrapped("'<' not supported between instances of 'str' and 'int'"));
  EXPECT_EQ(errorOf("{{ [1][3] }}"), wrapped("list index out of range"));
  EXPECT_EQ(errorOf("{{ {'a': 1}['b'] }}"), wrapped("key 'b' not found"));
  EXPECT_EQ(errorOf("{{ 9223372036854775807 + 1 }}"), wrapped("integer overflow"));
  EXPECT_EQ(errorOf("{{ int('x1') }}"), wrapped("invalid literal for int() with base 10: 'x1'"));
  EXPECT_EQ(errorOf("{{ {'a': 1} }}"), wrapped("a dict cannot be written into SQL"));
  EXPECT_EQ(errorOf("{{ x.lower() }}", {{"x", {"1"}}, {"y", {"2"}}}), "<no error: '1'>");
  EXPECT_EQ(errorOf("{{ len(x) }}"), wrapped("object of type 'NoneType' has no len()"));
  EXPECT_EQ(errorOf("{{ 'x' % 1 }}"), wrapped("string formatting with % is not supported"));
  EXPECT_EQ(errorOf("{% for a, b in [1] %}{% end %}"), wrapped("cannot unpack non-sequence int"));
}

TEST(TemplateRenderTest, BoundsTheWorkOfOneRender) {
  EXPECT_EQ(errorOf("{% for i in range(100000000) %}{% end %}"),
            wrapped("the template does too much work for one request"));
  EXPECT_EQ(errorOf("{{ 'a' * 100000000 }}"), wrapped("result of * is too large"));
}

TEST(TemplateRenderTest, CopiesShareTheParsedTemplate) {
  const Template original = testing::parseBody("{{ Int32(x, 1) }}");
  const Template copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.render({{"x", {"5"}}}), "toInt32('5')");
  EXPECT_EQ(&copy.parameters(), &original.parameters());
}

}  // namespace
}  // namespace perch::templating
