// Parse-time errors: malformed tags and blocks, and everything outside the safe expression
// subset, are rejected when the template is parsed — before any request — naming the line.
#include <gtest/gtest.h>

#include "template_test_support.h"

namespace perch::templating {
namespace {

std::string parseError(std::string_view text) {
  try {
    Template::parse(text, "node", "pipe");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    return error.what();
  }
  return "<parsed>";
}

struct SyntaxCase {
  const char* text;
  const char* message;
};

TEST(TemplateSyntaxTest, RejectsMalformedTemplatesNamingTheLine) {
  const SyntaxCase cases[] = {
      {"%\nSELECT\n{% if defined(x) %}\nAND 1", "Missing {% end %} block for if at line 3"},
      {"%\n{% for i in range(3) %}\n{% if x %}{% end %}", "Missing {% end %} block for for at line 2"},
      {"%\n{% if a %}\n{% else %}\n{% for i in x %}", "Missing {% end %} block for for at line 4"},
      {"%\nSELECT 1\n{% end %}", "Extra {% end %} block at line 3"},
      {"%\n{% else %}", "else outside if block at line 2"},
      {"%\n{% for i in x %}{% else %}{% end %}", "else outside if block at line 2"},
      {"%\n{% if a %}{% else %}{% elif b %}{% end %}", "elif after else at line 2"},
      {"%\n{% if a %}{% else %}{% else %}{% end %}", "else after else at line 2"},
      {"%\n{% if %}{% end %}", "if missing expression at line 2"},
      {"%\n\n{% whatever x %}", "Unknown template tag 'whatever' at line 3"},
      {"%\n{% raw x %}", "{% raw %} is not allowed in templates at line 2"},
      {"%\n{% import os %}", "{% import %} is not allowed in templates at line 2"},
      {"%\n{% include 'x' %}", "{% include %} is not allowed in templates at line 2"},
      {"%\n{% while True %}{% end %}", "{% while %} is not allowed in templates at line 2"},
      {"%\nSELECT {{ x", "Missing end expression }} at line 2"},
      {"%\n{% if x", "Missing end block %} at line 2"},
      {"%\n{# comment", "Missing end comment #} at line 2"},
      {"%\n{{  }}", "Empty expression at line 2"},
      {"%\n{% %}", "Empty block tag ({% %}) at line 2"},
      // Outside the expression subset.
      {"%\n{{ __import__('os') }}", "name '__import__' is not allowed at line 2"},
      {"%\n{{ x.__class__ }}", "attribute '__class__' is not allowed at line 2"},
      {"%\n{{ x.format() }}", "method 'format' is not allowed at line 2"},
      {"%\n{{ x.join(y) }}", "method 'join' is not allowed at line 2"},
      {"%\n{{ x.lower }}", "attribute access '.lower' is not allowed, only method calls at line 2"},
      {"%\n{{ 2 ** 10 }}", "'**' is not allowed at line 2"},
      {"%\n{{ lambda: 1 }}", "'lambda' is not allowed at line 2"},
      {"%\n{{ import os }}", "'import' is not allowed at line 2"},
      {"%\n{{ open('/etc/passwd') }}", "unknown function 'open' at line 2"},
      {"%\n{{ eval('1') }}", "unknown function 'eval' at line 2"},
      {"%\n{{ getattr(x, 'y') }}", "unknown function 'getattr' at line 2"},
      {"%\n{{ (len)(x) }}", "only builtin functions and allow-listed methods can be called at line 2"},
      {"%\n{{ [x for x in y] }}", "comprehensions are not supported at line 2"},
      {"%\n{{ f'{x}' }}", "f-strings are not supported at line 2"},
      {"%\n{{ String(*x) }}", "'*' arguments are not allowed at line 2"},
      {"%\n{{ String(x, nope=1) }}", "String() got an unexpected keyword argument 'nope' at line 2"},
      {"%\n{{ String(x, 1, 2) }}", "String() takes 1 to 2 positional arguments but 3 were given at line 2"},
      {"%\n{{ defined() }}", "defined() takes 1 positional arguments but 0 were given at line 2"},
      {"%\n{{ String(x, default=1, default=2) }}", "keyword argument repeated: default at line 2"},
      {"%\n{{ String(default=1, x) }}", "positional argument follows keyword argument at line 2"},
      {"%\n{{ 1 + }}", "invalid syntax in '1 +': unexpected end at line 2"},
      {"%\n{{ 'abc }}", "unterminated string in ''abc' at line 2"},
      {"%\n{{ x; y }}", "invalid character ';' in 'x; y' at line 2"},
      {"%\n{{ 99999999999999999999 }}", "integer literal 99999999999999999999 is too large at line 2"},
      {"%\n{% set x += 1 %}", "'+=' is not allowed at line 2"},
      // Reserved names.
      {"%\n{{ String(format) }}", "'format' is a reserved parameter name and cannot be used in a template at line 2"},
      {"%\n{{ q }}", "'q' is a reserved parameter name and cannot be used in a template at line 2"},
      {"%\n{% set q = 1 %}", "'q' is a reserved parameter name and cannot be used in a template at line 2"},
      {"%\n{% for format in x %}{% end %}",
       "'format' is a reserved parameter name and cannot be used in a template at line 2"},
  };
  for (const SyntaxCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parseError(c.text), testing::wrapped(c.message));
  }
}

TEST(TemplateSyntaxTest, AcceptsTheUsualTinybirdForms) {
  const char* texts[] = {
      "%\nSELECT {{ String(x, format='x', description='d', example='e', defined=False) }}",
      "%\n{{ Int32(limit, 10, required=False, enum=[10, 100]) }}",
      "%\n{{ Array(ids, 'Int32', default='1,2', description=\"ids\") }}",
      "%\n{% if defined(a) and (Int32(a) > 1 or not defined(b)) %}x{% elif a in ('1', '2') %}y{% end %}",
      "%\n{% for item in JSON(filters, '[]') %}{{ column(item.get('field')) }} = {{ item.get('value') }}{% end %}",
      "%\n{{ max_threads(8) }}{{ cache_ttl('5m') }}",
      "%\n{# {% if %} inside a comment is ignored #}",
      "%\n{% comment anything %}",
      "%\n{{ columns(cols, 'a,b') }} {{ symbol(s, 'c') }} {{ sql_and(a__in=Array(x), b=String(y)) }}",
      "%\n{{ day_diff(d0, d1) }} {{ date_diff_in_hours(d0, d1, date_format='%Y-%m-%d') }}",
      "%\n{{ {'a': [1, (2, 3)], 'b': None}.items() }}",
      "%\n{% set a, b = 1, 2 %}{% for v in 1, x %}{% end %}",
  };
  for (const char* text : texts) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parseError(text), "<parsed>");
  }
}

TEST(TemplateSyntaxTest, LinesCountFromTheFirstLineOfTheNodeText) {
  EXPECT_EQ(parseError("\n\n%\nSELECT\n{{ open(1) }}"), testing::wrapped("unknown function 'open' at line 5"));
  EXPECT_EQ(parseError("%\n{{ x\n + }}\n{% if %}"),
            testing::wrapped("invalid syntax in 'x\n +': unexpected end at line 2"));
  EXPECT_EQ(parseError("%\n{{ 'a' }}\n{{ 'b' }}{% if %}"), testing::wrapped("if missing expression at line 3"));
}

TEST(TemplateSyntaxTest, NamesTheNodeAndPipe) {
  try {
    Template::parse("%\n{% if x %}", "daily", "events_pipe");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "Template Syntax Error: Missing {% end %} block for if at line 2 (in node 'daily' from pipe "
              "'events_pipe')");
  }
}

}  // namespace
}  // namespace perch::templating
