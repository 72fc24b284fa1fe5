#include "sql/parser.h"

#include <array>
#include <charconv>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "sql/lexer.h"

namespace perch {

namespace {

// Words that end an expression: never taken as an implicit alias.
constexpr std::array<std::string_view, 62> kReservedWords = {
    "ALL",     "AND",     "ANTI",    "ANY",     "ARRAY",   "AS",      "ASC",      "ASCENDING", "ASOF",
    "BETWEEN", "BY",      "CASE",    "CROSS",   "DESC",    "DESCENDING", "DISTINCT", "ELSE",   "END",
    "EXCEPT",  "FINAL",   "FORMAT",  "FROM",    "FULL",    "GLOBAL",  "GROUP",    "HAVING",    "ILIKE",
    "IN",      "INNER",   "INTERSECT", "INTO",  "IS",      "JOIN",    "LEFT",     "LIKE",      "LIMIT",
    "NOT",     "NULLS",   "OFFSET",  "ON",      "OR",      "ORDER",   "OUTER",    "OVER",      "PARTITION",
    "PREWHERE", "QUALIFY", "RIGHT",  "SAMPLE",  "SELECT",  "SEMI",    "SETTINGS", "THEN",      "TOTALS",
    "UNION",   "USING",   "WHEN",    "WHERE",   "WINDOW",  "WITH",    "COLLATE",  "REGEXP",
};

bool isReserved(const Token& token) {
  if (token.kind != TokenKind::kIdentifier) return false;
  for (std::string_view word : kReservedWords) {
    if (token.isKeyword(word)) return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view sql) : sql_(sql), tokens_(tokenize(sql)) {}

  std::unique_ptr<SelectQuery> statement() {
    const Token& first = peek();
    if (first.kind == TokenKind::kIdentifier && !first.isKeyword("SELECT") && !first.isKeyword("WITH")) {
      static constexpr std::array<std::string_view, 16> kStatements = {
          "INSERT", "CREATE", "DROP", "ALTER", "DELETE", "UPDATE", "TRUNCATE", "RENAME",
          "ATTACH", "DETACH", "OPTIMIZE", "SYSTEM", "KILL", "SET", "GRANT", "SHOW"};
      for (std::string_view word : kStatements) {
        if (first.isKeyword(word)) {
          throwBadRequest("Only SELECT queries are supported, got a " + std::string(word) + " statement");
        }
      }
    }
    auto query = selectUnion();
    if (peek().kind == TokenKind::kSemicolon) advance();
    if (peek().kind != TokenKind::kEnd) fail("end of query");
    return query;
  }

  ExprPtr standaloneExpression() {
    auto expr = expressionWithAlias();
    if (peek().kind != TokenKind::kEnd) fail("end of expression");
    return expr;
  }

 private:
  // Parentheses, subqueries and unary chains recurse; their nesting is bounded so a hostile query
  // is a 400, not a stack overflow.
  static constexpr int kMaxNesting = 200;
  struct NestingGuard {
    Parser& parser;
    explicit NestingGuard(Parser& p) : parser(p) {
      if (++parser.nesting_ > kMaxNesting) {
        throwBadRequest("Query is too deeply nested (more than " + std::to_string(kMaxNesting) + " levels)");
      }
    }
    ~NestingGuard() { --parser.nesting_; }
  };
  int nesting_ = 0;

  // ---- token helpers ------------------------------------------------------------------------

  const Token& peek(size_t ahead = 0) const {
    const size_t index = std::min(index_ + ahead, tokens_.size() - 1);
    return tokens_[index];
  }
  const Token& advance() {
    const Token& token = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return token;
  }
  bool accept(TokenKind kind) {
    if (peek().kind != kind) return false;
    advance();
    return true;
  }
  bool acceptKeyword(std::string_view keyword) {
    if (!peek().isKeyword(keyword)) return false;
    advance();
    return true;
  }
  bool acceptKeywords(std::string_view first, std::string_view second) {
    if (!peek().isKeyword(first) || !peek(1).isKeyword(second)) return false;
    advance();
    advance();
    return true;
  }
  void expect(TokenKind kind, std::string_view what) {
    if (!accept(kind)) fail(what);
  }
  void expectKeyword(std::string_view keyword) {
    if (!acceptKeyword(keyword)) fail(keyword);
  }

  [[noreturn]] void fail(std::string_view expected) const { failAt(peek(), expected); }
  [[noreturn]] void failAt(const Token& token, std::string_view expected) const {
    std::string got = token.kind == TokenKind::kEnd ? "end of query" : "'" + tokenText(token) + "'";
    throwBadRequest("Syntax error at " + describePosition(sql_, token.position) + ": expected " +
                    std::string(expected) + ", got " + got);
  }
  static std::string tokenText(const Token& token) {
    std::string text = token.text.substr(0, 40);
    if (token.kind == TokenKind::kString) return "'" + text + "'";
    if (token.kind == TokenKind::kQuotedIdentifier) return "`" + text + "`";
    return text;
  }

  bool atName() const {
    return peek().kind == TokenKind::kQuotedIdentifier || (peek().kind == TokenKind::kIdentifier && !isReserved(peek()));
  }
  std::string name(std::string_view what) {
    if (peek().kind == TokenKind::kQuotedIdentifier || peek().kind == TokenKind::kIdentifier) return advance().text;
    fail(what);
  }

  // ---- statements ---------------------------------------------------------------------------

  std::unique_ptr<SelectQuery> selectUnion() {
    NestingGuard guard(*this);
    auto head = selectOrParenthesized();
    while (acceptKeyword("UNION")) {
      if (!acceptKeyword("ALL")) {
        if (peek().isKeyword("DISTINCT")) throwBadRequest("UNION DISTINCT is not supported, use UNION ALL");
        fail("ALL after UNION");
      }
      auto next = selectOrParenthesized();
      if (!next->format.empty()) {
        head->format = std::move(next->format);
        next->format.clear();
      }
      head->union_all.push_back(std::move(next));
      // A parenthesized member may itself be a union: flatten it.
      auto& last = head->union_all.back();
      for (auto& nested : last->union_all) head->union_all.push_back(std::move(nested));
      last->union_all.clear();
    }
    if (head->format.empty() && acceptKeyword("FORMAT")) head->format = name("format name");
    return head;
  }

  std::unique_ptr<SelectQuery> selectOrParenthesized() {
    if (peek().kind == TokenKind::kLeftParen && (peek(1).isKeyword("SELECT") || peek(1).isKeyword("WITH") ||
                                                 peek(1).kind == TokenKind::kLeftParen)) {
      advance();
      auto query = selectUnion();
      expect(TokenKind::kRightParen, "')'");
      return query;
    }
    return selectBody();
  }

  std::unique_ptr<SelectQuery> selectBody() {
    auto query = std::make_unique<SelectQuery>();
    query->position = peek().position;
    if (acceptKeyword("WITH")) {
      do {
        query->with.push_back(withElement());
      } while (accept(TokenKind::kComma));
    }
    expectKeyword("SELECT");
    if (acceptKeyword("DISTINCT")) query->distinct = true;
    else acceptKeyword("ALL");
    do {
      query->select.push_back(expressionWithAlias());
    } while (accept(TokenKind::kComma));

    if (acceptKeyword("FROM")) {
      query->from = tableExpression();
      joins(*query);
    }
    if (acceptKeyword("PREWHERE")) query->prewhere = expression();
    if (acceptKeyword("WHERE")) query->where = expression();
    if (acceptKeywords("GROUP", "BY")) {
      do {
        query->group_by.push_back(expression());
      } while (accept(TokenKind::kComma));
    }
    // ClickHouse also accepts WITH TOTALS without GROUP BY (the totals row equals the single row).
    if (acceptKeywords("WITH", "TOTALS")) query->with_totals = true;
    if (acceptKeyword("HAVING")) query->having = expression();
    if (acceptKeyword("WINDOW")) {
      do {
        std::string window_name = name("window name");
        if (!acceptKeyword("AS")) fail("AS after the window name");
        query->windows.emplace_back(std::move(window_name), windowSpec());
      } while (accept(TokenKind::kComma));
    }
    if (acceptKeywords("ORDER", "BY")) query->order_by = orderByList();
    if (acceptKeyword("LIMIT")) {
      limitClause(*query);
      if (acceptKeyword("LIMIT")) limitClause(*query);
    }
    if (acceptKeyword("OFFSET")) {
      if (query->offset) fail("end of query");
      query->offset = expression();
      if (!acceptKeyword("ROWS")) acceptKeyword("ROW");
    }
    if (acceptKeyword("SETTINGS")) {
      do {
        std::string setting = name("setting name");
        expect(TokenKind::kEquals, "'='");
        query->settings.emplace_back(std::move(setting), expression());
      } while (accept(TokenKind::kComma));
    }
    if (acceptKeyword("FORMAT")) query->format = name("format name");
    return query;
  }

  void limitClause(SelectQuery& query) {
    ExprPtr first = expression();
    ExprPtr second;
    bool comma = false;
    if (accept(TokenKind::kComma)) {
      comma = true;
      second = expression();
    }
    if (peek().isKeyword("BY")) {
      advance();
      if (query.limit_by_limit) fail("a single LIMIT BY");
      query.limit_by_limit = comma ? std::move(second) : std::move(first);
      // LIMIT offset, n BY is rare; the offset is ignored by design of this AST.
      do {
        query.limit_by.push_back(expression());
      } while (accept(TokenKind::kComma));
      return;
    }
    if (query.limit) fail("end of query");
    if (comma) {
      query.offset = std::move(first);
      query.limit = std::move(second);
    } else {
      query.limit = std::move(first);
      if (acceptKeyword("OFFSET")) query.offset = expression();
    }
  }

  ExprPtr withElement() {
    // `name AS (SELECT ...)` is a CTE; everything else is `expr AS name`.
    if (atName() && peek(1).isKeyword("AS") && peek(2).kind == TokenKind::kLeftParen &&
        (peek(3).isKeyword("SELECT") || peek(3).isKeyword("WITH"))) {
      const size_t position = peek().position;
      std::string alias = name("name");
      advance();  // AS
      advance();  // (
      auto subquery = std::make_unique<Expr>();
      subquery->kind = ExprKind::kSubquery;
      subquery->position = position;
      subquery->subquery = selectUnion();
      subquery->alias = std::move(alias);
      expect(TokenKind::kRightParen, "')'");
      return subquery;
    }
    auto expr = expressionWithAlias();
    if (expr->alias.empty()) failAt(peek(), "AS <name> in WITH");
    return expr;
  }

  TableExpression tableExpression() {
    TableExpression table;
    table.position = peek().position;
    if (peek().kind == TokenKind::kLeftParen) {
      advance();
      if (!peek().isKeyword("SELECT") && !peek().isKeyword("WITH") && peek().kind != TokenKind::kLeftParen) {
        fail("SELECT");
      }
      table.subquery = selectUnion();
      expect(TokenKind::kRightParen, "')'");
    } else {
      if (!atName()) fail("table name or subquery");
      std::string first = name("table name");
      if (peek().kind == TokenKind::kLeftParen) {
        auto function = std::make_unique<Expr>();
        function->kind = ExprKind::kFunction;
        function->name = std::move(first);
        function->position = table.position;
        advance();
        if (!accept(TokenKind::kRightParen)) {
          do {
            function->args.push_back(expression());
          } while (accept(TokenKind::kComma));
          expect(TokenKind::kRightParen, "')'");
        }
        table.table_function = std::move(function);
      } else if (peek().kind == TokenKind::kDot) {
        advance();
        table.database = std::move(first);
        table.table_name = name("table name");
      } else {
        table.table_name = std::move(first);
      }
    }
    if (acceptKeyword("FINAL")) table.final = true;
    if (acceptKeyword("AS")) {
      table.alias = name("alias");
    } else if (atName()) {
      table.alias = advance().text;
    }
    if (acceptKeyword("FINAL")) table.final = true;
    return table;
  }

  void joins(SelectQuery& query) {
    while (true) {
      if (accept(TokenKind::kComma)) {
        JoinClause join;
        join.kind = JoinKind::kComma;
        join.table = tableExpression();
        query.joins.push_back(std::move(join));
        continue;
      }
      // ARRAY JOIN / LEFT ARRAY JOIN
      if (peek().isKeyword("ARRAY") && peek(1).isKeyword("JOIN")) {
        advance();
        advance();
        arrayJoin(query, false);
        continue;
      }
      if (peek().isKeyword("LEFT") && peek(1).isKeyword("ARRAY") && peek(2).isKeyword("JOIN")) {
        advance();
        advance();
        advance();
        arrayJoin(query, true);
        continue;
      }
      const size_t start = index_;
      JoinClause join;
      if (acceptKeyword("GLOBAL")) join.global = true;
      auto strictness = [&]() {
        if (acceptKeyword("ALL")) join.strictness = JoinStrictness::kAll;
        else if (acceptKeyword("ANY")) join.strictness = JoinStrictness::kAny;
        else if (acceptKeyword("SEMI")) join.strictness = JoinStrictness::kSemi;
        else if (acceptKeyword("ANTI")) join.strictness = JoinStrictness::kAnti;
        else if (acceptKeyword("ASOF")) join.strictness = JoinStrictness::kAsof;
      };
      strictness();
      bool has_kind = true;
      if (acceptKeyword("INNER")) join.kind = JoinKind::kInner;
      else if (acceptKeyword("LEFT")) join.kind = JoinKind::kLeft;
      else if (acceptKeyword("RIGHT")) join.kind = JoinKind::kRight;
      else if (acceptKeyword("FULL")) join.kind = JoinKind::kFull;
      else if (acceptKeyword("CROSS")) join.kind = JoinKind::kCross;
      else has_kind = false;
      if (has_kind) {
        acceptKeyword("OUTER");
        if (join.strictness == JoinStrictness::kUnspecified) strictness();
      }
      if (!acceptKeyword("JOIN")) {
        if (index_ != start) fail("JOIN");
        return;
      }
      join.table = tableExpression();
      if (join.kind != JoinKind::kCross) {
        if (acceptKeyword("ON")) {
          join.on = expression();
        } else if (acceptKeyword("USING")) {
          const bool parenthesized = accept(TokenKind::kLeftParen);
          do {
            const size_t position = peek().position;
            join.using_columns.push_back(makeIdentifier({name("column name")}, position));
          } while (accept(TokenKind::kComma));
          if (parenthesized) expect(TokenKind::kRightParen, "')'");
        } else {
          fail("ON or USING");
        }
      }
      query.joins.push_back(std::move(join));
    }
  }

  void arrayJoin(SelectQuery& query, bool left) {
    if (query.array_join) throwBadRequest("Only one ARRAY JOIN clause is supported");
    ArrayJoinClause clause;
    clause.left = left;
    do {
      clause.exprs.push_back(expressionWithAlias());
    } while (accept(TokenKind::kComma));
    query.array_join = std::move(clause);
  }

  std::vector<OrderByElement> orderByList() {
    std::vector<OrderByElement> list;
    do {
      OrderByElement element;
      element.expr = expression();
      if (acceptKeyword("DESC") || acceptKeyword("DESCENDING")) element.descending = true;
      else if (!acceptKeyword("ASC")) acceptKeyword("ASCENDING");
      if (acceptKeyword("NULLS")) {
        if (acceptKeyword("FIRST")) element.nulls_first = true;
        else if (acceptKeyword("LAST")) element.nulls_first = false;
        else fail("FIRST or LAST");
      }
      if (acceptKeyword("COLLATE")) {
        if (peek().kind != TokenKind::kString) fail("collation string");
        advance();
      }
      if (peek().isKeyword("WITH") && peek(1).isKeyword("FILL")) {
        advance();
        advance();
        element.with_fill = true;
        if (acceptKeyword("FROM")) element.fill_from = expression();
        if (acceptKeyword("TO")) element.fill_to = expression();
        if (acceptKeyword("STEP")) element.fill_step = expression();
      }
      list.push_back(std::move(element));
    } while (accept(TokenKind::kComma));
    return list;
  }

  // ---- expressions --------------------------------------------------------------------------

  ExprPtr expressionWithAlias() {
    auto expr = expression();
    parseAlias(*expr);
    return expr;
  }

  void parseAlias(Expr& expr) {
    if (acceptKeyword("AS")) {
      if (peek().kind != TokenKind::kIdentifier && peek().kind != TokenKind::kQuotedIdentifier) fail("alias");
      expr.alias = advance().text;
    } else if (atName()) {
      expr.alias = advance().text;
    }
  }

  ExprPtr expression() { return lambdaOrTernary(); }

  bool atLambda() const {
    if (peek().kind == TokenKind::kIdentifier && peek(1).kind == TokenKind::kArrow) return true;
    if (peek().kind != TokenKind::kLeftParen) return false;
    size_t i = 1;
    while (true) {
      if (peek(i).kind != TokenKind::kIdentifier) return false;
      ++i;
      if (peek(i).kind == TokenKind::kComma) {
        ++i;
        continue;
      }
      return peek(i).kind == TokenKind::kRightParen && peek(i + 1).kind == TokenKind::kArrow;
    }
  }

  ExprPtr lambdaOrTernary() {
    NestingGuard guard(*this);
    if (atLambda()) {
      const size_t position = peek().position;
      std::vector<ExprPtr> params;
      if (accept(TokenKind::kLeftParen)) {
        do {
          const size_t param_position = peek().position;
          params.push_back(makeIdentifier({advance().text}, param_position));
        } while (accept(TokenKind::kComma));
        expect(TokenKind::kRightParen, "')'");
      } else {
        params.push_back(makeIdentifier({advance().text}, position));
      }
      expect(TokenKind::kArrow, "'->'");
      std::vector<ExprPtr> args;
      args.push_back(makeFunction("tuple", std::move(params), position));
      args.push_back(expression());
      return makeFunction("lambda", std::move(args), position);
    }
    auto condition = logicalOr();
    if (peek().kind == TokenKind::kQuestion) {
      const size_t position = advance().position;
      auto then_value = expression();
      expect(TokenKind::kColon, "':'");
      auto else_value = expression();
      std::vector<ExprPtr> args;
      args.push_back(std::move(condition));
      args.push_back(std::move(then_value));
      args.push_back(std::move(else_value));
      return makeFunction("if", std::move(args), position);
    }
    return condition;
  }

  static ExprPtr binary(std::string name, ExprPtr left, ExprPtr right) {
    const size_t position = left->position;
    std::vector<ExprPtr> args;
    args.push_back(std::move(left));
    args.push_back(std::move(right));
    return makeFunction(std::move(name), std::move(args), position);
  }
  static ExprPtr unary(std::string name, ExprPtr operand, size_t position) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(operand));
    return makeFunction(std::move(name), std::move(args), position);
  }

