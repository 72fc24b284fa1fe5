// verifyJwt and looksLikeJwt; the rules and their order are documented in jwt.h. The segment and
// claim steps are shared with the RS256/ES256 verifier (jwt_parts.h).
#include <algorithm>

#include "auth/hmac_sha256.h"
#include "auth/jwt.h"
#include "auth/jwt_parts.h"

namespace perch::auth {

bool looksLikeJwt(std::string_view token) { return std::count(token.begin(), token.end(), '.') == 2; }

Principal verifyJwt(std::string_view token, const JwtVerifyOptions& options) {
  if (token.size() > kMaxJwtBytes) rejectToken("token too large");
  if (options.key.empty()) rejectToken("no signing key configured");
  if (options.workspace_id.empty()) rejectToken("no workspace id configured");

  const JwtParts parts = splitJwt(token);
  // kid/jku/x5u/x5c/jwk are never read: the key is always options.key.
  if (headerAlgorithm(parts.header, "alg must be HS256") != "HS256") rejectToken("alg must be HS256");
  rejectHeaderExtensions(parts.header);

  const Sha256Digest expected = hmacSha256(options.key, parts.signing_input);
  const std::string_view expected_view(reinterpret_cast<const char*>(expected.data()), expected.size());
  if (!constantTimeEquals(parts.signature, expected_view)) rejectToken("bad signature");

  // From here on the payload is authentic (signed with our key); it is still validated strictly.
  const JsonValue payload = decodeJwtPayload(parts.payload_segment);
  return principalFromClaims(payload, {.workspace_id = options.workspace_id,
                                       .now_seconds = options.now_seconds,
                                       .leeway_seconds = options.leeway_seconds});
}

}  // namespace perch::auth
