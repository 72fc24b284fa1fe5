// Robustness: concurrent renders of one Template, and arbitrary template text either parses or
// fails with a perch::Error — never a crash, hang or other exception type.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "template_test_support.h"

namespace perch::templating {
namespace {

TEST(TemplateRobustnessTest, OneTemplateRendersConcurrently) {
  const Template tmpl = testing::parseBody(
      "SELECT * FROM t WHERE org = {{String(org, required=True)}}"
      "{% for i, v in enumerate(Array(ids, 'Int32', '0')) %} AND c{{i}} = {{v}}{% end %}"
      " LIMIT {{Int32(page, 0) * Int32(size, 10)}}");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string org = "org" + std::to_string(t);
        const std::string id = std::to_string(i);
        const std::string expected =
            "SELECT * FROM t WHERE org = '" + org + "' AND c0 = " + id + " AND c1 = 7 LIMIT " + std::to_string(i * 10);
        if (tmpl.render({{"org", {org}}, {"ids", {id, "7"}}, {"page", {id}}}) != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}

TEST(TemplateRobustnessTest, ArbitraryTextParsesOrFailsCleanly) {
  const std::vector<std::string> pieces = {
      "{{", "}}", "{%", "%}", "{#", "#}", "if", "for", "in", "set", "end", "else", "elif", "x", "=", "(", ")",
      "[", "]", "{", "}", "'", "\"", "\\", ",", ":", ".", "+", "-", "*", "/", "%", "<", "==", "not", "and",
      "String", "Int32", "Array", "defined", "column", "1", "2.5", " ", "\n", "None", "True", "lower", "__x",
      "\xff", "!", "sql_and", "a=", "range",
  };
  std::mt19937 random(12345);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(1, 30);
  int parsed = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string text = "%\n";
    const int count = length(random);
    for (int i = 0; i < count; ++i) text += pieces[pick(random)];
    try {
      const Template tmpl = Template::parse(text, "n", "p");
      ++parsed;
      try {
        tmpl.render({{"x", {"1"}}});
      } catch (const Error&) {
      }
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace perch::templating