  ExprPtr logicalOr() {
    auto left = logicalAnd();
    while (acceptKeyword("OR")) left = binary("or", std::move(left), logicalAnd());
    return left;
  }

  ExprPtr logicalAnd() {
    auto left = logicalNot();
    while (acceptKeyword("AND")) left = binary("and", std::move(left), logicalNot());
    return left;
  }

  ExprPtr logicalNot() {
    NestingGuard guard(*this);
    if (peek().isKeyword("NOT")) {
      const size_t position = advance().position;
      return unary("not", logicalNot(), position);
    }
    return nullity();
  }

  ExprPtr nullity() {
    auto operand = comparison();
    while (peek().isKeyword("IS")) {
      advance();
      const bool negated = acceptKeyword("NOT");
      expectKeyword("NULL");
      operand = unary(negated ? "isNotNull" : "isNull", std::move(operand), operand->position);
    }
    return operand;
  }

  ExprPtr comparison() {
    auto left = concatenation();
    while (true) {
      const TokenKind kind = peek().kind;
      std::string function;
      switch (kind) {
        case TokenKind::kEquals: function = "equals"; break;
        case TokenKind::kNotEquals: function = "notEquals"; break;
        case TokenKind::kLess: function = "less"; break;
        case TokenKind::kLessOrEquals: function = "lessOrEquals"; break;
        case TokenKind::kGreater: function = "greater"; break;
        case TokenKind::kGreaterOrEquals: function = "greaterOrEquals"; break;
        default: break;
      }
      if (!function.empty()) {
        advance();
        left = binary(function, std::move(left), concatenation());
        continue;
      }
      const size_t save = index_;
      const bool global = acceptKeyword("GLOBAL");
      const bool negated = acceptKeyword("NOT");
      if (acceptKeyword("IN")) {
        left = binary(negated ? "notIn" : "in", std::move(left), concatenation());
        continue;
      }
      if (!global && acceptKeyword("LIKE")) {
        left = binary(negated ? "notLike" : "like", std::move(left), concatenation());
        continue;
      }
      if (!global && acceptKeyword("ILIKE")) {
        left = binary(negated ? "notILike" : "ilike", std::move(left), concatenation());
        continue;
      }
      if (!global && acceptKeyword("REGEXP")) {
        auto match = binary("match", std::move(left), concatenation());
        left = negated ? unary("not", std::move(match), match->position) : std::move(match);
        continue;
      }
      if (!global && acceptKeyword("BETWEEN")) {
        auto low = concatenation();
        expectKeyword("AND");
        auto high = concatenation();
        auto copy = left->clone();
        if (negated) {
          left = binary("or", binary("less", std::move(left), std::move(low)),
                        binary("greater", std::move(copy), std::move(high)));
        } else {
          left = binary("and", binary("greaterOrEquals", std::move(left), std::move(low)),
                        binary("lessOrEquals", std::move(copy), std::move(high)));
        }
        continue;
      }
      index_ = save;
      return left;
    }
  }

