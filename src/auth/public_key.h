// PublicKey: one asymmetric verification key for external-issuer JWTs (SPEC §6.6) — an RSA key
// (RS256) or an EC P-256 key (ES256) — built from a JWK (RFC 7517/7518) or a PEM SubjectPublicKeyInfo.
//
// Invariants, checked when the key is built and never relaxed later:
//   - RSA keys have a modulus of kMinRsaBits..kMaxRsaBits bits and an odd public exponent > 1; they
//     verify only RS256 (RSASSA-PKCS1-v1_5 with SHA-256). RSA-PSS keys and others are refused.
//   - EC keys are on the named curve P-256 (prime256v1; explicit curve parameters are refused) with a
//     point that passes OpenSSL's public-key check; they verify only ES256.
//   - A JWK must not carry private key material (`d`, `p`, `q`, ...); its `use`, when present, must be
//     "sig", its `key_ops`, when present, must include "verify", and its `alg`, when present, must be
//     the one algorithm this key type allows.
// So `alg` in a token header can never change how a key is used: verify() is only ever reached when
// the header's alg equals algorithm().
//
// Signatures: RS256 signatures must be exactly the modulus length; ES256 signatures must be the JOSE
// form r||s of exactly 64 bytes (RFC 7518 §3.4). They are converted to DER for OpenSSL here, so a DER
// signature, or one of 63 or 65 bytes, never verifies.
//
// Thread-safety: immutable after construction; verify() may be called from many threads at once
// (OpenSSL 3 keys are safe for concurrent read-only use; each call has its own digest context).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"

struct evp_pkey_st;

namespace perch::auth {

enum class SignatureAlgorithm { kRs256, kEs256 };

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // bounds the cost of one verification

/// "RS256" or "ES256" (exact spelling), else nullopt.
std::optional<SignatureAlgorithm> signatureAlgorithmFromName(std::string_view name);

class PublicKey {
 public:
  /// Builds a key from one JWK object. Throws Error(kBadRequest, "unsupported JWK: <reason>") when
  /// the key breaks an invariant above.
  static std::shared_ptr<const PublicKey> fromJwk(const JsonValue& jwk);
  /// Builds a key from PEM text ("-----BEGIN PUBLIC KEY-----"). Throws Error(kBadRequest) likewise.
  static std::shared_ptr<const PublicKey> fromPem(std::string_view pem);

  ~PublicKey();
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  SignatureAlgorithm algorithm() const { return algorithm_; }
  /// Key size in bits (modulus bits for RSA, 256 for P-256).
  int bits() const { return bits_; }

  /// True when `signature` (RS256: modulus-length bytes; ES256: 64-byte r||s) is a valid signature of
  /// `message` under this key. Never throws for bad input; leaves OpenSSL's error queue empty.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  struct KeyDeleter {
    void operator()(evp_pkey_st* key) const;
  };
  using KeyPointer = std::unique_ptr<evp_pkey_st, KeyDeleter>;

  PublicKey(KeyPointer key, SignatureAlgorithm algorithm, int bits);
  /// Checks the invariants above for a key from any source and wraps it.
  static std::shared_ptr<const PublicKey> fromOpenSsl(KeyPointer key);

  KeyPointer key_;
  SignatureAlgorithm algorithm_;
  int bits_;
};

}  // namespace perch::auth
