// PublicKey: JWK/PEM import and RS256/ES256 verification with OpenSSL 3 (see public_key.h).
#include "auth/public_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "auth/base64_url.h"
#include "common/error.h"

namespace perch::auth {
namespace {

constexpr size_t kMaxPemBytes = 64 * 1024;
constexpr size_t kEs256CoordinateBytes = 32;
constexpr size_t kMaxRsaExponentBytes = 8;

[[noreturn]] void refuse(const char* reason) {
  ERR_clear_error();
  throw Error(ErrorCode::kBadRequest, std::string("unsupported JWK: ") + reason);
}

struct BignumDeleter {
  void operator()(BIGNUM* value) const { BN_free(value); }
};
using Bignum = std::unique_ptr<BIGNUM, BignumDeleter>;
struct ParamBuilderDeleter {
  void operator()(OSSL_PARAM_BLD* builder) const { OSSL_PARAM_BLD_free(builder); }
};
struct ParamsDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct ContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_PKEY_CTX, ContextDeleter>;

Bignum bignumFrom(std::string_view bytes) {
  Bignum value(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
  if (!value) refuse("out of memory");
  return value;
}

const std::string& stringMember(const JsonValue& jwk, std::string_view key, const char* reason) {
  const JsonValue* member = jwk.find(key);
  if (member == nullptr || !member->isString()) refuse(reason);
  return member->asString();
}

std::string base64Member(const JsonValue& jwk, std::string_view key, const char* reason) {
  std::optional<std::string> bytes = decodeBase64Url(stringMember(jwk, key, reason));
  if (!bytes || bytes->empty()) refuse(reason);
  return std::move(*bytes);
}

/// EVP_PKEY_fromdata for a public key of `type` ("RSA" or "EC") with the parameters `build` adds.
template <typename Build>
EVP_PKEY* keyFromData(const char* type, Build build) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuilderDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder || !build(builder.get())) refuse("cannot encode key parameters");
  std::unique_ptr<OSSL_PARAM, ParamsDeleter> params(OSSL_PARAM_BLD_to_param(builder.get()));
  Context context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    refuse("key parameters rejected by OpenSSL");
  }
  return key;
}

EVP_PKEY* rsaFromJwk(const JsonValue& jwk) {
  const std::string modulus = base64Member(jwk, "n", "RSA key needs n");
  const std::string exponent = base64Member(jwk, "e", "RSA key needs e");
  // Cheap bounds before OpenSSL sees the numbers; the exact bit count is checked in fromOpenSsl.
  if (modulus.size() > kMaxRsaBits / 8 + 1) refuse("RSA key too large");
  if (exponent.size() > kMaxRsaExponentBytes) refuse("RSA exponent too large");
  const Bignum n = bignumFrom(modulus);
  const Bignum e = bignumFrom(exponent);
  return keyFromData("RSA", [&](OSSL_PARAM_BLD* builder) {
    return OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  });
}

EVP_PKEY* ecFromJwk(const JsonValue& jwk) {
  if (stringMember(jwk, "crv", "EC key needs crv") != "P-256") refuse("EC curve must be P-256");
  const std::string x = base64Member(jwk, "x", "EC key needs x");
  const std::string y = base64Member(jwk, "y", "EC key needs y");
  // RFC 7518 §6.2.1.2: coordinates are the full 32 bytes, never shortened.
  if (x.size() != kEs256CoordinateBytes || y.size() != kEs256CoordinateBytes) refuse("EC coordinates must be 32 bytes");
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  return keyFromData("EC", [&](OSSL_PARAM_BLD* builder) {
    static char kGroup[] = "prime256v1";
    return OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

void checkJwkUsage(const JsonValue& jwk, std::string_view allowed_alg) {
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.find(secret) != nullptr) refuse("JWK carries private or symmetric key material");
  }
  if (const JsonValue* use = jwk.find("use")) {
    if (!use->isString() || use->asString() != "sig") refuse("JWK use is not sig");
  }
  if (const JsonValue* ops = jwk.find("key_ops")) {
    bool verify = false;
    if (!ops->isArray()) refuse("JWK key_ops is not an array");
    for (const JsonValue& op : ops->asArray()) verify = verify || (op.isString() && op.asString() == "verify");
    if (!verify) refuse("JWK key_ops does not allow verify");
  }
  if (const JsonValue* alg = jwk.find("alg")) {
    if (!alg->isString() || alg->asString() != allowed_alg) refuse("JWK alg does not match its key type");
  }
}

/// JOSE r||s (64 bytes) to the DER ECDSA-Sig-Value OpenSSL verifies; empty on failure.
std::string joseToDer(std::string_view signature) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return {};
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), kEs256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + kEs256CoordinateBytes,
                        kEs256CoordinateBytes, nullptr);
  std::string der;
  if (r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    const int length = i2d_ECDSA_SIG(sig, nullptr);
    if (length > 0) {
      der.resize(static_cast<size_t>(length));
      auto* out = reinterpret_cast<unsigned char*>(der.data());
      if (i2d_ECDSA_SIG(sig, &out) != length) der.clear();
    }
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return der;
}

}  // namespace

