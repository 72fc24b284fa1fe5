#include "templating/template_parser.h"

#include <algorithm>
#include <array>

#include "templating/expression_parser.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && isBlank(text.back())) text.remove_suffix(1);
  return text;
}

int countNewlines(std::string_view text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

/// Tornado tags that would run arbitrary code, include files or change escaping.
constexpr std::array<std::string_view, 14> kForbiddenTags{
    "raw", "import", "from", "include", "extends", "module", "block", "apply", "autoescape",
    "try", "except", "finally", "while", "whitespace"};

}  // namespace

TemplateStart findTemplateStart(std::string_view text) {
  size_t pos = 0;
  int line = 1;
  while (pos < text.size()) {
    const size_t newline = text.find('\n', pos);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view content = trim(text.substr(pos, end - pos));
    const size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
    if (!content.empty()) {
      if (content == "%") return TemplateStart{true, next, line + 1};
      return TemplateStart{};
    }
    pos = next;
    ++line;
  }
  return TemplateStart{};
}

bool isTemplate(std::string_view sql) { return findTemplateStart(sql).is_template; }

TemplateParser::TemplateParser(std::string_view text) : text_(text) {
  const TemplateStart start = findTemplateStart(text);
  if (start.is_template) {
    pos_ = start.body_offset;
    line_ = start.body_line;
  }
}

void TemplateParser::fail(const std::string& message, int line) const {
  throw TemplateError(message + " at line " + std::to_string(line));
}

void TemplateParser::parse(CompiledTemplate& out) {
  Terminator terminator;
  out.body = parseStatements("", 0, terminator);
  resolveSlots(out.body);
  out.slot_names = slot_names_;
  out.output_size_hint = text_.size() + output_count_ * 16;
}

void TemplateParser::appendText(std::vector<Statement>& body, std::string_view text, int line) {
  if (text.empty()) return;
  if (!body.empty() && body.back().kind == StatementKind::kText) {
    body.back().text += text;
    return;
  }
  Statement statement;
  statement.kind = StatementKind::kText;
  statement.line = line;
  statement.text = std::string(text);
  body.push_back(std::move(statement));
}

TemplateParser::Tag TemplateParser::nextTag(std::vector<Statement>& body) {
  size_t search = pos_;
  while (true) {
    const size_t curly = text_.find('{', search);
    if (curly == std::string_view::npos || curly + 1 == text_.size()) {
      appendText(body, text_.substr(pos_), line_);
      line_ += countNewlines(text_.substr(pos_));
      pos_ = text_.size();
      return Tag{};
    }
    const char kind = text_[curly + 1];
    if (kind != '{' && kind != '%' && kind != '#') {
      search = curly + 1;
      continue;
    }
    // With more than two curlies in a row, the innermost pair opens the tag (Tornado's rule).
    if (curly + 2 < text_.size() && kind == '{' && text_[curly + 2] == '{') {
      search = curly + 1;
      continue;
    }
    const std::string_view before = text_.substr(pos_, curly - pos_);
    appendText(body, before, line_);
    line_ += countNewlines(before);
    const int tag_line = line_;
    if (curly + 2 < text_.size() && text_[curly + 2] == '!') {  // `{{!` writes a literal `{{`
      appendText(body, text_.substr(curly, 2), line_);
      pos_ = search = curly + 3;
      continue;
    }
    const std::string_view closing = kind == '{' ? "}}" : (kind == '%' ? "%}" : "#}");
    const size_t end = text_.find(closing, curly + 2);
    if (end == std::string_view::npos) {
      fail(kind == '{' ? "Missing end expression }}" : (kind == '%' ? "Missing end block %}" : "Missing end comment #}"),
           tag_line);
    }
    const std::string_view contents = text_.substr(curly + 2, end - curly - 2);
    line_ += countNewlines(contents);
    pos_ = search = end + 2;
    if (kind == '#') continue;
    const std::string_view trimmed = trim(contents);
    if (trimmed.empty()) fail(kind == '{' ? "Empty expression" : "Empty block tag ({% %})", tag_line);
    return Tag{kind == '{' ? Tag::Kind::kExpression : Tag::Kind::kBlock, trimmed, tag_line};
  }
}

