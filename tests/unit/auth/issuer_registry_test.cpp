// Issuer configuration: the issuers.json format and the checks that stop a dangerous or broken
// configuration at startup rather than at the first request.
#include "auth/issuer_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "jose_forge.h"

namespace perch::auth {
namespace {

namespace fs = std::filesystem;
using jose::TestKeys;

class IssuerRegistryTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("perch_issuers_" + std::to_string(::getpid()) + "_" +
                                              testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_ / "keys");
    std::ofstream(directory_ / "keys" / "clerk.pem") << jose::pem(TestKeys::get().rsa);
    std::ofstream(directory_ / "keys" / "jwks.json") << jose::jwks({jose::jwk(TestKeys::get().ec, "e1")});
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string path(const char* name) const { return (directory_ / "keys" / name).string(); }
  static JwksFetcher fetcher() {
    return [](const std::string&) { return std::optional<std::string>(); };
  }
  void expectConfigError(std::vector<IssuerConfig> configs, const std::string& fragment, JwksFetcher with = fetcher()) {
    try {
      IssuerRegistry registry(std::move(configs), std::move(with));
      FAIL() << "accepted; expected: " << fragment;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  }

  fs::path directory_;
};

TEST_F(IssuerRegistryTest, ParsesTheConfigFileAndResolvesRelativePaths) {
  const auto configs = parseIssuerConfigs(R"({"issuers":[
      {"issuer":"https://clerk.example.com","pem_file":"keys/clerk.pem","pem_kid":"ins_1",
       "audiences":["perch"],"authorized_parties":["https://app.example.com","http://localhost:3000"]},
      {"issuer":"https://idp.example.com","jwks_url":"https://idp.example.com/.well-known/jwks.json"},
      {"issuer":"local","jwks_file":")" + path("jwks.json") + R"("}]})",
                                          directory_);
  ASSERT_EQ(configs.size(), 3u);
  EXPECT_EQ(configs[0].issuer, "https://clerk.example.com");
  EXPECT_EQ(configs[0].pem_file, (directory_ / "keys/clerk.pem").string());
  EXPECT_EQ(configs[0].pem_kid, "ins_1");
  EXPECT_EQ(configs[0].audiences, std::vector<std::string>{"perch"});
  EXPECT_EQ(configs[0].authorized_parties.size(), 2u);
  EXPECT_EQ(configs[1].jwks_url, "https://idp.example.com/.well-known/jwks.json");
  EXPECT_EQ(configs[2].jwks_file, path("jwks.json"));
  const IssuerRegistry registry(configs, fetcher());
  EXPECT_FALSE(registry.empty());
  ASSERT_NE(registry.find("https://clerk.example.com"), nullptr);
  EXPECT_NE(registry.find("https://clerk.example.com")->find("ins_1"), nullptr);
  EXPECT_NE(registry.find("local")->find("e1"), nullptr);
  EXPECT_EQ(registry.find("https://clerk.example.com/"), nullptr);
  EXPECT_EQ(registry.find("HTTPS://CLERK.EXAMPLE.COM"), nullptr);
}

TEST_F(IssuerRegistryTest, ConfigFileTyposAreErrorsNotSilentlyDisabledChecks) {
  for (const char* text : {
           R"({"issuers":[{"issuer":"a","pem_file":"x","audience":["perch"]}]})",
           R"({"issuers":[{"issuer":"a","pem_file":"x","authorized_party":"perch"}]})",
           R"({"issuers":[{"issuer":"a","pem_file":"x","audiences":"perch"}]})",
           R"({"issuers":[{"issuer":"a","pem_file":"x","audiences":[""]}]})",
           R"({"issuers":[{"issuer":"a","pem_file":1}]})",
           R"({"issuer":[]})",
           R"({"issuers":{}})",
           R"({"issuers":[],"extra":1})",
           R"({"issuers":[{"issuer":"a","issuer":"b","pem_file":"x"}]})",
           R"({"issuers":[)",
       }) {
    EXPECT_THROW(parseIssuerConfigs(text, directory_), Error) << text;
  }
}

