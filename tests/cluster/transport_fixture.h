// The PeerTransport test fixture: several transports over real loopback sockets on one uv loop.
// Every wait is bounded: RunUntil() stops the loop at a deadline.
#pragma once

#include "cluster/transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace redraft::cluster {
namespace {

constexpr char kCluster[] = "c1";

// A port that was free a moment ago (bound to 0, then released).
[[maybe_unused]] int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct Received {
  uint64_t from;
  std::string type;
  std::string payload;
};

struct Node {
  uint64_t id;
  int port;
  std::unique_ptr<PeerTransport> t;
  std::vector<Received> got;
  size_t CountFrom(uint64_t from, const std::string& type = "") const {
    size_t n = 0;
    for (const auto& r : got) n += r.from == from && (type.empty() || r.type == type);
    return n;
  }
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    opts_.reconnect_min_ms = 10;
    opts_.reconnect_max_ms = 100;
  }
  void TearDown() override {
    for (auto& [id, n] : nodes_) n->t->Close();
    nodes_.clear();
    uv_run(&loop_, UV_RUN_DEFAULT);  // runs every close callback; returns when nothing is left
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle leaked";
  }

  // Starts node `id` listening on `port` (0: any) with the given cluster id and options.
  Node* Start(uint64_t id, int port = 0, std::string cluster = kCluster, const TransportOptions* opts = nullptr) {
    auto n = std::make_unique<Node>();
    Node* raw = n.get();
    n->id = id;
    n->t = std::make_unique<PeerTransport>(
        &loop_, id, std::move(cluster),
        [raw](uint64_t from, const std::string& type, std::string&& payload) {
          raw->got.push_back(Received{from, type, std::move(payload)});
        },
        opts ? *opts : opts_);
    Status s = n->t->Listen("127.0.0.1", port);
    EXPECT_TRUE(s.ok()) << s.ToString();
    n->port = n->t->port();
    nodes_[id] = std::move(n);
    return raw;
  }
  void Stop(uint64_t id) {
    nodes_[id]->t->Close();
    nodes_.erase(id);
    for (int i = 0; i < 5; i++) uv_run(&loop_, UV_RUN_NOWAIT);  // let the closes complete
  }
  // Makes every pair of started nodes peers of each other.
  void Mesh() {
    for (auto& [a, na] : nodes_) {
      for (auto& [b, nb] : nodes_) {
        if (a != b) na->t->SetPeer(b, "127.0.0.1", nb->port);
      }
    }
  }
  // Runs the loop until pred() holds or timeout_ms passes; returns pred().
  bool RunUntil(const std::function<bool()>& pred, uint64_t timeout_ms = 10000) {
    if (pred()) return true;
    struct Ctx {
      const std::function<bool()>* pred;
      uint64_t deadline;
    } ctx{&pred, uv_now(&loop_) + timeout_ms};
    uv_timer_t timer;
    uv_timer_init(&loop_, &timer);
    timer.data = &ctx;
    uv_timer_start(&timer, [](uv_timer_t* t) {
      auto* c = static_cast<Ctx*>(t->data);
      if ((*c->pred)() || uv_now(t->loop) >= c->deadline) uv_stop(t->loop);
    }, 1, 2);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    return pred();
  }
  void RunFor(uint64_t ms) {
    uint64_t end = uv_now(&loop_) + ms;
    RunUntil([&] { return uv_now(&loop_) >= end; }, ms + 1000);
  }
  PeerTransport::PeerStats StatsOf(uint64_t node, uint64_t peer) {
    for (const auto& s : nodes_[node]->t->Stats()) {
      if (s.id == peer) return s;
    }
    ADD_FAILURE() << "no stats for " << peer;
    return {};
  }

  uv_loop_t loop_;
  TransportOptions opts_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
};

}  // namespace
}  // namespace redraft::cluster
