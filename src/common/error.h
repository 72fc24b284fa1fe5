// User-facing errors. Every error a user can cause (bad SQL, bad parameter, bad token, unknown
// pipe, ...) is a perch::Error carrying an ErrorCode; one table (httpStatus) maps codes to HTTP
// statuses, so handlers never pick status numbers themselves. Internal invariants use assert().
#pragma once

#include <stdexcept>
#include <string>

namespace perch {

enum class ErrorCode {
  kBadRequest,        // template, parameter, SQL or body error
  kAuthentication,    // missing/invalid/expired token
  kForbidden,         // valid token without the needed scope, or a denied fixed param
  kNotFound,          // unknown pipe, data source, token, route
  kMethodNotAllowed,
  kPayloadTooLarge,
  kRateLimited,
  kTimeout,
  kUnavailable,       // shutting down or overloaded
  kInternal,
};

/// The HTTP status that answers a request failing with `code`.
int httpStatus(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

/// Shorthand for the most common user error.
[[noreturn]] inline void throwBadRequest(std::string message) {
  throw Error(ErrorCode::kBadRequest, std::move(message));
}

}  // namespace perch
