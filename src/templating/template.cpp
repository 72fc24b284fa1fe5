#include "templating/template.h"

#include "templating/parameter_scanner.h"
#include "templating/renderer.h"
#include "templating/syntax.h"
#include "templating/template_error.h"
#include "templating/template_parser.h"

namespace perch::templating {
namespace {

[[noreturn]] void throwInContext(const TemplateError& error, const CompiledTemplate& compiled) {
  throw Error(ErrorCode::kBadRequest, "Template Syntax Error: " + std::string(error.what()) + " (in node '" +
                                          compiled.node + "' from pipe '" + compiled.pipe + "')");
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
  compiled->parameters = ParameterScanner().scan(*compiled);
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

}  // namespace perch::templating
