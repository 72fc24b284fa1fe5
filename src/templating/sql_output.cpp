#include "templating/sql_output.h"

#include <cmath>

#include "templating/sql_escaping.h"
#include "templating/template_error.h"

namespace perch::templating {

void appendSqlValue(std::string& out, const Value& value) {
  if (value.sql) {
    out += *value.sql;
    return;
  }
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNone: throw TemplateError("expression evaluated to null");
    case ValueKind::kBool: out += value.boolean ? '1' : '0'; return;
    case ValueKind::kInt: out += std::to_string(value.integer); return;
    case ValueKind::kFloat:
      if (!std::isfinite(value.real)) throw TemplateError("cannot write " + formatFloat(value.real) + " into SQL");
      out += formatFloat(value.real);
      return;
    case ValueKind::kString: appendStringLiteral(out, value.text); return;
    case ValueKind::kList:
    case ValueKind::kTuple: {
      if (value.repeated_param) {
        throw TemplateError("Parameter '" + value.text +
                            "' was given more than once; use Array() to accept several values");
      }
      out += value.kind == ValueKind::kList ? '[' : '(';
      bool first = true;
      for (const Value& element : value.elements()) {
        if (!first) out += ',';
        first = false;
        appendSqlValue(out, element);
      }
      out += value.kind == ValueKind::kList ? ']' : ')';
      return;
    }
    case ValueKind::kDict: throw TemplateError("a dict cannot be written into SQL");
  }
}

}  // namespace perch::templating
