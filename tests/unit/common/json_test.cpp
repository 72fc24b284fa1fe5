#include <gtest/gtest.h>
#include "common/json.h"
TEST(JsonSmoke, Parses) { EXPECT_TRUE(perch::parseJson("{}").isObject()); }
