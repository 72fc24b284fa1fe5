// The one place where request values become SQL text. Every string that reaches the rendered SQL
// from a parameter goes through appendStringLiteral (a single-quoted literal) or
// appendIdentifier (a backquoted identifier). Both escape the quote characters, the backslash and
// every control byte, and write bytes that are not valid UTF-8 as `\xNN`, so no input can end the
// literal early or smuggle bytes the SQL lexer might misread. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace perch::templating {

/// Appends `'value'` with `\`, `'`, `"`, control bytes and invalid UTF-8 backslash-escaped.
void appendStringLiteral(std::string& out, std::string_view value);
std::string stringLiteral(std::string_view value);

/// Appends `` `name` `` with `` ` `` and `\` (and control bytes / invalid UTF-8) escaped.
void appendIdentifier(std::string& out, std::string_view name);

/// `a.b` -> `` `a`.`b` ``: a column reference, possibly qualified by a table name.
void appendQualifiedIdentifier(std::string& out, std::string_view dotted_name);

}  // namespace perch::templating
