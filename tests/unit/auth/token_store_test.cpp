#include "auth/token_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/base64_url.h"
#include "common/error.h"
#include "common/json.h"

namespace perch::auth {
namespace {

namespace fs = std::filesystem;

class TokenStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("perch_token_store_" + std::to_string(::getpid()) + "_" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    file_ = directory_ / "data" / "tokens.json";
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string readFile() const {
    std::ifstream input(file_);
    return std::string((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
  }
  void writeFile(const std::string& text) const {
    fs::create_directories(file_.parent_path());
    std::ofstream(file_) << text;
  }

  fs::path directory_;
  fs::path file_;
};

TEST(RandomSecretTest, IsUrlSafeUniqueAndCarriesTheRequestedEntropy) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string secret = randomSecret();
    EXPECT_EQ(secret.size(), 43u);  // 32 bytes in unpadded base64url
    const auto bytes = decodeBase64Url(secret);
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(bytes->size(), 32u);
    EXPECT_TRUE(seen.insert(secret).second);
  }
  EXPECT_EQ(decodeBase64Url(randomSecret(48))->size(), 48u);
  EXPECT_THROW(randomSecret(0), Error);
}

TEST_F(TokenStoreTest, StartsEmptyWithoutAFile) {
  TokenStore store(file_);
  EXPECT_TRUE(store.list().empty());
  EXPECT_FALSE(fs::exists(file_));
}

TEST_F(TokenStoreTest, UpsertCreatesPersistsAndReloads) {
  std::string secret;
  {
    TokenStore store(file_);
    const auto token = store.upsert("read sales", {parseScope("PIPES:READ:sales")});
    EXPECT_EQ(token.name, "read sales");
    EXPECT_TRUE(token.secret.starts_with("p."));
    EXPECT_EQ(decodeBase64Url(token.secret.substr(2))->size(), 32u);
    EXPECT_EQ(token.scopes, std::vector<Scope>{parseScope("PIPES:READ:sales")});
    store.upsert("ingest", {parseScope("DATASOURCES:APPEND:events"), parseScope("DATASOURCES:READ:events:a = 1")});
    secret = token.secret;
  }
  TokenStore reloaded(file_);
  const auto tokens = reloaded.list();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].name, "read sales");
  EXPECT_EQ(tokens[0].secret, secret);
  EXPECT_EQ(tokens[1].name, "ingest");
  EXPECT_EQ(tokens[1].scopes[1].filter, "a = 1");
  const auto found = reloaded.findBySecret(secret);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "read sales");
  // The file is the documented JSON shape.
  const JsonValue root = parseJson(readFile());
  EXPECT_EQ(root.find("version")->asInt64(), 1);
  EXPECT_EQ(root.find("tokens")->asArray()[1].find("scopes")->asArray()[0].asString(), "DATASOURCES:APPEND:events");
}

