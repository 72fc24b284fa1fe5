#include "auth/scope.h"

#include <gtest/gtest.h>

#include "auth/principal.h"
#include "common/error.h"

namespace perch::auth {
namespace {

TEST(ScopeTest, ParsesEveryStaticType) {
  EXPECT_EQ(parseScope("ADMIN"), (Scope{.type = ScopeType::kAdmin}));
  EXPECT_EQ(parseScope("TOKENS"), (Scope{.type = ScopeType::kTokens}));
  EXPECT_EQ(parseScope("DATASOURCES:CREATE"), (Scope{.type = ScopeType::kDatasourcesCreate}));
  EXPECT_EQ(parseScope("PIPES:READ:top_pages"), (Scope{.type = ScopeType::kPipesRead, .resource = "top_pages"}));
  EXPECT_EQ(parseScope("PIPE:READ:top_pages"), (Scope{.type = ScopeType::kPipesRead, .resource = "top_pages"}));
  EXPECT_EQ(parseScope("DATASOURCES:APPEND:events"),
            (Scope{.type = ScopeType::kDatasourcesAppend, .resource = "events"}));
  EXPECT_EQ(parseScope("DATASOURCES:READ:events"), (Scope{.type = ScopeType::kDatasourcesRead, .resource = "events"}));
}

TEST(ScopeTest, FilterIsEverythingAfterTheResourceColons) {
  const Scope scope = parseScope("DATASOURCES:READ:events:org = 'a:b' AND ts > '2024-01-01 00:00:00'");
  EXPECT_EQ(scope.resource, "events");
  EXPECT_EQ(scope.filter, "org = 'a:b' AND ts > '2024-01-01 00:00:00'");
  EXPECT_EQ(formatScope(scope), "DATASOURCES:READ:events:org = 'a:b' AND ts > '2024-01-01 00:00:00'");
}

TEST(ScopeTest, FormatIsTheInverseOfParse) {
  for (const char* text : {"ADMIN", "TOKENS", "DATASOURCES:CREATE", "PIPES:READ:p", "DATASOURCES:APPEND:d.v2",
                           "DATASOURCES:READ:d", "DATASOURCES:READ:d:x = 1"}) {
    EXPECT_EQ(formatScope(parseScope(text)), text);
  }
  EXPECT_EQ(formatScope(parseScope("PIPE:READ:p")), "PIPES:READ:p");  // alias is normalized
}

TEST(ScopeTest, RejectsUnknownAndMalformedScopes) {
  for (const char* text : {"", "admin", "ADMINX", "ADMIN:", "ADMIN:x", "TOKENS:x", "DATASOURCES:CREATE:x",
                           "PIPES:READ", "PIPES:READ:", "PIPES:READ:a b", "PIPES:READ:p:filter",
                           "DATASOURCES:APPEND:d:x", "DATASOURCES:READ", "DATASOURCES:READ::x", "PIPES:WRITE:p",
                           "DATASOURCES:DROP:d", "PIPES:CREATE", " ADMIN", "PIPES:READ:p\n"}) {
    try {
      parseScope(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << text;
    }
  }
  EXPECT_FALSE(isValidResourceName(std::string(256, 'a')));
  EXPECT_TRUE(isValidResourceName(std::string(255, 'a')));
}

TEST(PrincipalTest, AdminGrantsEverything) {
  const Principal admin{.kind = Principal::Kind::kAdmin, .name = "admin"};
  EXPECT_TRUE(admin.hasScope(ScopeType::kPipesRead, "anything"));
  EXPECT_TRUE(admin.hasScope(ScopeType::kTokens, ""));
  EXPECT_TRUE(admin.hasScope(ScopeType::kDatasourcesAppend, "events"));
  ASSERT_NE(admin.scopeFor(ScopeType::kPipesRead, "p"), nullptr);
  EXPECT_EQ(admin.scopeFor(ScopeType::kPipesRead, "p")->type, ScopeType::kAdmin);
  EXPECT_FALSE(admin.hasScope(ScopeType::kPipesRead, ""));  // an empty resource never matches

  const Principal static_admin{.kind = Principal::Kind::kStaticToken, .scopes = {parseScope("ADMIN")}};
  EXPECT_TRUE(static_admin.hasScope(ScopeType::kDatasourcesRead, "events"));
}

TEST(PrincipalTest, ScopesGrantExactlyTheirResource) {
  const Principal principal{.kind = Principal::Kind::kStaticToken,
                            .scopes = {parseScope("PIPES:READ:sales"), parseScope("DATASOURCES:APPEND:events")}};
  EXPECT_TRUE(principal.hasScope(ScopeType::kPipesRead, "sales"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kPipesRead, "Sales"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kPipesRead, "sales2"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kPipesRead, "sale"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kDatasourcesRead, "events"));  // append does not imply read
  EXPECT_TRUE(principal.hasScope(ScopeType::kDatasourcesAppend, "events"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kDatasourcesAppend, "other"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kTokens, ""));
  EXPECT_FALSE(principal.hasScope(ScopeType::kAdmin, ""));
}

TEST(PrincipalTest, CreateGrantsAppendEverywhere) {
  const Principal principal{.scopes = {parseScope("DATASOURCES:CREATE")}};
  EXPECT_TRUE(principal.hasScope(ScopeType::kDatasourcesAppend, "any"));
  EXPECT_TRUE(principal.hasScope(ScopeType::kDatasourcesCreate, ""));
  EXPECT_FALSE(principal.hasScope(ScopeType::kDatasourcesRead, "any"));
  EXPECT_FALSE(principal.hasScope(ScopeType::kPipesRead, "any"));
}

TEST(PrincipalTest, MostSpecificScopeWinsSoFiltersAreNotSkipped) {
  const Principal principal{.scopes = {parseScope("ADMIN"), parseScope("DATASOURCES:READ:events:org = 1")}};
  const Scope* scope = principal.scopeFor(ScopeType::kDatasourcesRead, "events");
  ASSERT_NE(scope, nullptr);
  EXPECT_EQ(scope->filter, "org = 1");
  EXPECT_EQ(principal.scopeFor(ScopeType::kDatasourcesRead, "other")->type, ScopeType::kAdmin);
}

}  // namespace
}  // namespace perch::auth
