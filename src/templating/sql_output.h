// How a Value is written into the rendered SQL by `{{ }}` (SPEC §4.2): the SQL a typed function
// or identifier builtin prepared, else numbers bare, strings as escaped quoted literals, lists as
// `[a,b]` arrays. None, dicts and non-finite floats cannot be written and raise TemplateError.
// Stateless and thread-safe.
#pragma once

#include <string>

#include "templating/value.h"

namespace perch::templating {

void appendSqlValue(std::string& out, const Value& value);

}  // namespace perch::templating