  ExprPtr concatenation() {
    auto left = additive();
    if (peek().kind != TokenKind::kConcat) return left;
    std::vector<ExprPtr> parts;
    const size_t position = left->position;
    parts.push_back(std::move(left));
    while (accept(TokenKind::kConcat)) parts.push_back(additive());
    return makeFunction("concat", std::move(parts), position);
  }

  ExprPtr additive() {
    auto left = multiplicative();
    while (true) {
      if (accept(TokenKind::kPlus)) left = binary("plus", std::move(left), multiplicative());
      else if (accept(TokenKind::kMinus)) left = binary("minus", std::move(left), multiplicative());
      else return left;
    }
  }

  ExprPtr multiplicative() {
    auto left = unaryMinus();
    while (true) {
      if (accept(TokenKind::kStar)) left = binary("multiply", std::move(left), unaryMinus());
      else if (accept(TokenKind::kSlash)) left = binary("divide", std::move(left), unaryMinus());
      else if (accept(TokenKind::kPercent) || acceptKeyword("MOD")) left = binary("modulo", std::move(left), unaryMinus());
      else if (acceptKeyword("DIV")) left = binary("intDiv", std::move(left), unaryMinus());
      else return left;
    }
  }

  ExprPtr unaryMinus() {
    NestingGuard guard(*this);
    if (peek().kind == TokenKind::kMinus) {
      const size_t position = advance().position;
      if (peek().kind == TokenKind::kNumber && peek(1).kind != TokenKind::kDoubleColon &&
          peek(1).kind != TokenKind::kLeftBracket) {
        auto literal = numberLiteral(advance());
        if (auto* value = std::get_if<uint64_t>(&literal->literal)) {
          if (*value <= static_cast<uint64_t>(INT64_MAX) + 1) {
            literal->literal = static_cast<int64_t>(0 - *value);
            literal->position = position;
            return postfix(std::move(literal));
          }
        } else if (auto* number = std::get_if<double>(&literal->literal)) {
          literal->literal = -*number;
          literal->position = position;
          return postfix(std::move(literal));
        }
        return unary("negate", std::move(literal), position);
      }
      return unary("negate", unaryMinus(), position);
    }
    return postfix(primary());
  }

