// BlockedClients (server/blocking.h) against fake hooks: which proposal goes out when, and what the
// client is answered, for the cases an integration test cannot time: a timeout, CLIENT UNBLOCK or a
// disconnect while the client's pop is in the log, a wake-up that was never applied, a proposal
// that fails synchronously. docs/blocking.md.
#include "server/blocking.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "commands/command.h"
#include "store/store.h"

namespace redraft::server {
namespace {

constexpr char kNil2[] = "*-1\r\n";
constexpr char kElement[] = "*2\r\n$1\r\nk\r\n$1\r\nv\r\n";
constexpr char kNoLeader[] = "-CLUSTERDOWN The cluster is down: no leader is known\r\n";

std::string Entry(commands::Argv argv) {
  return commands::EncodeLogCommand(commands::LogCommand{1000, std::move(argv), {}});
}

struct Answer {
  uint64_t client, token;
  std::string reply;
};

class BlockingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    BlockedClients::Hooks h;
    h.propose = [this](std::string entry, uint64_t token, int) {
      proposed_.push_back(token);
      if (fail_sync_) {
        std::string r = kNoLeader;
        EXPECT_TRUE(bc_->OnApplied(token, r));
      }
      return true;
    };
    h.answer = [this](uint64_t client, uint64_t token, std::string&& reply) {
      answers_.push_back({client, token, std::move(reply)});
    };
    h.resume = [this](uint64_t client) { resumed_.push_back(client); };
    // Keys reach the registry qualified by their database ([db][key], store::QualifyKey): the
    // test's element maps are by user key, all in database 0.
    h.has_elements = [this](std::string_view key, store::ValueType type) {
      EXPECT_EQ(key.substr(0, 1), std::string(1, '\0'));
      std::string user(key.substr(1));
      return type == store::ValueType::kList ? elements_[user] : zelements_[user];
    };
    h.log_clock_ms = [] { return int64_t{2000}; };
    bc_ = std::make_unique<BlockedClients>(&loop_, std::move(h));
  }
  void TearDown() override {
    bc_->Close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  void RunLoop() { uv_run(&loop_, UV_RUN_NOWAIT); }
  // Client `id` blocks with `argv` (slot token = 100 + id) and its first pop finds nothing.
  void Park(uint64_t id, commands::Argv argv) {
    ASSERT_TRUE(bc_->Block(id, 100 + id, 2, Entry(std::move(argv))));
    std::string nil = kNil2;
    ASSERT_TRUE(bc_->OnApplied(100 + id, nil));
  }
  void Outcome(uint64_t token, std::string reply) { ASSERT_TRUE(bc_->OnApplied(token, reply)); }
  void Touch(std::string key) {
    bc_->KeysTouched({store::QualifyKey(0, key)});
    RunLoop();
  }

  uv_loop_t loop_;
  std::unique_ptr<BlockedClients> bc_;
  std::vector<uint64_t> proposed_;
  std::vector<Answer> answers_;
  std::vector<uint64_t> resumed_;
  std::map<std::string, bool> elements_, zelements_;
  bool fail_sync_ = false;
};

TEST_F(BlockingTest, FirstBlockedFirstServedOneWakeUpPerKeyAtATime) {
  Park(1, {"BLPOP", "k", "0"});
  Park(2, {"BLPOP", "k", "0"});
  EXPECT_TRUE(answers_.empty());
  Touch("k");  // nothing there yet
  EXPECT_TRUE(proposed_.empty());
  elements_["k"] = true;
  Touch("k");
  ASSERT_EQ(proposed_.size(), 1u);
  EXPECT_GE(proposed_[0], BlockedClients::kFirstToken);
  Touch("k");  // client 1's wake-up is in flight: nobody else goes
  EXPECT_EQ(proposed_.size(), 1u);
  Outcome(proposed_[0], kElement);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].client, 1u);
  EXPECT_EQ(answers_[0].token, 101u);
  EXPECT_EQ(answers_[0].reply, kElement);
  RunLoop();  // the key is looked at again: client 2 goes
  ASSERT_EQ(proposed_.size(), 2u);
  EXPECT_EQ(resumed_, std::vector<uint64_t>{1});
  // Another node's client won: client 2 parks again, and goes again on the next element.
  Outcome(proposed_[1], kNil2);
  EXPECT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(bc_->IsBlocked(2));
}

