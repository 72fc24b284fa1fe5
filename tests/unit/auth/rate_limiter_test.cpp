#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace perch::auth {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const Clock::time_point kStart = Clock::time_point(std::chrono::hours(1000));

TEST(RateLimiterTest, AllowsABurstOfRThenDenies) {
  RateLimiter limiter;
  for (int i = 0; i < 4; ++i) {
    const auto decision = limiter.check("ws/pipe/a", 4, kStart);
    EXPECT_TRUE(decision.allowed) << i;
    EXPECT_EQ(decision.limit, 4);
    EXPECT_EQ(decision.remaining, 3 - i);
    EXPECT_EQ(decision.retry_after_seconds, 0);
    EXPECT_EQ(decision.reset_seconds, 1);
  }
  const auto denied = limiter.check("ws/pipe/a", 4, kStart);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_EQ(denied.limit, 4);
  EXPECT_GE(denied.retry_after_seconds, 1);
  EXPECT_EQ(denied.reset_seconds, 1);
  // Denied requests do not consume budget: still denied a moment later, allowed after 1/R s.
  EXPECT_FALSE(limiter.check("ws/pipe/a", 4, kStart + milliseconds(249)).allowed);
  EXPECT_TRUE(limiter.check("ws/pipe/a", 4, kStart + milliseconds(250)).allowed);
  EXPECT_FALSE(limiter.check("ws/pipe/a", 4, kStart + milliseconds(250)).allowed);
  EXPECT_TRUE(limiter.check("ws/pipe/a", 4, kStart + milliseconds(500)).allowed);
}

TEST(RateLimiterTest, SustainedRateIsExactlyR) {
  RateLimiter limiter;
  int allowed = 0;
  // 10 seconds of one request per millisecond against R = 10: burst 10 plus 10 per second.
  for (int ms = 0; ms < 10'000; ++ms) {
    allowed += limiter.check("k", 10, kStart + milliseconds(ms)).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 10 + 100 - 1);  // the 100th refill lands exactly at t = 10 s, outside the loop
}

TEST(RateLimiterTest, RefillsCompletelyAfterIdle) {
  RateLimiter limiter;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.check("k", 3, kStart).allowed);
  EXPECT_FALSE(limiter.check("k", 3, kStart).allowed);
  const auto later = kStart + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.check("k", 3, later).allowed);
  EXPECT_FALSE(limiter.check("k", 3, later).allowed);
}

TEST(RateLimiterTest, SameKeySharesTheBudgetDifferentKeysDoNot) {
  RateLimiter limiter;
  EXPECT_TRUE(limiter.check("ws/pipe/tenant", 2, kStart).allowed);
  EXPECT_TRUE(limiter.check("ws/pipe/tenant", 2, kStart).allowed);  // e.g. a second JWT with the same name
  EXPECT_FALSE(limiter.check("ws/pipe/tenant", 2, kStart).allowed);
  EXPECT_TRUE(limiter.check("ws/pipe/other", 2, kStart).allowed);
  EXPECT_TRUE(limiter.check("ws/pipe2/tenant", 2, kStart).allowed);
}

TEST(RateLimiterTest, FractionalRatesHaveABurstOfOne) {
  RateLimiter limiter;
  EXPECT_TRUE(limiter.check("k", 0.5, kStart).allowed);
  const auto denied = limiter.check("k", 0.5, kStart + milliseconds(1));
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.limit, 1);
  EXPECT_EQ(denied.retry_after_seconds, 2);
  EXPECT_FALSE(limiter.check("k", 0.5, kStart + milliseconds(1999)).allowed);
  EXPECT_TRUE(limiter.check("k", 0.5, kStart + milliseconds(2000)).allowed);
}

TEST(RateLimiterTest, LongKeysAreDistinctEvenWithACommonPrefix) {
  RateLimiter limiter;
  const std::string prefix(200, 'x');
  EXPECT_TRUE(limiter.check(prefix + "a", 1, kStart).allowed);
  EXPECT_FALSE(limiter.check(prefix + "a", 1, kStart).allowed);
  EXPECT_TRUE(limiter.check(prefix + "b", 1, kStart).allowed);
}

TEST(RateLimiterTest, RejectsNonsenseRates) {
  RateLimiter limiter;
  EXPECT_THROW(limiter.check("k", 0, kStart), Error);
  EXPECT_THROW(limiter.check("k", -1, kStart), Error);
  EXPECT_THROW(limiter.check("k", std::numeric_limits<double>::quiet_NaN(), kStart), Error);
  EXPECT_THROW(limiter.check("k", std::numeric_limits<double>::infinity(), kStart), Error);
  EXPECT_TRUE(limiter.check("k", 1e300, kStart).allowed);  // clamped, no overflow
  EXPECT_TRUE(limiter.check("k2", 1e-300, kStart).allowed);
  EXPECT_FALSE(limiter.check("k2", 1e-300, kStart + std::chrono::hours(24)).allowed);
}

TEST(RateLimiterTest, MemoryStaysBoundedUnderAMillionDistinctKeys) {
  constexpr size_t kMaxKeys = 10'000;
  RateLimiter limiter(kMaxKeys);
  for (int i = 0; i < 1'000'000; ++i) {
    // All keys are active (just spent their whole burst), so eviction cannot rely on idle buckets.
    limiter.check("ws/pipe/name-" + std::to_string(i), 1, kStart + milliseconds(i / 1000));
    if (i % 100'000 == 0) {
      EXPECT_LE(limiter.size(), kMaxKeys);
    }
  }
  EXPECT_LE(limiter.size(), kMaxKeys);
  EXPECT_GT(limiter.size(), kMaxKeys / 2);  // eviction frees a slice, not everything
  // A key used a thousand keys ago is still limited: eviction took the oldest buckets, not it.
  const std::string recent = "ws/pipe/name-999000";
  EXPECT_FALSE(limiter.check(recent, 1, kStart + milliseconds(999'999 / 1000)).allowed);
}

TEST(RateLimiterTest, IdleBucketsAreEvictedBeforeActiveOnes) {
  RateLimiter limiter(16 * 8);  // 8 buckets per shard
  // One active key, denied from now on for a long time.
  EXPECT_TRUE(limiter.check("active", 1e-3, kStart).allowed);
  // Flood with keys that become idle (fully refilled) one second later.
  for (int i = 0; i < 10'000; ++i) limiter.check("idle-" + std::to_string(i), 1, kStart);
  const auto later = kStart + std::chrono::seconds(5);
  for (int i = 0; i < 10'000; ++i) limiter.check("fresh-" + std::to_string(i), 1, later);
  EXPECT_LE(limiter.size(), 16u * 8u);
  // Its shard overflowed many times, but every other bucket there was idle or closer to refilled (its
  // TAT is 1000 s ahead), so it is still remembered as exhausted.
  EXPECT_FALSE(limiter.check("active", 1e-3, later).allowed);
}

TEST(RateLimiterTest, ConcurrentChecksCountEveryRequestOnce) {
  RateLimiter limiter;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) allowed += limiter.check("shared", 100, kStart).allowed ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace perch::auth
