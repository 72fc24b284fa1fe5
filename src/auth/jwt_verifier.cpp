// verifyJwt and looksLikeJwt; the rules and their order are documented in jwt.h.
#include <algorithm>
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

/// Every rejection goes through here: the reason is always a string literal, never token content.
[[noreturn]] void reject(const char* reason) {
  throw Error(ErrorCode::kAuthentication, std::string("invalid authentication token: ") + reason);
}

// A 16 KiB token decodes to at most ~12 KiB of JSON, which cannot hold more values than this anyway;
// the cap keeps the parser's work bounded even if kMaxJwtBytes grows.
constexpr JsonLimits kJwtJsonLimits{.max_depth = kMaxJwtDepth, .max_elements = 8192};

JsonValue parseSegment(std::string_view decoded, const char* reason) {
  try {
    return parseJson(decoded, kJwtJsonLimits);
  } catch (const Error&) {
    reject(reason);  // the parser's message (offsets) is dropped on purpose
  }
}

void checkHeader(const JsonValue& header) {
  if (!header.isObject()) reject("header is not a JSON object");
  const JsonValue* alg = header.find("alg");
  if (alg == nullptr) reject("missing alg");
  if (!alg->isString() || alg->asString() != "HS256") reject("alg must be HS256");
  // We implement no critical extensions, so any `crit` must be refused (RFC 7515 §4.1.11). `b64`
  // (RFC 7797) would change what is signed; refuse it even without `crit`.
  if (header.find("crit") != nullptr) reject("crit header is not supported");
  if (header.find("b64") != nullptr) reject("b64 header is not supported");
}

int64_t integerClaim(const JsonValue& value, const char* reason) {
  if (!value.isInteger()) reject(reason);
  try {
    return value.asInt64();
  } catch (const Error&) {
    reject(reason);
  }
}

/// |a - b| > bound for a > b, without overflow.
bool exceedsBy(int64_t a, int64_t b, int64_t bound) {
  return a > b && static_cast<uint64_t>(a) - static_cast<uint64_t>(b) > static_cast<uint64_t>(bound);
}

void checkTimes(const JsonValue& payload, const JwtVerifyOptions& options) {
  const int64_t now = options.now_seconds;
  const int64_t leeway = std::clamp(options.leeway_seconds, 0, kMaxLeewaySeconds);
  const JsonValue* exp = payload.find("exp");
  if (exp == nullptr) reject("missing exp");
  const int64_t expires = integerClaim(*exp, "exp must be an integer");
  // Valid while now < exp + leeway (RFC 7519 §4.1.4: "before" exp).
  if (now >= expires && static_cast<uint64_t>(now) - static_cast<uint64_t>(expires) >= static_cast<uint64_t>(leeway)) {
    reject("token expired");
  }
  if (const JsonValue* nbf = payload.find("nbf")) {
    if (exceedsBy(integerClaim(*nbf, "nbf must be an integer"), now, leeway)) reject("token not yet valid");
  }
  if (const JsonValue* iat = payload.find("iat")) {
    if (exceedsBy(integerClaim(*iat, "iat must be an integer"), now, leeway)) reject("token issued in the future");
  }
}

