#include "templating/static_checks.h"

#include <array>
#include <map>

namespace perch::templating {
namespace {

constexpr std::array<std::string_view, 8> kQueryOptionNames{
    "token",
    "pipeline",
    "debug",
    "explain",
    "template_parameters",
    "output_format_json_quote_64bit_integers",
    "output_format_json_quote_denormals",
    "output_format_parquet_string_as_string",
};

struct FirstUse {
  std::string type;
  std::string node;
  int line = 0;
};

}  // namespace

std::vector<TemplateDiagnostic> checkParameterTypes(
    const std::vector<std::pair<std::string, const Template*>>& nodes) {
  std::vector<TemplateDiagnostic> diagnostics;
  std::map<std::string, FirstUse, std::less<>> first_uses;
  for (const auto& [node, tmpl] : nodes) {
    if (tmpl == nullptr) continue;
    for (const ParamUse& use : tmpl->typedParameterUses()) {
      const auto [it, inserted] = first_uses.try_emplace(use.name, FirstUse{use.type, node, use.line});
      if (inserted || it->second.type == use.type) continue;
      const FirstUse& first = it->second;
      std::string where = first.node == node ? "at line " + std::to_string(first.line)
                                             : "in node '" + first.node + "' at line " + std::to_string(first.line);
      diagnostics.push_back(TemplateDiagnostic{
          node, use.line,
          "parameter '" + use.name + "' is used as " + use.type + " here but as " + first.type + " " + where});
    }
  }
  return diagnostics;
}

std::span<const std::string_view> queryOptionNames() { return kQueryOptionNames; }

bool isQueryOptionName(std::string_view name) {
  for (std::string_view option : kQueryOptionNames) {
    if (option == name) return true;
  }
  return false;
}

std::string queryOptionWarning(std::string_view node, const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string list;
  for (const std::string& name : names) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return "node '" + std::string(node) + "' uses the query option name" + (names.size() > 1 ? "s " : " ") + list +
         " as template " + (names.size() > 1 ? "parameters" : "parameter");
}

}  // namespace perch::templating
