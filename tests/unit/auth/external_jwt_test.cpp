// RS256/ES256 tokens from external issuers (SPEC §6.6) through verifyAnyJwt. The attack table follows
// jwt_attack_test.cpp: every case is refused with kAuthentication and a fixed reason naming the rule
// that caught it, and no message echoes the token; most cases are correctly signed so that only that
// rule stands between them and success.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "auth/base64_url.h"
#include "auth/external_jwt.h"
#include "auth/issuer_registry.h"
#include "auth/jwt.h"
#include "common/error.h"
#include "jose_forge.h"
#include "jwt_forge.h"

namespace perch::auth {
namespace {

namespace fs = std::filesystem;
using jose::TestKeys;

constexpr std::string_view kIssuer = "https://clerk.example.com";
constexpr std::string_view kOtherIssuer = "https://other-idp.example.com";
constexpr std::string_view kAudience = "perch-api";
constexpr std::string_view kParty = "https://app.example.com";

JwtVerifyOptions options() {
  return JwtVerifyOptions{.key = forge::kKey, .workspace_id = forge::kWorkspace, .now_seconds = forge::kNow};
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

/// §6.3 claims plus the issuer claims a Clerk template adds.
std::string claims(std::string extra_claims = "", forge::Payload payload = {}) {
  payload.extra = extra_claims;
  return forge::payloadJson(payload);
}
std::string standardIssuerClaims() {
  return ",\"iss\":" + quoted(kIssuer) + ",\"aud\":" + quoted(kAudience) + ",\"azp\":" + quoted(kParty) +
         R"(,"sub":"user_2abc","jti":"j1","iat":)" + std::to_string(forge::kNow - 10);
}
std::string validClaims() { return claims(standardIssuerClaims()); }

std::string header(std::string_view alg, std::string_view kid, std::string_view extra = "") {
  std::string json = R"({"alg":")" + std::string(alg) + R"(","typ":"JWT")";
  if (!kid.empty()) json += R"(,"kid":")" + std::string(kid) + "\"";
  return json + std::string(extra) + "}";
}

std::string rsToken(std::string_view payload = "", const jose::Key& key = TestKeys::get().rsa,
                    std::string_view header_json = "") {
  return jose::signWith(key, header_json.empty() ? header("RS256", "rsa-1") : header_json,
                        payload.empty() ? validClaims() : payload);
}
std::string esToken(std::string_view payload = "", const jose::Key& key = TestKeys::get().ec,
                    std::string_view header_json = "") {
  return jose::signWith(key, header_json.empty() ? header("ES256", "ec-1") : header_json,
                        payload.empty() ? validClaims() : payload);
}

std::string signingInput(const std::string& token) { return token.substr(0, token.rfind('.')); }
std::string signatureBytes(const std::string& token) { return *decodeBase64Url(token.substr(token.rfind('.') + 1)); }
std::string withSignature(const std::string& token, std::string_view signature) {
  return signingInput(token) + "." + encodeBase64Url(signature);
}
std::string flipBit(const std::string& token, size_t bit) {
  std::string signature = signatureBytes(token);
  signature[bit / 8] = static_cast<char>(signature[bit / 8] ^ (1 << (bit % 8)));
  return withSignature(token, signature);
}
std::string hmacToken(std::string_view header_json, std::string_view payload, std::string_view secret) {
  return forge::sign(header_json, payload, secret);
}

/// A temp dir with the issuer's JWKS (rsa-1, ec-1 and a 1024-bit "weak" key) and the other issuer's PEM.
class ExternalJwtTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = new fs::path(fs::temp_directory_path() / ("perch_external_jwt_" + std::to_string(::getpid())));
    fs::create_directories(*directory_);
    const TestKeys& keys = TestKeys::get();
    std::ofstream(*directory_ / "jwks.json") << jose::jwks({jose::jwk(keys.rsa, "rsa-1", R"(,"use":"sig","alg":"RS256")"),
                                                           jose::jwk(keys.ec, "ec-1", R"(,"use":"sig","alg":"ES256")"),
                                                           jose::jwk(keys.rsa_weak, "weak"),
                                                           jose::jwk(keys.ec_p384, "p384")});
    std::ofstream(*directory_ / "other.pem") << jose::pem(keys.rsa_other);
    std::vector<IssuerConfig> configs = {
        {.issuer = std::string(kIssuer), .audiences = {"other-api", std::string(kAudience)},
         .authorized_parties = {std::string(kParty)}, .jwks_file = (*directory_ / "jwks.json").string()},
        {.issuer = std::string(kOtherIssuer), .pem_file = (*directory_ / "other.pem").string(), .pem_kid = "b-1"},
    };
    registry_ = new IssuerRegistry(std::move(configs));
  }
  static void TearDownTestSuite() {
    delete registry_;
    fs::remove_all(*directory_);
    delete directory_;
  }

