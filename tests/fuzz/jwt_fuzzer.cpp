// libFuzzer target for the JWT verifiers (HS256 and external RS256/ES256), the routing peek and the
// JWKS parser. The first input byte picks what the rest is:
//   0  a raw token: verifyJwt, verifyAnyJwt (one external issuer whose JWKS is fixed) and
//      peekJwtRouting must each return or throw perch::Error — anything else is a bug;
//   1  "header-json\npayload-json", encoded and signed with the workspace key, so the claim checks
//      behind a valid signature are reached (the rules of SPEC §6.3 on hostile JSON);
//   2  a JWKS document for KeySet::fromJwks.
// Invariants checked on every input: rejections are kAuthentication (kBadRequest for JWKS), their
// message never contains the token, and an accepted token yields a named principal with 1..64
// scopes of the types a JWT may carry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/base64_url.h"
#include "auth/external_jwt.h"
#include "auth/hmac_sha256.h"
#include "auth/jwt.h"
#include "auth/key_set.h"
#include "common/error.h"

namespace {

constexpr std::string_view kKey = "fuzz-admin-token-0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kWorkspace = "7b8c2a4e-0000-4000-8000-00000000f022";
// A real P-256 public key (the RFC 7515 appendix A.3 example key), so ES256 tokens reach the
// signature check.
constexpr std::string_view kJwks =
    R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256",)"
    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";

const perch::auth::IssuerRegistry& issuers() {
  static const perch::auth::IssuerRegistry registry = [] {
    perch::auth::IssuerConfig config;
    config.issuer = "https://issuer.example";
    config.jwks_url = "https://issuer.example/.well-known/jwks.json";
    std::vector<perch::auth::IssuerConfig> configs{config};
    return perch::auth::IssuerRegistry(std::move(configs),
                                       [](const std::string&) { return std::optional<std::string>(std::string(kJwks)); });
  }();
  return registry;
}

void checkPrincipal(const perch::auth::Principal& principal) {
  if (principal.name.empty() || principal.scopes.empty() || principal.scopes.size() > perch::auth::kMaxJwtScopes) {
    std::abort();
  }
  for (const auto& scope : principal.scopes) {
    if (scope.type != perch::auth::ScopeType::kPipesRead && scope.type != perch::auth::ScopeType::kDatasourcesRead) {
      std::abort();
    }
  }
}

// `marker` is a part of the token that cannot occur in any fixed error text (empty: nothing to check).
// A raw fuzz token may itself spell a piece of an error message ("token must have three se…"), so
// the echo check needs text no literal contains: a non-printable byte, or an HMAC signature segment.
template <typename Verify>
void expectVerdict(std::string_view marker, Verify&& verify) {
  try {
    checkPrincipal(verify());
  } catch (const perch::Error& error) {
    if (error.code() != perch::ErrorCode::kAuthentication) std::abort();
    if (!marker.empty() && std::string_view(error.what()).find(marker) != std::string_view::npos) std::abort();
  }
}

std::string_view echoMarker(std::string_view token, bool signed_by_us) {
  if (signed_by_us) return token.substr(token.rfind('.') + 1);  // 43 characters of HMAC output
  for (unsigned char c : token) {
    if (c < 0x20 || c > 0x7e) return token;
  }
  return {};
}

void verifyAll(std::string_view token, bool signed_by_us) {
  const std::string_view marker = echoMarker(token, signed_by_us);
  perch::auth::JwtVerifyOptions options;
  options.key = kKey;
  options.workspace_id = kWorkspace;
  options.now_seconds = 1'800'000'000;
  options.leeway_seconds = 5;
  expectVerdict(marker, [&] { return perch::auth::verifyJwt(token, options); });
  expectVerdict(marker, [&] { return perch::auth::verifyAnyJwt(token, options, issuers()); });
  (void)perch::auth::peekJwtRouting(token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      verifyAll(input, /*signed_by_us=*/false);
      break;
    case 1: {
      const size_t newline = input.find('\n');
      const std::string_view header = input.substr(0, newline);
      const std::string_view payload = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
      const std::string signing_input = perch::auth::encodeBase64Url(header) + "." + perch::auth::encodeBase64Url(payload);
      const auto mac = perch::auth::hmacSha256(kKey, signing_input);
      const std::string token = signing_input + "." +
          perch::auth::encodeBase64Url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
      verifyAll(token, /*signed_by_us=*/true);
      break;
    }
    default:
      try {
        (void)perch::auth::KeySet::fromJwks(input);
      } catch (const perch::Error& error) {
        if (error.code() != perch::ErrorCode::kBadRequest) std::abort();
      }
  }
  return 0;
}
