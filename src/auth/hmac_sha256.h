// HMAC-SHA256 (OpenSSL) and a constant-time equality check, the two primitives JWT signing and token
// lookup need.
//
// Thread-safety: pure functions; OpenSSL 3 needs no global locking for these calls.
#pragma once

#include <array>
#include <string_view>

namespace perch::auth {

using Sha256Digest = std::array<unsigned char, 32>;

/// HMAC-SHA256 of `message` under `key`. Throws Error(kInternal) if OpenSSL fails.
Sha256Digest hmacSha256(std::string_view key, std::string_view message);

/// Plain SHA-256. Throws Error(kInternal) if OpenSSL fails.
Sha256Digest sha256(std::string_view bytes);

/// Compares in time that depends only on the lengths (CRYPTO_memcmp), never on where bytes differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace perch::auth
