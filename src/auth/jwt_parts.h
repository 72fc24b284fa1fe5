// The steps every JWT verifier in this module shares, whatever signs the token (SPEC §6.3, §6.6):
// splitting and strictly decoding the three segments, parsing the header and payload JSON under tight
// limits, and turning an authenticated payload into a Principal. verifyJwt (HS256, jwt_verifier.cpp)
// and verifyExternalJwt (RS256/ES256, external_jwt_verifier.cpp) are thin layers over these, so the
// claim rules live in exactly one place.
//
// Internal to src/auth: the server calls jwt.h / external_jwt.h, never this header.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/principal.h"
#include "common/json.h"

namespace perch::auth {

/// Every rejection goes through here: the reason is always a string literal, never token content.
[[noreturn]] void rejectToken(const char* reason);

/// A token split into its segments, the header and signature decoded and the header parsed. The
/// payload is only located here; it is decoded by decodeJwtPayload, after the signature check.
struct JwtParts {
  std::string_view signing_input;  // "header.payload", exactly the bytes the signature covers
  std::string_view payload_segment;
  JsonValue header;                // a JSON object (checked)
  std::string signature;           // decoded bytes, not empty
};

/// Size cap (kMaxJwtBytes), exactly three non-empty canonical base64url segments, header a JSON
/// object within the limits. Rejects otherwise.
JwtParts splitJwt(std::string_view token);

/// Rejects `crit` (we implement no critical extension, RFC 7515 §4.1.11) and `b64` (RFC 7797 would
/// change what is signed).
void rejectHeaderExtensions(const JsonValue& header);

/// The header's `alg` as a string; rejects when it is missing ("missing alg") or not a string
/// (`not_string_reason`).
const std::string& headerAlgorithm(const JsonValue& header, const char* not_string_reason);

/// Decodes and parses the payload segment: a JSON object within the limits, or a rejection.
JsonValue decodeJwtPayload(std::string_view payload_segment);

struct ClaimCheck {
  std::string_view workspace_id;
  int64_t now_seconds = 0;
  int leeway_seconds = 5;
};

/// Every claim rule of §6.3 (exp/nbf/iat with leeway, workspace_id, name, scopes, limits) applied to
/// a payload whose signature has already been checked; returns the kJwt Principal.
Principal principalFromClaims(const JsonValue& payload, const ClaimCheck& check);

}  // namespace perch::auth