  ExprPtr postfix(ExprPtr expr) {
    while (true) {
      if (accept(TokenKind::kDoubleColon)) {
        const size_t position = expr->position;
        std::vector<ExprPtr> args;
        args.push_back(std::move(expr));
        args.push_back(makeLiteral(typeName(), position));
        expr = makeFunction("CAST", std::move(args), position);
      } else if (peek().kind == TokenKind::kLeftBracket) {
        advance();
        auto index = expression();
        expect(TokenKind::kRightBracket, "']'");
        expr = binary("arrayElement", std::move(expr), std::move(index));
      } else if (peek().kind == TokenKind::kNumber && peek().text.size() > 1 && peek().text[0] == '.' &&
                 peek().text.find_first_not_of("0123456789", 1) == std::string::npos) {
        const Token& token = advance();
        uint64_t index = std::stoull(token.text.substr(1));
        expr = binary("tupleElement", std::move(expr), makeLiteral(index, token.position + 1));
      } else {
        return expr;
      }
    }
  }

  /// A type name as written after `::` or `AS` in CAST, normalized: `Nullable(String)`, `DateTime('UTC')`.
  std::string typeName() {
    if (peek().kind != TokenKind::kIdentifier && peek().kind != TokenKind::kQuotedIdentifier) fail("type name");
    std::string result = advance().text;
    if (peek().kind == TokenKind::kLeftParen) {
      advance();
      result += "(";
      bool first = true;
      while (!accept(TokenKind::kRightParen)) {
        if (!first) {
          expect(TokenKind::kComma, "',' or ')'");
          result += ", ";
        }
        first = false;
        if (peek().kind == TokenKind::kString) {
          result += "'" + advance().text + "'";
        } else if (peek().kind == TokenKind::kNumber) {
          result += advance().text;
        } else {
          result += typeName();
        }
      }
      result += ")";
    }
    return result;
  }

