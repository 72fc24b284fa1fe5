// Hostile tokens: every case must be refused with kAuthentication, and the message must not echo the
// token or any part of it. Each case below would be accepted if the rule it names were dropped
// (most are correctly signed with the real key, so only that rule stands between it and success).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/base64_url.h"
#include "auth/jwt.h"
#include "common/error.h"
#include "jwt_forge.h"

namespace perch::auth {
namespace {

using forge::kKey;
using forge::kNow;
using forge::kWorkspace;
using forge::Payload;

struct AttackCase {
  std::string name;
  std::string reason;  // part of the expected message: the rule that must catch this case
  std::string token;
};

// gtest prints the case name instead of the struct's bytes.
void PrintTo(const AttackCase& attack, std::ostream* out) { *out << attack.name; }

JwtVerifyOptions options() { return JwtVerifyOptions{.key = kKey, .workspace_id = kWorkspace, .now_seconds = kNow}; }

std::string withHeader(std::string_view header_json) { return forge::token({}, header_json); }
std::string withPayload(const Payload& payload) { return forge::token(payload); }
std::string withExtra(std::string extra) { return forge::token({.extra = std::move(extra)}); }
std::string withScopes(std::string scopes) { return forge::token({.scopes = std::move(scopes)}); }
std::string withFixedParams(std::string_view params) {
  return withScopes(R"([{"type":"PIPES:READ","resource":"sales","fixed_params":)" + std::string(params) + "}]");
}

std::string signatureSegment(const std::string& token) { return token.substr(token.rfind('.') + 1); }
std::string signingInput(const std::string& token) { return token.substr(0, token.rfind('.')); }

std::string flipSignatureBit(const std::string& token, int bit) {
  std::string signature = *decodeBase64Url(signatureSegment(token));
  signature[static_cast<size_t>(bit / 8)] = static_cast<char>(signature[static_cast<size_t>(bit / 8)] ^ (1 << (bit % 8)));
  return signingInput(token) + "." + encodeBase64Url(signature);
}

/// Sets the lowest bit of the last character: same bytes when decoded laxly, but not canonical.
std::string nonCanonical(std::string segment) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t index = kAlphabet.find(segment.back());
  segment.back() = kAlphabet[index | 1];
  return segment;
}

/// A valid token whose signature segment contains '-' or '_', rewritten to the standard alphabet.
std::string standardAlphabetToken() {
  for (int i = 0;; ++i) {
    std::string token = withPayload({.name = "\"tenant_" + std::to_string(i) + "\""});
    std::string signature = signatureSegment(token);
    if (signature.find_first_of("-_") == std::string::npos) continue;
    for (char& c : signature) c = c == '-' ? '+' : c == '_' ? '/' : c;
    return signingInput(token) + "." + signature;
  }
}

/// A correctly signed token whose payload segment is non-canonical base64url.
std::string nonCanonicalPayloadToken() {
  for (int i = 0;; ++i) {
    const std::string payload = forge::payloadJson({.name = "\"t" + std::string(static_cast<size_t>(i), 'x') + "\""});
    if (payload.size() % 3 == 0) continue;  // needs a partial last group with spare bits
    return forge::signEncoded(forge::b64(forge::kHeader), nonCanonical(forge::b64(payload)));
  }
}

std::string manyScopes(int count) {
  std::string scopes = "[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) scopes += ',';
    scopes += R"({"type":"PIPES:READ","resource":"p)" + std::to_string(i) + "\"}";
  }
  return scopes + "]";
}

