// hiredis (C) against the real redraft-server binary: synchronous calls, pipelining with
// binary-safe values, and error replies, as a C/C++ application would use it.
#include <hiredis/hiredis.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

namespace {

class HiredisTest : public ::testing::Test {
 protected:
  // True if nothing listens on 127.0.0.1:port (checked by binding it).
  static bool PortFree(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(fd);
    return ok;
  }

  // Starts the server on a port whose peer port (+10000) is free too; another test may grab
  // either meanwhile, so a server that exits at startup is retried on a new port.
  bool StartServer(const char* bin, std::mt19937& rng) {
    do {
      port_ = 10000 + static_cast<int>(rng() % 10000);  // 10000-19999 as harness.py: never a peer port
    } while (!PortFree(port_) || !PortFree(port_ + 10000));
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      std::string log = dir_ + "/server.log";
      execl(bin, bin, "--port", port.c_str(), "--dir", dir_.c_str(), "--logfile", log.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    timeval tv{2, 0};
    for (int i = 0; i < 200; i++) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited (port taken): try another
      }
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
      if (c && !c->err) {
        ctx_ = c;
        return true;
      }
      if (c) redisFree(c);
      usleep(50000);
    }
    return false;
  }

  void SetUp() override {
    const char* bin = std::getenv("REDRAFT_SERVER_BIN");
    ASSERT_NE(bin, nullptr) << "REDRAFT_SERVER_BIN must name the server binary";
    char tmpl[] = "/tmp/redraft-hiredis-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 5 && !ctx_; attempt++) {
      if (!StartServer(bin, rng) && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    ASSERT_NE(ctx_, nullptr) << "server did not start (last port " << port_ << ")";
    redisSetTimeout(ctx_, timeval{10, 0});
  }

  void TearDown() override {
    if (ctx_) redisFree(ctx_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server did not exit cleanly";
    }
    std::string cmd = "rm -rf " + dir_;
    (void)std::system(cmd.c_str());
  }

  std::unique_ptr<redisReply, decltype(&freeReplyObject)> Call(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    void* r = redisvCommand(ctx_, fmt, ap);
    va_end(ap);
    return {static_cast<redisReply*>(r), &freeReplyObject};
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  redisContext* ctx_ = nullptr;
};

TEST_F(HiredisTest, SetAndGetBinarySafeValue) {
  std::string value("a\0b\r\nc", 6);
  auto set = Call("SET %b %b", "bin\0key", size_t{7}, value.data(), value.size());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->type, REDIS_REPLY_STATUS);
  EXPECT_STREQ(set->str, "OK");
  auto get = Call("GET %b", "bin\0key", size_t{7});
  ASSERT_TRUE(get);
  ASSERT_EQ(get->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(get->str, get->len), value);
}

TEST_F(HiredisTest, PipelinedWritesAndReadsComeBackInOrder) {
  constexpr int kN = 1000;
  for (int i = 0; i < kN; i++) {
    redisAppendCommand(ctx_, "SET key:%d %d", i, i * 7);
    redisAppendCommand(ctx_, "INCR counter");
    redisAppendCommand(ctx_, "GET key:%d", i);
  }
  for (int i = 0; i < kN; i++) {
    void* raw;
    ASSERT_EQ(redisGetReply(ctx_, &raw), REDIS_OK);
    freeReplyObject(raw);
    ASSERT_EQ(redisGetReply(ctx_, &raw), REDIS_OK);
    auto* incr = static_cast<redisReply*>(raw);
    EXPECT_EQ(incr->type, REDIS_REPLY_INTEGER);
    EXPECT_EQ(incr->integer, i + 1);
    freeReplyObject(raw);
    ASSERT_EQ(redisGetReply(ctx_, &raw), REDIS_OK);
    auto* get = static_cast<redisReply*>(raw);
    ASSERT_EQ(get->type, REDIS_REPLY_STRING);
    EXPECT_EQ(std::string(get->str, get->len), std::to_string(i * 7));
    freeReplyObject(raw);
  }
  auto n = Call("DBSIZE");
  EXPECT_EQ(n->integer, kN + 1);
}

TEST_F(HiredisTest, ErrorsAreRepliesAndTheConnectionStaysUsable) {
  auto e = Call("INCR %s", "notanumber");
  Call("SET s abc");
  e = Call("INCR s");
  ASSERT_EQ(e->type, REDIS_REPLY_ERROR);
  EXPECT_STREQ(e->str, "ERR value is not an integer or out of range");
  auto w = Call("GET");
  ASSERT_EQ(w->type, REDIS_REPLY_ERROR);
  EXPECT_STREQ(w->str, "ERR wrong number of arguments for 'get' command");
  auto p = Call("PING");
  EXPECT_STREQ(p->str, "PONG");
}

}  // namespace
