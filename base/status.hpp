// Status and Result<T>: how core/ and the CLI's handlers report failure.
//
// Errors are values. The kinds are few and named by what the user can do about
// them; the CLI maps each kind to one exit code (cli/run.cpp). Messages carry
// context ("cannot open vault: wrong passphrase") and never secrets or journal text.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tend {

enum class ErrorKind {
  kUsage = 1,            // a flag or argument is wrong                      -> 64
  kInvalidInput = 2,     // input data (a file, a value) is malformed        -> 65
  kCorrupt = 3,          // the vault or a package is damaged                -> 65
  kUnsupported = 4,      // a format version this tend does not read         -> 65
  kNotFound = 5,         // missing vault, file or id                        -> 66
  kExists = 6,           // cannot create: it is already there               -> 73
  kIo = 7,               // reading or writing failed                        -> 74
  kWrongPassphrase = 8,  // the passphrase or recovery key does not unlock   -> 77
  kConsentRefused = 9,   // no live grant covers the request                 -> 77
  kVerifyFailed = 10,    // verification found tampering or a violation      -> 1
  kClockBehind = 11,     // the clock is earlier than the audit log's last entry -> 74
  kUnsafe = 12,          // the vault is writable by others, or another user's  -> 77
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  static Status ok() { return Status(); }
  static Status error(ErrorKind kind, std::string message, std::string hint = {}) {
    Status s;
    s.kind_ = kind;
    s.failed_ = true;
    s.message_ = std::move(message);
    s.hint_ = std::move(hint);
    return s;
  }

  bool is_ok() const { return !failed_; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

  // The same error with `context: ` in front of its message.
  Status with_context(const std::string& context) const;

 private:
  bool failed_ = false;
  ErrorKind kind_ = ErrorKind::kIo;
  std::string message_;
  std::string hint_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<1>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::in_place_index<0>, std::move(status)) {}  // NOLINT

  bool is_ok() const { return v_.index() == 1; }
  const Status& status() const {
    static const Status ok;
    return v_.index() == 0 ? std::get<0>(v_) : ok;
  }
  T& value() & { return std::get<1>(v_); }
  const T& value() const& { return std::get<1>(v_); }
  // By value: a reference into a temporary Result would dangle (e.g. in a range-for).
  T value() && { return std::get<1>(std::move(v_)); }
  T* operator->() { return &std::get<1>(v_); }
  const T* operator->() const { return &std::get<1>(v_); }
  T& operator*() & { return std::get<1>(v_); }
  const T& operator*() const& { return std::get<1>(v_); }
  T operator*() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<Status, T> v_;
};

inline Status usage_error(std::string m, std::string h = {}) {
  return Status::error(ErrorKind::kUsage, std::move(m), std::move(h));
}
inline Status invalid_input(std::string m, std::string h = {}) {
  return Status::error(ErrorKind::kInvalidInput, std::move(m), std::move(h));
}
inline Status corrupt(std::string m, std::string h = {}) {
  return Status::error(ErrorKind::kCorrupt, std::move(m), std::move(h));
}
inline Status not_found(std::string m, std::string h = {}) {
  return Status::error(ErrorKind::kNotFound, std::move(m), std::move(h));
}
inline Status io_error(std::string m, std::string h = {}) {
  return Status::error(ErrorKind::kIo, std::move(m), std::move(h));
}

}  // namespace tend