std::optional<SignatureAlgorithm> signatureAlgorithmFromName(std::string_view name) {
  if (name == "RS256") return SignatureAlgorithm::kRs256;
  if (name == "ES256") return SignatureAlgorithm::kEs256;
  return std::nullopt;
}

void PublicKey::KeyDeleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

PublicKey::PublicKey(KeyPointer key, SignatureAlgorithm algorithm, int bits)
    : key_(std::move(key)), algorithm_(algorithm), bits_(bits) {}

PublicKey::~PublicKey() = default;

std::shared_ptr<const PublicKey> PublicKey::fromJwk(const JsonValue& jwk) {
  if (!jwk.isObject()) refuse("JWK is not an object");
  const std::string& type = stringMember(jwk, "kty", "JWK needs kty");
  if (type == "RSA") {
    checkJwkUsage(jwk, "RS256");
    return fromOpenSsl(KeyPointer(rsaFromJwk(jwk)));
  }
  if (type == "EC") {
    checkJwkUsage(jwk, "ES256");
    return fromOpenSsl(KeyPointer(ecFromJwk(jwk)));
  }
  refuse("kty must be RSA or EC");
}

std::shared_ptr<const PublicKey> PublicKey::fromPem(std::string_view pem) {
  if (pem.empty() || pem.size() > kMaxPemBytes) refuse("PEM key missing or too large");
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) refuse("out of memory");
  // SubjectPublicKeyInfo only: no certificates, no private keys, no passphrase prompts.
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(bio);
  if (key == nullptr) refuse("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  return fromOpenSsl(KeyPointer(key));
}

std::shared_ptr<const PublicKey> PublicKey::fromOpenSsl(KeyPointer key) {
  EVP_PKEY* raw = key.get();
  SignatureAlgorithm algorithm;
  const int bits = EVP_PKEY_get_bits(raw);
  if (EVP_PKEY_is_a(raw, "RSA")) {  // "RSA-PSS" keys are a different type and refused below
    if (bits < kMinRsaBits) refuse("RSA key shorter than 2048 bits");
    if (bits > kMaxRsaBits) refuse("RSA key too large");
    BIGNUM* exponent = nullptr;
    if (EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_E, &exponent) != 1) refuse("RSA key without exponent");
    const bool usable = BN_is_odd(exponent) && !BN_is_one(exponent);
    BN_free(exponent);
    if (!usable) refuse("RSA exponent must be odd and greater than 1");
    algorithm = SignatureAlgorithm::kRs256;
  } else if (EVP_PKEY_is_a(raw, "EC")) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &length) != 1 ||
        std::strcmp(group, "prime256v1") != 0) {
      refuse("EC key is not on the named curve P-256");
    }
    int explicit_params = 0;
    if (EVP_PKEY_get_int_param(raw, OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS, &explicit_params) == 1 &&
        explicit_params != 0) {
      refuse("EC key uses explicit curve parameters");
    }
    algorithm = SignatureAlgorithm::kEs256;
  } else {
    refuse("key type must be RSA or EC P-256");
  }
  Context context(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!context || EVP_PKEY_public_check(context.get()) != 1) refuse("public key check failed");
  ERR_clear_error();
  return std::shared_ptr<const PublicKey>(new PublicKey(std::move(key), algorithm, bits));
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  std::string der;
  std::string_view checked = signature;
  if (algorithm_ == SignatureAlgorithm::kRs256) {
    if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key_.get()))) return false;
  } else {
    if (signature.size() != 2 * kEs256CoordinateBytes) return false;
    der = joseToDer(signature);
    if (der.empty()) return false;
    checked = der;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  bool valid = false;
  if (context != nullptr && EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key_.get()) == 1) {
    valid = EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(checked.data()), checked.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  }
  EVP_MD_CTX_free(context);
  ERR_clear_error();  // a failed verification leaves errors this thread must not see later
  return valid;
}

}  // namespace perch::auth
