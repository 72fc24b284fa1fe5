// IssuerConfig and IssuerRegistry: the external identity providers one workspace trusts to sign JWTs
// with their own keys (SPEC §6.6), and the keys each of them may use.
//
// An issuer is identified by its exact `iss` string and has exactly one key source:
//   - jwks_file: a JWKS document on disk, read at construction (a broken file is a config error) and
//     re-read under the JwksCache policy (unknown kid, max age, min interval), so keys can be rotated
//     by replacing the file;
//   - jwks_url: a JWKS document fetched through the injected JwksFetcher under the same policy, first
//     on demand; only https:// URLs, or http:// to a loopback host (127.0.0.1, localhost, [::1]);
//   - pem_file: one SubjectPublicKeyInfo PEM key, read once at construction; with pem_kid set only
//     tokens whose kid equals it match, without it the key answers any kid.
// `audiences` (when non-empty) requires the token's `aud` — a string or an array of strings — to
// contain at least one of them; `authorized_parties` (when non-empty) requires `azp` to be one of them.
// When a list is empty the claim is not checked, so set both whenever the provider issues tokens for
// more than this API.
//
// Thread-safety: immutable after construction except for the JwksCaches inside, which are
// thread-safe; every const method may be called concurrently.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks_cache.h"
#include "auth/key_set.h"
#include "auth/public_key.h"

namespace perch::auth {

struct IssuerConfig {
  std::string issuer;                           // exact `iss`; required
  std::vector<std::string> audiences;           // allowed `aud` values; empty: not checked
  std::vector<std::string> authorized_parties;  // allowed `azp` values; empty: not checked
  std::string jwks_file;
  std::string jwks_url;
  std::string pem_file;
  std::string pem_kid;  // only with pem_file
  /// Overrides the registry's JwksCachePolicy::min_refetch_interval_seconds for this issuer's JWKS
  /// (1..86400; 0 = keep the default). Lower it only for a provider that rotates keys often.
  int64_t jwks_min_refetch_seconds = 0;
};

/// Fetches a URL and returns the response body of a 200 answer, or nullopt on any failure. Supplied by
/// the server (the auth module has no HTTP client); it should time out quickly and cap the body size.
using JwksFetcher = std::function<std::optional<std::string>(const std::string& url)>;

/// Parses the issuers configuration file (format in src/auth/README.md):
///   {"issuers":[{"issuer":"...","jwks_url"|"jwks_file"|"pem_file":"...","pem_kid"?:"...",
///                "audiences"?:["..."],"authorized_parties"?:["..."],"jwks_min_refetch_seconds"?:N}]}
/// Unknown keys are errors (a misspelt "audience" must not silently disable the check). Relative file
/// paths are resolved against `base_dir`. Throws Error(kBadRequest, "issuers config: ...").
std::vector<IssuerConfig> parseIssuerConfigs(std::string_view json, const std::filesystem::path& base_dir);

class IssuerRegistry {
 public:
  /// One configured issuer and its keys.
  class Issuer {
   public:
    const IssuerConfig& config() const { return config_; }
    /// The key this issuer uses for `kid` (empty when the token has none), or nullptr.
    std::shared_ptr<const PublicKey> find(std::string_view kid) const;
    /// Load attempts of its JWKS so far (0 for PEM issuers).
    uint64_t loadCount() const { return cache_ ? cache_->loadCount() : 0; }

   private:
    friend class IssuerRegistry;
    IssuerConfig config_;
    std::shared_ptr<const KeySet> static_keys_;  // pem_file
    std::unique_ptr<JwksCache> cache_;           // jwks_file, jwks_url
  };

  /// No external issuers: every RS256/ES256 token is refused.
  IssuerRegistry() = default;
  /// Validates every config and loads PEM keys and JWKS files now. Throws Error(kBadRequest,
  /// "issuers config: ...") for a missing issuer, a duplicate issuer, zero or several key sources, a
  /// jwks_url that is not https (or loopback http) or has no fetcher, or a key file that cannot be read
  /// or holds no usable key.
  explicit IssuerRegistry(std::vector<IssuerConfig> configs, JwksFetcher fetcher = {}, JwksCachePolicy policy = {});

  IssuerRegistry(IssuerRegistry&&) = default;
  IssuerRegistry& operator=(IssuerRegistry&&) = default;

  bool empty() const { return issuers_.empty(); }
  /// The issuer whose `iss` is exactly `iss`, or nullptr.
  const Issuer* find(std::string_view iss) const;

 private:
  std::map<std::string, std::unique_ptr<Issuer>, std::less<>> issuers_;
};

}  // namespace perch::auth
