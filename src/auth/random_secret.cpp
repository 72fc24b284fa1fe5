#include "auth/random_secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>
#include <string>

#include "auth/base64_url.h"
#include "common/error.h"

namespace perch::auth {

std::string randomSecret(size_t bytes) {
  if (bytes == 0 || bytes > INT_MAX) throw Error(ErrorCode::kInternal, "invalid secret size");
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw Error(ErrorCode::kInternal, "the random generator failed");
  }
  std::string text = encodeBase64Url(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return text;
}

}  // namespace perch::auth
