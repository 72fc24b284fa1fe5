// Template: a node's SQL written in the Tornado-style template language of Tinybird pipes
// (SPEC §4). It is parsed once when the project loads and rendered once per request into plain
// SQL. The language is a small, safe subset of Python: nothing in a template can reach the
// process, and nothing in a request can change the structure of the SQL — every request value
// leaves the template as an escaped quoted literal, a validated number, or (only where the pipe
// author asks for it with column()/symbol()) an escaped backquoted identifier.
//
// Thread-safety: a Template is immutable after parse(); render() is const and keeps all its state
// on the stack, so one Template may be rendered by many threads at once. Copies share the parsed
// tree (shared_ptr<const>), so copying is cheap.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace perch::templating {

/// Request parameters: name -> values. More than one value when a query-string key is repeated.
using Params = std::map<std::string, std::vector<std::string>, std::less<>>;

/// One parameter a template reads, for docs/OpenAPI and `perch check`.
struct ParamInfo {
  std::string name;
  std::string type;  // "String", "Int32", "Array(String)", ... ; "String" for untyped {{x}}
  std::optional<std::string> default_value;  // rendered as text, e.g. "10" or "2024-01-01"
  bool required = false;
  std::string description;
  std::vector<std::string> enum_values;
};

/// One typed use of a parameter (`Int32(x)`, `Array(ids, 'UInt64')`, `JSON(f)`), for `perch check`.
struct ParamUse {
  std::string name;
  std::string type;  // as in ParamInfo::type
  int line = 0;      // of the tag, counting from the first line of the node text
};

/// True when a node's SQL is a template: its first non-blank line is exactly `%` (whitespace trimmed).
bool isTemplate(std::string_view sql);

struct CompiledTemplate;

class Template {
 public:
  /// Parses `text` once (the node SQL, including the leading `%` line, which is dropped from
  /// the output). `node`/`pipe` name the node and pipe for error messages. Line numbers in
  /// messages count from the first line of `text`.
  /// Throws perch::Error(kBadRequest, "Template Syntax Error: <message> (in node '<node>' from pipe '<pipe>')").
  static Template parse(std::string_view text, std::string node, std::string pipe);

  /// Renders SQL for one request. Throws perch::Error(kBadRequest, "Template Syntax Error: <message>
  /// (in node ...)") on a missing required parameter, a validation failure or an evaluation error;
  /// `{{ error('msg') }}` throws perch::Error(kBadRequest, "msg") verbatim and custom_error()
  /// throws CustomError. Thread-safe (const, no shared mutable state).
  std::string render(const Params& params) const;

  /// The parameters the template reads (static analysis of the parsed template), deduplicated by
  /// name, in order of first appearance.
  const std::vector<ParamInfo>& parameters() const;

  /// Every typed use of a parameter, in template order (one entry per call, not deduplicated).
  const std::vector<ParamUse>& typedParameterUses() const;

  /// The query-option names (isQueryOptionName: `token`, `debug`, ...) the template reads as a
  /// parameter or assigns as a variable, deduplicated, in order of first appearance. They are
  /// allowed, but the server answers with a warning header because the request value of such a
  /// name is also read by the server itself.
  const std::vector<std::string>& queryOptionNamesUsed() const;

 private:
  explicit Template(std::shared_ptr<const CompiledTemplate> compiled) : compiled_(std::move(compiled)) {}

  std::shared_ptr<const CompiledTemplate> compiled_;
};

/// Thrown by `custom_error(obj, code)`: the pipe author chose the HTTP status and the JSON body.
/// It is a perch::Error (kBadRequest) so callers that only know perch::Error still answer 400.
class CustomError : public Error {
 public:
  CustomError(int http_status, std::string json_body)
      : Error(ErrorCode::kBadRequest, json_body), http_status_(http_status), json_body_(std::move(json_body)) {}
  int httpStatus() const { return http_status_; }
  /// The response body, a JSON document (the object given to custom_error()).
  const std::string& jsonBody() const { return json_body_; }

 private:
  int http_status_;
  std::string json_body_;
};

}  // namespace perch::templating
