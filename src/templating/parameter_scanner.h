// ParameterScanner: the static analysis behind Template::parameters(). It walks the parsed
// template once and lists every request parameter the template can read — through a typed
// function (`Int32(page, 0, description="...")`, with its type, literal default, required flag,
// description and enum), through `defined`/`column`/..., or as a bare name (`{{ x }}`, typed
// "String"). Names assigned by `{% set %}`/`{% for %}` are local variables, not parameters.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "templating/syntax.h"

namespace perch::templating {

class ParameterScanner {
 public:
  /// The parameters of `compiled`, deduplicated by name, in order of first appearance.
  std::vector<ParamInfo> scan(const CompiledTemplate& compiled);
  /// After scan(): every typed call, in template order.
  const std::vector<ParamUse>& typedUses() const { return typed_uses_; }

 private:
  void scanStatements(const std::vector<Statement>& body);
  void scanExpr(const Expr& expr);
  void scanParameterCall(const Expr& call);
  void add(ParamInfo info, bool typed);

  std::vector<ParamInfo> parameters_;
  std::vector<bool> typed_;
  std::vector<ParamUse> typed_uses_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace perch::templating
