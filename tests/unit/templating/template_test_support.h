// Shared helpers for the templating tests: render a template body (the `%` line is added) with
// some parameters and get the SQL, or the error message when rendering or parsing fails.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/error.h"
#include "templating/template.h"

namespace perch::templating::testing {

inline Template parseBody(std::string_view body) {
  return Template::parse("%\n" + std::string(body), "node", "pipe");
}

inline std::string render(std::string_view body, const Params& params = {}) {
  return parseBody(body).render(params);
}

/// The message of the perch::Error that parsing or rendering throws, or "<no error: SQL>".
inline std::string errorOf(std::string_view body, const Params& params = {}) {
  try {
    return "<no error: " + render(body, params) + ">";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    return error.what();
  }
}

/// The message of a syntax error wrapped the way Template reports it.
inline std::string wrapped(std::string_view message) {
  return "Template Syntax Error: " + std::string(message) + " (in node 'node' from pipe 'pipe')";
}

}  // namespace perch::templating::testing