TEST_F(BlockingTest, ImmediateResultsAndErrorsAnswerAtOnce) {
  ASSERT_TRUE(bc_->Block(1, 101, 2, Entry({"BLPOP", "k", "0"})));
  Outcome(101, kElement);
  ASSERT_TRUE(bc_->Block(2, 102, 2, Entry({"BLMOVE", "a", "b", "LEFT", "RIGHT", "0"})));
  Outcome(102, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  ASSERT_TRUE(bc_->Block(3, 103, 2, Entry({"BLPOP", "k", "0"})));
  Outcome(103, kNoLeader);  // the first proposal's errors are the client's, as for any write
  ASSERT_EQ(answers_.size(), 3u);
  EXPECT_EQ(bc_->size(), 0u);
  EXPECT_FALSE(bc_->Watching("k"));
  EXPECT_FALSE(bc_->Block(4, 104, 2, Entry({"LPOP", "k"})));  // not a blocking command
}

TEST_F(BlockingTest, TimeoutWhileParkedAnswersNilInTheClientsProtocol) {
  Park(1, {"BLPOP", "k", "0.03"});
  ASSERT_TRUE(bc_->Block(2, 102, 3, Entry({"BLMPOP", "0.03", "1", "k", "LEFT"})));
  std::string nil3 = "_\r\n";
  Outcome(102, nil3);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  RunLoop();
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_[0].reply, "*-1\r\n");
  EXPECT_EQ(answers_[1].reply, "_\r\n");
  EXPECT_FALSE(bc_->Watching("k"));
}

TEST_F(BlockingTest, TimeoutWhileThePopIsInFlightWaitsForItsOutcome) {
  elements_["k"] = true;
  for (const char* outcome : {kElement, kNil2}) {
    answers_.clear();
    Park(1, {"BLPOP", "k", "0.03"});
    RunLoop();  // parking looks at its keys: k has elements, so the wake-up goes
    ASSERT_FALSE(proposed_.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    RunLoop();
    EXPECT_TRUE(answers_.empty()) << "answered before its pop's outcome";
    Outcome(proposed_.back(), outcome);
    ASSERT_EQ(answers_.size(), 1u);
    EXPECT_EQ(answers_[0].reply, outcome);  // the element if it got one, else the timeout's nil
  }
}

TEST_F(BlockingTest, ClientUnblock) {
  Park(1, {"BRPOP", "k", "0"});
  EXPECT_EQ(bc_->Unblock(1, /*error=*/false), 1);
  EXPECT_EQ(bc_->Unblock(1, false), 0);
  Park(2, {"BRPOP", "k", "0"});
  EXPECT_EQ(bc_->Unblock(2, /*error=*/true), 1);
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_[0].reply, kNil2);
  EXPECT_EQ(answers_[1].reply, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  // In flight: the outcome decides; nothing found becomes the -UNBLOCKED error.
  elements_["k"] = true;
  Park(3, {"BRPOP", "k", "0"});
  RunLoop();
  ASSERT_EQ(proposed_.size(), 1u);
  EXPECT_EQ(bc_->Unblock(3, true), 1);
  EXPECT_EQ(answers_.size(), 2u);
  Outcome(proposed_[0], kNil2);
  ASSERT_EQ(answers_.size(), 3u);
  EXPECT_EQ(answers_[2].reply, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
}

TEST_F(BlockingTest, DisconnectWhileParkedOrInFlight) {
  Park(1, {"BLPOP", "k", "0"});
  bc_->Disconnected(1);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].reply, "");  // only forgets the slot
  EXPECT_FALSE(bc_->Watching("k"));
  elements_["k"] = true;
  Park(2, {"BLPOP", "k", "0"});
  Park(3, {"BLPOP", "k", "0"});
  RunLoop();
  ASSERT_EQ(proposed_.size(), 1u);  // client 2's pop
  bc_->Disconnected(2);
  EXPECT_EQ(answers_.size(), 1u);
  Outcome(proposed_[0], kElement);  // popped for a client that is gone: lost (docs/blocking.md)
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_[1].client, 2u);
  EXPECT_EQ(answers_[1].reply, "");
  RunLoop();
  EXPECT_EQ(proposed_.size(), 2u);  // client 3 goes next
}

TEST_F(BlockingTest, WakeUpNeverAppliedStaysParkedWithoutBusyLooping) {
  elements_["k"] = true;
  fail_sync_ = true;  // no leader: every proposal is answered CLUSTERDOWN before Propose returns
  Park(1, {"BLPOP", "k", "0"});
  for (int i = 0; i < 5; i++) RunLoop();
  EXPECT_EQ(proposed_.size(), 1u);
  EXPECT_TRUE(answers_.empty());
  EXPECT_TRUE(bc_->IsBlocked(1));
  fail_sync_ = false;
  Touch("k");  // the next report (or the periodic sweep) tries again
  ASSERT_EQ(proposed_.size(), 2u);
  Outcome(proposed_[1], kElement);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].reply, kElement);
}

TEST_F(BlockingTest, AKeyWakesOnlyTheClientsOfTheTypeItHolds) {
  Park(1, {"BLPOP", "k", "0"});
  Park(2, {"BZPOPMIN", "k", "0"});
  zelements_["k"] = true;  // k became a sorted set
  Touch("k");
  ASSERT_EQ(proposed_.size(), 1u);
  Outcome(proposed_[0], "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n1\r\n");
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].client, 2u);
  EXPECT_TRUE(bc_->IsBlocked(1));
}

}  // namespace
}  // namespace redraft::server
