// TemplateParser: turns template text into the statement tree of a CompiledTemplate, following
// Tornado's tag syntax: `{{ expr }}`, `{% tag ... %}`, `{# comment #}`, with `{{!`, `{%!` and
// `{#!` writing the literal braces. Block errors name the line of the tag that opened the block
// (`Missing {% end %} block for if at line 3`). After parsing, names assigned by `{% set %}` or
// `{% for %}` are resolved to local-variable slots; every other name reads a request parameter.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "templating/syntax.h"

namespace perch::templating {

class TemplateParser {
 public:
  explicit TemplateParser(std::string_view text);

  /// Parses the whole text; throws TemplateError.
  void parse(CompiledTemplate& out);

 private:
  struct Tag {
    enum class Kind { kEndOfText, kExpression, kBlock } kind = Kind::kEndOfText;
    std::string_view contents;  // trimmed
    int line = 0;
  };
  /// How a nested statement list ended.
  struct Terminator {
    std::string_view word;  // "end", "else", "elif" or empty at end of text
    std::string_view rest;
    int line = 0;
  };

  /// Appends the text before the next tag to `body` and returns the tag.
  Tag nextTag(std::vector<Statement>& body);
  std::vector<Statement> parseStatements(std::string_view open_block, int open_line, Terminator& terminator);
  Statement parseIf(std::string_view condition, int line);
  Statement parseFor(std::string_view header, int line);
  Statement parseSet(std::string_view assignment, int line);
  std::vector<int> slotsFor(const std::vector<std::string>& names);
  void resolveSlots(std::vector<Statement>& body);
  void resolveSlots(Expr& expr);
  void appendText(std::vector<Statement>& body, std::string_view text, int line);
  [[noreturn]] void fail(const std::string& message, int line) const;

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  std::map<std::string, int, std::less<>> slots_;
  std::vector<std::string> slot_names_;
  size_t output_count_ = 0;
  int loop_depth_ = 0;  // {% for %} blocks around the current position; {% break %} needs one
};

/// Offset just past the leading `%` line, and that line's number, when `text` is a template.
struct TemplateStart {
  bool is_template = false;
  size_t body_offset = 0;
  int body_line = 1;
};
TemplateStart findTemplateStart(std::string_view text);

}  // namespace perch::templating
