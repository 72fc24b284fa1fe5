// JwksCache: the current KeySet of one JWKS source (a file or a URL), loaded on demand and refreshed
// under a strict budget (SPEC §6.6).
//
// Policy, in the words of the callers that rely on it:
//   - A kid found in a fresh set is answered from memory; no load happens.
//   - A kid not found (or the first use, or a set older than max_age_seconds) triggers one load,
//     unless the last load attempt — successful or not — was less than min_refetch_interval_seconds
//     ago. So a flood of tokens with made-up kids costs at most one load per interval, and a real key
//     rotation is picked up by the first token that names the new kid (or after the interval).
//   - A load that fails (the loader returns nullopt or throws, or the document is not a valid JWKS)
//     keeps the previous set: an identity provider outage does not lock out tokens signed with the keys
//     we already know. Keys are only forgotten when a newer valid document drops them.
// Time comes from policy.clock (monotonic seconds by default), never from the token.
//
// Thread-safety: find() may be called from many threads. state_mutex_ guards keys_, loaded_at_ and
// generation_ and is held only to copy or swap a shared_ptr; load_mutex_ serializes loads and guards
// last_attempt_, so one thread loads while the others either wait for its result (when they need a
// refresh themselves) or keep answering from the current set.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/key_set.h"
#include "auth/public_key.h"

namespace perch::auth {

struct JwksCachePolicy {
  int64_t min_refetch_interval_seconds = 60;
  int64_t max_age_seconds = 3600;
  /// Monotonic seconds; empty means std::chrono::steady_clock. Tests inject a fake.
  std::function<int64_t()> clock;
};

class JwksCache {
 public:
  /// Returns the JWKS document text, or nullopt when it cannot be had right now.
  using Loader = std::function<std::optional<std::string>()>;

  JwksCache(Loader loader, JwksCachePolicy policy);

  /// The key for `kid`, refreshing the set first when the policy above allows it; nullptr when the kid
  /// is unknown even after that. Never throws.
  std::shared_ptr<const PublicKey> find(std::string_view kid) const;

  /// Loads now, ignoring the interval; true when a valid document replaced the set. Used at startup so
  /// a broken configuration is reported before the first request.
  bool refresh() const;

  /// Number of load attempts so far (for tests and stats).
  uint64_t loadCount() const { return load_count_.load(std::memory_order_relaxed); }

 private:
  struct Snapshot {
    std::shared_ptr<const KeySet> keys;
    std::optional<int64_t> loaded_at;
    uint64_t generation = 0;
  };

  int64_t now() const;
  Snapshot snapshot() const;
  bool isFresh(const Snapshot& snapshot, int64_t now) const;
  /// Caller holds load_mutex_.
  bool loadLocked(int64_t now) const;

  Loader loader_;
  JwksCachePolicy policy_;

  mutable std::mutex state_mutex_;
  mutable std::shared_ptr<const KeySet> keys_;     // guarded by state_mutex_
  mutable std::optional<int64_t> loaded_at_;       // guarded by state_mutex_
  mutable uint64_t generation_ = 0;                // guarded by state_mutex_; bumped on every swap

  mutable std::mutex load_mutex_;
  mutable std::optional<int64_t> last_attempt_;    // guarded by load_mutex_
  mutable std::atomic<uint64_t> load_count_{0};
};

}  // namespace perch::auth
