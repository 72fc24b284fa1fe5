// Scope: one permission carried by a token, and FixedParam: a tenant-pinning parameter value a JWT
// attaches to a scope (SPEC §6.2-§6.4).
//
// Static scope strings are "TYPE[:resource[:filter]]":
//   ADMIN | TOKENS | DATASOURCES:CREATE          no resource
//   PIPES:READ:<pipe> | DATASOURCES:APPEND:<ds>  resource required (PIPE:READ is read as PIPES:READ)
//   DATASOURCES:READ:<ds>[:<sql predicate>]      resource required; the rest of the text is the filter
// Invariants of a Scope built by parseScope or verifyJwt: `resource` is empty exactly for the
// resource-less types and otherwise a valid resource name (isValidResourceName); `filter` is empty
// unless the type is DATASOURCES:READ; `fixed_params` only ever comes from a JWT.
//
// Thread-safety: plain values; the functions are pure.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace perch::auth {

enum class ScopeType { kAdmin, kTokens, kPipesRead, kDatasourcesRead, kDatasourcesAppend, kDatasourcesCreate };

/// A fixed parameter value from a JWT's `fixed_params`.
/// - JSON null        -> is_null = true, values empty. The server must deny the request (SPEC §6.4).
/// - a scalar         -> is_array = false, values = {text}.
/// - an array         -> is_array = true, values = the element texts (possibly none).
/// Texts: strings are the decoded string; numbers keep their exact JSON text ("42", "-1.5", "1e3");
/// booleans become "true" / "false". This is the same text a query-string parameter would carry, so
/// the templating layer parses a fixed param exactly like the request parameter it replaces.
struct FixedParam {
  bool is_null = false;
  std::vector<std::string> values;
  bool is_array = false;

  friend bool operator==(const FixedParam&, const FixedParam&) = default;
};

struct Scope {
  ScopeType type = ScopeType::kAdmin;
  std::string resource;  // pipe or data source name; empty for ADMIN/TOKENS/DATASOURCES:CREATE
  std::string filter;    // SQL predicate for DATASOURCES:READ (may be empty)
  std::map<std::string, FixedParam, std::less<>> fixed_params;

  friend bool operator==(const Scope&, const Scope&) = default;
};

/// Parses a static scope string "TYPE[:resource[:filter]]" (SPEC §6.2). Throws Error(kBadRequest) on
/// an unknown type, a missing or malformed resource, or a resource/filter where none is allowed.
Scope parseScope(std::string_view text);

/// The inverse of parseScope, e.g. "PIPES:READ:my_pipe" (fixed_params are not part of the text).
std::string formatScope(const Scope& scope);

/// "PIPES:READ", "DATASOURCES:APPEND", ...
std::string_view scopeTypeName(ScopeType type);

/// True for the types that name a pipe or data source.
bool scopeTypeHasResource(ScopeType type);

/// Pipe and data source names: 1-255 characters of [A-Za-z0-9_.-], so a resource can never carry a
/// ':' (which would change how a scope string splits), whitespace or control characters.
bool isValidResourceName(std::string_view name);

}  // namespace perch::auth
