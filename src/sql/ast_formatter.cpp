// formatAst and columnName (declared in parser.h): the AST printed back as canonical SQL, and
// ClickHouse's naming of result columns.
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "sql/parser.h"

namespace perch {

namespace {

struct OperatorInfo {
  const char* text;
  int precedence;
  enum Form { kInfix, kPrefix, kPostfix } form;
};

// Precedences follow the parser: higher binds tighter.
const std::unordered_map<std::string, OperatorInfo>& operators() {
  static const std::unordered_map<std::string, OperatorInfo> table = {
      {"or", {"OR", 1, OperatorInfo::kInfix}},
      {"and", {"AND", 2, OperatorInfo::kInfix}},
      {"not", {"NOT ", 3, OperatorInfo::kPrefix}},
      {"isNull", {" IS NULL", 4, OperatorInfo::kPostfix}},
      {"isNotNull", {" IS NOT NULL", 4, OperatorInfo::kPostfix}},
      {"equals", {"=", 5, OperatorInfo::kInfix}},
      {"notEquals", {"!=", 5, OperatorInfo::kInfix}},
      {"less", {"<", 5, OperatorInfo::kInfix}},
      {"lessOrEquals", {"<=", 5, OperatorInfo::kInfix}},
      {"greater", {">", 5, OperatorInfo::kInfix}},
      {"greaterOrEquals", {">=", 5, OperatorInfo::kInfix}},
      {"in", {"IN", 5, OperatorInfo::kInfix}},
      {"notIn", {"NOT IN", 5, OperatorInfo::kInfix}},
      {"like", {"LIKE", 5, OperatorInfo::kInfix}},
      {"notLike", {"NOT LIKE", 5, OperatorInfo::kInfix}},
      {"ilike", {"ILIKE", 5, OperatorInfo::kInfix}},
      {"notILike", {"NOT ILIKE", 5, OperatorInfo::kInfix}},
      {"plus", {"+", 7, OperatorInfo::kInfix}},
      {"minus", {"-", 7, OperatorInfo::kInfix}},
      {"multiply", {"*", 8, OperatorInfo::kInfix}},
      {"divide", {"/", 8, OperatorInfo::kInfix}},
      {"modulo", {"%", 8, OperatorInfo::kInfix}},
      {"negate", {"-", 9, OperatorInfo::kPrefix}},
  };
  return table;
}

constexpr int kPrimaryPrecedence = 11;

void appendDouble(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "inf" : "-inf";
    return;
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out.push_back('.');
}

void appendQuotedString(std::string_view value, std::string& out) {
  out.push_back('\'');
  for (char c : value) {
    switch (c) {
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\x";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('\'');
}

void appendLiteral(const LiteralValue& value, std::string& out) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, Null>) out += "NULL";
        else if constexpr (std::is_same_v<V, std::string>) appendQuotedString(v, out);
        else if constexpr (std::is_same_v<V, double>) appendDouble(v, out);
        else out += std::to_string(v);
      },
      value);
}

bool isPlainWord(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  static constexpr const char* kKeywords[] = {
      "ALL", "AND", "ANY", "ARRAY", "AS", "ASC", "BETWEEN", "BY", "CASE", "CAST", "CROSS", "DESC", "DISTINCT",
      "ELSE", "END", "EXCEPT", "FALSE", "FINAL", "FORMAT", "FROM", "FULL", "GLOBAL", "GROUP", "HAVING", "ILIKE",
      "IN", "INNER", "INTERVAL", "IS", "JOIN", "LEFT", "LIKE", "LIMIT", "NOT", "NULL", "OFFSET", "ON", "OR",
      "ORDER", "OUTER", "OVER", "PREWHERE", "RIGHT", "SELECT", "SETTINGS", "THEN", "TRUE", "UNION", "USING",
      "WHEN", "WHERE", "WITH", "DATE", "TIMESTAMP", "SEMI", "ANTI", "ASOF", "PARTITION", "NULLS", "COLLATE",
      "TOTALS", "WINDOW", "QUALIFY", "SAMPLE", "INTO", "INTERSECT", "REGEXP", "DIV", "MOD"};
  for (const char* keyword : kKeywords) {
    if (name.size() == std::strlen(keyword) && strncasecmp(name.data(), keyword, name.size()) == 0) return false;
  }
  return true;
}

