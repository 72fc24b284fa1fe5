#include "auth/scope.h"

#include <array>
#include <utility>

#include "common/error.h"

namespace perch::auth {
namespace {

struct TypeSpelling {
  std::string_view text;
  ScopeType type;
};

// Longest spellings first is not needed: every entry ends where a ':' or the end of text follows.
constexpr std::array<TypeSpelling, 7> kSpellings{{
    {"ADMIN", ScopeType::kAdmin},
    {"TOKENS", ScopeType::kTokens},
    {"PIPES:READ", ScopeType::kPipesRead},
    {"PIPE:READ", ScopeType::kPipesRead},  // alias seen in published examples
    {"DATASOURCES:READ", ScopeType::kDatasourcesRead},
    {"DATASOURCES:APPEND", ScopeType::kDatasourcesAppend},
    {"DATASOURCES:CREATE", ScopeType::kDatasourcesCreate},
}};

[[noreturn]] void invalidScope(std::string_view text, std::string_view why) {
  throw Error(ErrorCode::kBadRequest, "invalid scope '" + std::string(text) + "': " + std::string(why));
}

}  // namespace

std::string_view scopeTypeName(ScopeType type) {
  switch (type) {
    case ScopeType::kAdmin: return "ADMIN";
    case ScopeType::kTokens: return "TOKENS";
    case ScopeType::kPipesRead: return "PIPES:READ";
    case ScopeType::kDatasourcesRead: return "DATASOURCES:READ";
    case ScopeType::kDatasourcesAppend: return "DATASOURCES:APPEND";
    case ScopeType::kDatasourcesCreate: return "DATASOURCES:CREATE";
  }
  return "UNKNOWN";
}

bool scopeTypeHasResource(ScopeType type) {
  return type == ScopeType::kPipesRead || type == ScopeType::kDatasourcesRead ||
         type == ScopeType::kDatasourcesAppend;
}

bool isValidResourceName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Scope parseScope(std::string_view text) {
  for (const auto& spelling : kSpellings) {
    if (!text.starts_with(spelling.text)) continue;
    std::string_view rest = text.substr(spelling.text.size());
    if (!rest.empty() && rest.front() != ':') continue;  // e.g. "ADMINX"
    Scope scope;
    scope.type = spelling.type;
    if (!scopeTypeHasResource(scope.type)) {
      if (!rest.empty()) invalidScope(text, "this scope takes no resource");
      return scope;
    }
    if (rest.empty()) invalidScope(text, "a resource is required");
    rest.remove_prefix(1);
    const size_t colon = rest.find(':');
    scope.resource = std::string(rest.substr(0, colon));
    if (!isValidResourceName(scope.resource)) invalidScope(text, "invalid resource name");
    if (colon != std::string_view::npos) {
      if (scope.type != ScopeType::kDatasourcesRead) invalidScope(text, "only DATASOURCES:READ takes a filter");
      scope.filter = std::string(rest.substr(colon + 1));
    }
    return scope;
  }
  invalidScope(text, "unknown scope type");
}

std::string formatScope(const Scope& scope) {
  std::string text(scopeTypeName(scope.type));
  if (scopeTypeHasResource(scope.type)) {
    text += ':';
    text += scope.resource;
    if (!scope.filter.empty()) {
      text += ':';
      text += scope.filter;
    }
  }
  return text;
}

}  // namespace perch::auth
