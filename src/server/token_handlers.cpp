// Routes that manage tokens: GET/POST/PUT/DELETE /v0/tokens[/<name>[/refresh]] (SPEC §5, §6.2) and
// JWT minting with `POST /v0/tokens?name=&expiration_time=` and a JSON body of scopes (Tinybird's API).
#include <ctime>

#include "auth/jwt.h"
#include "common/error.h"
#include "common/json.h"
#include "server/request_context.h"
#include "server/router.h"

namespace perch::server {

namespace {

void appendTokenJson(const auth::TokenStore::Token& token, std::string& body) {
  body.append("{\"name\":");
  appendJsonString(token.name, body);
  body.append(",\"token\":");
  appendJsonString(token.secret, body);
  body.append(",\"scopes\":[");
  for (size_t i = 0; i < token.scopes.size(); ++i) {
    const auth::Scope& scope = token.scopes[i];
    if (i) body.push_back(',');
    body.append("{\"type\":");
    appendJsonString(auth::scopeTypeName(scope.type), body);
    if (!scope.resource.empty()) {
      body.append(",\"resource\":");
      appendJsonString(scope.resource, body);
    }
    if (!scope.filter.empty()) {
      body.append(",\"filter\":");
      appendJsonString(scope.filter, body);
    }
    body.push_back('}');
  }
  body.append("]}");
}

auth::FixedParam fixedParamFromJson(const std::string& key, const JsonValue& value) {
  auth::FixedParam param;
  auto scalar = [&](const JsonValue& item) {
    if (item.isString()) return item.asString();
    if (item.isNumber()) return item.numberText();
    if (item.isBool()) return std::string(item.asBool() ? "true" : "false");
    throw Error(ErrorCode::kBadRequest, "fixed_params value for '" + key + "' must be a string, number, bool or array of those");
  };
  if (value.isNull()) {
    param.is_null = true;
  } else if (value.isArray()) {
    param.is_array = true;
    for (const auto& item : value.asArray()) param.values.push_back(scalar(item));
  } else {
    param.values.push_back(scalar(value));
  }
  return param;
}

// Mints a JWT from Tinybird's token-creation body: {"scopes":[{"type","resource","fixed_params"}],"limits":{"rps"}}.
HttpResponse mintJwtResponse(const HttpRequest& request, Workspace& workspace) {
  const std::string name(request.queryValue("name"));
  int64_t expiration = 0;
  try {
    expiration = std::stoll(std::string(request.queryValue("expiration_time")));
  } catch (const std::exception&) {
    throw Error(ErrorCode::kBadRequest, "expiration_time must be a Unix timestamp in seconds");
  }
  if (expiration <= static_cast<int64_t>(std::time(nullptr))) throw Error(ErrorCode::kBadRequest, "expiration_time is in the past");
  const JsonValue body = parseJson(request.body);
  if (!body.isObject()) throw Error(ErrorCode::kBadRequest, "the body must be a JSON object with scopes");
  auth::JwtClaims claims;
  claims.workspace_id = workspace.identity().workspace_id;
  claims.name = name;
  claims.exp = expiration;
  claims.iat = static_cast<int64_t>(std::time(nullptr));
  for (const auto& [key, value] : body.asObject()) {
    if (key == "scopes") {
      if (!value.isArray()) throw Error(ErrorCode::kBadRequest, "scopes must be an array");
      for (const auto& item : value.asArray()) {
        if (!item.isObject()) throw Error(ErrorCode::kBadRequest, "each scope must be an object");
        std::string type, resource;
        const JsonValue* fixed = nullptr;
        std::string filter;
        for (const auto& [field, field_value] : item.asObject()) {
          if (field == "type") type = field_value.asString();
          else if (field == "resource") resource = field_value.asString();
          else if (field == "fixed_params") fixed = &field_value;
          else if (field == "filter") filter = field_value.asString();
        }
        if (type == "PIPE:READ") type = "PIPES:READ";
        if (type != "PIPES:READ" && type != "DATASOURCES:READ") {
          throw Error(ErrorCode::kBadRequest, "JWT scopes must be PIPES:READ or DATASOURCES:READ");
        }
        auth::Scope scope = auth::parseScope(type + ":" + resource);
        scope.filter = filter;
        if (fixed) {
          if (!fixed->isObject()) throw Error(ErrorCode::kBadRequest, "fixed_params must be an object");
          for (const auto& [param, param_value] : fixed->asObject()) scope.fixed_params[param] = fixedParamFromJson(param, param_value);
        }
        claims.scopes.push_back(std::move(scope));
      }
    } else if (key == "limits" && value.isObject()) {
      for (const auto& [limit, limit_value] : value.asObject()) {
        if (limit == "rps") claims.rps = limit_value.asDouble();
      }
    }
  }
  if (claims.scopes.empty()) throw Error(ErrorCode::kBadRequest, "a JWT needs at least one scope");
  HttpResponse response;
  response.body = "{\"token\":";
  appendJsonString(auth::mintJwt(claims, workspace.identity().admin_token), response.body);
  response.body.push_back('}');
  return response;
}

}  // namespace

HttpResponse Router::handleTokens(HttpRequest& request, std::string_view name) {
  const auth::Principal principal = authenticate(request, workspace_);
  if (!principal.hasScope(auth::ScopeType::kTokens, "")) requireScope(principal, auth::ScopeType::kAdmin, "");
  auth::TokenStore& tokens = workspace_.tokens();
  HttpResponse response;

  if (name.empty()) {
    if (request.method == "GET") {
      response.body = "{\"tokens\":[";
      const auto all = tokens.list();
      for (size_t i = 0; i < all.size(); ++i) {
        if (i) response.body.push_back(',');
        appendTokenJson(all[i], response.body);
      }
      response.body.append("]}");
      return response;
    }
    if (request.method != "POST") throw Error(ErrorCode::kMethodNotAllowed, "method not allowed");
    const std::string token_name(request.queryValue("name"));
    if (token_name.empty()) throw Error(ErrorCode::kBadRequest, "missing the name parameter");
    if (request.hasQuery("expiration_time")) return mintJwtResponse(request, workspace_);
    std::vector<auth::Scope> scopes;
    for (const auto& [key, value] : request.query) {
      if (key == "scope") scopes.push_back(auth::parseScope(value));
    }
    if (scopes.empty()) throw Error(ErrorCode::kBadRequest, "a token needs at least one scope parameter");
    appendTokenJson(tokens.upsert(token_name, scopes), response.body);
    return response;
  }

  std::string_view token_name = name;
  const bool refresh = name.size() > 8 && name.substr(name.size() - 8) == "/refresh";
  if (refresh) token_name = name.substr(0, name.size() - 8);
  if (request.method == "GET" && !refresh) {
    auto token = tokens.findByName(token_name);
    if (!token) throw Error(ErrorCode::kNotFound, "token not found");
    appendTokenJson(*token, response.body);
    return response;
  }
  if (request.method == "DELETE" && !refresh) {
    if (!tokens.remove(token_name)) throw Error(ErrorCode::kNotFound, "token not found");
    response.body = "{}";
    return response;
  }
  if (request.method == "PUT" && !refresh) {
    // Tinybird's "modify a token": every scope parameter is added to the token's scopes.
    if (!tokens.findByName(token_name)) throw Error(ErrorCode::kNotFound, "token not found");
    if (request.hasQuery("name") && request.queryValue("name") != token_name) {
      throw Error(ErrorCode::kBadRequest, "renaming a token is not supported; create a new one");
    }
    std::vector<auth::Scope> scopes;
    for (const auto& [key, value] : request.query) {
      if (key == "scope") scopes.push_back(auth::parseScope(value));
    }
    if (scopes.empty()) throw Error(ErrorCode::kBadRequest, "send at least one scope parameter to add");
    appendTokenJson(tokens.upsert(token_name, scopes), response.body);
    return response;
  }
  if (request.method == "POST" && refresh) {
    auto token = tokens.refresh(token_name);
    if (!token) throw Error(ErrorCode::kNotFound, "token not found");
    appendTokenJson(*token, response.body);
    return response;
  }
  throw Error(ErrorCode::kMethodNotAllowed, "method not allowed");
}

}  // namespace perch::server
