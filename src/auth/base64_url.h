// Base64url (RFC 4648 §5) without padding, as JWTs use it (RFC 7515 §2).
//
// Decoding is strict so that one token has exactly one spelling: only the alphabet A-Z a-z 0-9 - _,
// no '=' padding, no whitespace, no length that leaves a dangling 6 bits, and the unused low bits of
// the last character must be zero ("canonical trailing bits"). A lax decoder lets an attacker mint
// many spellings of one signed token, which defeats replay caches and deny lists.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace perch::auth {

std::string encodeBase64Url(std::string_view bytes);

/// The decoded bytes, or nullopt when `text` is not the canonical unpadded base64url of anything.
std::optional<std::string> decodeBase64Url(std::string_view text);

}  // namespace perch::auth
