#include "auth/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

#include "common/error.h"

namespace perch::auth {

Sha256Digest hmacSha256(std::string_view key, std::string_view message) {
  if (key.size() > INT_MAX) throw Error(ErrorCode::kInternal, "HMAC key too long");
  Sha256Digest digest{};
  unsigned int length = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static const unsigned char kEmpty = 0;
  const void* key_data = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  const auto* message_data = message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), message_data, message.size(), digest.data(),
           &length) == nullptr ||
      length != digest.size()) {
    throw Error(ErrorCode::kInternal, "HMAC-SHA256 failed");
  }
  return digest;
}

Sha256Digest sha256(std::string_view bytes) {
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw Error(ErrorCode::kInternal, "SHA-256 failed");
  }
  return digest;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace perch::auth
