#include "auth/base64_url.h"

#include <gtest/gtest.h>

#include <string>

namespace perch::auth {
namespace {

TEST(Base64UrlTest, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(encodeBase64Url(""), "");
  EXPECT_EQ(encodeBase64Url("f"), "Zg");
  EXPECT_EQ(encodeBase64Url("fo"), "Zm8");
  EXPECT_EQ(encodeBase64Url("foo"), "Zm9v");
  EXPECT_EQ(encodeBase64Url("foob"), "Zm9vYg");
  EXPECT_EQ(encodeBase64Url("fooba"), "Zm9vYmE");
  EXPECT_EQ(encodeBase64Url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encodeBase64Url("\xFB\xFF\xBF"), "-_-_");  // the url-safe characters
}

TEST(Base64UrlTest, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(decodeBase64Url(encodeBase64Url(bytes)), bytes) << i;
    bytes += static_cast<char>(i * 37);
  }
}

TEST(Base64UrlTest, DecodingIsStrict) {
  EXPECT_EQ(decodeBase64Url("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decodeBase64Url("-_-_"), "\xFB\xFF\xBF");
  for (const char* text : {"Zg==", "Zg=", "Zm8=", "+/+/", "Zm9v Yg", " Zg", "Zg\n", "Z", "Zm9vY", "Zh", "Zm9",
                           "Zm9vYh", "Zm9vYmF", "Zm9vYmE!", "\xC3\xA9\xC3\xA9"}) {
    EXPECT_FALSE(decodeBase64Url(text).has_value()) << text;
  }
  // "Zh" and "Zg" differ only in the unused low bits; only the canonical one decodes.
  EXPECT_EQ(decodeBase64Url("Zg"), "f");
  EXPECT_EQ(decodeBase64Url("Zm8"), "fo");
  EXPECT_FALSE(decodeBase64Url("Zm9").has_value());
}

}  // namespace
}  // namespace perch::auth