void appendIdentifier(std::string_view name, std::string& out) {
  if (isPlainWord(name)) {
    out += name;
    return;
  }
  out.push_back('`');
  for (char c : name) {
    if (c == '`' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('`');
}

bool allLiterals(const Expr& expr) {
  for (const auto& arg : expr.args) {
    if (arg->kind == ExprKind::kLiteral) continue;
    if (arg->kind == ExprKind::kFunction && (arg->name == "tuple" || arg->name == "array") && allLiterals(*arg)) continue;
    return false;
  }
  return true;
}

class Formatter {
 public:
  std::string out;

  void query(const SelectQuery& q) {
    selectBody(q);
    for (const auto& next : q.union_all) {
      out += " UNION ALL ";
      selectBody(*next);
    }
    if (!q.format.empty()) {
      out += " FORMAT ";
      out += q.format;
    }
  }

  void expr(const Expr& e, int parent_precedence = 0, bool with_alias = true) {
    const bool aliased = with_alias && !e.alias.empty();
    if (aliased && parent_precedence > 0) out.push_back('(');
    exprBody(e, aliased ? 0 : parent_precedence);
    if (aliased) {
      out += " AS ";
      appendIdentifier(e.alias, out);
      if (parent_precedence > 0) out.push_back(')');
    }
  }

 private:
  void list(const std::vector<ExprPtr>& items) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      expr(*items[i]);
    }
  }

  void orderBy(const std::vector<OrderByElement>& items) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      expr(*items[i].expr);
      out += items[i].descending ? " DESC" : " ASC";
      if (items[i].nulls_first) out += *items[i].nulls_first ? " NULLS FIRST" : " NULLS LAST";
      if (items[i].with_fill) {
        out += " WITH FILL";
        if (items[i].fill_from) {
      out += " FROM ";
      expr(*items[i].fill_from);
    }
        if (items[i].fill_to) {
      out += " TO ";
      expr(*items[i].fill_to);
    }
        if (items[i].fill_step) {
      out += " STEP ";
      expr(*items[i].fill_step);
    }
      }
    }
  }

  void table(const TableExpression& t) {
    if (t.subquery) {
      out.push_back('(');
      query(*t.subquery);
      out.push_back(')');
    } else if (t.table_function) {
      expr(*t.table_function);
    } else {
      if (!t.database.empty()) {
        appendIdentifier(t.database, out);
        out.push_back('.');
      }
      appendIdentifier(t.table_name, out);
    }
    if (!t.alias.empty()) {
      out += " AS ";
      appendIdentifier(t.alias, out);
    }
    if (t.final) out += " FINAL";
  }

  void selectBody(const SelectQuery& q) {
    if (!q.with.empty()) {
      out += "WITH ";
      for (size_t i = 0; i < q.with.size(); ++i) {
        if (i) out += ", ";
        const Expr& item = *q.with[i];
        if (item.kind == ExprKind::kSubquery) {
          appendIdentifier(item.alias, out);
          out += " AS (";
          query(*item.subquery);
          out += ")";
        } else {
          expr(item);
        }
      }
      out.push_back(' ');
    }
    out += q.distinct ? "SELECT DISTINCT " : "SELECT ";
    list(q.select);
    if (q.from) {
      out += " FROM ";
      table(*q.from);
    }
    for (const auto& join : q.joins) {
      if (join.kind == JoinKind::kComma) {
        out += ", ";
        table(join.table);
        continue;
      }
      out += join.global ? " GLOBAL " : " ";
      static constexpr const char* kStrictness[] = {"", "ALL ", "ANY ", "SEMI ", "ANTI ", "ASOF "};
      static constexpr const char* kKinds[] = {"INNER", "LEFT", "RIGHT", "FULL", "CROSS", ""};
      out += kStrictness[static_cast<int>(join.strictness)];
      out += kKinds[static_cast<int>(join.kind)];
      out += " JOIN ";
      table(join.table);
      if (join.on) {
        out += " ON ";
        expr(*join.on);
      } else if (!join.using_columns.empty()) {
        out += " USING (";
        list(join.using_columns);
        out += ")";
      }
    }
    if (q.array_join) {
      out += q.array_join->left ? " LEFT ARRAY JOIN " : " ARRAY JOIN ";
      list(q.array_join->exprs);
    }
    if (q.prewhere) {
      out += " PREWHERE ";
      expr(*q.prewhere);
    }
    if (q.where) {
      out += " WHERE ";
      expr(*q.where);
    }
    if (!q.group_by.empty()) {
      out += " GROUP BY ";
      list(q.group_by);
    }
    if (q.with_totals) out += " WITH TOTALS";
    if (q.having) {
      out += " HAVING ";
      expr(*q.having);
    }
    for (size_t i = 0; i < q.windows.size(); ++i) {
      out += i ? ", " : " WINDOW ";
      appendIdentifier(q.windows[i].first, out);
      out += " AS ";
      windowSpec(*q.windows[i].second);
    }
    if (!q.order_by.empty()) {
      out += " ORDER BY ";
      orderBy(q.order_by);
    }
    if (q.limit_by_limit) {
      out += " LIMIT ";
      expr(*q.limit_by_limit);
      out += " BY ";
      list(q.limit_by);
    }
    if (q.limit) {
      out += " LIMIT ";
      expr(*q.limit);
    }
    if (q.offset) {
      out += " OFFSET ";
      expr(*q.offset);
    }
    if (!q.settings.empty()) {
      out += " SETTINGS ";
      for (size_t i = 0; i < q.settings.size(); ++i) {
        if (i) out += ", ";
        out += q.settings[i].first;
        out += " = ";
        expr(*q.settings[i].second);
      }
    }
  }

  void exprBody(const Expr& e, int parent_precedence) {
    switch (e.kind) {
      case ExprKind::kLiteral: appendLiteral(e.literal, out); return;
      case ExprKind::kIdentifier:
        for (size_t i = 0; i < e.name_parts.size(); ++i) {
          if (i) out.push_back('.');
          appendIdentifier(e.name_parts[i], out);
        }
        return;
      case ExprKind::kAsterisk:
        for (const auto& part : e.name_parts) {
          appendIdentifier(part, out);
          out.push_back('.');
        }
        out.push_back('*');
        if (!e.args.empty()) {
          out += " EXCEPT (";
          list(e.args);
          out.push_back(')');
        }
        return;
      case ExprKind::kSubquery:
        out.push_back('(');
        query(*e.subquery);
        out.push_back(')');
        return;
      case ExprKind::kFunction: function(e, parent_precedence); return;
    }
  }

  void function(const Expr& e, int parent_precedence) {
    if (!e.has_parameters && !e.window) {
      auto it = operators().find(e.name);
      const bool arity_ok = it != operators().end() &&
                            (it->second.form == OperatorInfo::kInfix ? e.args.size() >= 2 : e.args.size() == 1);
      if (arity_ok) {
        const OperatorInfo& op = it->second;
        const int precedence = op.precedence;
        const bool parens = precedence < parent_precedence || (precedence == parent_precedence && op.form != OperatorInfo::kInfix);
        if (parens) out.push_back('(');
        if (op.form == OperatorInfo::kInfix) {
          for (size_t i = 0; i < e.args.size(); ++i) {
            if (i) {
              out.push_back(' ');
              out += op.text;
              out.push_back(' ');
            }
            // Left-associative: the right operand needs parentheses at equal precedence.
            expr(*e.args[i], i == 0 ? precedence : precedence + 1);
          }
        } else if (op.form == OperatorInfo::kPrefix) {
          out += op.text;
          const Expr& operand = *e.args[0];
          const bool literal_number = operand.kind == ExprKind::kLiteral && !std::holds_alternative<std::string>(operand.literal) &&
                                      !std::holds_alternative<Null>(operand.literal);
          if (e.name == "negate" && literal_number) {
            out.push_back('(');
            expr(operand);
            out.push_back(')');
          } else {
            expr(operand, e.name == "negate" ? precedence : precedence);
          }
        } else {
          expr(*e.args[0], precedence + 1);
          out += op.text;
        }
        if (parens) out.push_back(')');
        return;
      }
      if (e.name == "tuple" && e.args.size() >= 2) {
        out.push_back('(');
        list(e.args);
        out.push_back(')');
        return;
      }
      if (e.name == "array") {
        out.push_back('[');
        list(e.args);
        out.push_back(']');
        return;
      }
      if (e.name == "arrayElement" && e.args.size() == 2) {
        expr(*e.args[0], kPrimaryPrecedence);
        out.push_back('[');
        expr(*e.args[1]);
        out.push_back(']');
        return;
      }
      if (e.name == "CAST" && e.args.size() == 2 && e.args[1]->kind == ExprKind::kLiteral &&
          std::holds_alternative<std::string>(e.args[1]->literal)) {
        out += "CAST(";
        expr(*e.args[0]);
        out += " AS ";
        out += std::get<std::string>(e.args[1]->literal);
        out += ")";
        return;
      }
      if (e.name == "lambda" && e.args.size() == 2 && e.args[0]->kind == ExprKind::kFunction) {
        const auto& params = e.args[0]->args;
        if (parent_precedence > 0) out.push_back('(');
        if (params.size() == 1) {
          expr(*params[0]);
        } else {
          out.push_back('(');
          list(params);
          out.push_back(')');
        }
        out += " -> ";
        expr(*e.args[1]);
        if (parent_precedence > 0) out.push_back(')');
        return;
      }
    }
    appendIdentifier(e.name, out);
    if (e.has_parameters) {
      out.push_back('(');
      list(e.parameters);
      out.push_back(')');
    }
    out.push_back('(');
    list(e.args);
    out.push_back(')');
    if (e.window && !e.window->name.empty()) {
      out += " OVER ";
      appendIdentifier(e.window->name, out);
    } else if (e.window) {
      out += " OVER ";
      windowSpec(*e.window);
    }
  }

  void windowSpec(const WindowSpec& window) {
    out.push_back('(');
    bool space = false;
    if (!window.partition_by.empty()) {
      out += "PARTITION BY ";
      list(window.partition_by);
      space = true;
    }
    if (!window.order_by.empty()) {
      if (space) out.push_back(' ');
      out += "ORDER BY ";
      orderBy(window.order_by);
      space = true;
    }
    if (!window.frame.empty()) {
      if (space) out.push_back(' ');
      out += window.frame;
    }
    out.push_back(')');
  }
};

