// The JWKS refetch budget (SPEC §6.6) through the public path the server uses: an issuer with a
// jwks_url, a fake fetcher that counts calls, and a fake monotonic clock. No network.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/external_jwt.h"
#include "auth/issuer_registry.h"
#include "auth/jwks_cache.h"
#include "common/error.h"
#include "jose_forge.h"
#include "jwt_forge.h"

namespace perch::auth {
namespace {

using jose::TestKeys;

constexpr std::string_view kIssuer = "https://idp.example.com";
constexpr std::string_view kUrl = "http://127.0.0.1:8123/.well-known/jwks.json";

/// Serves whatever document is current and counts calls; thread-safe.
struct FakeJwksServer {
  std::mutex mutex;
  std::optional<std::string> document;
  std::atomic<int> calls{0};
  std::atomic<bool> throw_next{false};
  std::chrono::milliseconds delay{0};
  std::string last_url;

  void serve(std::optional<std::string> text) {
    std::lock_guard lock(mutex);
    document = std::move(text);
  }
  JwksFetcher fetcher() {
    return [this](const std::string& url) -> std::optional<std::string> {
      ++calls;
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      if (throw_next.exchange(false)) throw std::runtime_error("connection refused");
      std::lock_guard lock(mutex);
      last_url = url;
      return document;
    };
  }
};

class JwksCacheTest : public testing::Test {
 protected:
  void SetUp() override {
    server_.serve(jose::jwks({jose::jwk(TestKeys::get().rsa, "k1"), jose::jwk(TestKeys::get().ec, "k2")}));
    registry_ = std::make_unique<IssuerRegistry>(
        std::vector<IssuerConfig>{{.issuer = std::string(kIssuer), .jwks_url = std::string(kUrl)}}, server_.fetcher(),
        JwksCachePolicy{.min_refetch_interval_seconds = 60, .max_age_seconds = 3600, .clock = [this] { return clock_.load(); }});
  }

  static std::string token(std::string_view kid, const jose::Key& key = TestKeys::get().rsa) {
    const bool ec = EVP_PKEY_is_a(key.get(), "EC");
    const std::string header = std::string(R"({"alg":")") + (ec ? "ES256" : "RS256") + R"(","kid":")" + std::string(kid) + "\"}";
    return jose::signWith(key, header, forge::payloadJson({.extra = ",\"iss\":\"" + std::string(kIssuer) + "\""}));
  }
  bool accepts(const std::string& jwt) {
    try {
      verifyAnyJwt(jwt, {.key = forge::kKey, .workspace_id = forge::kWorkspace, .now_seconds = forge::kNow}, *registry_);
      return true;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kAuthentication);
      return false;
    }
  }
  uint64_t loads() const { return registry_->find(kIssuer)->loadCount(); }

  FakeJwksServer server_;
  std::atomic<int64_t> clock_{1000};
  std::unique_ptr<IssuerRegistry> registry_;
};

TEST_F(JwksCacheTest, NothingIsFetchedUntilTheFirstTokenAndThenOnlyOnce) {
  EXPECT_EQ(server_.calls, 0);
  EXPECT_TRUE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 1);
  EXPECT_EQ(server_.last_url, kUrl);
  for (int i = 0; i < 20; ++i) {
    clock_ += 30;  // well past the min interval, still within max age
    EXPECT_TRUE(accepts(token("k1")));
    EXPECT_TRUE(accepts(token("k2", TestKeys::get().ec)));
  }
  EXPECT_EQ(server_.calls, 1);
  EXPECT_EQ(loads(), 1u);
}

TEST_F(JwksCacheTest, UnknownKidTriggersExactlyOneRefetchThenFails) {
  ASSERT_TRUE(accepts(token("k1")));
  clock_ += 61;
  EXPECT_FALSE(accepts(token("k9")));
  EXPECT_EQ(server_.calls, 2);
}

TEST_F(JwksCacheTest, AFloodOfUnknownKidsWithinTheIntervalCausesNoFetch) {
  ASSERT_TRUE(accepts(token("k1")));
  clock_ += 61;
  ASSERT_FALSE(accepts(token("made-up-0")));
  ASSERT_EQ(server_.calls, 2);
  for (int i = 1; i < 500; ++i) {
    if (i % 100 == 0) clock_ += 14;  // 56 s pass in total: still inside the interval
    EXPECT_FALSE(accepts(token("made-up-" + std::to_string(i))));
  }
  EXPECT_EQ(server_.calls, 2);
  clock_ += 4;  // now 60 s after the last fetch
  EXPECT_FALSE(accepts(token("made-up-again")));
  EXPECT_EQ(server_.calls, 3);
}

