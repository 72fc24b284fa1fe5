// KeySet: the verification keys of one external issuer, indexed by `kid` (SPEC §6.6). Built from a
// JWKS document (RFC 7517 §5, {"keys":[...]}) or from one PEM key.
//
// Key choice: a token's `kid` header (absent means the empty kid) selects at most one key, and only
// from this set; jku/x5u/x5c/jwk headers are never consulted anywhere. A set built from a single PEM
// key without a configured kid answers every kid with that key (it is the only candidate anyway).
//
// JWKS parsing is strict about the document and tolerant about individual keys: the document must be
// valid JSON (duplicate members rejected) of at most kMaxJwksBytes with a "keys" array of at most
// kMaxJwksKeys entries, no two entries may share a kid (the choice would be ambiguous), and at least
// one key must be usable. Entries that PublicKey refuses (RSA < 2048 bits, other curves, OKP, `use`
// "enc", ...) or whose kid is not a string are skipped and counted, so an identity provider that also
// publishes key types we do not support keeps working — but a token naming a skipped kid never
// verifies.
//
// Thread-safety: immutable after construction; share as shared_ptr<const KeySet>.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "auth/public_key.h"

namespace perch::auth {

constexpr size_t kMaxJwksBytes = 1024 * 1024;
constexpr size_t kMaxJwksKeys = 64;

class KeySet {
 public:
  /// Throws Error(kBadRequest, "invalid JWKS: <reason>") when the document breaks the rules above.
  static std::shared_ptr<const KeySet> fromJwks(std::string_view json);
  /// One PEM key under `kid`; an empty kid makes it answer every kid. Throws Error(kBadRequest).
  static std::shared_ptr<const KeySet> fromPem(std::string_view pem, std::string kid);

  /// The key for `kid` (empty when the token has no kid), or nullptr.
  std::shared_ptr<const PublicKey> find(std::string_view kid) const;

  size_t size() const { return keys_.size() + (any_kid_ ? 1 : 0); }
  /// JWKS entries skipped because they are unsupported.
  size_t skipped() const { return skipped_; }

 private:
  std::map<std::string, std::shared_ptr<const PublicKey>, std::less<>> keys_;
  std::shared_ptr<const PublicKey> any_kid_;
  size_t skipped_ = 0;
};

}  // namespace perch::auth
