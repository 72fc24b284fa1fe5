// RateLimiter: per-key request rate limits for JWT `limits.rps` (SPEC §6.5), using GCRA — the
// "generic cell rate algorithm", an exact token bucket that stores one timestamp per key.
//
// For a rate of R requests per second the emission interval is T = 1/R s and the burst is
// max(1, floor(R)) requests: a key that has been quiet may send `burst` requests at once, then one
// every T. Each key stores its theoretical arrival time (TAT); a request at time t is allowed when
// max(TAT, t) + T - t <= burst * T, and then TAT advances by T. Arithmetic is in integer nanoseconds
// so results do not drift with floating point.
//
// Memory is bounded: at most max_keys buckets exist. When a shard is full, buckets that have fully
// refilled (TAT <= now, indistinguishable from a fresh bucket) are dropped first; if that frees too
// little, the buckets closest to refilled go next. Keys longer than 64 bytes are stored as their
// SHA-256, so a flood of long or distinct names costs O(max_keys) memory whatever the key lengths.
// Evicting a still-active bucket can only give that key a fresh burst early; it never blocks a key.
//
// Thread-safety: check() and size() may be called concurrently; keys are spread over shards, each
// guarded by its own mutex (Shard::mutex guards Shard::buckets).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace perch::auth {

class RateLimiter {
 public:
  explicit RateLimiter(size_t max_keys = 100000);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  /// What the server reports in X-RateLimit-* and Retry-After.
  struct Decision {
    bool allowed;
    int limit;                // the burst, max(1, floor(rps))
    int remaining;            // requests that would still be allowed right now
    int reset_seconds;        // seconds until the bucket is completely refilled (rounded up)
    int retry_after_seconds;  // 0 when allowed; otherwise seconds until the next request passes, >= 1
  };

  /// Counts one request for `key` at `now` against `rps` (> 0 and finite; otherwise Error(kInternal);
  /// clamped to [1e-6, 1e6]).
  /// A key's rate is whatever the latest call passes, so a changed limit applies at once.
  Decision check(std::string_view key, double rps, std::chrono::steady_clock::time_point now);

  /// Buckets currently held (for tests and metrics).
  size_t size() const;

 private:
  struct Shard;
  static constexpr size_t kShardCount = 16;
  Shard& shardFor(std::string_view key);

  size_t keys_per_shard_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace perch::auth
