// Parsing of `.pipe` files: NODE/SQL/DESCRIPTION blocks, TYPE, TOKEN lines.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/error.h"
#include "project/project.h"
#include "templating/static_checks.h"

namespace perch::project {

std::optional<TokenDeclaration> parseTokenLine(const DatafileEntry& entry, const std::filesystem::path& file,
                                               std::vector<Diagnostic>& diagnostics, bool pipe);

namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

}  // namespace

std::vector<templating::ParamInfo> Pipe::parameters() const {
  std::vector<templating::ParamInfo> merged;
  for (const auto& node : nodes) {
    if (!node.tmpl) continue;
    for (const auto& param : node.tmpl->parameters()) {
      bool seen = false;
      for (const auto& existing : merged) seen = seen || existing.name == param.name;
      if (!seen) merged.push_back(param);
    }
  }
  return merged;
}

Pipe parsePipe(std::string_view text, const std::filesystem::path& file, std::vector<Diagnostic>& diagnostics) {
  const size_t first_diagnostic = diagnostics.size();
  Pipe pipe;
  pipe.file = file;
  pipe.name = file.stem().string();
  if (!isValidName(pipe.name)) diagnostics.push_back({file, 1, "invalid pipe name '" + pipe.name + "'"});
  std::optional<size_t> endpoint;
  int endpoint_line = 0;

  for (const auto& entry : readDatafile(text, file, diagnostics)) {
    const std::string& key = entry.key;
    if (key == "NODE") {
      PipeNode node;
      node.name = unquote(entry.value);
      node.line = entry.line;
      if (!isValidName(node.name)) diagnostics.push_back({file, entry.line, "invalid node name '" + node.name + "'"});
      for (const auto& existing : pipe.nodes) {
        if (existing.name == node.name) diagnostics.push_back({file, entry.line, "duplicate node '" + node.name + "'"});
      }
      pipe.nodes.push_back(std::move(node));
    } else if (key == "SQL") {
      if (pipe.nodes.empty()) {
        diagnostics.push_back({file, entry.line, "SQL before any NODE"});
        continue;
      }
      PipeNode& node = pipe.nodes.back();
      if (!node.sql.empty()) diagnostics.push_back({file, entry.line, "node '" + node.name + "' has two SQL blocks"});
      node.sql = entry.value;
      node.sql_line = entry.body_line;
      if (trimView(node.sql).empty()) diagnostics.push_back({file, entry.line, "node '" + node.name + "' has an empty SQL block"});
      if (templating::isTemplate(node.sql)) {
        try {
          node.tmpl = templating::Template::parse(node.sql, node.name, pipe.name);
        } catch (const Error& error) {
          // Point at the file line: template messages count lines from the start of the node's SQL.
          const std::string message = error.what();
          int line = entry.body_line;
          if (const size_t at = message.find(" at line "); at != std::string::npos) {
            line = entry.body_line + std::atoi(message.c_str() + at + 9) - 1;
          }
          diagnostics.push_back({file, line, message});
        }
      }
    } else if (key == "DESCRIPTION") {
      (pipe.nodes.empty() ? pipe.description : pipe.nodes.back().description) = entry.value;
    } else if (key == "TYPE") {
      const std::string type = lower(unquote(entry.value));
      if (pipe.nodes.empty()) {
        diagnostics.push_back({file, entry.line, "TYPE before any NODE"});
        continue;
      }
      if (type == "endpoint") {
        if (endpoint) {
          diagnostics.push_back({file, entry.line, "pipe has more than one endpoint node (first at line " +
                                                       std::to_string(endpoint_line) + ")"});
        }
        endpoint = pipe.nodes.size() - 1;
        endpoint_line = entry.line;
        pipe.type = "endpoint";
      } else if (type == "materialized" || type == "copy" || type == "sink" || type == "stream") {
        pipe.type = type;
        pipe.runnable = false;
        diagnostics.push_back({file, entry.line, "TYPE " + type + " pipes are not supported yet; pipe '" + pipe.name +
                                                     "' is loaded but not published", true});
      } else {
        diagnostics.push_back({file, entry.line, "unknown node TYPE '" + std::string(entry.value) + "'"});
      }
    } else if (key == "TOKEN") {
      if (auto token = parseTokenLine(entry, file, diagnostics, true)) pipe.tokens.push_back(*token);
    } else if (key == "TAGS" || key == "DATASOURCE" || key == "TARGET_DATASOURCE" || key == "COPY_SCHEDULE" ||
               key == "COPY_MODE" || key == "VERSION" || key == "INCLUDE") {
      if (key == "INCLUDE") diagnostics.push_back({file, entry.line, "INCLUDE is not supported yet; ignored", true});
    } else if (classifyKey(key) == KeyKind::kImplemented) {  // warned keys were reported by the reader
      diagnostics.push_back({file, entry.line, "'" + key + "' does not belong in a .pipe file"});
    }
  }
  if (pipe.nodes.empty()) diagnostics.push_back({file, 1, "pipe '" + pipe.name + "' has no NODE"});
  for (const auto& node : pipe.nodes) {
    if (node.sql.empty()) diagnostics.push_back({file, node.line, "node '" + node.name + "' has no SQL"});
  }
  if (pipe.type.empty()) pipe.type = "endpoint";
  for (const auto& node : pipe.nodes) {
    if (!node.tmpl) continue;
    const std::string warning = templating::queryOptionWarning(node.name, node.tmpl->queryOptionNamesUsed());
    if (warning.empty()) continue;
    if (!pipe.query_option_warning.empty()) pipe.query_option_warning += "; ";
    pipe.query_option_warning += warning;
  }
  pipe.endpoint_node = endpoint.value_or(pipe.nodes.empty() ? 0 : pipe.nodes.size() - 1);
  std::stable_sort(diagnostics.begin() + static_cast<ptrdiff_t>(first_diagnostic), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  return pipe;
}

}  // namespace perch::project
