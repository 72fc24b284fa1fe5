#include "auth/principal.h"

namespace perch::auth {
namespace {

const Scope kAdminScope{};  // type kAdmin, no resource; granted to kAdmin principals

const Scope* findScope(const std::vector<Scope>& scopes, ScopeType type, std::string_view resource) {
  const bool has_resource = scopeTypeHasResource(type);
  for (const Scope& scope : scopes) {
    if (scope.type == type && (!has_resource || scope.resource == resource)) return &scope;
  }
  return nullptr;
}

}  // namespace

const Scope* Principal::scopeFor(ScopeType type, std::string_view resource) const {
  if (scopeTypeHasResource(type) && resource.empty()) return nullptr;
  if (const Scope* exact = findScope(scopes, type, resource)) return exact;
  if (type == ScopeType::kDatasourcesAppend) {
    if (const Scope* create = findScope(scopes, ScopeType::kDatasourcesCreate, {})) return create;
  }
  if (const Scope* admin = findScope(scopes, ScopeType::kAdmin, {})) return admin;
  if (kind == Kind::kAdmin) return &kAdminScope;
  return nullptr;
}

bool Principal::hasScope(ScopeType type, std::string_view resource) const {
  return scopeFor(type, resource) != nullptr;
}

}  // namespace perch::auth
