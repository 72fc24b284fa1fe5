// TemplateError: a user error found while parsing or rendering a template, before it is given
// its node/pipe context. Template::parse and Template::render turn it into perch::Error(kBadRequest,
// "Template Syntax Error: <message> (in node '<node>' from pipe '<pipe>')"); it never leaves the
// module. Messages quote request values only through quoteForMessage, so an error never echoes
// more than a short prefix of what the caller sent.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace perch::templating {

class TemplateError : public std::runtime_error {
 public:
  explicit TemplateError(std::string message) : std::runtime_error(std::move(message)) {}
};

/// Longest prefix of a request value an error message may repeat.
inline constexpr size_t kMaxEchoedValueBytes = 100;

/// `value` cut to kMaxEchoedValueBytes (with "..." when cut), for quoting in error messages.
std::string quoteForMessage(std::string_view value);

}  // namespace perch::templating
