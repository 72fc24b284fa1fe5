#include "auth/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/hmac_sha256.h"
#include "common/error.h"

namespace perch::auth {
namespace {

constexpr size_t kMaxStoredKeyBytes = 64;
constexpr int64_t kNanosPerSecond = 1'000'000'000;

/// The key as stored: itself when short, otherwise a marker byte plus its SHA-256 (the marker keeps a
/// hashed key from ever equalling a short key).
std::string storedKey(std::string_view key) {
  if (key.size() <= kMaxStoredKeyBytes) return std::string(key);
  const Sha256Digest digest = sha256(key);
  std::string stored(1, '\xFF');
  stored.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return stored;
}

int ceilSeconds(int64_t nanos) {
  if (nanos <= 0) return 0;
  const int64_t seconds = (nanos + kNanosPerSecond - 1) / kNanosPerSecond;
  return static_cast<int>(std::min<int64_t>(seconds, std::numeric_limits<int>::max()));
}

}  // namespace

struct RateLimiter::Shard {
  std::mutex mutex;
  std::unordered_map<std::string, int64_t> buckets;  // key -> TAT in steady_clock nanoseconds
};

RateLimiter::RateLimiter(size_t max_keys)
    : keys_per_shard_(std::max<size_t>(1, max_keys / kShardCount)), shards_(new Shard[kShardCount]) {}

RateLimiter::~RateLimiter() = default;

RateLimiter::Shard& RateLimiter::shardFor(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShardCount];
}

size_t RateLimiter::size() const {
  size_t total = 0;
  for (size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].buckets.size();
  }
  return total;
}

RateLimiter::Decision RateLimiter::check(std::string_view key, double rps,
                                          std::chrono::steady_clock::time_point now) {
  if (!std::isfinite(rps) || !(rps > 0)) throw Error(ErrorCode::kInternal, "rate limit must be positive");
  // Clamp to [1e-6, 1e6] so the interval (1 us .. ~11.6 days in ns) and capacity (<= 1e15 ns) stay
  // far from int64 overflow.
  rps = std::clamp(rps, 1e-6, 1e6);
  const int64_t interval = std::max<int64_t>(1, std::llround(static_cast<double>(kNanosPerSecond) / rps));
  const int64_t burst = std::max<int64_t>(1, static_cast<int64_t>(std::floor(rps)));
  const int64_t capacity = interval * burst;
  const int64_t t = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();

  std::string stored = storedKey(key);
  Shard& shard = shardFor(stored);
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(stored);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= keys_per_shard_) {
      // Evict at least 1/8 of the shard so sweeps are rare (amortized O(1) per new key): every
      // refilled bucket, then the ones with the earliest TAT.
      std::vector<std::pair<int64_t, const std::string*>> by_tat;
      by_tat.reserve(shard.buckets.size());
      for (const auto& [bucket_key, tat] : shard.buckets) by_tat.emplace_back(tat, &bucket_key);
      const size_t want = std::max<size_t>(1, keys_per_shard_ / 8);
      std::nth_element(by_tat.begin(), by_tat.begin() + static_cast<std::ptrdiff_t>(want - 1), by_tat.end());
      const int64_t threshold = std::max(by_tat[want - 1].first, t);
      std::vector<std::string> doomed;
      for (const auto& [tat, bucket_key] : by_tat) {
        if (tat <= threshold && (tat <= t || doomed.size() < want)) doomed.push_back(*bucket_key);
      }
      for (const std::string& doomed_key : doomed) shard.buckets.erase(doomed_key);
    }
    it = shard.buckets.emplace(std::move(stored), t).first;
  }

  const int64_t tat = std::max(it->second, t);
  const int64_t new_tat = tat + interval;
  Decision decision{};
  decision.limit = static_cast<int>(std::min<int64_t>(burst, std::numeric_limits<int>::max()));
  if (new_tat - t <= capacity) {
    it->second = new_tat;
    decision.allowed = true;
    decision.remaining = static_cast<int>((capacity - (new_tat - t)) / interval);
    decision.reset_seconds = ceilSeconds(new_tat - t);
    decision.retry_after_seconds = 0;
  } else {
    decision.allowed = false;
    decision.remaining = 0;
    decision.reset_seconds = ceilSeconds(tat - t);
    // The next request passes once new_tat - t' <= capacity, i.e. at t' = new_tat - capacity.
    decision.retry_after_seconds = std::max(1, ceilSeconds(new_tat - capacity - t));
  }
  return decision;
}

}  // namespace perch::auth