std::string scalarText(const JsonValue& value) {
  switch (value.kind()) {
    case JsonValue::Kind::kString: return value.asString();
    case JsonValue::Kind::kNumber: return value.numberText();
    case JsonValue::Kind::kBool: return value.asBool() ? "true" : "false";
    default: reject("fixed_params values must be strings, numbers, booleans, null or arrays of those");
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
  if (!value.isObject()) reject("scope is not an object");
  const JsonValue* type = value.find("type");
  if (type == nullptr || !type->isString()) reject("scope type missing");
  Scope scope;
  const std::string& type_text = type->asString();
  if (type_text == "PIPES:READ" || type_text == "PIPE:READ") {
    scope.type = ScopeType::kPipesRead;
  } else if (type_text == "DATASOURCES:READ") {
    scope.type = ScopeType::kDatasourcesRead;
  } else {
    reject("unsupported scope type");
  }
  const JsonValue* resource = value.find("resource");
  if (resource == nullptr || !resource->isString()) reject("scope resource missing");
  if (!isValidResourceName(resource->asString())) reject("invalid scope resource");
  scope.resource = resource->asString();
  for (const auto& [key, member] : value.asObject()) {
    if (key == "type" || key == "resource") continue;
    if (key == "filter") {
      if (scope.type != ScopeType::kDatasourcesRead) reject("filter is only allowed on DATASOURCES:READ");
      if (!member.isString()) reject("filter must be a string");
      scope.filter = member.asString();
    } else if (key == "fixed_params") {
      if (!member.isObject()) reject("fixed_params must be an object");
      for (const auto& [param_name, param_value] : member.asObject()) {
        if (param_name.empty()) reject("empty fixed_params name");
        scope.fixed_params.emplace(param_name, parseFixedParam(param_value));
      }
    } else {
      // An unknown key may be a restriction we do not understand; refusing it is the safe reading.
      reject("unknown key in scope");
    }
  }
  return scope;
}

std::vector<Scope> parseScopesClaim(const JsonValue& payload) {
  const JsonValue* scopes = payload.find("scopes");
  if (scopes == nullptr || !scopes->isArray()) reject("scopes must be an array");
  const auto& items = scopes->asArray();
  if (items.empty()) reject("scopes is empty");
  if (items.size() > kMaxJwtScopes) reject("too many scopes");
  std::vector<Scope> result;
  result.reserve(items.size());
  std::set<std::pair<ScopeType, std::string>> seen;
  for (const JsonValue& item : items) {
    Scope scope = parseScopeClaim(item);
    if (!seen.emplace(scope.type, scope.resource).second) reject("duplicate scope");
    result.push_back(std::move(scope));
  }
  return result;
}

std::optional<double> parseLimitsClaim(const JsonValue& payload) {
  const JsonValue* limits = payload.find("limits");
  if (limits == nullptr) return std::nullopt;
  if (!limits->isObject()) reject("limits must be an object");
  std::optional<double> rps;
  for (const auto& [key, value] : limits->asObject()) {
    if (key != "rps") reject("unknown key in limits");
    if (!value.isNumber()) reject("limits.rps must be a number");
    double parsed = 0;
    try {
      parsed = value.asDouble();
    } catch (const Error&) {
      reject("limits.rps out of range");
    }
    if (!std::isfinite(parsed) || !(parsed > 0)) reject("limits.rps must be positive");
    rps = parsed;
  }
  return rps;
}

}  // namespace

bool looksLikeJwt(std::string_view token) { return std::count(token.begin(), token.end(), '.') == 2; }

Principal verifyJwt(std::string_view token, const JwtVerifyOptions& options) {
  if (token.size() > kMaxJwtBytes) reject("token too large");
  if (options.key.empty()) reject("no signing key configured");
  if (options.workspace_id.empty()) reject("no workspace id configured");

  const size_t first_dot = token.find('.');
  const size_t second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    reject("token must have three segments");
  }
  const std::string_view header_text = token.substr(0, first_dot);
  const std::string_view payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_text = token.substr(second_dot + 1);
  if (header_text.empty() || payload_text.empty() || signature_text.empty()) reject("empty token segment");

  const std::optional<std::string> header_json = decodeBase64Url(header_text);
  if (!header_json) reject("header is not base64url");
  const std::optional<std::string> signature = decodeBase64Url(signature_text);
  if (!signature) reject("signature is not base64url");
  checkHeader(parseSegment(*header_json, "header is not valid JSON"));

  const Sha256Digest expected = hmacSha256(options.key, token.substr(0, second_dot));
  const std::string_view expected_view(reinterpret_cast<const char*>(expected.data()), expected.size());
  if (!constantTimeEquals(*signature, expected_view)) reject("bad signature");

  // From here on the payload is authentic (signed with our key); it is still validated strictly.
  const std::optional<std::string> payload_json = decodeBase64Url(payload_text);
  if (!payload_json) reject("payload is not base64url");
  const JsonValue payload = parseSegment(*payload_json, "payload is not valid JSON");
  if (!payload.isObject()) reject("payload is not a JSON object");

  checkTimes(payload, options);
  const JsonValue* workspace = payload.find("workspace_id");
  if (workspace == nullptr || !workspace->isString()) reject("missing workspace_id");
  if (workspace->asString() != options.workspace_id) reject("wrong workspace");
  const JsonValue* name = payload.find("name");
  if (name == nullptr || !name->isString() || name->asString().empty()) reject("missing name");

  Principal principal;
  principal.kind = Principal::Kind::kJwt;
  principal.name = name->asString();
  principal.scopes = parseScopesClaim(payload);
  principal.rps = parseLimitsClaim(payload);
  return principal;
}

}  // namespace perch::auth
