// Declarations of the builtin function handlers, for the table in builtins.cpp. Internal to the
// templating module; see builtins.h for the contract every handler follows.
#pragma once

#include "templating/builtins.h"

namespace perch::templating {

// Parameter functions (param_functions.cpp).
Value typedParameter(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value arrayParameter(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value jsonParameter(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value definedFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value columnFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value columnsFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value symbolFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);

// Python builtins (python_functions.cpp).
Value lenFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value strFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value intFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value floatFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value rangeFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value enumerateFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);

// Tinybird helpers (sql_functions.cpp).
Value sqlAndFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value splitToArrayFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value enumerateWithLastFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value errorFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value customErrorFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value sqlUnescapeFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value queryHintFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);

// Date differences (date_functions.cpp).
Value dayDiffFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);
Value dateDiffFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);

}  // namespace perch::templating