  static Principal verify(const std::string& token) { return verifyAnyJwt(token, options(), *registry_); }

  static fs::path* directory_;
  static IssuerRegistry* registry_;
};
fs::path* ExternalJwtTest::directory_ = nullptr;
IssuerRegistry* ExternalJwtTest::registry_ = nullptr;

void expectTenantA(const Principal& principal) {
  EXPECT_EQ(principal.kind, Principal::Kind::kJwt);
  EXPECT_EQ(principal.name, "tenant_a");
  ASSERT_EQ(principal.scopes.size(), 1u);
  EXPECT_EQ(principal.scopes[0].type, ScopeType::kPipesRead);
  EXPECT_EQ(principal.scopes[0].resource, "sales");
  ASSERT_EQ(principal.scopes[0].fixed_params.count("org_id"), 1u);
  EXPECT_EQ(principal.scopes[0].fixed_params.at("org_id").values, std::vector<std::string>{"acme"});
  EXPECT_TRUE(principal.scopes[0].fixed_params.at("none").is_null);
}

TEST_F(ExternalJwtTest, ValidRs256IsAcceptedWithItsClaims) { expectTenantA(verify(rsToken())); }

TEST_F(ExternalJwtTest, ValidEs256IsAcceptedWithItsClaims) { expectTenantA(verify(esToken())); }

TEST_F(ExternalJwtTest, EveryEs256SignatureOfTheSameTokenVerifies) {
  // ECDSA is randomized and r or s often has a leading zero byte; the r||s padding must round-trip.
  for (int i = 0; i < 32; ++i) EXPECT_NO_THROW(verify(esToken(claims(standardIssuerClaims() + ",\"n\":" + std::to_string(i)))));
}

TEST_F(ExternalJwtTest, AudienceMayBeAnArrayContainingOneAllowedValue) {
  const std::string extra = ",\"iss\":" + quoted(kIssuer) + R"(,"aud":["someone-else","perch-api"],"azp":)" + quoted(kParty);
  expectTenantA(verify(rsToken(claims(extra))));
}

TEST_F(ExternalJwtTest, PemIssuerWithKidAcceptsOnlyThatKid) {
  const std::string payload = claims(",\"iss\":" + quoted(kOtherIssuer));
  expectTenantA(verify(rsToken(payload, TestKeys::get().rsa_other, header("RS256", "b-1"))));
  EXPECT_THROW(verify(rsToken(payload, TestKeys::get().rsa_other, header("RS256", "b-2"))), Error);
  EXPECT_THROW(verify(rsToken(payload, TestKeys::get().rsa_other, header("RS256", ""))), Error);
}

