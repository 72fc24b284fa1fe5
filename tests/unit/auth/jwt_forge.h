// Test-only helpers for building JWTs byte by byte, including malformed and hostile ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/base64_url.h"
#include "auth/hmac_sha256.h"

namespace perch::auth::forge {

constexpr std::string_view kKey = "test-admin-token-0123456789abcdef0123456789";
constexpr std::string_view kOtherKey = "attacker-chosen-key-0123456789abcdef012345";
constexpr std::string_view kWorkspace = "8c3f2a51-0d7e-4b4c-9a8e-3f1c2b7d9e10";
constexpr int64_t kNow = 1'700'000'000;

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kScopes =
    R"([{"type":"PIPES:READ","resource":"sales","fixed_params":{"org_id":"acme","n":42,"b":true,"list":["x",1.5,false],"none":null}}])";

/// Raw JSON fragments of a payload; an empty fragment leaves the claim out.
struct Payload {
  std::string workspace_id = "\"" + std::string(kWorkspace) + "\"";
  std::string name = R"("tenant_a")";
  std::string exp = std::to_string(kNow + 3600);
  std::string scopes = std::string(kScopes);
  std::string extra;  // appended verbatim after the claims, e.g. R"(,"nbf":1)"
};

inline std::string payloadJson(const Payload& p) {
  std::string json = "{";
  auto add = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    if (json.size() > 1) json += ',';
    json += '"';
    json += key;
    json += "\":";
    json += value;
  };
  add("workspace_id", p.workspace_id);
  add("name", p.name);
  add("exp", p.exp);
  add("scopes", p.scopes);
  json += p.extra;
  json += '}';
  return json;
}

inline std::string b64(std::string_view bytes) { return encodeBase64Url(bytes); }

inline std::string signatureBytes(std::string_view signing_input, std::string_view key) {
  const Sha256Digest digest = hmacSha256(key, signing_input);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

/// header.payload.signature with both segments given as already-encoded text.
inline std::string signEncoded(std::string_view header_segment, std::string_view payload_segment,
                               std::string_view key = kKey) {
  std::string input = std::string(header_segment) + "." + std::string(payload_segment);
  return input + "." + b64(signatureBytes(input, key));
}

inline std::string sign(std::string_view header_json, std::string_view payload_json, std::string_view key = kKey) {
  return signEncoded(b64(header_json), b64(payload_json), key);
}

inline std::string token(const Payload& payload = {}, std::string_view header_json = kHeader,
                         std::string_view key = kKey) {
  return sign(header_json, payloadJson(payload), key);
}

}  // namespace perch::auth::forge
