// SPDX-License-Identifier: Apache-2.0
// Status and Result<T>: expected failures as values (LevelDB's habit).
// Plain value types; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace kiln {

// Our own error vocabulary; only src/api/ maps it to AWS error names.
enum class ErrorCode {
  kOk = 0,
  kInvalidInput,   // the caller gave something malformed
  kNotFound,       // a named thing does not exist
  kAlreadyExists,  // a named thing exists already
  kLimitExceeded,  // a size, count or concurrency limit was reached
  kUnavailable,    // a collaborator (daemon, store) does not answer
  kIoError,        // the OS refused a read or write
  kInternal,       // a bug or an impossible state
};

// Returns a stable lower-case name ("invalid input") for messages.
const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid input: <message>", or "ok".
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.is_ok() && "a Result without a value needs an error");
  }

  bool is_ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(value_); return *value_; }
  const T& value() const& { assert(value_); return *value_; }
  T&& value() && { assert(value_); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kiln
