// Segment splitting, JSON parsing and the claim rules shared by all JWT verifiers (jwt_parts.h).
#include "auth/jwt_parts.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "auth/base64_url.h"
#include "auth/jwt.h"
#include "common/error.h"

namespace perch::auth {

void rejectToken(const char* reason) {
  throw Error(ErrorCode::kAuthentication, std::string("invalid authentication token: ") + reason);
}

namespace {

// A 16 KiB token decodes to at most ~12 KiB of JSON, which cannot hold more values than this anyway;
// the cap keeps the parser's work bounded even if kMaxJwtBytes grows.
constexpr JsonLimits kJwtJsonLimits{.max_depth = kMaxJwtDepth, .max_elements = 8192};

JsonValue parseSegment(std::string_view decoded, const char* reason) {
  try {
    return parseJson(decoded, kJwtJsonLimits);
  } catch (const Error&) {
    rejectToken(reason);  // the parser's message (offsets) is dropped on purpose
  }
}

int64_t integerClaim(const JsonValue& value, const char* reason) {
  if (!value.isInteger()) rejectToken(reason);
  try {
    return value.asInt64();
  } catch (const Error&) {
    rejectToken(reason);
  }
}

/// |a - b| > bound for a > b, without overflow.
bool exceedsBy(int64_t a, int64_t b, int64_t bound) {
  return a > b && static_cast<uint64_t>(a) - static_cast<uint64_t>(b) > static_cast<uint64_t>(bound);
}

void checkTimes(const JsonValue& payload, const ClaimCheck& check) {
  const int64_t now = check.now_seconds;
  const int64_t leeway = std::clamp(check.leeway_seconds, 0, kMaxLeewaySeconds);
  const JsonValue* exp = payload.find("exp");
  if (exp == nullptr) rejectToken("missing exp");
  const int64_t expires = integerClaim(*exp, "exp must be an integer");
  // Valid while now < exp + leeway (RFC 7519 §4.1.4: "before" exp).
  if (now >= expires && static_cast<uint64_t>(now) - static_cast<uint64_t>(expires) >= static_cast<uint64_t>(leeway)) {
    rejectToken("token expired");
  }
  if (const JsonValue* nbf = payload.find("nbf")) {
    if (exceedsBy(integerClaim(*nbf, "nbf must be an integer"), now, leeway)) rejectToken("token not yet valid");
  }
  if (const JsonValue* iat = payload.find("iat")) {
    if (exceedsBy(integerClaim(*iat, "iat must be an integer"), now, leeway)) rejectToken("token issued in the future");
  }
}

std::string scalarText(const JsonValue& value) {
  switch (value.kind()) {
    case JsonValue::Kind::kString: return value.asString();
    case JsonValue::Kind::kNumber: return value.numberText();
    case JsonValue::Kind::kBool: return value.asBool() ? "true" : "false";
    default: rejectToken("fixed_params values must be strings, numbers, booleans, null or arrays of those");
  }
}

FixedParam parseFixedParam(const JsonValue& value) {
  FixedParam param;
  if (value.isNull()) {
    param.is_null = true;
  } else if (value.isArray()) {
    param.is_array = true;
    for (const JsonValue& item : value.asArray()) param.values.push_back(scalarText(item));
  } else {
    param.values.push_back(scalarText(value));  // rejects objects
  }
  return param;
}

Scope parseScopeClaim(const JsonValue& value) {
  if (!value.isObject()) rejectToken("scope is not an object");
  const JsonValue* type = value.find("type");
  if (type == nullptr || !type->isString()) rejectToken("scope type missing");
  Scope scope;
  const std::string& type_text = type->asString();
  if (type_text == "PIPES:READ" || type_text == "PIPE:READ") {
    scope.type = ScopeType::kPipesRead;
  } else if (type_text == "DATASOURCES:READ") {
    scope.type = ScopeType::kDatasourcesRead;
  } else {
    rejectToken("unsupported scope type");
  }
  const JsonValue* resource = value.find("resource");
  if (resource == nullptr || !resource->isString()) rejectToken("scope resource missing");
  if (!isValidResourceName(resource->asString())) rejectToken("invalid scope resource");
  scope.resource = resource->asString();
  for (const auto& [key, member] : value.asObject()) {
    if (key == "type" || key == "resource") continue;
    if (key == "filter") {
      if (scope.type != ScopeType::kDatasourcesRead) rejectToken("filter is only allowed on DATASOURCES:READ");
      if (!member.isString()) rejectToken("filter must be a string");
      scope.filter = member.asString();
    } else if (key == "fixed_params") {
      if (!member.isObject()) rejectToken("fixed_params must be an object");
      for (const auto& [param_name, param_value] : member.asObject()) {
        if (param_name.empty()) rejectToken("empty fixed_params name");
        scope.fixed_params.emplace(param_name, parseFixedParam(param_value));
      }
    } else {
      // An unknown key may be a restriction we do not understand; refusing it is the safe reading.
      rejectToken("unknown key in scope");
    }
  }
  return scope;
}

std::vector<Scope> parseScopesClaim(const JsonValue& payload) {
  const JsonValue* scopes = payload.find("scopes");
  if (scopes == nullptr || !scopes->isArray()) rejectToken("scopes must be an array");
  const auto& items = scopes->asArray();
  if (items.empty()) rejectToken("scopes is empty");
  if (items.size() > kMaxJwtScopes) rejectToken("too many scopes");
  std::vector<Scope> result;
  result.reserve(items.size());
  std::set<std::pair<ScopeType, std::string>> seen;
  for (const JsonValue& item : items) {
    Scope scope = parseScopeClaim(item);
    if (!seen.emplace(scope.type, scope.resource).second) rejectToken("duplicate scope");
    result.push_back(std::move(scope));
  }
  return result;
}

std::optional<double> parseLimitsClaim(const JsonValue& payload) {
  const JsonValue* limits = payload.find("limits");
  if (limits == nullptr) return std::nullopt;
  if (!limits->isObject()) rejectToken("limits must be an object");
  std::optional<double> rps;
  for (const auto& [key, value] : limits->asObject()) {
    if (key != "rps") rejectToken("unknown key in limits");
    if (!value.isNumber()) rejectToken("limits.rps must be a number");
    double parsed = 0;
    try {
      parsed = value.asDouble();
    } catch (const Error&) {
      rejectToken("limits.rps out of range");
    }
    if (!std::isfinite(parsed) || !(parsed > 0)) rejectToken("limits.rps must be positive");
    rps = parsed;
  }
  return rps;
}

}  // namespace

JwtParts splitJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) rejectToken("token too large");
  const size_t first_dot = token.find('.');
  const size_t second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    rejectToken("token must have three segments");
  }
  const std::string_view header_text = token.substr(0, first_dot);
  const std::string_view payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_text = token.substr(second_dot + 1);
  if (header_text.empty() || payload_text.empty() || signature_text.empty()) rejectToken("empty token segment");

  const std::optional<std::string> header_json = decodeBase64Url(header_text);
  if (!header_json) rejectToken("header is not base64url");
  std::optional<std::string> signature = decodeBase64Url(signature_text);
  if (!signature) rejectToken("signature is not base64url");
  JwtParts parts;
  parts.header = parseSegment(*header_json, "header is not valid JSON");
  if (!parts.header.isObject()) rejectToken("header is not a JSON object");
  parts.signing_input = token.substr(0, second_dot);
  parts.payload_segment = payload_text;
  parts.signature = std::move(*signature);
  return parts;
}

