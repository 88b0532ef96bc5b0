// plexus/status.h — errors as values.
//
// Contract:
// - Every fallible SDK call returns `Status` or `Result<T>`; no exception crosses a plugin
//   boundary. A plugin that calls code which may throw catches at its entry points.
// - A `Status` is cheap when ok (no allocation). Its message is written for the person who has
//   to act on it: what went wrong, where (file, key, tensor), and what to change.
// - `Result<T>` holds either a value or a non-ok Status, never both; reading the value of an
//   error Result is a programming error (checked, aborts with the message).
// Thread safety: values; distinct objects may be used from distinct threads freely.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace plexus {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,     // the caller (user, manifest, request) asked for something malformed
  kNotFound,            // a file, key, tensor or plugin that should exist does not
  kCorruption,          // a file's bytes contradict its own format
  kUnsupported,         // well-formed, but not something plexus (yet) does
  kFailedPrecondition,  // the system is not in a state to do this (e.g. plugin ABI mismatch)
  kResourceExhausted,   // memory, KV blocks, connections, queue depth
  kUnavailable,         // temporarily cannot serve (shutting down, overloaded)
  kIoError,             // the operating system said no
  kInternal,            // a bug in plexus or a plugin
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message);

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status failed_precondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status resource_exhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // Empty when ok.
  const std::string& message() const;
  // "InvalidArgument: <message>", or "OK".
  std::string to_string() const;

  // Returns a copy whose message is "<prefix>: <message>"; ok stays ok.
  Status with_context(std::string_view prefix) const;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) {
      v_ = Status::internal("Result constructed from an ok Status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  T& value() & {
    check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    check();
    return std::get<T>(v_);
  }
  T&& value() && {
    check();
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void check() const {
    if (!ok()) {
      std::fprintf(stderr, "plexus: value() of an error Result: %s\n",
                   std::get<Status>(v_).to_string().c_str());
      std::abort();
    }
  }
  std::variant<T, Status> v_;
};

}  // namespace plexus

#define PLEXUS_CONCAT_INNER_(a, b) a##b
#define PLEXUS_CONCAT_(a, b) PLEXUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define PLEXUS_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::plexus::Status plexus_status_ = (expr);        \
    if (!plexus_status_.ok()) return plexus_status_; \
  } while (0)

// `PLEXUS_ASSIGN_OR_RETURN(auto x, make_x());` declares x from an ok Result, or returns its Status.
#define PLEXUS_ASSIGN_OR_RETURN(lhs, expr) \
  PLEXUS_ASSIGN_OR_RETURN_IMPL_(PLEXUS_CONCAT_(plexus_result_, __LINE__), lhs, expr)
#define PLEXUS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