TEST_F(JwksCacheTest, RotationIsPickedUpByTheFirstTokenWithTheNewKid) {
  ASSERT_TRUE(accepts(token("k1")));
  server_.serve(jose::jwks({jose::jwk(TestKeys::get().rsa_other, "k3")}));
  clock_ += 61;
  EXPECT_TRUE(accepts(token("k3", TestKeys::get().rsa_other)));
  EXPECT_EQ(server_.calls, 2);
  // The new document dropped k1: it is no longer trusted, and asking for it costs no fetch right now.
  EXPECT_FALSE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 2);
}

TEST_F(JwksCacheTest, RotationWithinTheIntervalWaitsForTheInterval) {
  ASSERT_TRUE(accepts(token("k1")));
  server_.serve(jose::jwks({jose::jwk(TestKeys::get().rsa_other, "k3")}));
  clock_ += 5;
  EXPECT_FALSE(accepts(token("k3", TestKeys::get().rsa_other)));
  EXPECT_EQ(server_.calls, 1);
  clock_ += 56;
  EXPECT_TRUE(accepts(token("k3", TestKeys::get().rsa_other)));
  EXPECT_EQ(server_.calls, 2);
}

TEST_F(JwksCacheTest, AFailedOrBrokenFetchKeepsTheKnownKeys) {
  ASSERT_TRUE(accepts(token("k1")));
  for (std::optional<std::string> bad : {std::optional<std::string>(), std::optional<std::string>("<html>502</html>"),
                                         std::optional<std::string>(R"({"keys":[]})")}) {
    server_.serve(bad);
    clock_ += 61;
    EXPECT_FALSE(accepts(token("unknown")));  // triggers the fetch, which fails
    EXPECT_TRUE(accepts(token("k1")));
  }
  server_.throw_next = true;
  clock_ += 61;
  EXPECT_FALSE(accepts(token("unknown")));
  EXPECT_TRUE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 5);
}

TEST_F(JwksCacheTest, AFirstFetchThatFailsIsRetriedOnlyAfterTheInterval) {
  server_.serve(std::nullopt);
  EXPECT_FALSE(accepts(token("k1")));
  EXPECT_FALSE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 1);
  server_.serve(jose::jwks({jose::jwk(TestKeys::get().rsa, "k1")}));
  clock_ += 60;
  EXPECT_TRUE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 2);
}

TEST_F(JwksCacheTest, AfterMaxAgeAKnownKidRefetchesAndARevokedKeyStopsWorking) {
  ASSERT_TRUE(accepts(token("k1")));
  server_.serve(jose::jwks({jose::jwk(TestKeys::get().ec, "k2")}));  // k1 revoked by the provider
  clock_ += 3599;
  EXPECT_TRUE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 1);
  clock_ += 1;
  EXPECT_FALSE(accepts(token("k1")));
  EXPECT_EQ(server_.calls, 2);
}

TEST_F(JwksCacheTest, ConcurrentUnknownKidsShareOneFetch) {
  ASSERT_TRUE(accepts(token("k1")));
  clock_ += 61;
  server_.delay = std::chrono::milliseconds(50);
  const std::string unknown = token("nope");
  const std::string known = token("k1");
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 20; ++j) {
        if (accepts(i % 2 == 0 ? unknown : known)) ++accepted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(server_.calls, 2);
  EXPECT_EQ(accepted, 4 * 20);
}

TEST(JwksCacheFile, AJwksFileIsReReadOnUnknownKidAfterTheInterval) {
  const auto path = std::filesystem::temp_directory_path() / ("perch_jwks_file_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << jose::jwks({jose::jwk(TestKeys::get().rsa, "k1")});
  int64_t clock = 0;
  const IssuerRegistry registry({{.issuer = std::string(kIssuer), .jwks_file = path.string()}}, {},
                                {.min_refetch_interval_seconds = 60, .clock = [&clock] { return clock; }});
  const JwtVerifyOptions options{.key = forge::kKey, .workspace_id = forge::kWorkspace, .now_seconds = forge::kNow};
  const std::string payload = forge::payloadJson({.extra = ",\"iss\":\"" + std::string(kIssuer) + "\""});
  const std::string old_token = jose::signWith(TestKeys::get().rsa, R"({"alg":"RS256","kid":"k1"})", payload);
  const std::string new_token = jose::signWith(TestKeys::get().rsa_other, R"({"alg":"RS256","kid":"k2"})", payload);
  EXPECT_NO_THROW(verifyAnyJwt(old_token, options, registry));
  std::ofstream(path) << jose::jwks({jose::jwk(TestKeys::get().rsa_other, "k2")});
  EXPECT_THROW(verifyAnyJwt(new_token, options, registry), Error);  // read at startup, interval not over
  clock = 60;
  EXPECT_NO_THROW(verifyAnyJwt(new_token, options, registry));
  EXPECT_EQ(registry.find(kIssuer)->loadCount(), 2u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace perch::auth