void rejectHeaderExtensions(const JsonValue& header) {
  if (header.find("crit") != nullptr) rejectToken("crit header is not supported");
  if (header.find("b64") != nullptr) rejectToken("b64 header is not supported");
}

const std::string& headerAlgorithm(const JsonValue& header, const char* not_string_reason) {
  const JsonValue* alg = header.find("alg");
  if (alg == nullptr) rejectToken("missing alg");
  if (!alg->isString()) rejectToken(not_string_reason);
  return alg->asString();
}

JsonValue decodeJwtPayload(std::string_view payload_segment) {
  const std::optional<std::string> payload_json = decodeBase64Url(payload_segment);
  if (!payload_json) rejectToken("payload is not base64url");
  JsonValue payload = parseSegment(*payload_json, "payload is not valid JSON");
  if (!payload.isObject()) rejectToken("payload is not a JSON object");
  return payload;
}

Principal principalFromClaims(const JsonValue& payload, const ClaimCheck& check) {
  if (check.workspace_id.empty()) rejectToken("no workspace id configured");
  checkTimes(payload, check);
  const JsonValue* workspace = payload.find("workspace_id");
  if (workspace == nullptr || !workspace->isString()) rejectToken("missing workspace_id");
  if (workspace->asString() != check.workspace_id) rejectToken("wrong workspace");
  const JsonValue* name = payload.find("name");
  if (name == nullptr || !name->isString() || name->asString().empty()) rejectToken("missing name");

  Principal principal;
  principal.kind = Principal::Kind::kJwt;
  principal.name = name->asString();
  principal.scopes = parseScopesClaim(payload);
  principal.rps = parseLimitsClaim(payload);
  return principal;
}

std::optional<UnverifiedJwtRouting> peekJwtRouting(std::string_view token) noexcept {
  try {
    const JwtParts parts = splitJwt(token);
    const JsonValue payload = decodeJwtPayload(parts.payload_segment);
    UnverifiedJwtRouting routing;
    if (const JsonValue* workspace = payload.find("workspace_id"); workspace && workspace->isString()) {
      routing.workspace_id = workspace->asString();
    }
    if (const JsonValue* issuer = payload.find("iss"); issuer && issuer->isString()) routing.issuer = issuer->asString();
    return routing;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace perch::auth
