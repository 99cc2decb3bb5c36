// ClusterAdmin on a real libuv loop and a single-voter Raft group: the checks each command makes
// before it proposes, and CLUSTER MEET leaving the loop free while the new node does not answer.
#include "cluster/cluster_admin.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/coding.h"

namespace redraft::cluster {
namespace {

class ClusterAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    identity_.self_id = 1;
    identity_.cluster_id = "c1";
    identity_.members[1] = MemberAddr{"127.0.0.1", 7000, 17000};
    identity_.members[2] = MemberAddr{"127.0.0.1", 7001, 17001};
  }
  void TearDown() override {
    admin_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // lets a MEET worker finish
    uv_loop_close(&loop_);
  }
  void Lead() {
    raft::Config cfg;
    cfg.id = 1;
    cfg.group = 1;
    cfg.initial_conf.voters = {1, 2};
    raft_ = std::make_unique<raft::Raft>(std::move(cfg), raft::RestoredState{});
  }
  ClusterAdmin& Make(bool join = false) {
    admin_ = std::make_unique<ClusterAdmin>(
        &loop_,
        ClusterAdmin::Env{
            .raft = [this] { return raft_.get(); },
            .started = [] { return true; },
            .identity = [this]() -> const NodeIdentity& { return identity_; },
            .has_transport = [this] { return transport_; },
            .send = [this](uint64_t to, PeerKind kind, std::string payload) {
              sent_.push_back(std::to_string(to) + ":" + PeerKindName(kind) + ":" + payload);
              return true;
            },
            .set_blocked = [this](uint64_t id, bool b) { blocked_.push_back(std::to_string(id) + (b ? "+" : "-")); },
            .set_member = [this](uint64_t id, const MemberAddr& a) { identity_.members[id] = a; },
            .remove_member = [this](uint64_t id) { identity_.members.erase(id); },
            .sync_peers = [] {},
            .pump = [this] { pumps_++; },
            .adopt = [this](const std::string& id, const std::map<uint64_t, MemberAddr>& m) {
              adopted_ = id + "/" + std::to_string(m.size());
              return Status::OK();
            },
        },
        ClusterAdmin::Options{.join = join, .initial_members = {{3, MemberAddr{"127.0.0.1", 7002, 17002}}}});
    return *admin_;
  }

  uv_loop_t loop_;
  NodeIdentity identity_;
  std::unique_ptr<raft::Raft> raft_;
  std::unique_ptr<ClusterAdmin> admin_;
  bool transport_ = true;
  std::vector<std::string> sent_, blocked_;
  std::string adopted_;
  int pumps_ = 0;
};

TEST_F(ClusterAdminTest, CommandsOnAFormingNodeAreRefused) {
  ClusterAdmin& a = Make();
  std::optional<Status> meet;
  a.Meet("127.0.0.1", 1, [&](Status st) { meet = st; });
  ASSERT_TRUE(meet.has_value());  // at once: nothing was queued
  EXPECT_EQ(meet->message(), "CLUSTER MEET must be sent to the leader");
  EXPECT_EQ(a.Forget(NodeIdHex(2)).message(), "this node is still forming its cluster");
  EXPECT_EQ(a.Failover("").message(), "this node is still forming its cluster");
}

TEST_F(ClusterAdminTest, ForgetAndFailoverCheckTheNodeAndTheRole) {
  Lead();  // a follower of term 0: no leader known
  ClusterAdmin& a = Make();
  EXPECT_EQ(a.Forget("nonsense").message(), "Unknown node nonsense");
  EXPECT_EQ(a.Forget(NodeIdHex(9)).message(), "Unknown node " + NodeIdHex(9));
  EXPECT_EQ(a.Forget(NodeIdHex(2)).message(), "CLUSTER FORGET must be sent to the leader");
  EXPECT_EQ(a.Failover(NodeIdHex(9)).message(), "Unknown node " + NodeIdHex(9));
  EXPECT_EQ(a.Failover("").message(), "no leader is known");
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(pumps_, 0);
}

