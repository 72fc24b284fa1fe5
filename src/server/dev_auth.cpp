#include "server/dev_auth.h"

#include <openssl/rand.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "auth/base64_url.h"
#include "auth/hmac_sha256.h"
#include "common/error.h"
#include "server/request_context.h"

namespace perch::server {

namespace {

JsonValue readJsonFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("dev-auth: cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parseJson(text.str());
  } catch (const Error& error) {
    throw std::runtime_error("dev-auth: " + path.string() + ": " + error.what());
  }
}

const JsonValue* lookup(const JsonValue& context, std::string_view path) {
  const JsonValue* value = &context;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = std::min(path.find('.', start), path.size());
    if (!value->isObject()) return nullptr;
    value = value->find(path.substr(start, dot - start));
    if (!value) return nullptr;
    start = dot + 1;
  }
  return value;
}

std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Clerk's shortcode rules: "{{a.b}}" alone keeps the value's JSON type (null when missing);
// shortcodes inside a longer string are replaced by their text ("null" when missing).
JsonValue resolve(const JsonValue& node, const JsonValue& context) {
  if (node.isArray()) {
    JsonValue::Array items;
    for (const auto& item : node.asArray()) items.push_back(resolve(item, context));
    return JsonValue::fromArray(std::move(items));
  }
  if (node.isObject()) {
    JsonValue::Object members;
    for (const auto& [key, value] : node.asObject()) members.emplace_back(key, resolve(value, context));
    return JsonValue::fromObject(std::move(members));
  }
  if (!node.isString()) return node;
  const std::string& text = node.asString();
  if (text.size() > 4 && text.rfind("{{", 0) == 0 && text.find("{{", 2) == std::string::npos &&
      text.compare(text.size() - 2, 2, "}}") == 0) {
    const JsonValue* value = lookup(context, trimSpaces(std::string_view(text).substr(2, text.size() - 4)));
    return value ? *value : JsonValue();
  }
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    const size_t close = open == std::string::npos ? std::string::npos : text.find("}}", open);
    if (close == std::string::npos) {
      out.append(text, pos);
      break;
    }
    out.append(text, pos, open - pos);
    const JsonValue* value = lookup(context, trimSpaces(std::string_view(text).substr(open + 2, close - open - 2)));
    out += !value || value->isNull() ? "null" : value->isString() ? value->asString() : toJson(*value);
    pos = close + 2;
  }
  return JsonValue::fromString(std::move(out));
}

std::string randomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

HttpResponse jsonResponse(int status, const JsonValue& body) {
  HttpResponse response;
  response.status = status;
  response.body = toJson(body);
  return response;
}

}  // namespace

DevAuth::DevAuth(const std::filesystem::path& directory, const WorkspaceIdentity& identity, int ttl_seconds)
    : directory_(readJsonFile(directory / "users.json")),
      template_(readJsonFile(directory / "jwt-template.json")),
      identity_(identity),
      ttl_seconds_(ttl_seconds) {
  if (!directory_.find("users") || !directory_.find("users")->isArray() || !directory_.find("organizations") ||
      !directory_.find("organizations")->isArray()) {
    throw std::runtime_error("dev-auth: users.json needs \"users\" and \"organizations\" arrays");
  }
  if (!template_.isObject()) throw std::runtime_error("dev-auth: jwt-template.json must be an object of claims");
}