TEST_F(IssuerRegistryTest, JwksMinRefetchSecondsIsAWholeNumberInRange) {
  const auto configs = parseIssuerConfigs(
      R"({"issuers":[{"issuer":"a","jwks_url":"https://a.example/jwks","jwks_min_refetch_seconds":5}]})", directory_);
  ASSERT_EQ(configs.size(), 1u);
  EXPECT_EQ(configs[0].jwks_min_refetch_seconds, 5);
  for (const char* value : {"0", "-1", "86401", "1.5", "\"5\"", "null"}) {
    const std::string text = std::string(R"({"issuers":[{"issuer":"a","jwks_url":"https://a.example/jwks","jwks_min_refetch_seconds":)") +
                             value + "}]}";
    EXPECT_THROW(parseIssuerConfigs(text, directory_), Error) << value;
  }
}

TEST_F(IssuerRegistryTest, EachIssuerNeedsANameAndExactlyOneKeySource) {
  expectConfigError({{.pem_file = path("clerk.pem")}}, "non-empty");
  expectConfigError({{.issuer = "a"}}, "exactly one of");
  expectConfigError({{.issuer = "a", .jwks_file = path("jwks.json"), .pem_file = path("clerk.pem")}}, "exactly one of");
  expectConfigError({{.issuer = "a", .jwks_url = "https://a/jwks", .pem_file = path("clerk.pem")}}, "exactly one of");
  expectConfigError({{.issuer = "a", .jwks_file = path("jwks.json"), .pem_kid = "k"}}, "pem_kid");
  expectConfigError({{.issuer = "a", .pem_file = path("clerk.pem")}, {.issuer = "a", .jwks_file = path("jwks.json")}},
                    "configured twice");
}

TEST_F(IssuerRegistryTest, KeyFilesAreLoadedAtStartup) {
  expectConfigError({{.issuer = "a", .pem_file = path("missing.pem")}}, "cannot read pem_file");
  expectConfigError({{.issuer = "a", .jwks_file = path("missing.json")}}, "cannot read jwks_file");
  std::ofstream(directory_ / "keys" / "weak.pem") << jose::pem(TestKeys::get().rsa_weak);
  expectConfigError({{.issuer = "a", .pem_file = path("weak.pem")}}, "2048");
  std::ofstream(directory_ / "keys" / "bad.json") << R"({"keys":[]})";
  expectConfigError({{.issuer = "a", .jwks_file = path("bad.json")}}, "no usable key");
  expectConfigError({{.issuer = "a", .pem_file = path("jwks.json")}}, "PEM");
}

TEST_F(IssuerRegistryTest, JwksUrlsMustBeHttpsOrLoopback) {
  for (const char* url : {"https://idp.example.com/jwks", "http://127.0.0.1:8080/jwks.json", "http://localhost/jwks",
                          "http://[::1]:9000/jwks", "http://127.0.0.1"}) {
    EXPECT_NO_THROW(IssuerRegistry({{.issuer = "a", .jwks_url = url}}, fetcher())) << url;
  }
  for (const char* url : {"http://idp.example.com/jwks", "http://127.0.0.1@evil.example/jwks",
                          "http://127.0.0.1.evil.example/jwks", "http://localhost.evil.example/", "https://user@idp/jwks",
                          "ftp://idp.example.com/jwks", "file:///etc/passwd", "//idp.example.com/jwks", "https:///jwks",
                          "HTTP://127.0.0.1/", "http://127.0.0.1x/", "http://[::1]x/"}) {
    expectConfigError({{.issuer = "a", .jwks_url = url}}, "jwks_url");
  }
  expectConfigError({{.issuer = "a", .jwks_url = "https://idp.example.com/jwks"}}, "fetcher", JwksFetcher());
}

TEST_F(IssuerRegistryTest, AnEmptyRegistryKnowsNoIssuer) {
  const IssuerRegistry registry;
  EXPECT_TRUE(registry.empty());
  EXPECT_EQ(registry.find(""), nullptr);
  EXPECT_EQ(registry.find("https://clerk.example.com"), nullptr);
}

}  // namespace
}  // namespace perch::auth