std::vector<AttackCase> attackCases() {
  const std::string valid = forge::token();
  const std::string header = forge::b64(forge::kHeader);
  const std::string payload = forge::b64(forge::payloadJson({}));
  const std::string signature = signatureSegment(valid);
  const std::string other_key_token = forge::token({}, forge::kHeader, forge::kOtherKey);
  const std::string hs256 = R"("alg":"HS256")";
  std::vector<AttackCase> cases = {
      // alg confusion: every one is signed with our key by HMAC-SHA256, so only the alg check refuses it.
      {"alg_none_unsigned", "empty token segment", forge::b64(R"({"alg":"none","typ":"JWT"})") + "." + payload + "."},
      {"alg_none_signed", "alg must be HS256", withHeader(R"({"alg":"none","typ":"JWT"})")},
      {"alg_None", "alg must be HS256", withHeader(R"({"alg":"None"})")},
      {"alg_NONE", "alg must be HS256", withHeader(R"({"alg":"NONE"})")},
      {"alg_empty", "alg must be HS256", withHeader(R"({"alg":""})")},
      {"alg_lowercase_hs256", "alg must be HS256", withHeader(R"({"alg":"hs256"})")},
      {"alg_HS384", "alg must be HS256", withHeader(R"({"alg":"HS384"})")},
      {"alg_HS512", "alg must be HS256", withHeader(R"({"alg":"HS512"})")},
      {"alg_RS256_with_hmac", "alg must be HS256", withHeader(R"({"alg":"RS256"})")},
      {"alg_ES256_with_hmac", "alg must be HS256", withHeader(R"({"alg":"ES256"})")},
      {"alg_missing", "missing alg", withHeader(R"({"typ":"JWT"})")},
      {"alg_not_a_string", "alg must be HS256", withHeader(R"({"alg":["HS256"]})")},
      {"alg_null", "alg must be HS256", withHeader(R"({"alg":null})")},
      {"alg_duplicated", "header is not valid JSON", withHeader(R"({"alg":"none","alg":"HS256"})")},
      {"crit_header", "crit header", withHeader("{" + hs256 + R"(,"crit":["exp"],"exp":1})")},
      {"crit_empty", "crit header", withHeader("{" + hs256 + R"(,"crit":[]})")},
      {"b64_false", "b64 header", withHeader("{" + hs256 + R"(,"b64":false})")},
      // Key selection headers never pick a key: signed with another key, they must fail.
      {"kid_other_key", "bad signature", forge::token({}, "{" + hs256 + R"(,"kid":"attacker"})", forge::kOtherKey)},
      {"jku_other_key", "bad signature", forge::token({}, "{" + hs256 + R"(,"jku":"https://evil.example/jwks.json"})", forge::kOtherKey)},
      {"x5u_other_key", "bad signature", forge::token({}, "{" + hs256 + R"(,"x5u":"https://evil.example/cert.pem"})", forge::kOtherKey)},
      {"jwk_other_key", "bad signature",
       forge::token({}, "{" + hs256 + R"(,"jwk":{"kty":"oct","k":"YXR0YWNrZXI"}})", forge::kOtherKey)},
      {"signed_with_other_key", "bad signature", other_key_token},
      {"signed_with_empty_key", "bad signature", forge::token({}, forge::kHeader, "")},
      {"signature_of_another_payload", "bad signature",
       header + "." + forge::b64(forge::payloadJson({.name = R"("admin")"})) + "." + signature},
      // Signature tampering.
      {"signature_stripped", "empty token segment", header + "." + payload + "."},
      {"signature_truncated", "bad signature", valid.substr(0, valid.size() - 3)},
      {"signature_impossible_length", "signature is not base64url", valid.substr(0, valid.size() - 2)},
      {"signature_bit_0_flipped", "bad signature", flipSignatureBit(valid, 0)},
      {"signature_bit_255_flipped", "bad signature", flipSignatureBit(valid, 255)},
      {"signature_31_bytes", "bad signature", signingInput(valid) + "." + encodeBase64Url(decodeBase64Url(signature)->substr(0, 31))},
      {"signature_doubled", "signature", valid + signature},
      // Shape.
      {"empty_token", "three segments", ""},
      {"only_dots", "empty token segment", ".."},
      {"two_segments", "three segments", header + "." + payload},
      {"four_segments", "three segments", valid + "." + signature},
      {"five_segments", "three segments", valid + "." + signature + "." + signature},
      {"empty_header_segment", "empty token segment", "." + payload + "." + signature},
      {"empty_payload_segment", "empty token segment", header + ".." + signature},
      {"padding_on_signature", "signature is not base64url", valid + "="},
      {"padding_on_header", "header is not base64url", forge::signEncoded(header + "==", payload)},
      {"standard_alphabet_plus_slash", "signature is not base64url", standardAlphabetToken()},
      {"noncanonical_signature_bits", "signature is not base64url", signingInput(valid) + "." + nonCanonical(signature)},
      {"noncanonical_payload_bits", "payload is not base64url", nonCanonicalPayloadToken()},
      {"leading_space", "header is not base64url", " " + valid},
      {"trailing_newline", "signature is not base64url", valid + "\n"},
      {"space_inside_payload", "payload is not base64url", forge::signEncoded(header, payload.substr(0, 10) + " " + payload.substr(10))},
      {"bearer_prefix_left_in", "header is not base64url", "Bearer " + valid},
      // Duplicate claims (a validator that keeps the last one would see different values).
      {"duplicate_exp", "payload is not valid JSON", withExtra(",\"exp\":" + std::to_string(kNow + 999999))},
      {"duplicate_scopes", "payload is not valid JSON", withExtra(R"(,"scopes":[{"type":"PIPES:READ","resource":"other"}])")},
      {"duplicate_workspace_id", "payload is not valid JSON", withExtra(R"(,"workspace_id":"someone-else")")},
      {"duplicate_fixed_params_key", "payload is not valid JSON", withFixedParams(R"({"org_id":"acme","org_id":"other"})")},
      {"duplicate_fixed_params_object", "payload is not valid JSON",
       withScopes(R"([{"type":"PIPES:READ","resource":"sales","fixed_params":{"org_id":"a"},"fixed_params":{}}])")},
      // exp / nbf / iat.
      {"exp_missing", "missing exp", withPayload({.exp = ""})},
      {"exp_string", "exp must be an integer", withPayload({.exp = "\"" + std::to_string(kNow + 3600) + "\""})},
      {"exp_float", "exp must be an integer", withPayload({.exp = std::to_string(kNow + 3600) + ".0"})},
      {"exp_exponent", "exp must be an integer", withPayload({.exp = "1.8e9"})},
      {"exp_huge", "exp must be an integer", withPayload({.exp = "100000000000000000000000000000"})},
      {"exp_null", "exp must be an integer", withPayload({.exp = "null"})},
      {"exp_bool", "exp must be an integer", withPayload({.exp = "true"})},
      {"exp_past", "token expired", withPayload({.exp = std::to_string(kNow - 3600)})},
      {"exp_beyond_leeway", "token expired", withPayload({.exp = std::to_string(kNow - 6)})},
      {"exp_int64_min", "token expired", withPayload({.exp = "-9223372036854775808"})},
      {"nbf_future", "not yet valid", withExtra(",\"nbf\":" + std::to_string(kNow + 3600))},
      {"nbf_string", "nbf must be an integer", withExtra(R"(,"nbf":"0")")},
      {"iat_future", "issued in the future", withExtra(",\"iat\":" + std::to_string(kNow + 3600))},
      {"iat_float", "iat must be an integer", withExtra(R"(,"iat":1.5)")},
      // Size and nesting caps.
      {"token_64_KiB", "token too large", withPayload({.name = "\"" + std::string(64 * 1024, 'a') + "\""})},
      {"token_just_over_16_KiB", "token too large", withPayload({.name = "\"" + std::string(12 * 1024, 'a') + "\""})},
      {"ten_thousand_scopes", "token too large", withScopes(manyScopes(10000))},
      {"sixty_five_scopes", "too many scopes", withScopes(manyScopes(65))},
      {"payload_nested_9_deep", "payload is not valid JSON", withExtra(R"(,"x":[[[[[[[[1]]]]]]]])")},
      {"payload_nested_1000_deep", "payload is not valid JSON", withExtra(",\"x\":" + std::string(1000, '[') + std::string(1000, ']'))},
      {"header_nested_9_deep", "header is not valid JSON", withHeader("{" + hs256 + R"(,"jwk":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}}})")},
      // Claims.
      {"wrong_workspace", "wrong workspace", withPayload({.workspace_id = R"("00000000-0000-0000-0000-000000000000")"})},
      {"workspace_prefix", "wrong workspace", withPayload({.workspace_id = "\"" + std::string(kWorkspace).substr(0, 8) + "\""})},
      {"workspace_missing", "missing workspace_id", withPayload({.workspace_id = ""})},
      {"workspace_number", "missing workspace_id", withPayload({.workspace_id = "1"})},
      {"name_missing", "missing name", withPayload({.name = ""})},
      {"name_empty", "missing name", withPayload({.name = R"("")"})},
      {"name_number", "missing name", withPayload({.name = "7"})},
      {"name_lone_surrogate", "payload is not valid JSON", withPayload({.name = R"("\ud800")"})},
      {"scopes_missing", "scopes must be an array", withPayload({.scopes = ""})},
      {"scopes_empty", "scopes is empty", withScopes("[]")},
      {"scopes_object", "scopes must be an array", withScopes(R"({"type":"PIPES:READ","resource":"sales"})")},
      {"scope_is_a_string", "scope is not an object", withScopes(R"(["PIPES:READ:sales"])")},
      {"scope_type_admin", "unsupported scope type", withScopes(R"([{"type":"ADMIN","resource":"sales"}])")},
      {"scope_type_append", "unsupported scope type", withScopes(R"([{"type":"DATASOURCES:APPEND","resource":"sales"}])")},
      {"scope_type_lowercase", "unsupported scope type", withScopes(R"([{"type":"pipes:read","resource":"sales"}])")},
      {"scope_type_missing", "scope type missing", withScopes(R"([{"resource":"sales"}])")},
      {"scope_resource_missing", "scope resource missing", withScopes(R"([{"type":"PIPES:READ"}])")},
      {"scope_resource_empty", "invalid scope resource", withScopes(R"([{"type":"PIPES:READ","resource":""}])")},
      {"scope_resource_number", "scope resource missing", withScopes(R"([{"type":"PIPES:READ","resource":1}])")},
      {"scope_resource_with_colon", "invalid scope resource", withScopes(R"([{"type":"PIPES:READ","resource":"sales:x"}])")},
      {"scope_duplicated", "duplicate scope",
       withScopes(R"([{"type":"PIPES:READ","resource":"sales"},{"type":"PIPES:READ","resource":"sales"}])")},
      {"scope_alias_duplicates", "duplicate scope",
       withScopes(R"([{"type":"PIPE:READ","resource":"sales"},{"type":"PIPES:READ","resource":"sales"}])")},
      {"scope_unknown_key", "unknown key in scope", withScopes(R"([{"type":"PIPES:READ","resource":"sales","tenant":"x"}])")},
      {"filter_on_pipe_scope", "filter is only allowed", withScopes(R"([{"type":"PIPES:READ","resource":"sales","filter":"1=1"}])")},
      {"filter_not_string", "filter must be a string", withScopes(R"([{"type":"DATASOURCES:READ","resource":"sales","filter":1}])")},
      {"fixed_param_object", "fixed_params values", withFixedParams(R"({"org_id":{"$ne":"x"}})")},
      {"fixed_param_array_of_objects", "fixed_params values", withFixedParams(R"({"org_id":[{"a":1}]})")},
      {"fixed_param_array_with_null", "fixed_params values", withFixedParams(R"({"org_id":["a",null]})")},
      {"fixed_param_nested_array", "fixed_params values", withFixedParams(R"({"org_id":[["a"]]})")},
      {"fixed_params_array", "fixed_params must be an object", withFixedParams(R"(["org_id"])")},
      {"fixed_params_null", "fixed_params must be an object", withFixedParams("null")},
      {"fixed_param_empty_name", "empty fixed_params name", withFixedParams(R"({"":"x"})")},
      {"limits_rps_zero", "must be positive", withExtra(R"(,"limits":{"rps":0})")},
      {"limits_rps_negative", "must be positive", withExtra(R"(,"limits":{"rps":-5})")},
      {"limits_rps_string", "must be a number", withExtra(R"(,"limits":{"rps":"10"})")},
      {"limits_rps_overflow", "out of range", withExtra(R"(,"limits":{"rps":1e999})")},
      {"limits_not_object", "limits must be an object", withExtra(R"(,"limits":10)")},
      {"limits_unknown_key", "unknown key in limits", withExtra(R"(,"limits":{"rps":1,"burst":1000})")},
      // Not JSON objects / not JSON / not UTF-8.
      {"header_array", "header is not a JSON object", withHeader("[]")},
      {"header_string", "header is not a JSON object", withHeader(R"("HS256")")},
      {"header_not_json", "header is not valid JSON", withHeader("{alg:HS256}")},
      {"header_trailing_garbage", "header is not valid JSON", withHeader("{" + hs256 + "}x")},
      {"header_not_utf8", "header is not valid JSON", withHeader("{" + hs256 + ",\"typ\":\"\xFF\"}")},
      {"header_comment", "header is not valid JSON", withHeader("{" + hs256 + "/*x*/}")},
      {"payload_array", "payload is not a JSON object", forge::sign(forge::kHeader, "[]")},
      {"payload_null", "payload is not a JSON object", forge::sign(forge::kHeader, "null")},
      {"payload_not_json", "payload is not valid JSON", forge::sign(forge::kHeader, "{")},
      {"payload_trailing_garbage", "payload is not valid JSON", forge::sign(forge::kHeader, forge::payloadJson({}) + "{}")},
      {"payload_not_utf8", "payload is not valid JSON", withPayload({.name = "\"tenant_\xC3\x28\""})},
      {"payload_overlong_utf8", "payload is not valid JSON", withPayload({.name = "\"\xC0\xAF\""})},
      {"payload_raw_control_char", "payload is not valid JSON", withPayload({.name = "\"a\tb\""})},
  };
  return cases;
}

class JwtAttackTest : public testing::TestWithParam<AttackCase> {};

TEST_P(JwtAttackTest, IsRejectedWithoutEchoingTheToken) {
  const AttackCase& attack = GetParam();
  try {
    verifyJwt(attack.token, options());
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kAuthentication);
    const std::string message = error.what();
    EXPECT_TRUE(message.starts_with("invalid authentication token: ")) << message;
    EXPECT_NE(message.find(attack.reason), std::string::npos) << message;
    EXPECT_LT(message.size(), 120u) << message;
    if (!attack.token.empty()) {
      EXPECT_EQ(message.find(attack.token), std::string::npos);
    }
    size_t start = 0;
    while (start <= attack.token.size()) {
      const size_t end = std::min(attack.token.find('.', start), attack.token.size());
      const std::string segment = attack.token.substr(start, end - start);
      if (segment.size() >= 6) {
        EXPECT_EQ(message.find(segment), std::string::npos) << message;
      }
      start = end + 1;
    }
    for (const char* value : {"tenant_a", "acme", "attacker", "evil", "someone-else", "8c3f2a51"}) {
      EXPECT_EQ(message.find(value), std::string::npos) << message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, JwtAttackTest, testing::ValuesIn(attackCases()),
                         [](const testing::TestParamInfo<AttackCase>& info) { return info.param.name; });

TEST(JwtAttackTableTest, IsLargeAndEveryCaseIsDistinct) {
  const auto cases = attackCases();
  EXPECT_GE(cases.size(), 40u);
  for (size_t i = 0; i < cases.size(); ++i) {
    for (size_t j = i + 1; j < cases.size(); ++j) EXPECT_NE(cases[i].token, cases[j].token) << cases[i].name;
  }
}

// The boundaries just inside each cap are accepted, so the cases above fail for the cap and not for
// something else about their construction.
TEST(JwtAttackBoundaryTest, JustInsideEveryCapIsAccepted) {
  EXPECT_EQ(verifyJwt(withScopes(manyScopes(64)), options()).scopes.size(), 64u);
  EXPECT_NO_THROW(verifyJwt(withExtra(R"(,"x":[[[[[[[1]]]]]]])"), options()));  // depth 8
  EXPECT_NO_THROW(verifyJwt(withHeader("{" + std::string(R"("alg":"HS256")") + R"(,"jwk":{"a":{"b":{"c":{"d":{"e":{"f":{}}}}}}}})"),
                            options()));
  std::string name(11 * 1024, 'a');
  const std::string big = withPayload({.name = "\"" + name + "\""});
  ASSERT_LE(big.size(), kMaxJwtBytes);
  EXPECT_EQ(verifyJwt(big, options()).name, name);
  EXPECT_NO_THROW(verifyJwt(withExtra(R"(,"limits":{"rps":1e-3})"), options()));
  EXPECT_NO_THROW(verifyJwt(withPayload({.exp = std::to_string(kNow - 4)}), options()));
  EXPECT_NO_THROW(verifyJwt(withFixedParams(R"({"org_id":[]})"), options()));
  EXPECT_NO_THROW(verifyJwt(withHeader(R"({"alg":"HS256"})"), options()));  // typ is optional
}

}  // namespace
}  // namespace perch::auth
