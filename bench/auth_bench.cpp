// Costs of the auth path every browser request pays (issue 6, "Performance"):
//   - BM_VerifyJwt: HS256 verification of a Clerk-shaped token (one PIPES:READ scope with two fixed
//     params, limits.rps) — split, base64url, HMAC-SHA256, JSON, every claim rule;
//   - BM_VerifyJwtRejected: a token with a flipped signature byte (the attacker's cost to us);
//   - BM_RateLimiterSharedKey / BM_RateLimiterDistinctKeys: RateLimiter::check from 1, 2 and 4
//     threads, all on one key (worst-case contention on one shard) or one key per thread.
// Run: cmake --build build --target auth_bench && ./build/auth_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "auth/jwt.h"
#include "auth/rate_limiter.h"
#include "common/error.h"

namespace {

constexpr std::string_view kKey = "bench-admin-token-0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kWorkspace = "0d6c0a4e-0000-4000-8000-00000000be01";
constexpr int64_t kNow = 1'800'000'000;

std::string clerkShapedToken() {
  perch::auth::JwtClaims claims;
  claims.workspace_id = std::string(kWorkspace);
  claims.name = "frontend_jwt_user_2abcdefghijklmnopqrstuvwxyz";
  claims.iat = kNow;
  claims.exp = kNow + 60;
  claims.rps = 10;
  perch::auth::Scope scope;
  scope.type = perch::auth::ScopeType::kPipesRead;
  scope.resource = "my_api_endpoint";
  perch::auth::FixedParam organization;
  organization.values.push_back("org_2abcdefghijklmnopqrstuvwxyz");
  perch::auth::FixedParam user;
  user.values.push_back("user_2abcdefghijklmnopqrstuvwxyz");
  scope.fixed_params["organization_id"] = organization;
  scope.fixed_params["user_id"] = user;
  claims.scopes.push_back(scope);
  return perch::auth::mintJwt(claims, kKey);
}

perch::auth::JwtVerifyOptions verifyOptions() {
  perch::auth::JwtVerifyOptions options;
  options.key = kKey;
  options.workspace_id = kWorkspace;
  options.now_seconds = kNow;
  return options;
}

void BM_VerifyJwt(benchmark::State& state) {
  const std::string token = clerkShapedToken();
  const auto options = verifyOptions();
  for (auto _ : state) {
    auto principal = perch::auth::verifyJwt(token, options);
    benchmark::DoNotOptimize(principal);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyJwt);

void BM_VerifyJwtRejected(benchmark::State& state) {
  std::string token = clerkShapedToken();
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  const auto options = verifyOptions();
  for (auto _ : state) {
    try {
      perch::auth::verifyJwt(token, options);
      state.SkipWithError("a forged token verified");
      break;
    } catch (const perch::Error&) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyJwtRejected);

perch::auth::RateLimiter& sharedLimiter() {
  static perch::auth::RateLimiter limiter;
  return limiter;
}

void BM_RateLimiterSharedKey(benchmark::State& state) {
  auto& limiter = sharedLimiter();
  for (auto _ : state) {
    auto decision = limiter.check("workspace/my_api_endpoint/shared", 1e6, std::chrono::steady_clock::now());
    benchmark::DoNotOptimize(decision);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateLimiterSharedKey)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_RateLimiterDistinctKeys(benchmark::State& state) {
  auto& limiter = sharedLimiter();
  const std::string key = "workspace/my_api_endpoint/user_" + std::to_string(state.thread_index());
  for (auto _ : state) {
    auto decision = limiter.check(key, 1e6, std::chrono::steady_clock::now());
    benchmark::DoNotOptimize(decision);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateLimiterDistinctKeys)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