JsonValue DevAuth::resolveClaims(std::string_view user_id, std::string_view org_id, std::string_view origin,
                                 int64_t now_seconds) const {
  const JsonValue* user = nullptr;
  for (const auto& candidate : directory_.find("users")->asArray()) {
    const JsonValue* id = candidate.find("id");
    if (id && id->isString() && id->asString() == user_id) user = &candidate;
  }
  if (!user) throw Error(ErrorCode::kNotFound, "unknown user '" + std::string(user_id.substr(0, 64)) + "'");

  JsonValue org;  // null without an active organization
  if (!org_id.empty()) {
    const JsonValue* role = nullptr;
    if (const JsonValue* memberships = user->find("memberships"); memberships && memberships->isArray()) {
      for (const auto& membership : memberships->asArray()) {
        const JsonValue* member_org = membership.find("org");
        if (member_org && member_org->isString() && member_org->asString() == org_id) role = membership.find("role");
      }
    }
    if (!role) throw Error(ErrorCode::kForbidden, "user is not a member of '" + std::string(org_id.substr(0, 64)) + "'");
    for (const auto& candidate : directory_.find("organizations")->asArray()) {
      const JsonValue* id = candidate.find("id");
      if (!id || !id->isString() || id->asString() != org_id) continue;
      JsonValue::Object members = candidate.asObject();
      members.emplace_back("role", *role);
      org = JsonValue::fromObject(std::move(members));
    }
  }
  JsonValue::Object public_user;
  for (const auto& [key, value] : user->asObject()) {
    if (key != "memberships") public_user.emplace_back(key, value);
  }
  const JsonValue context = JsonValue::fromObject({
      {"user", JsonValue::fromObject(std::move(public_user))},
      {"org", org},
      {"env", JsonValue::fromObject({{"PERCH_WORKSPACE_ID", JsonValue::fromString(identity_.workspace_id)}})},
  });

  JsonValue::Object claims;
  static const std::vector<std::string> kClerkClaims = {"azp", "exp", "iat", "iss", "jti", "nbf", "sub"};
  const JsonValue resolved = resolve(template_, context);  // outlives the loop (not a temporary)
  for (const auto& [key, value] : resolved.asObject()) {
    if (std::find(kClerkClaims.begin(), kClerkClaims.end(), key) == kClerkClaims.end()) claims.emplace_back(key, value);
  }
  claims.emplace_back("azp", JsonValue::fromString(origin.empty() ? "http://localhost:5173" : std::string(origin)));
  claims.emplace_back("exp", JsonValue::fromInt64(now_seconds + ttl_seconds_));
  claims.emplace_back("iat", JsonValue::fromInt64(now_seconds));
  claims.emplace_back("iss", JsonValue::fromString("perch-dev-auth"));
  claims.emplace_back("jti", JsonValue::fromString(randomHex(10)));
  claims.emplace_back("nbf", JsonValue::fromInt64(now_seconds - 10));
  claims.emplace_back("sub", JsonValue::fromString(std::string(user_id)));
  return JsonValue::fromObject(std::move(claims));
}

HttpResponse DevAuth::handle(const HttpRequest& request) const {
  if (request.path == "/v0/dev-auth/users" && request.method == "GET") {
    JsonValue::Array users;
    for (const auto& user : directory_.find("users")->asArray()) {
      JsonValue::Object visible;
      for (const auto& [key, value] : user.asObject()) {
        if (key != "public_metadata") visible.emplace_back(key, value);
      }
      users.push_back(JsonValue::fromObject(std::move(visible)));
    }
    return jsonResponse(200, JsonValue::fromObject({{"organizations", *directory_.find("organizations")},
                                                    {"users", JsonValue::fromArray(std::move(users))}}));
  }
  if (request.path == "/v0/dev-auth/token" && request.method == "POST") {
    const JsonValue body = request.body.empty() ? JsonValue::fromObject({}) : parseJson(request.body);
    const JsonValue* user = body.isObject() ? body.find("userId") : nullptr;
    const JsonValue* org = body.isObject() ? body.find("orgId") : nullptr;
    if (!user || !user->isString()) throw Error(ErrorCode::kBadRequest, "the body must be {\"userId\": ..., \"orgId\": ...}");
    const std::string org_id = org && org->isString() ? org->asString() : "";
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const JsonValue claims = resolveClaims(user->asString(), org_id, request.header("Origin"), now);
    const std::string input = auth::encodeBase64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + auth::encodeBase64Url(toJson(claims));
    const auto signature = auth::hmacSha256(identity_.admin_token, input);
    const std::string token =
        input + "." + auth::encodeBase64Url(std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
    return jsonResponse(200, JsonValue::fromObject({{"token", JsonValue::fromString(token)},
                                                    {"expires_at", JsonValue::fromInt64(now + ttl_seconds_)}}));
  }
  throw Error(ErrorCode::kNotFound, "not found");
}

}  // namespace perch::server
