// RS256/ES256 JWTs from external identity providers (SPEC §6.6), and verifyAnyJwt, the one entry
// point the server calls for any bearer token that looks like a JWT.
//
// verifyExternalJwt fails closed, in this order:
//   1. size, shape, strict base64url and a JSON-object header, exactly as for HS256 (jwt.h 1–3);
//   2. header: `alg` exactly "RS256" or "ES256"; `crit`/`b64` rejected; `kid`, when present, a string.
//      jku, x5u, x5c and jwk are never read — keys come only from the issuer's configured set;
//   3. issuer: the payload is decoded and parsed (same limits) *only* to read `iss`, which must be a
//      string naming a configured issuer; nothing else in it is looked at before step 5;
//   4. key and signature: the issuer's key for `kid` (refetching its JWKS at most as JwksCache allows),
//      whose algorithm must equal `alg` (RS256 only with RSA ≥ 2048 bits, ES256 only with P-256), then
//      the signature over "header.payload" (ES256: 64-byte r||s only);
//   5. claims: `aud` against the issuer's audiences and `azp` against its authorized parties (when
//      configured), then every §6.3 claim rule (exp/nbf/iat with leeway, workspace_id, name, scopes,
//      limits) exactly as verifyJwt applies them.
// Failures throw Error(kAuthentication, "invalid authentication token: <fixed reason>"), never quoting
// the token or any claim.
//
// verifyAnyJwt routes by `alg`: RS256/ES256 go to verifyExternalJwt when issuers are configured;
// everything else (HS256 included) goes to verifyJwt and the admin token, unchanged. An HS256 token
// is therefore never checked against a public key, and an RS256 token never against the admin token.
//
// Thread-safety: safe to call concurrently; the registry's caches synchronize themselves.
#pragma once

#include <string_view>

#include "auth/issuer_registry.h"
#include "auth/jwt.h"
#include "auth/principal.h"

namespace perch::auth {

/// Verifies an RS256/ES256 token from a configured issuer. Uses options.workspace_id, now_seconds and
/// leeway_seconds; options.key (the admin token) plays no part.
Principal verifyExternalJwt(std::string_view token, const JwtVerifyOptions& options, const IssuerRegistry& issuers);

/// Verifies a JWT against the admin token (HS256) or the configured external issuers (RS256/ES256).
Principal verifyAnyJwt(std::string_view token, const JwtVerifyOptions& options, const IssuerRegistry& issuers);

}  // namespace perch::auth
