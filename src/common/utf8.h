// UTF-8 helpers shared by every reader of escaped text (JSON documents, JSON SQL functions, template
// string literals): one encoder and one strict validator, so all of them agree on what UTF-8 is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace perch {

/// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF; callers check the range).
void appendUtf8(std::string& out, uint32_t code_point);

/// Length of the valid UTF-8 sequence starting at `p` (which holds a byte >= 0x80), or 0 when the
/// bytes there are not a valid, shortest-form encoding of a scalar value (U+0080..U+10FFFF minus
/// surrogates).
size_t utf8SequenceLength(const unsigned char* p, const unsigned char* end);

/// True when `text` is entirely valid, shortest-form UTF-8 without encoded surrogates.
bool isValidUtf8(std::string_view text);

}  // namespace perch