TEST_F(TokenStoreTest, FileIsOwnerOnlyEvenWithAPermissiveUmask) {
  const mode_t old_umask = ::umask(0);
  {
    TokenStore store(file_);
    store.upsert("t", {parseScope("ADMIN")});
  }
  ::umask(old_umask);
  struct stat info {};
  ASSERT_EQ(::stat(file_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(file_.string() + ".tmp"));
}

TEST_F(TokenStoreTest, RewriteTightensAPermissiveExistingFile) {
  writeFile(R"({"version":1,"tokens":[]})");
  fs::permissions(file_, fs::perms::all);
  TokenStore store(file_);
  store.upsert("t", {});
  struct stat info {};
  ASSERT_EQ(::stat(file_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(TokenStoreTest, UpsertKeepsTheSecretAndAddsOnlyNewScopes) {
  TokenStore store(file_);
  const auto first = store.upsert("t", {parseScope("PIPES:READ:a")});
  const auto second = store.upsert("t", {parseScope("PIPES:READ:a"), parseScope("PIPES:READ:b")});
  EXPECT_EQ(second.secret, first.secret);
  EXPECT_EQ(second.scopes, (std::vector<Scope>{parseScope("PIPES:READ:a"), parseScope("PIPES:READ:b")}));
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_EQ(TokenStore(file_).findByName("t")->scopes.size(), 2u);
}

TEST_F(TokenStoreTest, FindBySecretMatchesOnlyTheExactSecret) {
  TokenStore store(file_);
  const auto a = store.upsert("a", {});
  const auto b = store.upsert("b", {});
  EXPECT_NE(a.secret, b.secret);
  EXPECT_EQ(store.findBySecret(a.secret)->name, "a");
  EXPECT_EQ(store.findBySecret(b.secret)->name, "b");
  EXPECT_FALSE(store.findBySecret("").has_value());
  EXPECT_FALSE(store.findBySecret(a.secret.substr(0, a.secret.size() - 1)).has_value());
  EXPECT_FALSE(store.findBySecret(a.secret + "x").has_value());
  EXPECT_FALSE(store.findBySecret("a").has_value());  // a name is not a secret
  std::string flipped = a.secret;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(store.findBySecret(flipped).has_value());
}

TEST_F(TokenStoreTest, RefreshReplacesTheSecretAndRemoveForgets) {
  TokenStore store(file_);
  const auto original = store.upsert("t", {parseScope("TOKENS")});
  const auto refreshed = store.refresh("t");
  ASSERT_TRUE(refreshed.has_value());
  EXPECT_NE(refreshed->secret, original.secret);
  EXPECT_EQ(refreshed->scopes, original.scopes);
  EXPECT_FALSE(store.findBySecret(original.secret).has_value());
  EXPECT_EQ(store.findBySecret(refreshed->secret)->name, "t");
  EXPECT_FALSE(TokenStore(file_).findBySecret(original.secret).has_value());  // persisted
  EXPECT_FALSE(store.refresh("missing").has_value());

  EXPECT_TRUE(store.remove("t"));
  EXPECT_FALSE(store.remove("t"));
  EXPECT_FALSE(store.findBySecret(refreshed->secret).has_value());
  EXPECT_TRUE(TokenStore(file_).list().empty());
}

TEST_F(TokenStoreTest, RejectsBadNamesAndScopesWithoutChangingAnything) {
  TokenStore store(file_);
  for (const std::string& name : {std::string(), std::string(" x"), std::string("x "), std::string("a\nb"),
                                 std::string(129, 'a'), std::string("caf\xC3\xA9")}) {
    EXPECT_THROW(store.upsert(name, {}), Error) << name;
  }
  Scope with_params = parseScope("PIPES:READ:p");
  with_params.fixed_params["org"] = FixedParam{.values = {"x"}};
  EXPECT_THROW(store.upsert("t", {with_params}), Error);
  EXPECT_THROW(store.upsert("t", {Scope{.type = ScopeType::kPipesRead, .resource = "bad name"}}), Error);
  EXPECT_THROW(store.upsert("t", {Scope{.type = ScopeType::kAdmin, .resource = "x"}}), Error);
  EXPECT_TRUE(store.list().empty());
  EXPECT_FALSE(fs::exists(file_));
}

TEST_F(TokenStoreTest, FailedWriteLeavesMemoryAndFileUnchanged) {
  TokenStore store(file_);
  const auto kept = store.upsert("kept", {});
  // A non-empty directory where the temp file must go makes every write fail, even for root.
  const fs::path blocker = file_.string() + ".tmp";
  fs::create_directories(blocker / "x");
  try {
    store.upsert("new", {});
    ADD_FAILURE() << "write succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_EQ(std::string(error.what()).find(kept.secret), std::string::npos);
  }
  EXPECT_THROW(store.remove("kept"), Error);
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_EQ(TokenStore(file_).list().size(), 1u);  // the file was not touched either
  fs::remove_all(blocker);
  EXPECT_EQ(store.findBySecret(kept.secret)->name, "kept");
  EXPECT_EQ(store.upsert("new", {}).name, "new");  // and it recovers once the obstacle is gone
  EXPECT_EQ(TokenStore(file_).list().size(), 2u);
}

TEST_F(TokenStoreTest, CorruptFilesAreRefusedWithoutLeakingSecrets) {
  const std::string secret = "p.super-secret-value-that-must-not-leak";
  for (const std::string& text : {
           std::string("{"),
           std::string(R"({"version":2,"tokens":[]})"),
           std::string(R"({"tokens":[]})"),
           R"({"version":1,"tokens":[{"name":"a","secret":")" + secret + R"(","scopes":["NOPE"]}]})",
           R"({"version":1,"tokens":[{"name":"a","secret":")" + secret + R"(","scopes":[]},)" +
               R"({"name":"a","secret":"p.other","scopes":[]}]})",
           R"({"version":1,"tokens":[{"name":"a","secret":")" + secret + R"(","scopes":[]},)" +
               R"({"name":"b","secret":")" + secret + R"(","scopes":[]}]})",
           std::string(R"({"version":1,"tokens":[{"name":"a","secret":"","scopes":[]}]})"),
           R"({"version":1,"tokens":[{"name":"a","secret":")" + secret + R"(","scopes":[1]}]})",
       }) {
    writeFile(text);
    try {
      TokenStore store(file_);
      ADD_FAILURE() << "loaded " << text;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInternal) << text;
      EXPECT_EQ(std::string(error.what()).find("super-secret"), std::string::npos) << error.what();
    }
  }
}

TEST_F(TokenStoreTest, ConcurrentUpsertsAndLookupsStayConsistent) {
  TokenStore store(file_);
  const auto reader_token = store.upsert("reader", {});
  std::vector<std::thread> threads;
  std::atomic<bool> lookups_ok{true};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        store.upsert("t" + std::to_string(t) + "_" + std::to_string(i), {});
        if (!store.findBySecret(reader_token.secret).has_value()) lookups_ok = false;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(lookups_ok.load());
  EXPECT_EQ(store.list().size(), 41u);
  EXPECT_EQ(TokenStore(file_).list().size(), 41u);
}

}  // namespace
}  // namespace perch::auth