TEST_F(ExternalJwtTest, PemIssuerWithoutKidAcceptsAnyKidButOnlyItsKey) {
  const fs::path pem = *directory_ / "ec.pem";
  std::ofstream(pem) << jose::pem(TestKeys::get().ec);
  const IssuerRegistry registry({{.issuer = "https://ec.example", .pem_file = pem.string()}});
  const std::string payload = claims(R"(,"iss":"https://ec.example")");
  for (std::string_view kid : {"", "anything", "ins_2abc"}) {
    expectTenantA(verifyAnyJwt(esToken(payload, TestKeys::get().ec, header("ES256", kid)), options(), registry));
  }
  EXPECT_THROW(verifyAnyJwt(esToken(payload, TestKeys::get().ec_other, header("ES256", "x")), options(), registry), Error);
  EXPECT_THROW(verifyAnyJwt(rsToken(payload, TestKeys::get().rsa, header("RS256", "x")), options(), registry), Error);
}

TEST_F(ExternalJwtTest, Hs256TokensStillUseTheAdminTokenEvenWithAConfiguredIss) {
  // A Clerk template signed HS256 with the admin token keeps working next to configured issuers.
  expectTenantA(verify(hmacToken(forge::kHeader, validClaims(), forge::kKey)));
  expectTenantA(verify(forge::token()));
}

TEST_F(ExternalJwtTest, ExternalTokensAreRefusedWhenNoIssuerIsConfigured) {
  const IssuerRegistry none;
  try {
    verifyAnyJwt(rsToken(), options(), none);
    FAIL() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kAuthentication);
    EXPECT_NE(std::string(error.what()).find("alg must be HS256"), std::string::npos) << error.what();
  }
}

TEST_F(ExternalJwtTest, ExternalVerifierNeverUsesTheAdminToken) {
  // With an HS256-only key in the options and no issuer for it, a direct external call refuses HS256.
  EXPECT_THROW(verifyExternalJwt(forge::token(), options(), *registry_), Error);
}

struct AttackCase {
  std::string name;
  std::string reason;
  std::string token;
};
void PrintTo(const AttackCase& attack, std::ostream* out) { *out << attack.name; }

