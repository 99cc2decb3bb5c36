// PeerDispatch: frame names parse to kinds and back, each kind reaches its handler, and a raft
// message that lies about its sender or carries a damaged snapshot never reaches the core.
#include "cluster/peer_dispatch.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/coding.h"

namespace redraft::cluster {
namespace {

struct Recorder {
  bool running = true;
  std::vector<std::string> calls;  // "<handler>:<from>:<detail>"
  int afters = 0;

  PeerDispatch Make() {
    return PeerDispatch(PeerDispatch::Handlers{
        .raft_running = [this] { return running; },
        .raft = [this](uint64_t from, raft::Message&& m) {
          calls.push_back("raft:" + std::to_string(from) + ":" + std::to_string(m.term));
        },
        .forward = [this](uint64_t from, FwdKind k, const std::string&) {
          calls.push_back("fwd:" + std::to_string(from) + ":" + FwdKindName(k));
        },
        .snapshot = [this](uint64_t from, PeerKind k, std::string&&) {
          calls.push_back("snap:" + std::to_string(from) + ":" + PeerKindName(k));
        },
        .probe = [this](uint64_t from, PeerKind k, const std::string&) {
          calls.push_back("probe:" + std::to_string(from) + ":" + PeerKindName(k));
        },
        .transfer = [this](uint64_t target) { calls.push_back("xfer:" + std::to_string(target)); },
        .pubsub = [this](const std::string& p) { calls.push_back("pub:" + p); },
        .hints = [this](const std::string& p) { calls.push_back("hint:" + p); },
        .after = [this] { afters++; },
    });
  }
};

raft::Message Msg(uint64_t from, uint64_t term) {
  raft::Message m;
  m.type = raft::MessageType::kHeartbeat;
  m.group = 1;
  m.from = from;
  m.to = 9;
  m.term = term;
  return m;
}

TEST(PeerKinds, EveryNameRoundTripsAndTheWireNamesAreUnchanged) {
  // The names are frozen: nodes of other versions send and parse them.
  const std::vector<std::pair<PeerKind, std::string>> names = {
      {PeerKind::kRaft, "raft"},         {PeerKind::kSnapBegin, "snap-begin"}, {PeerKind::kSnapChunk, "snap-chunk"},
      {PeerKind::kSnapEnd, "snap-end"},  {PeerKind::kSnapAck, "snap-ack"},     {PeerKind::kProbe, "probe"},
      {PeerKind::kProbeReply, "probe-reply"}, {PeerKind::kJoin, "join"},       {PeerKind::kTransfer, "xfer"},
      {PeerKind::kPubsub, "pub"},        {PeerKind::kHints, "hint"},       {PeerKind::kTrace, "trace"}};
  for (const auto& [kind, name] : names) {
    EXPECT_EQ(PeerKindName(kind), name);
    auto t = ParsePeerType(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_EQ(t->kind, kind) << name;
  }
  for (const char* fwd : {"fwd", "fwdr", "fwdn", "fwdb", "fwdrb"}) {
    auto t = ParsePeerType(fwd);
    ASSERT_TRUE(t.has_value()) << fwd;
    EXPECT_EQ(t->kind, PeerKind::kForward);
    EXPECT_STREQ(FwdKindName(t->fwd), fwd);
  }
  EXPECT_FALSE(ParsePeerType("raft2").has_value());
  EXPECT_FALSE(ParsePeerType("").has_value());
}

TEST(PeerDispatch, RoutesEachKindToItsHandler) {
  Recorder r;
  PeerDispatch d = r.Make();
  d.OnFrame(2, "raft", Msg(2, 5).Encode());
  d.OnFrame(2, "fwdb", "x");
  d.OnFrame(2, "snap-chunk", "x");
  d.OnFrame(3, "probe-reply", "x");
  std::string target;
  PutVarint64(&target, 42);
  d.OnFrame(2, "xfer", std::move(target));
  d.OnFrame(2, "pub", "p");
  d.OnFrame(2, "hint", "h");
  EXPECT_EQ(r.calls, (std::vector<std::string>{"raft:2:5", "fwd:2:fwdb", "snap:2:snap-chunk", "probe:3:probe-reply",
                                               "xfer:42", "pub:p", "hint:h"}));
  // Pump follows the Raft-side frames only (raft, forward, snapshot, xfer).
  EXPECT_EQ(r.afters, 4);
}

TEST(PeerDispatch, WithoutRaftOnlyFormationPubsubAndHintsAreHandled) {
  Recorder r;
  r.running = false;
  PeerDispatch d = r.Make();
  d.OnFrame(2, "raft", Msg(2, 5).Encode());
  d.OnFrame(2, "fwdb", "x");
  d.OnFrame(2, "snap-begin", "x");
  d.OnFrame(2, "probe", "x");
  d.OnFrame(2, "join", "x");
  d.OnFrame(2, "pub", "p");
  EXPECT_EQ(r.calls, (std::vector<std::string>{"probe:2:probe", "probe:2:join", "pub:p"}));
  EXPECT_EQ(r.afters, 0);
}

TEST(PeerDispatch, DropsARaftMessageThatClaimsAnotherSender) {
  Recorder r;
  PeerDispatch d = r.Make();
  d.OnFrame(2, "raft", Msg(3, 5).Encode());  // the transport authenticated 2
  EXPECT_TRUE(r.calls.empty());
  EXPECT_EQ(r.afters, 0);
}

TEST(PeerDispatch, DropsUndecodableFramesAndADamagedSnapshot) {
  Recorder r;
  PeerDispatch d = r.Make();
  d.OnFrame(2, "raft", "garbage");
  raft::Message m = Msg(2, 5);
  m.type = raft::MessageType::kSnapshot;
  m.snapshot.emplace();
  m.snapshot->meta.index = 10;
  m.snapshot->data = "not a state";
  d.OnFrame(2, "raft", m.Encode());
  EXPECT_TRUE(r.calls.empty());
  EXPECT_EQ(r.afters, 0);
  // An unknown kind is ignored (a newer peer), but still pumps like any Raft-side frame did.
  d.OnFrame(2, "from-the-future", "x");
  EXPECT_TRUE(r.calls.empty());
  EXPECT_EQ(r.afters, 1);
}

}  // namespace
}  // namespace redraft::cluster
