#include "exec/like_matcher.h"

#include <algorithm>
#include <cctype>

namespace perch {

namespace {

constexpr int kAny = -1;
constexpr int kOne = -2;

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Bytes of the UTF-8 sequence whose first byte is `lead` (1 for ASCII and for a stray byte), capped
// at `left`: `_` and each step of `%` move by one code point, as ClickHouse's LIKE ('éé' LIKE '__').
size_t codePointBytes(char lead, size_t left) {
  const auto byte = static_cast<unsigned char>(lead);
  const size_t bytes = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
  return std::min(bytes, left);
}

}  // namespace

LikeMatcher::LikeMatcher(std::string_view pattern, bool case_insensitive) : case_insensitive_(case_insensitive) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      pattern_.push_back(static_cast<unsigned char>(case_insensitive ? fold(pattern[++i]) : pattern[++i]));
    } else if (c == '%') {
      if (pattern_.empty() || pattern_.back() != kAny) pattern_.push_back(kAny);
    } else if (c == '_') {
      pattern_.push_back(kOne);
    } else {
      pattern_.push_back(static_cast<unsigned char>(case_insensitive ? fold(c) : c));
    }
  }
  const auto any_count = std::count(pattern_.begin(), pattern_.end(), kAny);
  const bool has_one = std::find(pattern_.begin(), pattern_.end(), kOne) != pattern_.end();
  if (has_one) return;
  auto literalOf = [&](size_t begin, size_t end) {
    std::string text;
    for (size_t i = begin; i < end; ++i) text.push_back(static_cast<char>(pattern_[i]));
    return text;
  };
  const size_t n = pattern_.size();
  if (any_count == 0) {
    shape_ = Shape::kExact;
    literal_ = literalOf(0, n);
  } else if (any_count == 1 && pattern_.back() == kAny) {
    shape_ = Shape::kPrefix;
    literal_ = literalOf(0, n - 1);
  } else if (any_count == 1 && pattern_.front() == kAny) {
    shape_ = Shape::kSuffix;
    literal_ = literalOf(1, n);
  } else if (any_count == 2 && n >= 2 && pattern_.front() == kAny && pattern_.back() == kAny) {
    shape_ = Shape::kContains;
    literal_ = literalOf(1, n - 1);
  }
}

bool LikeMatcher::matches(std::string_view value) const {
  std::string folded;
  if (case_insensitive_) {
    folded.resize(value.size());
    std::transform(value.begin(), value.end(), folded.begin(), fold);
    value = folded;
  }
  switch (shape_) {
    case Shape::kExact: return value == literal_;
    case Shape::kPrefix: return value.starts_with(literal_);
    case Shape::kSuffix: return value.ends_with(literal_);
    case Shape::kContains: return value.find(literal_) != std::string_view::npos;
    case Shape::kGeneral: return generalMatch(value);
  }
  return false;
}

bool LikeMatcher::generalMatch(std::string_view value) const {
  // Classic glob matching with a single backtrack point for the last '%'.
  size_t p = 0, v = 0;
  size_t star_p = std::string::npos, star_v = 0;
  while (v < value.size()) {
    if (p < pattern_.size() && pattern_[p] == kAny) {
      star_p = p++;
      star_v = v;
    } else if (p < pattern_.size() && pattern_[p] == kOne) {
      ++p;
      v += codePointBytes(value[v], value.size() - v);
    } else if (p < pattern_.size() && pattern_[p] == static_cast<unsigned char>(value[v])) {
      ++p;
      ++v;
    } else if (star_p != std::string::npos) {
      p = star_p + 1;
      star_v += codePointBytes(value[star_v], value.size() - star_v);
      v = star_v;
    } else {
      return false;
    }
  }
  while (p < pattern_.size() && pattern_[p] == kAny) ++p;
  return p == pattern_.size();
}

}  // namespace perch
