// Status and Result<T>: how every module reports an expected failure (bad input, missing row,
// unreachable service) as a value. No exception crosses a module boundary; adapters around
// third-party code that throws catch and convert. api/ alone maps a StatusCode to an HTTP status.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace shouwang {

// A small closed set of canonical codes (the Abseil/gRPC set, trimmed to what we use).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong: bad row, bad flag, bad query parameter
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // creating something that exists
  kUnauthenticated,     // no or unknown credentials
  kPermissionDenied,    // credentials valid but not allowed to do this
  kFailedPrecondition,  // the system is not in a state to do this (e.g. series too short)
  kUnavailable,         // a dependency (database file, server, network) cannot be reached
  kInternal,            // a bug or an unexpected failure of a dependency
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::vector<std::string> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Further lines for the user, e.g. one per rejected row of an import.
  const std::vector<std::string>& details() const { return details_; }

  // "invalid_argument: message" for logs and the command line.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<std::string> details_;
};

inline Status invalid_argument(std::string message, std::vector<std::string> details = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(message), std::move(details));
}
inline Status not_found(std::string message) { return Status(StatusCode::kNotFound, std::move(message)); }
inline Status already_exists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message));
}
inline Status unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}
inline Status permission_denied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}
inline Status failed_precondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}
inline Status unavailable(std::string message) { return Status(StatusCode::kUnavailable, std::move(message)); }
inline Status internal_error(std::string message) { return Status(StatusCode::kInternal, std::move(message)); }

// Either a value or a non-OK Status (std::expected arrives with C++23; this is its small subset).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).is_ok() && "Result constructed from an OK status");
  }

  bool is_ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // OK when a value is held.
  Status status() const { return is_ok() ? Status() : std::get<Status>(data_); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace shouwang

#define SHOUWANG_CONCAT_INNER(a, b) a##b
#define SHOUWANG_CONCAT(a, b) SHOUWANG_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                     \
  do {                                            \
    ::shouwang::Status status_macro_ = (expr);    \
    if (!status_macro_.is_ok()) return status_macro_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, make_x());` binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SHOUWANG_CONCAT(result_macro_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.is_ok()) return tmp.status();      \
  lhs = std::move(tmp).value()