std::vector<AttackCase> attackCases() {
  const TestKeys& keys = TestKeys::get();
  const std::string valid_rs = rsToken();
  const std::string valid_es = esToken();
  const std::string payload = validClaims();
  const std::string rsa_pem = jose::pem(keys.rsa);
  const std::string rsa_jwk = jose::jwk(keys.rsa, "rsa-1");
  const std::string es_der = jose::opensslSignature(keys.ec, signingInput(valid_es));
  const std::string es_sig = signatureBytes(valid_es);
  const std::string rs_sig = signatureBytes(valid_rs);
  const std::string attacker_jwk = jose::jwk(keys.rsa_other, "rsa-1");
  const std::string other_claims = claims(",\"iss\":" + quoted(kOtherIssuer));

  std::vector<AttackCase> cases = {
      // Wrong keys and key selection.
      {"rs256_wrong_key", "bad signature", rsToken(payload, keys.rsa_other)},
      {"es256_wrong_key", "bad signature", esToken(payload, keys.ec_other)},
      {"unknown_kid", "unknown key id", rsToken(payload, keys.rsa, header("RS256", "rsa-2"))},
      {"no_kid_when_all_keys_have_one", "unknown key id", rsToken(payload, keys.rsa, header("RS256", ""))},
      {"kid_path_injection", "unknown key id", rsToken(payload, keys.rsa, header("RS256", "../../../dev/null"))},
      {"kid_sql_injection", "unknown key id", rsToken(payload, keys.rsa, header("RS256", "x' OR '1'='1"))},
      {"kid_not_a_string", "kid must be a string", rsToken(payload, keys.rsa, R"({"alg":"RS256","kid":1})")},
      {"kid_of_weak_rsa_1024_key", "unknown key id", rsToken(payload, keys.rsa_weak, header("RS256", "weak"))},
      {"kid_of_p384_key", "unknown key id",
       jose::signWith(keys.ec_p384, header("ES256", "p384"), payload)},
      // alg must match the key type.
      {"rs256_header_with_ec_kid_signed_by_ec", "alg does not match the key",
       jose::signWith(keys.ec, header("RS256", "ec-1"), payload)},
      {"rs256_header_with_ec_kid_signed_by_rsa", "alg does not match the key",
       rsToken(payload, keys.rsa, header("RS256", "ec-1"))},
      {"es256_header_with_rsa_kid_signed_by_rsa", "alg does not match the key",
       jose::signWith(keys.rsa, header("ES256", "rsa-1"), payload)},
      {"es256_header_with_rsa_kid_signed_by_ec", "alg does not match the key",
       esToken(payload, keys.ec, header("ES256", "rsa-1"))},
      // HMAC with public material as the secret: routed to HS256 and the admin token, so it fails.
      {"hs256_signed_with_rsa_pem", "bad signature", hmacToken(header("HS256", "rsa-1"), payload, rsa_pem)},
      {"hs256_signed_with_rsa_jwk", "bad signature", hmacToken(header("HS256", "rsa-1"), payload, rsa_jwk)},
      {"rs256_header_with_hmac_of_admin_token", "bad signature", hmacToken(header("RS256", "rsa-1"), payload, forge::kKey)},
      {"es256_header_with_hmac_of_admin_token", "bad signature", hmacToken(header("ES256", "ec-1"), payload, forge::kKey)},
      // Other algorithms never reach the external verifier.
      {"alg_none_unsigned", "empty token segment", jose::b64(header("none", "rsa-1")) + "." + jose::b64(payload) + "."},
      {"alg_none_with_rs256_signature", "alg must be HS256", rsToken(payload, keys.rsa, header("none", "rsa-1"))},
      {"alg_rs256_lowercase", "alg must be HS256", rsToken(payload, keys.rsa, header("rs256", "rsa-1"))},
      {"alg_PS256", "alg must be HS256", rsToken(payload, keys.rsa, header("PS256", "rsa-1"))},
      {"alg_RS512", "alg must be HS256", rsToken(payload, keys.rsa, header("RS512", "rsa-1"))},
      {"alg_ES384", "alg must be HS256", esToken(payload, keys.ec, header("ES384", "ec-1"))},
      {"alg_EdDSA", "alg must be HS256", esToken(payload, keys.ec, header("EdDSA", "ec-1"))},
      {"alg_duplicated", "header is not valid JSON", rsToken(payload, keys.rsa, R"({"alg":"HS256","alg":"RS256","kid":"rsa-1"})")},
      {"crit_header", "crit header", rsToken(payload, keys.rsa, header("RS256", "rsa-1", R"(,"crit":["exp"])"))},
      {"b64_header", "b64 header", rsToken(payload, keys.rsa, header("RS256", "rsa-1", R"(,"b64":false)"))},
      // Key-carrying headers are ignored: the attacker's key they point to is never used.
      {"jku_with_attacker_kid", "unknown key id",
       rsToken(payload, keys.rsa_other, header("RS256", "attacker", R"(,"jku":"http://127.0.0.1:1/jwks.json")"))},
      {"jku_with_known_kid", "bad signature",
       rsToken(payload, keys.rsa_other, header("RS256", "rsa-1", R"(,"jku":"http://127.0.0.1:1/jwks.json")"))},
      {"x5u_with_known_kid", "bad signature",
       rsToken(payload, keys.rsa_other, header("RS256", "rsa-1", R"(,"x5u":"http://127.0.0.1:1/cert.pem")"))},
      {"jwk_embedded_attacker_key", "bad signature",
       rsToken(payload, keys.rsa_other, header("RS256", "rsa-1", ",\"jwk\":" + attacker_jwk))},
      {"jwk_embedded_without_kid", "unknown key id",
       rsToken(payload, keys.rsa_other, R"({"alg":"RS256","jwk":)" + attacker_jwk + "}")},
      // Issuer selection.
      {"iss_missing", "missing iss", rsToken(claims(",\"aud\":" + quoted(kAudience) + ",\"azp\":" + quoted(kParty)))},
      {"iss_not_a_string", "missing iss", rsToken(claims(R"(,"iss":["https://clerk.example.com"])"))},
      {"iss_unknown", "unknown issuer", rsToken(claims(R"(,"iss":"https://evil.example.com")"))},
      {"iss_with_trailing_slash", "unknown issuer", rsToken(claims(R"(,"iss":"https://clerk.example.com/")"))},
      {"iss_duplicated", "payload is not valid JSON",
       rsToken(claims(R"(,"iss":"https://evil.example.com")" + standardIssuerClaims()))},
      {"other_issuer_claimed_with_first_issuers_key", "unknown key id", rsToken(other_claims, keys.rsa)},
      {"other_issuer_kid_signed_with_first_issuers_key", "bad signature",
       rsToken(other_claims, keys.rsa, header("RS256", "b-1"))},
      {"first_issuer_with_other_issuers_kid_and_key", "unknown key id",
       rsToken(payload, keys.rsa_other, header("RS256", "b-1"))},
      // Audience and authorized party.
      {"aud_missing", "missing aud", rsToken(claims(",\"iss\":" + quoted(kIssuer) + ",\"azp\":" + quoted(kParty)))},
      {"aud_not_allowed", "audience not allowed",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + R"(,"aud":"billing-api","azp":)" + quoted(kParty)))},
      {"aud_array_not_allowed", "audience not allowed",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + R"(,"aud":["billing-api","perch"],"azp":)" + quoted(kParty)))},
      {"aud_empty_array", "audience not allowed",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + R"(,"aud":[],"azp":)" + quoted(kParty)))},
      {"aud_array_with_number", "aud must be a string or an array of strings",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + R"(,"aud":["perch-api",1],"azp":)" + quoted(kParty)))},
      {"aud_object", "aud must be a string or an array of strings",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + R"(,"aud":{"perch-api":true},"azp":)" + quoted(kParty)))},
      {"aud_prefix_of_allowed", "audience not allowed",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + R"(,"aud":"perch","azp":)" + quoted(kParty)))},
      {"azp_missing", "missing azp", rsToken(claims(",\"iss\":" + quoted(kIssuer) + ",\"aud\":" + quoted(kAudience)))},
      {"azp_not_allowed", "authorized party not allowed",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + ",\"aud\":" + quoted(kAudience) + R"(,"azp":"https://evil.example")"))},
      {"azp_array", "missing azp",
       rsToken(claims(",\"iss\":" + quoted(kIssuer) + ",\"aud\":" + quoted(kAudience) + ",\"azp\":[" + quoted(kParty) + "]"))},
      // Signature encodings.
      {"es256_der_signature", "bad signature", withSignature(valid_es, es_der)},
      {"es256_63_bytes", "bad signature", withSignature(valid_es, es_sig.substr(0, 63))},
      {"es256_65_bytes_leading_zero", "bad signature", withSignature(valid_es, std::string(1, '\0') + es_sig)},
      {"es256_65_bytes_trailing_zero", "bad signature", withSignature(valid_es, es_sig + std::string(1, '\0'))},
      {"es256_all_zero", "bad signature", withSignature(valid_es, std::string(64, '\0'))},
      {"es256_r_and_s_swapped", "bad signature", withSignature(valid_es, es_sig.substr(32) + es_sig.substr(0, 32))},
      {"rs256_leading_zero_added", "bad signature", withSignature(valid_rs, std::string(1, '\0') + rs_sig)},
      {"rs256_truncated", "bad signature", withSignature(valid_rs, rs_sig.substr(0, rs_sig.size() - 1))},
      {"rs256_signature_of_other_token", "bad signature", withSignature(valid_rs, signatureBytes(rsToken(claims(standardIssuerClaims() + ",\"x\":1"))))},
      {"signature_stripped", "empty token segment", signingInput(valid_rs) + "."},
      // §6.3 shape and claim rules still apply.
      {"two_segments", "three segments", signingInput(valid_rs)},
      {"four_segments", "three segments", valid_rs + ".AAAA"},
      {"padded_signature", "signature is not base64url", valid_rs + "="},
      {"token_too_large", "token too large", rsToken(claims(standardIssuerClaims() + ",\"pad\":\"" + std::string(17000, 'a') + "\""))},
      {"deep_payload", "payload is not valid JSON", rsToken(claims(standardIssuerClaims() + ",\"d\":[[[[[[[[[1]]]]]]]]]"))},
      {"expired", "token expired", rsToken(claims(standardIssuerClaims(), {.exp = std::to_string(forge::kNow - 3600)}))},
      {"exp_missing", "missing exp", rsToken(claims(standardIssuerClaims(), {.exp = ""}))},
      {"exp_string", "exp must be an integer", rsToken(claims(standardIssuerClaims(), {.exp = "\"9999999999\""}))},
      {"exp_float", "exp must be an integer", rsToken(claims(standardIssuerClaims(), {.exp = "9999999999.0"}))},
      {"nbf_future", "token not yet valid", rsToken(claims(standardIssuerClaims() + ",\"nbf\":" + std::to_string(forge::kNow + 600)))},
      {"wrong_workspace", "wrong workspace", esToken(claims(standardIssuerClaims(), {.workspace_id = "\"other-workspace\""}))},
      {"workspace_missing", "missing workspace_id", esToken(claims(standardIssuerClaims(), {.workspace_id = ""}))},
      {"name_missing", "missing name", esToken(claims(standardIssuerClaims(), {.name = ""}))},
      {"unknown_scope_type", "unsupported scope type",
       esToken(claims(standardIssuerClaims(), {.scopes = R"([{"type":"ADMIN","resource":"sales"}])"}))},
      {"fixed_param_object", "fixed_params values",
       esToken(claims(standardIssuerClaims(), {.scopes = R"([{"type":"PIPES:READ","resource":"sales","fixed_params":{"org_id":{"$ne":1}}}])"}))},
      {"duplicate_fixed_params", "payload is not valid JSON",
       esToken(claims(standardIssuerClaims(), {.scopes = R"([{"type":"PIPES:READ","resource":"sales","fixed_params":{"org_id":"acme","org_id":"evil"}}])"}))},
  };
  // One-bit flips anywhere in either signature.
  for (size_t bit : {0u, 7u, 128u, 255u, 256u, 511u}) {
    cases.push_back({"es256_bit_" + std::to_string(bit), "bad signature", flipBit(valid_es, bit)});
  }
  for (size_t bit : {0u, 8u, 1024u, 2047u}) {
    cases.push_back({"rs256_bit_" + std::to_string(bit), "bad signature", flipBit(valid_rs, bit)});
  }
  // A payload byte changed after signing (here: the name), signature kept.
  std::string tampered = validClaims();
  tampered.replace(tampered.find("tenant_a"), 8, "tenant_b");
  cases.push_back({"payload_tampered", "bad signature", jose::b64(header("RS256", "rsa-1")) + "." +
                                                            jose::b64(tampered) + "." + jose::b64(rs_sig)});
  return cases;
}

class ExternalJwtAttack : public ExternalJwtTest, public testing::WithParamInterface<AttackCase> {};

TEST_P(ExternalJwtAttack, IsRefusedWithoutEchoingTheToken) {
  const AttackCase& attack = GetParam();
  try {
    verify(attack.token);
    FAIL() << "accepted: " << attack.name;
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.code(), ErrorCode::kAuthentication) << message;
    EXPECT_NE(message.find(attack.reason), std::string::npos) << attack.name << ": " << message;
    EXPECT_EQ(message.rfind("invalid authentication token: ", 0), 0u) << message;
    size_t start = 0;
    while (start <= attack.token.size()) {  // no segment of the token (of 8+ chars) appears in the message
      const size_t end = std::min(attack.token.find('.', start), attack.token.size());
      const std::string segment = attack.token.substr(start, end - start);
      if (segment.size() >= 8) {
        EXPECT_EQ(message.find(segment.substr(0, 8)), std::string::npos) << message;
      }
      start = end + 1;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ExternalJwtAttack, testing::ValuesIn(attackCases()),
                         [](const testing::TestParamInfo<AttackCase>& info) { return info.param.name; });

TEST(ExternalJwtAttackTable, HasTheCasesTheIssueAsksFor) { EXPECT_GE(attackCases().size(), 70u); }

}  // namespace
}  // namespace perch::auth