void appendColumnName(const Expr& e, std::string& out) {
  switch (e.kind) {
    case ExprKind::kLiteral: appendLiteral(e.literal, out); return;
    case ExprKind::kIdentifier: out += e.identifierName(); return;
    case ExprKind::kAsterisk: out += formatAst(e); return;
    case ExprKind::kSubquery: out += "_subquery"; return;
    case ExprKind::kFunction: break;
  }
  if ((e.name == "tuple" || e.name == "array") && !e.args.empty() && allLiterals(e)) {
    out.push_back(e.name == "tuple" ? '(' : '[');
    for (size_t i = 0; i < e.args.size(); ++i) {
      if (i) out += ", ";
      appendColumnName(*e.args[i], out);
    }
    out.push_back(e.name == "tuple" ? ')' : ']');
    return;
  }
  out += e.name;
  auto arguments = [&](const std::vector<ExprPtr>& items) {
    out.push_back('(');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      appendColumnName(*items[i], out);
    }
    out.push_back(')');
  };
  if (e.has_parameters) arguments(e.parameters);
  arguments(e.args);
  if (e.window) {
    Formatter formatter;
    formatter.expr(e, 0, false);
    const std::string text = formatter.out;
    const size_t over = text.rfind(" OVER ");
    if (over != std::string::npos) out += text.substr(over);
  }
}

}  // namespace

std::string formatAst(const SelectQuery& query) {
  Formatter formatter;
  formatter.query(query);
  return formatter.out;
}

std::string formatAst(const Expr& expr) {
  Formatter formatter;
  formatter.expr(expr);
  return formatter.out;
}

std::string columnName(const Expr& expr) {
  std::string out;
  appendColumnName(expr, out);
  return out;
}

}  // namespace perch
