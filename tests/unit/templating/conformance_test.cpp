// The template-language conformance suite (SPEC §4): every case in tests/templating/*.test is a
// template, the request parameters, and the exact SQL or the exact error it must produce. The
// file format is described in tests/templating/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "templating/template.h"

namespace perch::templating {
namespace {

enum class Expectation { kSql, kError, kParseError, kRawError, kCustomError };

struct ConformanceCase {
  std::string file;
  int line = 0;  // of the `case` line
  std::string name;
  Params params;
  std::vector<std::pair<std::string, std::string>> param_list;  // for the duplicate check
  std::string text;
  Expectation expectation = Expectation::kSql;
  int custom_status = 0;
  std::string expected;
};

std::filesystem::path conformanceDirectory() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "templating";
}

/// Decodes the C-style escapes allowed in `param` values: \\ \n \t \r \0 \xHH.
std::string decodeEscapes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[++i];
    switch (next) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case 'x':
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
        break;
      default: out += next; break;
    }
  }
  return out;
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

std::vector<ConformanceCase> loadCases(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<ConformanceCase> cases;
  enum class State { kOutside, kHeader, kTemplate, kExpected } state = State::kOutside;
  std::vector<std::string> lines;
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    ADD_FAILURE() << path.filename().string() << ":" << number << ": " << why;
  };
  while (std::getline(in, line)) {
    ++number;
    if (state == State::kOutside) {
      if (line.empty() || line[0] == '#') continue;
      if (!line.starts_with("case ")) {
        fail("expected 'case <name>'");
        continue;
      }
      ConformanceCase c;
      c.file = path.filename().string();
      c.line = number;
      c.name = line.substr(5);
      cases.push_back(std::move(c));
      state = State::kHeader;
      continue;
    }
    ConformanceCase& c = cases.back();
    if (state == State::kHeader && line.starts_with("param ")) {
      const std::string entry = line.substr(6);
      const size_t equals = entry.find('=');
      if (equals == std::string::npos) {
        fail("expected 'param name=value'");
        continue;
      }
      const std::string name = entry.substr(0, equals);
      const std::string value = decodeEscapes(std::string_view(entry).substr(equals + 1));
      c.params[name].push_back(value);
      c.param_list.emplace_back(name, value);
      continue;
    }
    if (state == State::kHeader) state = State::kTemplate;
    if (state == State::kTemplate) {
      if (!line.starts_with("---- ")) {
        lines.push_back(line);
        continue;
      }
      c.text = joinLines(lines);
      lines.clear();
      const std::string kind = line.substr(5);
      if (kind == "sql") {
        c.expectation = Expectation::kSql;
      } else if (kind == "error") {
        c.expectation = Expectation::kError;
      } else if (kind == "parse error") {
        c.expectation = Expectation::kParseError;
      } else if (kind == "raw error") {
        c.expectation = Expectation::kRawError;
      } else if (kind.starts_with("custom error ")) {
        c.expectation = Expectation::kCustomError;
        c.custom_status = std::stoi(kind.substr(13));
      } else {
        fail("unknown expectation '" + kind + "'");
      }
      state = State::kExpected;
      continue;
    }
    if (line == "====") {
      c.expected = joinLines(lines);
      lines.clear();
      state = State::kOutside;
      continue;
    }
    lines.push_back(line);
  }
  if (state != State::kOutside) fail("the last case is not closed with '===='");
  return cases;
}

std::string wrapped(const std::string& message) {
  return "Template Syntax Error: " + message + " (in node 'node' from pipe 'pipe')";
}

/// Runs one case; returns an empty string when it passes, else what went wrong.
std::string run(const ConformanceCase& c) {
  std::optional<Template> tmpl;
  try {
    tmpl = Template::parse(c.text, "node", "pipe");
  } catch (const Error& error) {
    if (c.expectation == Expectation::kParseError && error.what() == wrapped(c.expected)) return "";
    return "parse failed: " + std::string(error.what());
  }
  if (c.expectation == Expectation::kParseError) return "parsed, but a parse error was expected";
  try {
    const std::string sql = tmpl->render(c.params);
    if (c.expectation == Expectation::kSql && sql == c.expected) return "";
    return "rendered: " + sql;
  } catch (const CustomError& error) {
    if (c.expectation == Expectation::kCustomError && error.httpStatus() == c.custom_status &&
        error.jsonBody() == c.expected) {
      return "";
    }
    return "custom error " + std::to_string(error.httpStatus()) + ": " + error.jsonBody();
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kBadRequest) return "error with a code other than kBadRequest";
    if (c.expectation == Expectation::kError && error.what() == wrapped(c.expected)) return "";
    if (c.expectation == Expectation::kRawError && error.what() == c.expected) return "";
    return "error: " + std::string(error.what());
  }
}

std::vector<ConformanceCase> allCases() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(conformanceDirectory())) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ConformanceCase> cases;
  for (const auto& file : files) {
    std::vector<ConformanceCase> loaded = loadCases(file);
    cases.insert(cases.end(), std::make_move_iterator(loaded.begin()), std::make_move_iterator(loaded.end()));
  }
  return cases;
}

TEST(TemplateConformanceTest, EveryCaseProducesItsExactSqlOrError) {
  const std::vector<ConformanceCase> cases = allCases();
  for (const ConformanceCase& c : cases) {
    const std::string problem = run(c);
    EXPECT_EQ(problem, "") << c.file << ":" << c.line << ": case " << c.name;
  }
}

TEST(TemplateConformanceTest, HasAtLeast200DistinctCases) {
  const std::vector<ConformanceCase> cases = allCases();
  std::set<std::string> names;
  std::set<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> inputs;
  for (const ConformanceCase& c : cases) {
    EXPECT_TRUE(names.insert(c.name).second) << c.file << ":" << c.line << ": duplicate case name " << c.name;
    EXPECT_TRUE(inputs.emplace(c.text, c.param_list).second)
        << c.file << ":" << c.line << ": same template and parameters as an earlier case";
  }
  EXPECT_GE(cases.size(), 200u);
}

}  // namespace
}  // namespace perch::templating
