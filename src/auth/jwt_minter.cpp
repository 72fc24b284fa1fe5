// mintJwt: the writing half of jwt.h. It refuses claims that verifyJwt would reject, so a token this
// server hands out always verifies (until it expires).
#include <cmath>
#include <set>
#include <utility>

#include "auth/base64_url.h"
#include "auth/hmac_sha256.h"
#include "auth/jwt.h"
#include "common/error.h"
#include "common/json.h"

namespace perch::auth {
namespace {

JsonValue fixedParamJson(const FixedParam& param) {
  if (param.is_null) return JsonValue();
  if (!param.is_array) {
    if (param.values.size() != 1) throwBadRequest("a scalar fixed param needs exactly one value");
    return JsonValue::fromString(param.values.front());
  }
  JsonValue::Array items;
  for (const std::string& value : param.values) items.push_back(JsonValue::fromString(value));
  return JsonValue::fromArray(std::move(items));
}

JsonValue scopeJson(const Scope& scope) {
  if (scope.type != ScopeType::kPipesRead && scope.type != ScopeType::kDatasourcesRead) {
    throwBadRequest("JWT scopes must be PIPES:READ or DATASOURCES:READ, not " + std::string(scopeTypeName(scope.type)));
  }
  if (!isValidResourceName(scope.resource)) throwBadRequest("invalid JWT scope resource '" + scope.resource + "'");
  if (!scope.filter.empty() && scope.type != ScopeType::kDatasourcesRead) {
    throwBadRequest("a filter is only allowed on DATASOURCES:READ");
  }
  JsonValue::Object members;
  members.emplace_back("type", JsonValue::fromString(std::string(scopeTypeName(scope.type))));
  members.emplace_back("resource", JsonValue::fromString(scope.resource));
  if (!scope.filter.empty()) members.emplace_back("filter", JsonValue::fromString(scope.filter));
  if (!scope.fixed_params.empty()) {
    JsonValue::Object params;
    for (const auto& [name, param] : scope.fixed_params) {
      if (name.empty()) throwBadRequest("empty fixed param name");
      params.emplace_back(name, fixedParamJson(param));
    }
    members.emplace_back("fixed_params", JsonValue::fromObject(std::move(params)));
  }
  return JsonValue::fromObject(std::move(members));
}

JsonValue payloadJson(const JwtClaims& claims) {
  if (claims.workspace_id.empty()) throwBadRequest("a JWT needs a workspace_id");
  if (claims.name.empty()) throwBadRequest("a JWT needs a name");
  if (claims.scopes.empty()) throwBadRequest("a JWT needs at least one scope");
  if (claims.scopes.size() > kMaxJwtScopes) throwBadRequest("a JWT may carry at most 64 scopes");
  std::set<std::pair<ScopeType, std::string>> seen;
  JsonValue::Array scopes;
  for (const Scope& scope : claims.scopes) {
    if (!seen.emplace(scope.type, scope.resource).second) {
      throwBadRequest("duplicate JWT scope " + formatScope(scope));
    }
    scopes.push_back(scopeJson(scope));
  }
  JsonValue::Object members;
  members.emplace_back("workspace_id", JsonValue::fromString(claims.workspace_id));
  members.emplace_back("name", JsonValue::fromString(claims.name));
  members.emplace_back("exp", JsonValue::fromInt64(claims.exp));
  if (claims.iat) members.emplace_back("iat", JsonValue::fromInt64(*claims.iat));
  members.emplace_back("scopes", JsonValue::fromArray(std::move(scopes)));
  if (claims.rps) {
    if (!std::isfinite(*claims.rps) || !(*claims.rps > 0)) throwBadRequest("rps must be a positive number");
    JsonValue::Object limits;
    limits.emplace_back("rps", JsonValue::fromDouble(*claims.rps));
    members.emplace_back("limits", JsonValue::fromObject(std::move(limits)));
  }
  return JsonValue::fromObject(std::move(members));
}

}  // namespace

std::string mintJwt(const JwtClaims& claims, std::string_view key) {
  if (key.empty()) throwBadRequest("cannot sign a JWT with an empty key");
  const std::string payload = toJson(payloadJson(claims));
  std::string token = encodeBase64Url(R"({"alg":"HS256","typ":"JWT"})");
  token += '.';
  token += encodeBase64Url(payload);
  const Sha256Digest signature = hmacSha256(key, token);
  token += '.';
  token += encodeBase64Url(std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
  if (token.size() > kMaxJwtBytes) throwBadRequest("the JWT would exceed 16 KiB");
  return token;
}

}  // namespace perch::auth
