// Static checks over the templates of one pipe, for `perch check` and for the server's warning
// header. Syntax errors, unknown functions and reserved names (`format`, `q`) are already
// rejected by Template::parse; what is checked here needs several nodes at once (a parameter
// typed differently in two nodes) or is a warning rather than an error (a query-option name used
// as a template variable). Pure functions over immutable Templates; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "templating/template.h"

namespace perch::templating {

/// One finding of a static check, located in a node's text.
struct TemplateDiagnostic {
  std::string node;
  int line = 0;  // counting from the first line of the node's text, like Template error messages
  std::string message;
};

/// Parameters given different types by typed functions anywhere in the pipe (`Int32(x)` in one
/// node, `String(x)` in another): one diagnostic for every use whose type differs from the first
/// typed use of that name (nodes in the given order, then lines), e.g.
/// `parameter 'x' is used as String here but as Int32 in node 'first' at line 3`.
/// Untyped reads (`{{ x }}`, `defined(x)`, `column(x)`) never conflict. `Int()`/`Integer()` count
/// as Int32.
std::vector<TemplateDiagnostic> checkParameterTypes(
    const std::vector<std::pair<std::string /*node*/, const Template*>>& nodes);

/// Request parameters that the server reads itself (SPEC §4.1): `token`, `pipeline`, `debug`,
/// `explain`, `template_parameters` and the output_format_* settings. A template may read them,
/// but the endpoint answers with an `X-Perch-Warning` header.
std::span<const std::string_view> queryOptionNames();
bool isQueryOptionName(std::string_view name);

/// `X-Perch-Warning` text for a template's Template::queryOptionNamesUsed(), or "" when empty:
/// `node 'n' uses the query option name(s) token, debug as template parameters`.
std::string queryOptionWarning(std::string_view node, const std::vector<std::string>& names);

}  // namespace perch::templating