  ExprPtr numberLiteral(const Token& token) {
    const std::string& text = token.text;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      uint64_t value = 0;
      auto [ptr, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), value, 16);
      if (ec != std::errc()) failAt(token, "a number that fits in UInt64");
      return makeLiteral(value, token.position);
    }
    if (text.find_first_of(".eE") == std::string::npos) {
      uint64_t value = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && ptr == text.data() + text.size()) return makeLiteral(value, token.position);
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() && ec != std::errc::result_out_of_range) failAt(token, "number");
    return makeLiteral(value, token.position);
  }

  std::vector<ExprPtr> argumentList() {
    std::vector<ExprPtr> args;
    if (accept(TokenKind::kRightParen)) return args;
    do {
      auto arg = expression();
      if (peek().isKeyword("AS")) parseAlias(*arg);
      args.push_back(std::move(arg));
    } while (accept(TokenKind::kComma));
    expect(TokenKind::kRightParen, "')' or ','");
    return args;
  }

  ExprPtr primary() {
    const Token& token = peek();
    const size_t position = token.position;
    switch (token.kind) {
      case TokenKind::kNumber: return numberLiteral(advance());
      case TokenKind::kString: return makeLiteral(advance().text, position);
      case TokenKind::kLeftParen: return parenthesized();
      case TokenKind::kLeftBracket: {
        advance();
        std::vector<ExprPtr> elements;
        if (!accept(TokenKind::kRightBracket)) {
          do {
            elements.push_back(expression());
          } while (accept(TokenKind::kComma));
          expect(TokenKind::kRightBracket, "']' or ','");
        }
        return makeFunction("array", std::move(elements), position);
      }
      case TokenKind::kStar: {
        advance();
        auto star = std::make_unique<Expr>();
        star->kind = ExprKind::kAsterisk;
        star->position = position;
        asteriskExcept(*star);
        return star;
      }
      case TokenKind::kIdentifier:
      case TokenKind::kQuotedIdentifier: return identifierOrFunction();
      default: break;
    }
    fail("expression");
  }

  void asteriskExcept(Expr& star) {
    if (!acceptKeyword("EXCEPT")) return;
    const bool parenthesized = accept(TokenKind::kLeftParen);
    do {
      const size_t position = peek().position;
      star.args.push_back(makeIdentifier({name("column name")}, position));
    } while (parenthesized && accept(TokenKind::kComma));
    if (parenthesized) expect(TokenKind::kRightParen, "')'");
  }

  ExprPtr parenthesized() {
    const size_t position = advance().position;
    if (peek().isKeyword("SELECT") || peek().isKeyword("WITH")) {
      auto subquery = std::make_unique<Expr>();
      subquery->kind = ExprKind::kSubquery;
      subquery->position = position;
      subquery->subquery = selectUnion();
      expect(TokenKind::kRightParen, "')'");
      return subquery;
    }
    std::vector<ExprPtr> elements;
    bool trailing_comma = false;
    if (accept(TokenKind::kRightParen)) return makeFunction("tuple", {}, position);
    do {
      if (peek().kind == TokenKind::kRightParen) {
        trailing_comma = true;
        break;
      }
      auto element = expression();
      if (peek().isKeyword("AS") || (elements.empty() && atName())) parseAlias(*element);
      elements.push_back(std::move(element));
    } while (accept(TokenKind::kComma));
    expect(TokenKind::kRightParen, "')' or ','");
    if (elements.size() == 1 && !trailing_comma) return std::move(elements[0]);
    return makeFunction("tuple", std::move(elements), position);
  }

  ExprPtr identifierOrFunction() {
    const Token& first = peek();
    const size_t position = first.position;
    if (first.kind == TokenKind::kIdentifier) {
      if (first.isKeyword("NULL")) {
        advance();
        return makeLiteral(Null{}, position);
      }
      if (first.isKeyword("TRUE") || first.isKeyword("FALSE")) {
        const bool value = first.isKeyword("TRUE");
        advance();
        return makeLiteral(uint64_t{value ? 1u : 0u}, position);
      }
      // `nan` and `inf` are Float64 literals in ClickHouse (any case; `-inf` is the negation).
      if ((first.isKeyword("NAN") || first.isKeyword("INF")) && peek(1).kind != TokenKind::kLeftParen &&
          peek(1).kind != TokenKind::kDot) {
        const bool is_nan = first.isKeyword("NAN");
        advance();
        return makeLiteral(is_nan ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity(), position);
      }
      if (first.isKeyword("CASE")) return caseExpression();
      if (first.isKeyword("INTERVAL")) return interval();
      if (first.isKeyword("CAST") && peek(1).kind == TokenKind::kLeftParen) return castExpression();
      if (first.isKeyword("DATE") && peek(1).kind == TokenKind::kString) {
        advance();
        return unary("toDate", makeLiteral(advance().text, position + 5), position);
      }
      if (first.isKeyword("TIMESTAMP") && peek(1).kind == TokenKind::kString) {
        advance();
        return unary("toDateTime", makeLiteral(advance().text, position + 10), position);
      }
      if (isReserved(first) && !(peek(1).kind == TokenKind::kLeftParen)) fail("expression");
    }
    std::vector<std::string> parts{advance().text};
    if (peek().kind == TokenKind::kLeftParen && first.kind == TokenKind::kIdentifier) return functionCall(parts[0], position);
    while (peek().kind == TokenKind::kDot) {
      advance();
      if (peek().kind == TokenKind::kStar) {
        advance();
        auto star = std::make_unique<Expr>();
        star->kind = ExprKind::kAsterisk;
        star->position = position;
        star->name_parts = std::move(parts);
        asteriskExcept(*star);
        return star;
      }
      if (peek().kind != TokenKind::kIdentifier && peek().kind != TokenKind::kQuotedIdentifier) fail("identifier after '.'");
      parts.push_back(advance().text);
    }
    return makeIdentifier(std::move(parts), position);
  }

  ExprPtr functionCall(std::string function_name, size_t position) {
    if ((peek(1).isKeyword("BOTH") || peek(1).isKeyword("LEADING") || peek(1).isKeyword("TRAILING")) && peek(2).kind != TokenKind::kRightParen &&
        peek(2).kind != TokenKind::kComma && Token{TokenKind::kIdentifier, function_name, position}.isKeyword("TRIM")) {
      return trimExpression(position);
    }
    advance();  // (
    bool distinct = false;
    if (peek().isKeyword("DISTINCT")) {
      advance();
      distinct = true;
    } else if (peek().isKeyword("ALL") && peek(1).kind != TokenKind::kRightParen && peek(1).kind != TokenKind::kComma) {
      advance();
    }
    std::vector<ExprPtr> args;
    // count(*) is count().
    if (peek().kind == TokenKind::kStar && peek(1).kind == TokenKind::kRightParen) {
      advance();
      advance();
    } else {
      args = argumentList();
    }
    auto call = makeFunction(std::move(function_name), std::move(args), position);
    if (peek().kind == TokenKind::kLeftParen) {  // parametric: quantile(0.5)(x)
      advance();
      call->parameters = std::move(call->args);
      call->has_parameters = true;
      call->args = argumentList();
    }
    if (distinct) {
      std::string lowered;
      for (char c : call->name) lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      call->name = lowered == "count" ? "uniqExact" : call->name + "Distinct";
    }
    if (acceptKeyword("OVER")) {
      if (peek().kind == TokenKind::kLeftParen) {
        call->window = windowSpec();
      } else {
        call->window = std::make_shared<WindowSpec>();
        call->window->name = name("window name or '(' after OVER");
      }
    }
    return call;
  }

  std::shared_ptr<WindowSpec> windowSpec() {
    auto window = std::make_shared<WindowSpec>();
    expect(TokenKind::kLeftParen, "'(' after OVER");
    if (acceptKeywords("PARTITION", "BY")) {
      do {
        window->partition_by.push_back(expression());
      } while (accept(TokenKind::kComma));
    }
    if (acceptKeywords("ORDER", "BY")) window->order_by = orderByList();
    if (peek().isKeyword("ROWS") || peek().isKeyword("RANGE")) {
      while (peek().kind != TokenKind::kRightParen && peek().kind != TokenKind::kEnd) {
        if (!window->frame.empty()) window->frame.push_back(' ');
        window->frame += advance().text;
      }
    }
    expect(TokenKind::kRightParen, "')'");
    return window;
  }

  ExprPtr caseExpression() {
    const size_t position = advance().position;
    ExprPtr subject;
    if (!peek().isKeyword("WHEN")) subject = expression();
    std::vector<ExprPtr> args;
    if (subject) args.push_back(std::move(subject));
    bool any = false;
    while (acceptKeyword("WHEN")) {
      any = true;
      args.push_back(expression());
      expectKeyword("THEN");
      args.push_back(expression());
    }
    if (!any) fail("WHEN");
    if (acceptKeyword("ELSE")) args.push_back(expression());
    else args.push_back(makeLiteral(Null{}, position));
    expectKeyword("END");
    const bool with_subject = args.size() % 2 == 0;
    return makeFunction(with_subject ? "caseWithExpression" : "multiIf", std::move(args), position);
  }

  ExprPtr castExpression() {
    const size_t position = advance().position;
    advance();  // (
    auto value = expression();
    std::vector<ExprPtr> args;
    args.push_back(std::move(value));
    if (acceptKeyword("AS")) {
      const size_t type_position = peek().position;
      args.push_back(makeLiteral(typeName(), type_position));
    } else {
      expect(TokenKind::kComma, "AS or ','");
      args.push_back(expression());
    }
    expect(TokenKind::kRightParen, "')'");
    return makeFunction("CAST", std::move(args), position);
  }

  // trim(BOTH|LEADING|TRAILING 'chars' FROM s), rewritten as ClickHouse's parser does: a regular
  // expression replacement that removes the runs of those characters at the start and/or end.
  ExprPtr trimExpression(size_t position) {
    advance();  // (
    const Token& side = advance();
    const bool leading = !side.isKeyword("TRAILING"), trailing = !side.isKeyword("LEADING");
    if (peek().kind != TokenKind::kString) fail("a string literal of the characters to trim");
    const Token& characters = advance();
    if (!acceptKeyword("FROM")) fail("FROM");
    ExprPtr value = expression();
    expect(TokenKind::kRightParen, "')'");
    if (characters.text.empty()) return value;
    std::string set = "[";
    for (char c : characters.text) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) set += '\\';
      set += c;
    }
    set += "]+";
    const std::string pattern = leading && trailing ? "^" + set + "|" + set + "$" : leading ? "^" + set : set + "$";
    std::vector<ExprPtr> args;
    args.push_back(std::move(value));
    args.push_back(makeLiteral(pattern, characters.position));
    args.push_back(makeLiteral(std::string(), characters.position));
    return makeFunction(leading && trailing ? "replaceRegexpAll" : "replaceRegexpOne", std::move(args), position);
  }

  ExprPtr interval() {
    const size_t position = advance().position;
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kUnits = {{
        {"SECOND", "Second"}, {"MINUTE", "Minute"}, {"HOUR", "Hour"}, {"DAY", "Day"}, {"WEEK", "Week"},
        {"MONTH", "Month"}, {"QUARTER", "Quarter"}, {"YEAR", "Year"}, {"MILLISECOND", "Millisecond"},
        {"MICROSECOND", "Microsecond"}, {"NANOSECOND", "Nanosecond"},
    }};
    auto unitFunction = [&](std::string_view word) -> std::string {
      std::string upper;
      for (char c : word) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      if (upper.size() > 1 && upper.back() == 'S') upper.pop_back();
      for (const auto& [keyword, unit] : kUnits) {
        if (upper == keyword) return "toInterval" + std::string(unit);
      }
      return "";
    };
    if (peek().kind == TokenKind::kString) {  // INTERVAL '1 day'
      const Token& token = advance();
      const std::string& text = token.text;
      const size_t space = text.find(' ');
      std::string function = space == std::string::npos ? "" : unitFunction(text.substr(space + 1));
      uint64_t amount = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + (space == std::string::npos ? 0 : space), amount);
      if (function.empty() || ec != std::errc()) failAt(token, "interval such as '1 day'");
      return unary(function, makeLiteral(amount, token.position), position);
    }
    auto amount = additive();
    if (peek().kind != TokenKind::kIdentifier) fail("interval unit");
    std::string function = unitFunction(peek().text);
    if (function.empty()) fail("interval unit (NANOSECOND, MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR)");
    advance();
    return unary(function, std::move(amount), position);
  }

  std::string_view sql_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
};

}  // namespace

std::unique_ptr<SelectQuery> parseSelect(std::string_view sql) { return Parser(sql).statement(); }

ExprPtr parseExpression(std::string_view sql) { return Parser(sql).standaloneExpression(); }

}  // namespace perch
