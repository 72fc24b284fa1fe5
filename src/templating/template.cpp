#include "templating/template.h"

#include <algorithm>

#include "templating/parameter_scanner.h"
#include "templating/renderer.h"
#include "templating/static_checks.h"
#include "templating/syntax.h"
#include "templating/template_error.h"
#include "templating/template_parser.h"

namespace perch::templating {
namespace {

[[noreturn]] void throwInContext(const TemplateError& error, const CompiledTemplate& compiled) {
  throw Error(ErrorCode::kBadRequest, "Template Syntax Error: " + std::string(error.what()) + " (in node '" +
                                          compiled.node + "' from pipe '" + compiled.pipe + "')");
}

std::vector<std::string> queryOptionNamesIn(const CompiledTemplate& compiled) {
  std::vector<std::string> names;
  auto add = [&names](const std::string& name) {
    if (isQueryOptionName(name) && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const ParamInfo& parameter : compiled.parameters) add(parameter.name);
  for (const std::string& local : compiled.slot_names) add(local);
  return names;
}

}  // namespace

Template Template::parse(std::string_view text, std::string node, std::string pipe) {
  auto compiled = std::make_shared<CompiledTemplate>();
  compiled->node = std::move(node);
  compiled->pipe = std::move(pipe);
  try {
    TemplateParser(text).parse(*compiled);
  } catch (const TemplateError& error) {
    throwInContext(error, *compiled);
  }
  ParameterScanner scanner;
  compiled->parameters = scanner.scan(*compiled);
  compiled->typed_uses = scanner.typedUses();
  compiled->query_option_names = queryOptionNamesIn(*compiled);
  return Template(std::move(compiled));
}

std::string Template::render(const Params& params) const {
  try {
    return Renderer(*compiled_, params).render();
  } catch (const TemplateError& error) {
    throwInContext(error, *compiled_);
  }
}

const std::vector<ParamInfo>& Template::parameters() const { return compiled_->parameters; }

const std::vector<ParamUse>& Template::typedParameterUses() const { return compiled_->typed_uses; }

const std::vector<std::string>& Template::queryOptionNamesUsed() const { return compiled_->query_option_names; }

}  // namespace perch::templating
