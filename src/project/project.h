// The loaded project: data sources and pipes parsed from `*.datasource` / `*.pipe` files (SPEC §3).
//
// A Project is built once at start (or by `perch check`) and is immutable afterwards; the server
// shares it between threads without locks. Each template node's Template is parsed here, once.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "project/datafile_reader.h"
#include "storage/table.h"
#include "templating/template.h"
#include "types/data_type.h"

namespace perch::project {

/// `TOKEN <name> READ|APPEND` in a datafile.
struct TokenDeclaration {
  std::string name;
  std::string permission;  // "READ" or "APPEND"
  int line = 0;
};

struct DataSourceColumn {
  std::string name;
  DataType type;
  std::string json_path;                   // `$.a.b`; defaults to `$.<name>`
  std::optional<std::string> default_expr; // DEFAULT expression text, as written
  std::string codec;                       // CODEC(...) text, recorded only
  int line = 0;
};

struct DataSource {
  std::string name;
  std::filesystem::path file;
  std::string description;
  std::vector<DataSourceColumn> columns;
  std::string engine = "MergeTree";
  std::string sorting_key;
  std::string partition_key;
  std::string ttl;
  std::string version_column;
  std::string engine_settings;
  std::vector<TokenDeclaration> tokens;

  TableSchema tableSchema() const;
};

struct PipeNode {
  std::string name;
  std::string description;
  std::string sql;                          // the SQL block as written (template text when templated)
  std::optional<templating::Template> tmpl; // set when the SQL starts with `%`
  int line = 0;                             // line of the NODE key
  int sql_line = 0;                         // first line of the SQL body
};

struct Pipe {
  std::string name;
  std::filesystem::path file;
  std::string description;
  std::vector<PipeNode> nodes;
  size_t endpoint_node = 0;  // index into nodes of the published node
  std::string type;          // "endpoint" (also when implicit), "materialized", "copy", ...
  bool runnable = true;      // false for pipe types that are loaded with a warning only
  std::vector<TokenDeclaration> tokens;
  /// `X-Perch-Warning` text when templates read query-option names (token, debug, ...); else empty.
  std::string query_option_warning;

  /// The parameters every templated node reads, merged by name (first declaration wins).
  std::vector<templating::ParamInfo> parameters() const;
};

struct Project {
  std::map<std::string, DataSource, std::less<>> data_sources;
  std::map<std::string, Pipe, std::less<>> pipes;
  std::vector<Diagnostic> warnings;
  /// Problems `perch check` fails on but the server only warns about (e.g. a parameter read with
  /// conflicting types in two nodes).
  std::vector<Diagnostic> check_errors;
};

/// Thrown when a project cannot load; `diagnostics` holds every error found (file:line: message).
class ProjectError : public std::runtime_error {
 public:
  explicit ProjectError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// Loads every `*.datasource` and `*.pipe` under `directory` (recursively). Throws ProjectError
/// listing all errors; warnings are returned in Project::warnings.
Project loadProject(const std::filesystem::path& directory);

/// Parsers for one file's text, exposed for tests. Errors and warnings go to `diagnostics`.
DataSource parseDataSource(std::string_view text, const std::filesystem::path& file, std::vector<Diagnostic>& diagnostics);
Pipe parsePipe(std::string_view text, const std::filesystem::path& file, std::vector<Diagnostic>& diagnostics);

/// True for names matching `[A-Za-z_][A-Za-z0-9_]*`.
bool isValidName(std::string_view name);

}  // namespace perch::project
