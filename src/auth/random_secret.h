// randomSecret: unguessable text for token secrets and generated admin tokens.
//
// Thread-safety: safe to call concurrently (OpenSSL's RAND_bytes is thread-safe).
#pragma once

#include <cstddef>
#include <string>

namespace perch::auth {

/// Url-safe (base64url, unpadded) text carrying `bytes` bytes from OpenSSL's CSPRNG. Throws
/// Error(kInternal) if the generator fails; never falls back to a weaker source.
std::string randomSecret(size_t bytes = 32);

}  // namespace perch::auth
