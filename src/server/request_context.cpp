#include "server/request_context.h"

#include <ctime>
#include <map>

#include "auth/hmac_sha256.h"
#include "auth/external_jwt.h"
#include "auth/jwt.h"
#include "common/error.h"
#include "common/json.h"
#include "types/column.h"

namespace perch::server {

namespace {

constexpr std::string_view kInvalidToken = "invalid authentication token";

bool isReservedQueryKey(std::string_view key) { return key == "token" || key == "q"; }

// Adds the scalar or array fields of a JSON object body to `params`.
void addJsonBody(std::string_view body, templating::Params& params) {
  JsonValue root;
  try {
    root = parseJson(body, JsonLimits{});
  } catch (const Error& error) {
    throw Error(ErrorCode::kBadRequest, std::string("invalid JSON body: ") + error.what());
  }
  if (!root.isObject()) throw Error(ErrorCode::kBadRequest, "the JSON body must be an object of parameters");
  for (const auto& [key, value] : root.asObject()) {
    auto& values = params[key];
    values.clear();
    auto add = [&](const JsonValue& item) {
      if (item.isString()) values.push_back(item.asString());
      else if (item.isNumber()) values.push_back(item.numberText());
      else if (item.isBool()) values.push_back(item.asBool() ? "true" : "false");
      else if (!item.isNull()) throw Error(ErrorCode::kBadRequest, "parameter '" + key + "' must be a scalar or an array of scalars");
    };
    if (value.isArray()) {
      for (const auto& item : value.asArray()) add(item);
    } else {
      add(value);
    }
    if (value.isNull()) params.erase(key);
  }
}

void applyFixedParams(const auth::Scope& scope, templating::Params& params) {
  for (const auto& [key, fixed] : scope.fixed_params) {
    if (fixed.is_null) throw Error(ErrorCode::kForbidden, "fixed parameter '" + key + "' has no value");
    params[key] = fixed.values;
  }
}

}  // namespace

std::string_view requestToken(const HttpRequest& request) {
  std::string_view header = request.header("Authorization");
  if (header.size() > 7 && (header.substr(0, 7) == "Bearer " || header.substr(0, 7) == "bearer ")) {
    header.remove_prefix(7);
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    return header;
  }
  return request.queryValue("token");
}

auth::Principal authenticate(const HttpRequest& request, Workspace& workspace) {
  const std::string_view token = requestToken(request);
  if (token.empty()) throw Error(ErrorCode::kAuthentication, std::string(kInvalidToken) + ": no token was provided");
  if (auth::constantTimeEquals(token, workspace.identity().admin_token)) {
    auth::Principal admin;
    admin.kind = auth::Principal::Kind::kAdmin;
    admin.name = "admin token";
    admin.scopes.push_back(auth::Scope{auth::ScopeType::kAdmin, {}, {}, {}});
    return admin;
  }
  if (auth::looksLikeJwt(token)) {
    auth::JwtVerifyOptions options;
    options.key = workspace.identity().admin_token;
    options.workspace_id = workspace.identity().workspace_id;
    options.now_seconds = static_cast<int64_t>(std::time(nullptr));
    options.leeway_seconds = workspace.jwtLeewaySeconds();
    return auth::verifyAnyJwt(token, options, workspace.issuers());
  }
  if (auto found = workspace.tokens().findBySecret(token)) {
    auth::Principal principal;
    principal.kind = auth::Principal::Kind::kStaticToken;
    principal.name = found->name;
    principal.scopes = found->scopes;
    return principal;
  }
  throw Error(ErrorCode::kAuthentication, std::string(kInvalidToken) + ": unknown token");
}

void requireScope(const auth::Principal& principal, auth::ScopeType type, std::string_view resource) {
  if (principal.hasScope(type, resource)) return;
  auth::Scope needed;
  needed.type = type;
  needed.resource = std::string(resource);
  throw Error(ErrorCode::kForbidden, "token needs scope " + auth::formatScope(needed));
}

HttpResponse errorResponse(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"error\":";
  appendJsonString(message, response.body);
  response.body.push_back('}');
  return response;
}

templating::Params pipeParams(const HttpRequest& request, const auth::Principal& principal, std::string_view pipe) {
  templating::Params params;
  for (const auto& [key, value] : request.query) {
    if (!isReservedQueryKey(key)) params[key].push_back(value);
  }
  if (request.method == "POST" && !request.body.empty()) {
    const std::string_view content_type = request.header("Content-Type");
    if (content_type.find("application/json") != std::string_view::npos) {
      addJsonBody(request.body, params);
    } else {
      for (const auto& [key, value] : parseQueryString(request.body)) {
        if (!isReservedQueryKey(key)) params[key].push_back(value);
      }
    }
  }
  // The tenant boundary: fixed params of the scope that grants this pipe win over the request.
  if (const auth::Scope* scope = principal.scopeFor(auth::ScopeType::kPipesRead, pipe)) applyFixedParams(*scope, params);
  return params;
}

templating::Params sqlParams(const HttpRequest& request, const auth::Principal& principal) {
  templating::Params params;
  for (const auto& [key, value] : request.query) {
    if (key != "q" && key != "token" && key != "pipeline") params[key].push_back(value);
  }
  std::map<std::string, const auth::FixedParam*> fixed_by_name;
  for (const auto& scope : principal.scopes) {
    if (scope.type != auth::ScopeType::kPipesRead) continue;
    for (const auto& [key, fixed] : scope.fixed_params) {
      auto [it, inserted] = fixed_by_name.emplace(key, &fixed);
      if (!inserted && !(*it->second == fixed)) {
        throw Error(ErrorCode::kForbidden, "fixed parameter '" + key + "' has different values in the token's scopes; "
                                           "call the pipe endpoints instead of /v0/sql");
      }
    }
    applyFixedParams(scope, params);
  }
  return params;
}

}  // namespace perch::server
