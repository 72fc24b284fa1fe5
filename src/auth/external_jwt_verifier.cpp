// verifyExternalJwt and verifyAnyJwt; the rules and their order are documented in external_jwt.h.
#include <algorithm>
#include <optional>
#include <string>

#include "auth/external_jwt.h"
#include "auth/jwt_parts.h"
#include "auth/public_key.h"

namespace perch::auth {
namespace {

bool contains(const std::vector<std::string>& allowed, const std::string& value) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

void checkAudience(const JsonValue& payload, const IssuerConfig& config) {
  if (config.audiences.empty()) return;
  const JsonValue* aud = payload.find("aud");
  if (aud == nullptr) rejectToken("missing aud");
  if (aud->isString()) {
    if (!contains(config.audiences, aud->asString())) rejectToken("audience not allowed");
    return;
  }
  if (!aud->isArray()) rejectToken("aud must be a string or an array of strings");
  bool allowed = false;
  for (const JsonValue& item : aud->asArray()) {
    if (!item.isString()) rejectToken("aud must be a string or an array of strings");
    allowed = allowed || contains(config.audiences, item.asString());
  }
  if (!allowed) rejectToken("audience not allowed");
}

void checkAuthorizedParty(const JsonValue& payload, const IssuerConfig& config) {
  if (config.authorized_parties.empty()) return;
  const JsonValue* azp = payload.find("azp");
  if (azp == nullptr || !azp->isString()) rejectToken("missing azp");
  if (!contains(config.authorized_parties, azp->asString())) rejectToken("authorized party not allowed");
}

Principal verifyExternalParts(const JwtParts& parts, const JwtVerifyOptions& options, const IssuerRegistry& issuers) {
  if (options.workspace_id.empty()) rejectToken("no workspace id configured");
  const std::optional<SignatureAlgorithm> algorithm =
      signatureAlgorithmFromName(headerAlgorithm(parts.header, "alg must be RS256 or ES256"));
  if (!algorithm) rejectToken("alg must be RS256 or ES256");
  rejectHeaderExtensions(parts.header);
  std::string_view kid;
  if (const JsonValue* kid_value = parts.header.find("kid")) {
    if (!kid_value->isString()) rejectToken("kid must be a string");
    kid = kid_value->asString();
  }

  // Not yet authentic: only `iss` is read, to pick whose keys may have signed it.
  const JsonValue payload = decodeJwtPayload(parts.payload_segment);
  const JsonValue* iss = payload.find("iss");
  if (iss == nullptr || !iss->isString()) rejectToken("missing iss");
  const IssuerRegistry::Issuer* issuer = issuers.find(iss->asString());
  if (issuer == nullptr) rejectToken("unknown issuer");

  const std::shared_ptr<const PublicKey> key = issuer->find(kid);
  if (!key) rejectToken("unknown key id");
  if (key->algorithm() != *algorithm) rejectToken("alg does not match the key");
  if (!key->verify(parts.signing_input, parts.signature)) rejectToken("bad signature");

  // Authentic from here on.
  checkAudience(payload, issuer->config());
  checkAuthorizedParty(payload, issuer->config());
  return principalFromClaims(payload, {.workspace_id = options.workspace_id,
                                       .now_seconds = options.now_seconds,
                                       .leeway_seconds = options.leeway_seconds});
}

}  // namespace

Principal verifyExternalJwt(std::string_view token, const JwtVerifyOptions& options, const IssuerRegistry& issuers) {
  return verifyExternalParts(splitJwt(token), options, issuers);
}

Principal verifyAnyJwt(std::string_view token, const JwtVerifyOptions& options, const IssuerRegistry& issuers) {
  if (!issuers.empty()) {
    const JwtParts parts = splitJwt(token);
    const JsonValue* alg = parts.header.find("alg");
    if (alg != nullptr && alg->isString() && signatureAlgorithmFromName(alg->asString())) {
      return verifyExternalParts(parts, options, issuers);
    }
  }
  return verifyJwt(token, options);
}

}  // namespace perch::auth
