// Python semantics of the template's arithmetic, comparison and membership operators over
// Values. Results never carry a typed value's SQL: `Int32(a) * 2` is a plain number and prints
// bare. Integer overflow, division by zero, type mismatches and results larger than the render
// budget raise TemplateError. Stateless apart from the RenderState budget; thread-safe.
#pragma once

#include "templating/builtins.h"
#include "templating/syntax.h"
#include "templating/value.h"

namespace perch::templating {

Value applyBinary(Operator op, const Value& left, const Value& right, RenderState& state);
Value applyUnary(Operator op, const Value& operand);
/// One link of a comparison chain (`==`, `<`, `in`, `is not`, ...).
bool applyComparison(Operator op, const Value& left, const Value& right);

}  // namespace perch::templating
