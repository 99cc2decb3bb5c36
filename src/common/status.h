// common/: small vocabulary shared by every layer (Status, Result, binary coding, checksums).
// Must not depend on any other layer or third-party library.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace redraft {

// Errors are values. A Status is either OK or a code plus a message; hot paths return it
// instead of throwing. Broken invariants are not Statuses: they abort (see REDRAFT_CHECK).
class Status {
 public:
  enum class Code { kOk = 0, kNotFound, kCorruption, kIOError, kInvalidArgument, kBusy, kAborted, kNoSpace };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }
  // The disk is full (ENOSPC, EDQUOT): recoverable by freeing space. Whoever returns it leaves
  // its state consistent and the operation retryable (see logstore/log_store.h).
  static Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T>: a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}    // NOLINT: REQUIRES: !status.ok()
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const { static const Status kOk; return ok() ? kOk : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define REDRAFT_RETURN_IF_ERROR(expr)          \
  do {                                         \
    ::redraft::Status _st = (expr);            \
    if (!_st.ok()) return _st;                 \
  } while (0)

// Invariant violated or durability lost (failed fsync): log and abort, never continue.
[[noreturn]] void Panic(const char* file, int line, const std::string& msg);
#define REDRAFT_PANIC(msg) ::redraft::Panic(__FILE__, __LINE__, (msg))
#define REDRAFT_CHECK(cond)                                                   \
  do {                                                                        \
    if (!(cond)) ::redraft::Panic(__FILE__, __LINE__, "check failed: " #cond); \
  } while (0)

}  // namespace redraft
