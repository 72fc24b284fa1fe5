// Accepted tokens: exact claims, Clerk/Tinybird interop, leeway, minting round trips.
#include "auth/jwt.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/hmac_sha256.h"
#include "common/error.h"
#include "jwt_forge.h"

namespace perch::auth {
namespace {

using forge::kKey;
using forge::kNow;
using forge::kWorkspace;

JwtVerifyOptions options(int64_t now = kNow) {
  return JwtVerifyOptions{.key = kKey, .workspace_id = kWorkspace, .now_seconds = now};
}

std::string rejectionReason(std::string_view token, const JwtVerifyOptions& verify_options) {
  try {
    verifyJwt(token, verify_options);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kAuthentication);
    return error.what();
  }
  ADD_FAILURE() << "token was accepted";
  return "";
}

std::string hex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

TEST(HmacSha256Test, MatchesRfc4231TestCase2) {
  EXPECT_EQ(hex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
}

TEST(JwtVerifyTest, AcceptsAValidTokenWithExactFields) {
  const Principal principal =
      verifyJwt(forge::token({.extra = R"(,"limits":{"rps":2.5},"iat":1700000000,"nbf":1699999990)"}), options());
  EXPECT_EQ(principal.kind, Principal::Kind::kJwt);
  EXPECT_EQ(principal.name, "tenant_a");
  ASSERT_TRUE(principal.rps.has_value());
  EXPECT_DOUBLE_EQ(*principal.rps, 2.5);
  ASSERT_EQ(principal.scopes.size(), 1u);
  const Scope& scope = principal.scopes[0];
  EXPECT_EQ(scope.type, ScopeType::kPipesRead);
  EXPECT_EQ(scope.resource, "sales");
  EXPECT_EQ(scope.filter, "");
  ASSERT_EQ(scope.fixed_params.size(), 5u);
  EXPECT_EQ(scope.fixed_params.at("org_id"), (FixedParam{.is_null = false, .values = {"acme"}, .is_array = false}));
  EXPECT_EQ(scope.fixed_params.at("n"), (FixedParam{.values = {"42"}}));
  EXPECT_EQ(scope.fixed_params.at("b"), (FixedParam{.values = {"true"}}));
  EXPECT_EQ(scope.fixed_params.at("list"), (FixedParam{.values = {"x", "1.5", "false"}, .is_array = true}));
  EXPECT_EQ(scope.fixed_params.at("none"), (FixedParam{.is_null = true}));
  EXPECT_TRUE(principal.hasScope(ScopeType::kPipesRead, "sales"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kPipesRead, "other"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kDatasourcesRead, "sales"));
}

TEST(JwtVerifyTest, AcceptsATokenMadeByAnIndependentImplementation) {
  // Generated with Python's hmac/base64/json in the Clerk "tinybird" template shape (iss, sub, azp, jti,
  // iat, nbf, PIPE:READ alias, a null shortcode), key = forge::kKey.
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJ3b3Jrc3BhY2VfaWQiOiI4YzNmMmE1MS0wZDdlLTRiNGMtOWE4ZS0zZjFjMmI3ZDllMTAiLCJuYW1lIjoiY2xlcmtfdXNlciIsImV4"
      "cCI6MjAwMDAwMDAwMCwiaWF0IjoxNzAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8vY2xlcmsuZXhhbXBsZS5j"
      "b20iLCJzdWIiOiJ1c2VyXzJhYmMiLCJhenAiOiJodHRwOi8vbG9jYWxob3N0OjMwMDAiLCJqdGkiOiJhYmMxMjMiLCJzY29wZXMiOlt7"
      "InR5cGUiOiJQSVBFOlJFQUQiLCJyZXNvdXJjZSI6InRvcF9wYWdlcyIsImZpeGVkX3BhcmFtcyI6eyJvcmdfaWQiOiJvcmdfMTIzIiwi"
      "b3JnX3NsdWciOm51bGx9fV19."
      "nQ4eivGmRGNIMtzEjC0NZxB3RKmVlnQhAoc3zAETe8o";
  const Principal principal = verifyJwt(token, options());
  EXPECT_EQ(principal.name, "clerk_user");
  ASSERT_EQ(principal.scopes.size(), 1u);
  EXPECT_EQ(principal.scopes[0].type, ScopeType::kPipesRead);  // PIPE:READ alias
  EXPECT_EQ(principal.scopes[0].resource, "top_pages");
  EXPECT_EQ(principal.scopes[0].fixed_params.at("org_id").values, std::vector<std::string>{"org_123"});
  EXPECT_TRUE(principal.scopes[0].fixed_params.at("org_slug").is_null);
  EXPECT_FALSE(principal.rps.has_value());
  // One changed character anywhere breaks it.
  std::string tampered = token;
  tampered[60] = tampered[60] == 'A' ? 'B' : 'A';
  EXPECT_THROW(verifyJwt(tampered, options()), Error);
  EXPECT_THROW(verifyJwt(token, JwtVerifyOptions{.key = forge::kOtherKey, .workspace_id = kWorkspace,
                                                 .now_seconds = kNow}),
               Error);
}

TEST(JwtVerifyTest, DatasourcesReadKeepsItsFilter) {
  const Principal principal = verifyJwt(
      forge::token({.scopes = R"([{"type":"DATASOURCES:READ","resource":"events","filter":"org = 'acme'"},)"
                              R"({"type":"PIPES:READ","resource":"events"}])"}),
      options());
  ASSERT_EQ(principal.scopes.size(), 2u);
  const Scope* read = principal.scopeFor(ScopeType::kDatasourcesRead, "events");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->filter, "org = 'acme'");
  EXPECT_EQ(principal.scopeFor(ScopeType::kPipesRead, "events"), &principal.scopes[1]);
}

TEST(JwtVerifyTest, ExpiryHonoursTheLeewayAtItsEdges) {
  auto expiring = [](int64_t exp) { return forge::token({.exp = std::to_string(exp)}); };
  EXPECT_NO_THROW(verifyJwt(expiring(kNow + 1), options()));
  EXPECT_NO_THROW(verifyJwt(expiring(kNow - 4), options()));  // 4 s late, leeway 5
  EXPECT_NE(rejectionReason(expiring(kNow - 5), options()).find("expired"), std::string::npos);
  JwtVerifyOptions strict = options();
  strict.leeway_seconds = 0;
  EXPECT_NO_THROW(verifyJwt(expiring(kNow + 1), strict));
  EXPECT_THROW(verifyJwt(expiring(kNow), strict), Error);
  JwtVerifyOptions huge = options();
  huge.leeway_seconds = 100000;  // clamped to 60
  EXPECT_NO_THROW(verifyJwt(expiring(kNow - 59), huge));
  EXPECT_THROW(verifyJwt(expiring(kNow - 61), huge), Error);
  huge.leeway_seconds = -100;  // clamped to 0
  EXPECT_THROW(verifyJwt(expiring(kNow), huge), Error);
}

TEST(JwtVerifyTest, NotBeforeAndIssuedAtHonourTheLeeway) {
  EXPECT_NO_THROW(verifyJwt(forge::token({.extra = ",\"nbf\":" + std::to_string(kNow + 5)}), options()));
  EXPECT_THROW(verifyJwt(forge::token({.extra = ",\"nbf\":" + std::to_string(kNow + 6)}), options()), Error);
  EXPECT_NO_THROW(verifyJwt(forge::token({.extra = ",\"iat\":" + std::to_string(kNow + 5)}), options()));
  EXPECT_THROW(verifyJwt(forge::token({.extra = ",\"iat\":" + std::to_string(kNow + 6)}), options()), Error);
}

TEST(JwtVerifyTest, IgnoresKidAndFriendsWhenTheSignatureIsOurs) {
  // kid/jku/x5u/jwk never select a key: with our key they are harmless, with any other they fail.
  const std::string header = R"({"alg":"HS256","typ":"JWT","kid":"k1","jku":"https://evil/jwks","x5u":"https://evil/c"})";
  EXPECT_NO_THROW(verifyJwt(forge::token({}, header), options()));
  EXPECT_THROW(verifyJwt(forge::token({}, header, forge::kOtherKey), options()), Error);
}

TEST(JwtVerifyTest, SignatureIsCheckedBeforeThePayloadIsRead) {
  // Each payload would fail on its own; with a wrong signature the reason must be the signature.
  for (const std::string& payload : {std::string("{not json"), std::string("[]"),
                                    forge::payloadJson({.exp = std::to_string(kNow - 3600)})}) {
    const std::string token = forge::sign(forge::kHeader, payload, forge::kOtherKey);
    EXPECT_EQ(rejectionReason(token, options()), "invalid authentication token: bad signature") << payload;
  }
}

TEST(JwtVerifyTest, RejectsEverythingWithoutAKeyOrWorkspace) {
  const std::string token = forge::token();
  EXPECT_THROW(verifyJwt(token, JwtVerifyOptions{.key = "", .workspace_id = kWorkspace, .now_seconds = kNow}), Error);
  // A token signed with the empty key must not pass either.
  EXPECT_THROW(verifyJwt(forge::token({}, forge::kHeader, ""),
                         JwtVerifyOptions{.key = "", .workspace_id = kWorkspace, .now_seconds = kNow}),
               Error);
  EXPECT_THROW(verifyJwt(forge::token({.workspace_id = "\"\""}),
                         JwtVerifyOptions{.key = kKey, .workspace_id = "", .now_seconds = kNow}),
               Error);
}

TEST(LooksLikeJwtTest, RoutesOnTwoDots) {
  EXPECT_TRUE(looksLikeJwt(forge::token()));
  EXPECT_TRUE(looksLikeJwt("a.b.c"));
  EXPECT_FALSE(looksLikeJwt("p.abcdef"));
  EXPECT_FALSE(looksLikeJwt("abcdef"));
  EXPECT_FALSE(looksLikeJwt("a.b.c.d"));
}

JwtClaims sampleClaims() {
  JwtClaims claims;
  claims.workspace_id = std::string(kWorkspace);
  claims.name = "tenant \"b\" caf\xC3\xA9";
  claims.exp = kNow + 600;
  claims.iat = kNow;
  claims.rps = 0.5;
  Scope pipe{.type = ScopeType::kPipesRead, .resource = "sales"};
  pipe.fixed_params["org_id"] = FixedParam{.values = {"acme"}};
  pipe.fixed_params["regions"] = FixedParam{.values = {"eu", "us"}, .is_array = true};
  pipe.fixed_params["empty"] = FixedParam{.is_array = true};
  pipe.fixed_params["missing"] = FixedParam{.is_null = true};
  claims.scopes.push_back(pipe);
  claims.scopes.push_back(Scope{.type = ScopeType::kDatasourcesRead, .resource = "events", .filter = "org = 'a:b'"});
  return claims;
}

TEST(JwtMintTest, MintedTokensVerifyToTheSameClaims) {
  const JwtClaims claims = sampleClaims();
  const std::string token = mintJwt(claims, kKey);
  EXPECT_TRUE(looksLikeJwt(token));
  const Principal principal = verifyJwt(token, options());
  EXPECT_EQ(principal.name, claims.name);
  EXPECT_EQ(principal.scopes, claims.scopes);
  ASSERT_TRUE(principal.rps.has_value());
  EXPECT_EQ(*principal.rps, 0.5);
  // Signed with the key we were given, and only that key.
  EXPECT_THROW(verifyJwt(token, JwtVerifyOptions{.key = forge::kOtherKey, .workspace_id = kWorkspace,
                                                 .now_seconds = kNow}),
               Error);
  // Expires when it says.
  EXPECT_THROW(verifyJwt(token, options(kNow + 600 + 5)), Error);
}

TEST(JwtMintTest, RefusesClaimsThatCouldNotVerify) {
  auto mintWith = [](auto change) {
    JwtClaims claims = sampleClaims();
    change(claims);
    return mintJwt(claims, kKey);
  };
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.name.clear(); }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes.clear(); }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes[0].type = ScopeType::kAdmin; }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes[0].resource = "a:b"; }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes[0].filter = "1"; }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes.push_back(c.scopes[0]); }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.rps = 0; }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes[0].fixed_params["bad"] = FixedParam{.values = {"\xFF"}}; }), Error);
  EXPECT_THROW(mintWith([](JwtClaims& c) { c.scopes[0].fixed_params["two"] = FixedParam{.values = {"a", "b"}}; }),
               Error);
  EXPECT_THROW(mintJwt(sampleClaims(), ""), Error);
}

}  // namespace
}  // namespace perch::auth
