// A fixture for command tests: a real Store in a fresh temp dir, and Run(argv), which sends a
// command down the same path the server does and returns the exact reply bytes:
//   unknown name -> UnknownCommand error; wrong argc -> WrongArity error (as the server checks);
//   reads  -> spec.execute against the store at now_ms();
//   writes -> spec.prepare (may reply with an error and stop) -> EncodeLogCommand ->
//             DecodeLogCommand -> Lookup(log argv[0])->apply on a new batch -> Commit at the next
//             index. The decoded log form is kept in last_log() for asserting rewrites.
// The clock is a plain number (set_now / advance) so expiry is tested without sleeping.
//
// Reply helpers build expected RESP2 bytes: Bulk("v") == "$1\r\nv\r\n", Int(3), Err("ERR x"),
// kOk, kNil, kEmptyBulk, Array({...}).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/command.h"
#include "store/store.h"

namespace redraft::commands::testing {

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";
inline const std::string kEmptyBulk = "$0\r\n\r\n";
inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Err(std::string_view msg) { return "-" + std::string(msg) + "\r\n"; }
inline std::string Array(std::initializer_list<std::string> items) {
  std::string s = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) s += i;
  return s;
}

// Makes a unique temp dir and removes it (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "redraft-cmdtest-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Opens a store in dir; fails the test on error.
inline std::unique_ptr<store::Store> OpenTestStore(const std::string& dir) {
  auto r = store::Store::Open(dir, store::StoreOptions{});
  if (!r.ok()) {
    ADD_FAILURE() << "Store::Open(" << dir << "): " << r.status().ToString();
    return nullptr;
  }
  return std::move(r).value();
}

// Applies a log form to store as the applier does (apply on a new batch, Commit at index);
// returns the reply bytes (proto 2).
inline std::string ApplyLog(store::Store& store, const LogCommand& log, uint64_t index,
                            int proto = 2) {
  std::string out;
  resp::ReplyBuilder reply(&out, proto);
  const CommandSpec* spec = log.argv.empty() ? nullptr : Lookup(log.argv[0]);
  if (spec == nullptr || spec->apply == nullptr) {
    ADD_FAILURE() << "log form has no apply: " << (log.argv.empty() ? "" : log.argv[0]);
    return out;
  }
  auto batch = store.NewBatch();
  ApplyContext ctx{*batch, log.now_ms, reply, index};
  spec->apply(ctx, log.argv);
  Status st = store.Commit(batch.get(), index);
  if (!st.ok()) ADD_FAILURE() << "Commit: " << st.ToString();
  return out;
}

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_.path() + "/db");
    ASSERT_NE(store_, nullptr);
  }

  // Runs one command (see the file comment) and returns its reply bytes.
  std::string Run(Argv argv) {
    std::string out;
    resp::ReplyBuilder reply(&out, proto_);
    has_log_ = false;
    const CommandSpec* spec = argv.empty() ? nullptr : Lookup(argv[0]);
    if (spec == nullptr) {
      reply.Error(UnknownCommand(argv));
      return out;
    }
    const int n = static_cast<int>(argv.size());
    if ((spec->arity > 0 && n != spec->arity) || (spec->arity < 0 && n < -spec->arity)) {
      reply.Error(WrongArity(spec->name));
      return out;
    }
    if (!spec->is_write()) {
      ExecContext ctx{*store_, now_ms_, reply, session_, nullptr};
      spec->execute(ctx, argv);
      return out;
    }
    if (spec->prepare != nullptr) {
      PrepareContext pctx{now_ms_, reply};
      if (!spec->prepare(pctx, argv)) return out;
      EXPECT_TRUE(out.empty()) << "prepare replied but returned true: " << out;
    }
    std::string entry = EncodeLogCommand(LogCommand{now_ms_, std::move(argv)});
    last_log_ = LogCommand{};
    EXPECT_TRUE(DecodeLogCommand(entry, &last_log_));
    has_log_ = true;
    std::string applied = ApplyLog(*store_, last_log_, ++index_, proto_);
    return out + applied;
  }

  // The log form of the last write Run() proposed (REQUIRES: has_log()).
  const LogCommand& last_log() const { return last_log_; }
  bool has_log() const { return has_log_; }
  const Argv& last_log_argv() const { return last_log_.argv; }

  // The stored record of key regardless of expiry, or nullopt-like false if absent.
  // Run, checking the reply (the command is named in the failure message).
  void Expect(Argv argv, const std::string& expected) {
    std::string shown;
    for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
    EXPECT_EQ(Run(std::move(argv)), expected) << "command: " << shown;
  }
  // The version of key's record (collections).
  uint64_t VersionOf(const std::string& key) {
    store::Value v;
    EXPECT_TRUE(Raw(key, &v));
    return v.version;
  }
  // (field, value) of every sub-key physically under (key, version).
  std::vector<std::pair<std::string, std::string>> SubKeyList(const std::string& key, uint64_t version) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(store().ScanSub(key, version, "", [&](std::string_view f, std::string_view v) {
      out.emplace_back(f, v);
      return true;
    }).ok());
    return out;
  }

  bool Raw(std::string_view key, store::Value* out) {
    return store_->Get(key, INT64_MIN + 1, out).ok();  // a clock before any expiry
  }

  int64_t now_ms() const { return now_ms_; }
  void set_now(int64_t ms) { now_ms_ = ms; }
  void advance(int64_t ms) { now_ms_ += ms; }
  void set_proto(int proto) { proto_ = proto; session_.proto = proto; }
  store::Store& store() { return *store_; }
  uint64_t index() const { return index_; }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  Session session_;
  int64_t now_ms_ = 1'700'000'000'000;  // 2023-11-14, fixed for reproducible log forms
  int proto_ = 2;
  uint64_t index_ = 0;
  LogCommand last_log_;
  bool has_log_ = false;
};

}  // namespace redraft::commands::testing
