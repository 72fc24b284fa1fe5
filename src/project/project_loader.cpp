#include <algorithm>
#include <fstream>
#include <sstream>

#include "project/project.h"
#include "templating/static_checks.h"

namespace perch::project {

namespace {

std::string joinDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& diagnostic : diagnostics) {
    if (!text.empty()) text.push_back('\n');
    text += diagnostic.toString();
  }
  return text;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

ProjectError::ProjectError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(joinDiagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

Project loadProject(const std::filesystem::path& directory) {
  std::vector<Diagnostic> diagnostics;
  if (!std::filesystem::is_directory(directory)) {
    throw ProjectError({{directory, 0, "project folder does not exist"}});
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    const auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".datasource" || extension == ".pipe")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // deterministic diagnostics

  Project project;
  for (const auto& file : files) {
    const std::string text = readFile(file);
    if (file.extension() == ".datasource") {
      DataSource source = parseDataSource(text, file, diagnostics);
      if (project.data_sources.count(source.name)) {
        diagnostics.push_back({file, 1, "data source '" + source.name + "' is defined twice"});
      }
      project.data_sources.emplace(source.name, std::move(source));
    } else {
      Pipe pipe = parsePipe(text, file, diagnostics);
      std::vector<std::pair<std::string, const templating::Template*>> templates;
      for (const auto& node : pipe.nodes) {
        if (node.tmpl) templates.emplace_back(node.name, &*node.tmpl);
      }
      for (const auto& problem : templating::checkParameterTypes(templates)) {
        int line = 0;
        for (const auto& node : pipe.nodes) {
          if (node.name == problem.node) line = node.sql_line + problem.line - 1;
        }
        project.check_errors.push_back({file, line, problem.message + " (in node '" + problem.node + "')"});
      }
      if (project.pipes.count(pipe.name)) diagnostics.push_back({file, 1, "pipe '" + pipe.name + "' is defined twice"});
      project.pipes.emplace(pipe.name, std::move(pipe));
    }
  }
  for (const auto& [name, pipe] : project.pipes) {
    if (project.data_sources.count(name)) {
      diagnostics.push_back({pipe.file, 1, "pipe '" + name + "' has the same name as a data source"});
    }
  }
  std::vector<Diagnostic> errors;
  for (auto& diagnostic : diagnostics) {
    (diagnostic.is_warning ? project.warnings : errors).push_back(std::move(diagnostic));
  }
  if (!errors.empty()) throw ProjectError(std::move(errors));
  return project;
}

}  // namespace perch::project