std::vector<Statement> TemplateParser::parseStatements(std::string_view open_block, int open_line,
                                                       Terminator& terminator) {
  std::vector<Statement> body;
  while (true) {
    const Tag tag = nextTag(body);
    if (tag.kind == Tag::Kind::kEndOfText) {
      if (!open_block.empty()) fail("Missing {% end %} block for " + std::string(open_block), open_line);
      terminator = Terminator{};
      return body;
    }
    if (tag.kind == Tag::Kind::kExpression) {
      Statement statement;
      statement.kind = StatementKind::kOutput;
      statement.line = tag.line;
      statement.text = std::string(tag.contents);
      statement.expr = ExpressionParser(tag.contents, tag.line).parseComplete();
      body.push_back(std::move(statement));
      ++output_count_;
      continue;
    }
    size_t word_end = 0;
    while (word_end < tag.contents.size() && !isBlank(tag.contents[word_end])) ++word_end;
    const std::string_view word = tag.contents.substr(0, word_end);
    const std::string_view rest = trim(tag.contents.substr(word_end));
    if (word == "end") {
      if (open_block.empty()) fail("Extra {% end %} block", tag.line);
      terminator = Terminator{word, rest, tag.line};
      return body;
    }
    if (word == "else" || word == "elif") {
      if (open_block != "if") fail(std::string(word) + " outside if block", tag.line);
      terminator = Terminator{word, rest, tag.line};
      return body;
    }
    if (word == "if") {
      body.push_back(parseIf(rest, tag.line));
    } else if (word == "for") {
      body.push_back(parseFor(rest, tag.line));
    } else if (word == "set") {
      body.push_back(parseSet(rest, tag.line));
    } else if (word == "break" || word == "continue") {
      if (loop_depth_ == 0) fail(std::string(word) + " outside loop", tag.line);
      if (!rest.empty()) fail(std::string(word) + " takes no expression", tag.line);
      Statement statement;
      statement.kind = word == "break" ? StatementKind::kBreak : StatementKind::kContinue;
      statement.line = tag.line;
      body.push_back(std::move(statement));
    } else if (word == "comment") {
      continue;
    } else if (std::find(kForbiddenTags.begin(), kForbiddenTags.end(), word) != kForbiddenTags.end()) {
      fail("{% " + std::string(word) + " %} is not allowed in templates", tag.line);
    } else {
      fail("Unknown template tag '" + std::string(word) + "'", tag.line);
    }
  }
}

Statement TemplateParser::parseIf(std::string_view condition, int line) {
  Statement statement;
  statement.kind = StatementKind::kIf;
  statement.line = line;
  if (condition.empty()) fail("if missing expression", line);
  ExprPtr current_condition = ExpressionParser(condition, line).parseComplete();
  bool in_else = false;
  while (true) {
    Terminator terminator;
    std::vector<Statement> branch_body = parseStatements("if", line, terminator);
    statement.branches.push_back(Branch{std::move(current_condition), std::move(branch_body)});
    if (terminator.word == "end") return statement;
    if (in_else) fail(std::string(terminator.word) + " after else", terminator.line);
    if (terminator.word == "else") {
      if (!terminator.rest.empty()) fail("else takes no expression", terminator.line);
      in_else = true;
      current_condition = nullptr;
    } else {
      if (terminator.rest.empty()) fail("elif missing expression", terminator.line);
      current_condition = ExpressionParser(terminator.rest, terminator.line).parseComplete();
    }
  }
}

Statement TemplateParser::parseFor(std::string_view header, int line) {
  Statement statement;
  statement.kind = StatementKind::kFor;
  statement.line = line;
  ExpressionParser parser(header, line);
  const std::vector<std::string> names = parser.parseTargets();
  parser.expect("in");
  statement.expr = parser.parseComplete();
  statement.targets = slotsFor(names);
  Terminator terminator;
  ++loop_depth_;
  statement.body = parseStatements("for", line, terminator);
  --loop_depth_;
  return statement;
}

Statement TemplateParser::parseSet(std::string_view assignment, int line) {
  Statement statement;
  statement.kind = StatementKind::kSet;
  statement.line = line;
  ExpressionParser parser(assignment, line);
  const std::vector<std::string> names = parser.parseTargets();
  parser.expect("=");
  statement.expr = parser.parseComplete();
  statement.targets = slotsFor(names);
  return statement;
}

std::vector<int> TemplateParser::slotsFor(const std::vector<std::string>& names) {
  std::vector<int> slots;
  for (const std::string& name : names) {
    auto it = slots_.find(name);
    if (it == slots_.end()) {
      it = slots_.emplace(name, static_cast<int>(slot_names_.size())).first;
      slot_names_.push_back(name);
    }
    slots.push_back(it->second);
  }
  return slots;
}

void TemplateParser::resolveSlots(Expr& expr) {
  if (expr.kind == ExprKind::kName) {
    const auto it = slots_.find(expr.name);
    if (it != slots_.end()) expr.slot = it->second;
  }
  for (ExprPtr& operand : expr.operands) resolveSlots(*operand);
  for (Keyword& keyword : expr.keywords) resolveSlots(*keyword.value);
}

void TemplateParser::resolveSlots(std::vector<Statement>& body) {
  for (Statement& statement : body) {
    if (statement.expr) resolveSlots(*statement.expr);
    for (Branch& branch : statement.branches) {
      if (branch.condition) resolveSlots(*branch.condition);
      resolveSlots(branch.body);
    }
    resolveSlots(statement.body);
  }
}

}  // namespace perch::templating
