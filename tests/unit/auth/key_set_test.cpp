// Which keys a JWKS or PEM may contribute (PublicKey and KeySet invariants), and raw signature checks.
#include "auth/key_set.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <string>

#include "auth/base64_url.h"
#include "auth/public_key.h"
#include "common/error.h"
#include "jose_forge.h"

namespace perch::auth {
namespace {

using jose::TestKeys;

std::string goodKey() { return jose::jwk(TestKeys::get().rsa, "good"); }

/// Replaces the value of `member` (a base64url string) in a JWK with `value`.
std::string replaceMember(std::string jwk, const std::string& member, const std::string& value) {
  const size_t start = jwk.find("\"" + member + "\":\"") + member.size() + 4;
  const size_t end = jwk.find('"', start);
  return jwk.replace(start, end - start, value);
}

struct SkippedCase {
  std::string name;
  std::string jwk;  // kid "bad"
};
void PrintTo(const SkippedCase& c, std::ostream* out) { *out << c.name; }

std::vector<SkippedCase> skippedCases() {
  const TestKeys& keys = TestKeys::get();
  const std::string ec = jose::jwk(keys.ec, "bad");
  const std::string y = *decodeBase64Url(ec.substr(ec.find("\"y\":\"") + 5, 43));
  std::string y_off_curve = y;
  y_off_curve.back() = static_cast<char>(y_off_curve.back() ^ 1);
  return {
      {"rsa_1024", jose::jwk(keys.rsa_weak, "bad")},
      {"ec_p384", jose::jwk(keys.ec_p384, "bad")},
      {"use_enc", jose::jwk(keys.rsa, "bad", R"(,"use":"enc")")},
      {"use_not_string", jose::jwk(keys.rsa, "bad", R"(,"use":["sig"])")},
      {"rsa_with_alg_es256", jose::jwk(keys.rsa, "bad", R"(,"alg":"ES256")")},
      {"rsa_with_alg_rs512", jose::jwk(keys.rsa, "bad", R"(,"alg":"RS512")")},
      {"rsa_with_alg_ps256", jose::jwk(keys.rsa, "bad", R"(,"alg":"PS256")")},
      {"ec_with_alg_rs256", jose::jwk(keys.ec, "bad", R"(,"alg":"RS256")")},
      {"ec_with_alg_none", jose::jwk(keys.ec, "bad", R"(,"alg":"none")")},
      {"private_d", jose::jwk(keys.ec, "bad", R"(,"d":"AAAA")")},
      {"key_ops_encrypt", jose::jwk(keys.rsa, "bad", R"(,"key_ops":["encrypt"])")},
      {"key_ops_not_array", jose::jwk(keys.rsa, "bad", R"(,"key_ops":"verify")")},
      {"oct_key", R"({"kty":"oct","kid":"bad","k":"c2VjcmV0"})"},
      {"okp_key", R"({"kty":"OKP","kid":"bad","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"},
      {"kty_missing", R"({"kid":"bad","n":"AQAB","e":"AQAB"})"},
      {"ec_crv_p256k", replaceMember(ec, "crv", "secp256k1")},
      {"ec_x_31_bytes", replaceMember(ec, "x", encodeBase64Url(y.substr(1)))},
      {"ec_point_off_curve", replaceMember(ec, "y", encodeBase64Url(y_off_curve))},
      {"ec_x_not_base64url", replaceMember(ec, "x", "abc+/")},
      {"rsa_exponent_1", replaceMember(jose::jwk(keys.rsa, "bad"), "e", "AQ")},
      {"rsa_exponent_even", replaceMember(jose::jwk(keys.rsa, "bad"), "e", "AQAA")},
      {"rsa_exponent_huge", replaceMember(jose::jwk(keys.rsa, "bad"), "e", encodeBase64Url(std::string(9, '\x01')))},
      {"rsa_modulus_empty", replaceMember(jose::jwk(keys.rsa, "bad"), "n", "")},
      {"rsa_modulus_16384_bits", replaceMember(jose::jwk(keys.rsa, "bad"), "n", encodeBase64Url(std::string(2048, '\xff')))},
  };
}

class SkippedJwk : public testing::TestWithParam<SkippedCase> {};

TEST_P(SkippedJwk, IsSkippedAndItsKidNeverMatches) {
  const auto set = KeySet::fromJwks(jose::jwks({goodKey(), GetParam().jwk}));
  EXPECT_EQ(set->skipped(), 1u);
  EXPECT_EQ(set->find("bad"), nullptr);
  EXPECT_NE(set->find("good"), nullptr);
  EXPECT_THROW(PublicKey::fromJwk(parseJson(GetParam().jwk)), Error);
}

INSTANTIATE_TEST_SUITE_P(Cases, SkippedJwk, testing::ValuesIn(skippedCases()),
                         [](const testing::TestParamInfo<SkippedCase>& info) { return info.param.name; });

TEST(KeySet, AcceptsSupportedKeysWithUsageHints) {
  const TestKeys& keys = TestKeys::get();
  const auto set = KeySet::fromJwks(jose::jwks({jose::jwk(keys.rsa, "r", R"(,"use":"sig","alg":"RS256","key_ops":["verify"])"),
                                                jose::jwk(keys.ec, "e", R"(,"use":"sig","alg":"ES256","x5c":["MIIB"])"),
                                                jose::jwk(keys.ec_other, "")}));
  EXPECT_EQ(set->skipped(), 0u);
  ASSERT_NE(set->find("r"), nullptr);
  EXPECT_EQ(set->find("r")->algorithm(), SignatureAlgorithm::kRs256);
  EXPECT_EQ(set->find("r")->bits(), 2048);
  ASSERT_NE(set->find("e"), nullptr);
  EXPECT_EQ(set->find("e")->algorithm(), SignatureAlgorithm::kEs256);
  EXPECT_NE(set->find(""), nullptr);  // a key without kid answers tokens without kid
  EXPECT_EQ(set->find("R"), nullptr);
  EXPECT_EQ(set->find("r "), nullptr);
}

TEST(KeySet, RefusesBrokenDocuments) {
  const TestKeys& keys = TestKeys::get();
  std::string many = R"({"keys":[)";
  for (int i = 0; i <= 64; ++i) many += (i ? "," : "") + jose::jwk(keys.ec, "k" + std::to_string(i));
  many += "]}";
  const std::vector<std::string> documents = {
      "",
      "not json",
      "[]",
      R"({"keys":{}})",
      R"({"other":[]})",
      R"({"keys":[]})",
      R"({"keys":[1]})",
      jose::jwks({jose::jwk(keys.rsa_weak, "weak")}),                          // no usable key
      jose::jwks({goodKey(), jose::jwk(keys.ec, "good")}),                      // duplicate kid
      jose::jwks({goodKey(), jose::jwk(keys.rsa_weak, "good")}),                // duplicate kid, one unsupported
      jose::jwks({goodKey(), jose::jwk(keys.ec, ""), jose::jwk(keys.ec_other, "")}),  // two keys without kid
      R"({"keys":[)" + goodKey() + R"(],"keys":[]})",                          // duplicate member
      many,
      R"({"keys":[)" + goodKey() + R"(],"pad":")" + std::string(kMaxJwksBytes, 'a') + "\"}",
  };
  for (const std::string& document : documents) {
    EXPECT_THROW(KeySet::fromJwks(document), Error) << document.substr(0, 80);
  }
}

TEST(KeySet, PemKeysFollowTheSameRules) {
  const TestKeys& keys = TestKeys::get();
  EXPECT_EQ(KeySet::fromPem(jose::pem(keys.rsa), "")->find("anything")->algorithm(), SignatureAlgorithm::kRs256);
  EXPECT_EQ(KeySet::fromPem(jose::pem(keys.ec), "")->find("")->algorithm(), SignatureAlgorithm::kEs256);
  const auto with_kid = KeySet::fromPem(jose::pem(keys.ec), "k1");
  EXPECT_NE(with_kid->find("k1"), nullptr);
  EXPECT_EQ(with_kid->find("k2"), nullptr);
  EXPECT_EQ(with_kid->find(""), nullptr);
  EXPECT_THROW(KeySet::fromPem(jose::pem(keys.rsa_weak), ""), Error);
  EXPECT_THROW(KeySet::fromPem(jose::pem(keys.ec_p384), ""), Error);
  EXPECT_THROW(KeySet::fromPem("", ""), Error);
  EXPECT_THROW(KeySet::fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", ""), Error);
  // A private key in PEM form is not a public key file.
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, keys.ec.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const std::string private_pem(data, static_cast<size_t>(BIO_get_mem_data(bio, &data)));
  BIO_free(bio);
  EXPECT_THROW(KeySet::fromPem(private_pem, ""), Error);
  // RSA-PSS keys are another key type and may not be used for RS256.
  EVP_PKEY* pss = nullptr;
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
  ASSERT_NE(context, nullptr);
  ASSERT_EQ(EVP_PKEY_keygen_init(context), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048), 1);
  ASSERT_EQ(EVP_PKEY_keygen(context, &pss), 1);
  EVP_PKEY_CTX_free(context);
  const std::string pss_pem = jose::pem(jose::Key(pss, jose::KeyDeleter{}));
  EXPECT_THROW(KeySet::fromPem(pss_pem, ""), Error);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PublicKey, Es256AcceptsOnlyThe64ByteJoseForm) {
  const auto key = KeySet::fromPem(jose::pem(TestKeys::get().ec), "")->find("");
  const std::string message = "header.payload";
  const std::string der = jose::opensslSignature(TestKeys::get().ec, message);
  const std::string jose_form = jose::derToJose(der);
  EXPECT_TRUE(key->verify(message, jose_form));
  EXPECT_FALSE(key->verify(message, der));
  EXPECT_FALSE(key->verify(message, jose_form.substr(1)));
  EXPECT_FALSE(key->verify(message, std::string(1, '\0') + jose_form));
  EXPECT_FALSE(key->verify(message, jose_form + std::string(1, '\0')));
  EXPECT_FALSE(key->verify(message, ""));
  EXPECT_FALSE(key->verify("header.payloaD", jose_form));
  EXPECT_EQ(ERR_peek_error(), 0u);  // failures leave nothing on this thread's OpenSSL error queue
}

TEST(PublicKey, Rs256AcceptsOnlyModulusLengthSignatures) {
  const auto key = KeySet::fromPem(jose::pem(TestKeys::get().rsa), "")->find("");
  const std::string message = "header.payload";
  const std::string signature = jose::opensslSignature(TestKeys::get().rsa, message);
  ASSERT_EQ(signature.size(), 256u);
  EXPECT_TRUE(key->verify(message, signature));
  EXPECT_FALSE(key->verify(message, std::string(1, '\0') + signature));
  EXPECT_FALSE(key->verify(message, signature.substr(1)));
  EXPECT_FALSE(key->verify(message, std::string(256, '\0')));
  EXPECT_FALSE(key->verify(message, jose::opensslSignature(TestKeys::get().rsa_other, message)));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PublicKey, AlgorithmNamesAreExact) {
  EXPECT_EQ(signatureAlgorithmFromName("RS256"), SignatureAlgorithm::kRs256);
  EXPECT_EQ(signatureAlgorithmFromName("ES256"), SignatureAlgorithm::kEs256);
  for (const char* name : {"rs256", "RS256 ", "RS384", "PS256", "ES256K", "HS256", "none", ""}) {
    EXPECT_FALSE(signatureAlgorithmFromName(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace perch::auth
