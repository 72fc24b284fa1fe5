// Principal: who is calling, after authentication, and what they may do.
//
// A Principal is built once per request (from the admin token, a static token or a verified JWT) and
// then only read. Authorization questions go through hasScope/scopeFor so the rules live in one
// place:
//   - ADMIN (a kAdmin principal, or any principal holding an ADMIN scope) grants everything;
//   - DATASOURCES:CREATE also grants DATASOURCES:APPEND on every data source;
//   - otherwise a scope grants its type on exactly its resource (case-sensitive, no wildcards);
//   - an empty resource never matches a type that takes one (not even for ADMIN).
// When several scopes grant a request, scopeFor returns the most specific one (exact resource match
// before DATASOURCES:CREATE before ADMIN), so a filter or fixed_params attached to it is never
// skipped in favour of a broader scope. verifyJwt rejects tokens with two scopes for the same
// (type, resource), so a JWT's fixed_params are never ambiguous.
//
// Thread-safety: immutable after construction; share freely between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/scope.h"

namespace perch::auth {

struct Principal {
  enum class Kind { kAdmin, kStaticToken, kJwt };

  Kind kind = Kind::kStaticToken;
  std::string name;           // token name (JWT `name` claim); the rate-limit key part
  std::vector<Scope> scopes;
  std::optional<double> rps;  // JWT limits.rps; always > 0 when set

  /// True when some scope grants `type` on `resource` (ignored for resource-less types).
  bool hasScope(ScopeType type, std::string_view resource) const;
  /// The scope that grants it (see the precedence above), or nullptr. The pointer stays valid as long
  /// as this Principal is alive and unmodified.
  const Scope* scopeFor(ScopeType type, std::string_view resource) const;
};

}  // namespace perch::auth
