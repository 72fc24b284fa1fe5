// Test-only RSA and EC keys generated at run time, their JWK and PEM forms, and RS256/ES256 token
// signing — including the malformed signatures an attacker would try (DER instead of r||s, wrong
// lengths). No key material is checked in.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/base64_url.h"

namespace perch::auth::jose {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Key = std::shared_ptr<EVP_PKEY>;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

inline Key generateRsa(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  check(key != nullptr, "RSA keygen");
  return Key(key, KeyDeleter{});
}

/// `curve` is an OpenSSL group name: "P-256", "P-384", ...
inline Key generateEc(const char* curve = "P-256") {
  EVP_PKEY* key = EVP_EC_gen(curve);
  check(key != nullptr, "EC keygen");
  return Key(key, KeyDeleter{});
}

inline std::string bignumBytes(const EVP_PKEY* key, const char* param, int pad_to = 0) {
  BIGNUM* value = nullptr;
  check(EVP_PKEY_get_bn_param(key, param, &value) == 1, "get bn param");
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(value);
  std::string bytes(static_cast<size_t>(size), '\0');
  check(BN_bn2binpad(value, reinterpret_cast<unsigned char*>(bytes.data()), size) == size, "bn2bin");
  BN_free(value);
  return bytes;
}

inline std::string b64(std::string_view bytes) { return encodeBase64Url(bytes); }

/// The public JWK of `key` with `kid`; `extra` is appended verbatim inside the object (",\"use\":\"sig\"").
inline std::string jwk(const Key& key, std::string_view kid, std::string_view extra = "") {
  std::string json = "{";
  if (EVP_PKEY_is_a(key.get(), "RSA")) {
    json += R"("kty":"RSA","n":")" + b64(bignumBytes(key.get(), OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
            b64(bignumBytes(key.get(), OSSL_PKEY_PARAM_RSA_E)) + "\"";
  } else {
    char group[64] = {};
    size_t length = 0;
    EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &length);
    const std::string crv = std::string(group) == "prime256v1" ? "P-256" : std::string(group) == "secp384r1" ? "P-384" : group;
    const int coordinate = crv == "P-384" ? 48 : 32;
    json += R"("kty":"EC","crv":")" + crv + R"(","x":")" +
            b64(bignumBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, coordinate)) + R"(","y":")" +
            b64(bignumBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, coordinate)) + "\"";
  }
  if (!kid.empty()) json += R"(,"kid":")" + std::string(kid) + "\"";
  json += extra;
  return json + "}";
}

inline std::string jwks(std::initializer_list<std::string> keys) {
  std::string json = R"({"keys":[)";
  bool first = true;
  for (const std::string& key : keys) {
    if (!first) json += ',';
    first = false;
    json += key;
  }
  return json + "]}";
}

inline std::string pem(const Key& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_PUBKEY(bio, key.get()) == 1, "write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(bio);
  return text;
}

/// The signature OpenSSL produces: PKCS#1 v1.5 for RSA keys, DER ECDSA-Sig-Value for EC keys.
inline std::string opensslSignature(const Key& key, std::string_view message) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  check(EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key.get()) == 1, "sign init");
  size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  check(EVP_DigestSign(context, nullptr, &size, data, message.size()) == 1, "sign size");
  std::string signature(size, '\0');
  check(EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size, data, message.size()) == 1,
        "sign");
  EVP_MD_CTX_free(context);
  signature.resize(size);
  return signature;
}

/// DER ECDSA-Sig-Value to JOSE r||s with each half padded to `half` bytes.
inline std::string derToJose(std::string_view der, int half = 32) {
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &data, static_cast<long>(der.size()));
  check(sig != nullptr, "parse DER");
  std::string jose(static_cast<size_t>(2 * half), '\0');
  auto* out = reinterpret_cast<unsigned char*>(jose.data());
  check(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, half) == half, "r");
  check(BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + half, half) == half, "s");
  ECDSA_SIG_free(sig);
  return jose;
}

/// The JWS signature bytes for `key`: RS256 as is, ES256 as r||s.
inline std::string joseSignature(const Key& key, std::string_view message) {
  const std::string raw = opensslSignature(key, message);
  return EVP_PKEY_is_a(key.get(), "EC") ? derToJose(raw, (EVP_PKEY_get_bits(key.get()) + 7) / 8) : raw;
}

inline std::string signWith(const Key& key, std::string_view header_json, std::string_view payload_json) {
  const std::string input = b64(header_json) + "." + b64(payload_json);
  return input + "." + b64(joseSignature(key, input));
}

}  // namespace perch::auth::jose

namespace perch::auth::jose {

/// Keys generated once per test binary (RSA generation is slow in Debug builds).
struct TestKeys {
  Key rsa = generateRsa(2048);
  Key rsa_other = generateRsa(2048);
  Key rsa_weak = generateRsa(1024);
  Key ec = generateEc("P-256");
  Key ec_other = generateEc("P-256");
  Key ec_p384 = generateEc("P-384");

  static const TestKeys& get() {
    static const TestKeys keys;
    return keys;
  }
};

}  // namespace perch::auth::jose
