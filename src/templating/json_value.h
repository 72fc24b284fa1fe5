// JSON <-> Value conversion for `JSON(param, default)` (reading a JSON request parameter into
// dicts and lists) and `custom_error(obj, code)` (writing the response body). The reader is
// strict RFC 8259 with a nesting limit, since its input comes from requests. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "templating/value.h"

namespace perch::templating {

/// Parses a JSON document; throws TemplateError naming `type_name` when it is not valid JSON.
Value parseJson(std::string_view text);
void appendJson(std::string& out, const Value& value);

}  // namespace perch::templating
