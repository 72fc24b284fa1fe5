// LikeMatcher: SQL LIKE / ILIKE pattern matching (`%` any run, `_` one UTF-8 code point, `\` escapes),
// compiled once per constant pattern. Exact, prefix, suffix and substring patterns take fast paths;
// anything else uses a backtracking glob match that is linear for a single `%`.
// Immutable after construction; safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace perch {

class LikeMatcher {
 public:
  LikeMatcher(std::string_view pattern, bool case_insensitive);
  bool matches(std::string_view value) const;

 private:
  enum class Shape { kExact, kPrefix, kSuffix, kContains, kGeneral };
  bool generalMatch(std::string_view value) const;

  Shape shape_ = Shape::kGeneral;
  bool case_insensitive_;
  std::string literal_;            // for the fast shapes: the pattern without wildcards
  std::vector<int> pattern_;       // general: bytes, or kAny (%) / kOne (_)
};

}  // namespace perch