TEST_F(ClusterAdminTest, BlockPeerByAddressAlsoBlocksWhoeverComesThereLater) {
  ClusterAdmin& a = Make();
  ASSERT_TRUE(a.BlockPeer("127.0.0.1:7001", true).ok());
  EXPECT_EQ(blocked_, (std::vector<std::string>{"2+"}));
  EXPECT_TRUE(a.AddressBlocked(MemberAddr{"127.0.0.1", 7001, 0}));
  EXPECT_FALSE(a.AddressBlocked(MemberAddr{"127.0.0.1", 7000, 0}));
  blocked_.clear();
  ASSERT_TRUE(a.BlockPeer("*", false).ok());  // every member and configured slot but this node
  EXPECT_EQ(blocked_, (std::vector<std::string>{"2-", "3-"}));
  EXPECT_TRUE(a.AddressBlocked(MemberAddr{"127.0.0.1", 7001, 0}));  // only its own address unblocks it
  ASSERT_TRUE(a.BlockPeer("127.0.0.1:7001", false).ok());
  EXPECT_FALSE(a.AddressBlocked(MemberAddr{"127.0.0.1", 7001, 0}));
  transport_ = false;
  EXPECT_EQ(a.BlockPeer("*", true).message(), "no peer transport");
}

TEST_F(ClusterAdminTest, JoinOnlyOnAJoiningNodeAndOnlyOnce) {
  EXPECT_EQ(Make(false).Join("c2", {}).message(), "this node was not started with cluster-join yes");
  ClusterAdmin& a = Make(true);
  EXPECT_EQ(a.Join("c2", {"5", "not-an-address"}).message(), "bad member 5");
  EXPECT_TRUE(a.Join("c1", {}).ok());  // already ours: nothing to adopt
  EXPECT_EQ(adopted_, "");
  EXPECT_TRUE(a.Join("c2", {"5", "127.0.0.1:7005@17005", "6", "127.0.0.1:7006@17006"}).ok());
  EXPECT_EQ(adopted_, "c2/2");
}

TEST_F(ClusterAdminTest, AppliedConfChangesKeepTheAddressBook) {
  ClusterAdmin& a = Make();
  raft::ConfChange add;
  add.type = raft::ConfChangeType::kAddLearner;
  add.node_id = 4;
  add.context = MemberAddr{"127.0.0.1", 7004, 17004}.Encode();
  a.OnConfChangeApplied(add, 5);
  ASSERT_TRUE(identity_.members.count(4));
  EXPECT_EQ(identity_.members[4].port, 7004);
  raft::ConfChange remove;
  remove.type = raft::ConfChangeType::kRemoveNode;
  remove.node_id = 4;
  a.OnConfChangeApplied(remove, 6);
  EXPECT_FALSE(identity_.members.count(4));
  remove.node_id = 1;  // this node: removed from the group, but it still knows its own address
  a.OnConfChangeApplied(remove, 7);
  EXPECT_TRUE(identity_.members.count(1));
  a.PromoteCaughtUpLearners();  // no Raft running: nothing to do
}

// A node whose port accepts connections in the kernel but never answers: MEET's exchange waits
// for its timeout on a worker thread while the loop keeps running (here: a timer fires first).
TEST_F(ClusterAdminTest, MeetNeverBlocksTheLoop) {
  int hole = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(hole, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(hole, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(listen(hole, 8), 0);
  socklen_t len = sizeof(sa);
  getsockname(hole, reinterpret_cast<sockaddr*>(&sa), &len);

  // A leader of a single-voter group.
  raft::Config cfg;
  cfg.id = 1;
  cfg.group = 1;
  cfg.initial_conf.voters = {1};
  raft_ = std::make_unique<raft::Raft>(std::move(cfg), raft::RestoredState{});
  raft_->Campaign();
  ASSERT_EQ(raft_->role(), raft::Role::kLeader);

  ClusterAdmin& a = Make();
  std::vector<std::string> order;
  std::optional<Status> meet;
  a.Meet("127.0.0.1", ntohs(sa.sin_port), [&](Status st) {
    order.push_back("meet");
    meet = st;
  });
  EXPECT_FALSE(meet.has_value());  // Meet returned before the exchange
  uv_timer_t timer;
  uv_timer_init(&loop_, &timer);
  timer.data = &order;
  uv_timer_start(&timer, [](uv_timer_t* t) {
    static_cast<std::vector<std::string>*>(t->data)->push_back("timer");
    uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
  }, 20, 0);
  uv_run(&loop_, UV_RUN_DEFAULT);
  close(hole);
  ASSERT_TRUE(meet.has_value());
  EXPECT_FALSE(meet->ok());
  EXPECT_EQ(order, (std::vector<std::string>{"timer", "meet"}));
  EXPECT_EQ(pumps_, 0);  // nothing proposed
}

}  // namespace
}  // namespace redraft::cluster
