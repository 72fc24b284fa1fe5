// HS256 JSON Web Tokens signed with the workspace admin token (SPEC §6.3): verification for incoming
// requests and minting for `perch token jwt` and POST /v0/tokens.
//
// verifyJwt fails closed, in this order, and never looks at a later step before an earlier one passed:
//   1. size: more than kMaxJwtBytes bytes is rejected before anything else is read;
//   2. shape: exactly three non-empty segments, each canonical unpadded base64url (base64_url.h);
//   3. header: a JSON object (duplicate keys rejected, depth <= kMaxJwtDepth) whose `alg` is exactly
//      "HS256"; `crit` and `b64` are rejected; kid/jku/x5u/x5c/jwk are never read — the key is always
//      the one passed in;
//   4. signature: HMAC-SHA256 over "header.payload", compared with CRYPTO_memcmp — only then is the
//      payload decoded and parsed;
//   5. claims: payload is a JSON object (same limits); `exp` a required integer, `nbf`/`iat` optional
//      integers, all checked against now_seconds with leeway_seconds (clamped to 0..kMaxLeewaySeconds);
//      `workspace_id` a string equal to options.workspace_id; `name` a non-empty string; `scopes` a
//      non-empty array of at most kMaxJwtScopes objects {type, resource, fixed_params?, filter?} with
//      type PIPES:READ (alias PIPE:READ) or DATASOURCES:READ, a valid resource name, no two scopes with
//      the same (type, resource), `filter` only on DATASOURCES:READ, fixed_params values
//      string/number/bool/null or an array of string/number/bool, and no other keys in a scope;
//      `limits`, when present, an object whose only key `rps` is a finite number > 0. Other top-level
//      claims (iss, sub, aud, azp, jti, ... as Clerk adds them) are ignored.
// Every failure throws Error(kAuthentication, "invalid authentication token: <reason>") where the
// reason is a fixed phrase: it never quotes the token, a segment, or any decoded claim value.
//
// RS256/ES256 tokens from external identity providers are verified by verifyExternalJwt, and the
// server calls verifyAnyJwt to route between the two (external_jwt.h); both share these claim rules.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "auth/scope.h"

namespace perch::auth {

constexpr size_t kMaxJwtBytes = 16 * 1024;
constexpr size_t kMaxJwtDepth = 8;
constexpr size_t kMaxJwtScopes = 64;
constexpr int kMaxLeewaySeconds = 60;

struct JwtVerifyOptions {
  std::string_view key;           // the workspace admin token; an empty key rejects every token
  std::string_view workspace_id;  // an empty id rejects every token
  int64_t now_seconds = 0;        // Unix seconds
  int leeway_seconds = 5;         // clock skew allowed on exp/nbf/iat, clamped to 0..kMaxLeewaySeconds
};

/// Verifies an HS256 JWT (see the rules above) and returns a kJwt Principal carrying its name, scopes
/// and limits.rps. Throws Error(kAuthentication) on every failure.
Principal verifyJwt(std::string_view token, const JwtVerifyOptions& options);

/// True when `token` has exactly two dots, i.e. has the shape of a JWT. Used to route between
/// static-token lookup (static secrets contain one dot) and JWT verification.
bool looksLikeJwt(std::string_view token);

/// Claims read from a JWT WITHOUT verifying it, only to decide which workspace's verifier should
/// see the token (a server hosting several workspaces). Nothing here is trusted: the chosen
/// workspace still verifies the signature and every claim, and a token naming workspace A is only
/// ever checked against A's keys.
struct UnverifiedJwtRouting {
  std::string workspace_id;  // the `workspace_id` claim, or empty
  std::string issuer;        // the `iss` claim, or empty
};
/// nullopt when `token` is not a well-formed JWT (the caller falls back to its default workspace,
/// whose verifier then rejects the token).
std::optional<UnverifiedJwtRouting> peekJwtRouting(std::string_view token) noexcept;

struct JwtClaims {
  std::string workspace_id;
  std::string name;
  int64_t exp = 0;
  std::vector<Scope> scopes;
  std::optional<double> rps;
  std::optional<int64_t> iat;
};

/// Mints an HS256 JWT in Tinybird's shape: header {"alg":"HS256","typ":"JWT"}, payload
/// {"workspace_id","name","exp","iat"?,"scopes":[{"type","resource","filter"?,"fixed_params"?}],
/// "limits":{"rps"}?}. Fixed params are written as JSON strings (an array of strings when is_array,
/// null when is_null), so verifyJwt gives back exactly the same FixedParam. Throws Error(kBadRequest)
/// for claims verifyJwt would reject (scope types other than PIPES:READ/DATASOURCES:READ, empty name,
/// no scopes, rps <= 0, ...), so a minted token always verifies until it expires.
std::string mintJwt(const JwtClaims& claims, std::string_view key);

}  // namespace perch::auth
