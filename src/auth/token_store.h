// TokenStore: the workspace's static tokens (SPEC §6.2) — opaque random secrets, each with a name and
// a list of scopes — kept in memory and persisted to one JSON file.
//
// File format (UTF-8 JSON, mode 0600):
//   {"version":1,"tokens":[{"name":"read_sales","secret":"p.<43 chars>","scopes":["PIPES:READ:sales"]}]}
// Scopes are stored as their scope strings (parseScope/formatScope). Every change rewrites the whole
// file atomically: write "<file>.tmp" (created 0600, O_EXCL|O_NOFOLLOW), fsync it, rename it over the
// file, fsync the directory. A crash therefore leaves either the old or the new file, never a torn one.
//
// Invariants: names are unique, 1-128 printable ASCII characters without leading/trailing spaces;
// secrets are unique; a token's scopes are unique and carry no fixed_params (those exist only in JWTs).
// A mutation that fails to persist leaves the in-memory state unchanged and throws Error(kInternal).
// Secrets are never put in error messages.
//
// Thread-safety: all methods may be called concurrently. Readers take state_mutex_ shared; mutations
// are serialized by write_mutex_ (held across the file write) and take state_mutex_ exclusively only
// to swap in the new state, so lookups never wait for an fsync. One TokenStore per file per process.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/hmac_sha256.h"
#include "auth/random_secret.h"
#include "auth/scope.h"

namespace perch::auth {

class TokenStore {
 public:
  /// Loads `file` if it exists; throws Error(kInternal) if it exists but cannot be read or is invalid.
  explicit TokenStore(std::filesystem::path file);

  struct Token {
    std::string name;
    std::string secret;
    std::vector<Scope> scopes;
  };

  /// Creates the token `name` with a new secret ("p." + randomSecret(32)), or adds the scopes it does
  /// not have yet to an existing one (its secret is kept). Persists. Throws Error(kBadRequest) for an
  /// invalid name or a scope with fixed_params.
  Token upsert(std::string_view name, const std::vector<Scope>& scopes);
  /// The token whose secret is `secret`. Every stored secret is compared (via SHA-256 digests and
  /// CRYPTO_memcmp) with no early exit, so timing reveals nothing about how close a guess was.
  std::optional<Token> findBySecret(std::string_view secret) const;
  std::optional<Token> findByName(std::string_view name) const;
  /// All tokens in creation order.
  std::vector<Token> list() const;
  /// Deletes the token; false if there was none. Persists.
  bool remove(std::string_view name);
  /// Gives the token a new secret (the old one stops working at once). Persists.
  std::optional<Token> refresh(std::string_view name);

 private:
  struct Entry {
    Token token;
    Sha256Digest secret_digest;
  };

  void load();
  /// Writes `entries` to file_ atomically; throws Error(kInternal) on failure.
  void persist(const std::vector<Entry>& entries) const;
  /// Persists `entries` then makes them the current state. Caller holds write_mutex_.
  void commit(std::vector<Entry> entries);
  static Entry makeEntry(Token token);
  std::string newSecret() const;

  const std::filesystem::path file_;
  std::mutex write_mutex_;                // serializes mutations and file writes
  mutable std::shared_mutex state_mutex_;  // guards entries_
  std::vector<Entry> entries_;
};

}  // namespace perch::auth
