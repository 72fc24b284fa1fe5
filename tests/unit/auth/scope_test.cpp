#include <gtest/gtest.h>
#include "auth/scope.h"
TEST(ScopeSmoke, Parses) { EXPECT_EQ(perch::auth::formatScope(perch::auth::parseScope("ADMIN")), "ADMIN"); }
