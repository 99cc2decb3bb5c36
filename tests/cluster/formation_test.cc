// Formation (cluster/formation.h): when a node with an empty log bootstraps, takes its place, or
// must take a new id — the rule that keeps a lost log directory from speaking as its old self.
#include "cluster/formation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

#include "raft/conf_change.h"

namespace redraft::cluster {
namespace {

MemberAddr Addr(int port, uint64_t inc = 0) { return MemberAddr{"127.0.0.1", port, port + 10000, inc}; }

std::map<uint64_t, MemberAddr> Slots() { return {{1, Addr(7001)}, {2, Addr(7002)}, {3, Addr(7003)}}; }

Probe Forming(uint64_t slot, uint64_t inc) {
  Probe p;
  p.id = slot;
  p.incarnation = inc;
  p.addr = Addr(7000 + static_cast<int>(slot), inc);
  return p;
}

Probe MemberWith(uint64_t id, std::vector<std::pair<uint64_t, uint64_t>> conf /* id, inc */) {
  Probe p;
  p.id = id;
  p.incarnation = 100 + id;
  p.member = true;
  p.leader = id;
  p.addr = Addr(7000 + static_cast<int>(id), p.incarnation);
  for (auto [mid, inc] : conf) p.conf.push_back({mid, true, Addr(7000 + static_cast<int>(mid % 1000), inc)});
  return p;
}

TEST(ProbeTest, RoundTrips) {
  Probe p = MemberWith(3, {{1, 11}, {2, 22}, {3, 33}});
  p.conf[1].voter = false;
  auto d = Probe::Decode(p.Encode());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, p);
  EXPECT_EQ(*Probe::Decode(Forming(2, 5).Encode()), Forming(2, 5));
}

TEST(ProbeTest, RefusesMalformedInput) {
  std::string good = MemberWith(3, {{1, 11}, {2, 22}}).Encode();
  for (size_t n = 0; n < good.size(); n++) EXPECT_FALSE(Probe::Decode(good.substr(0, n)).ok()) << n;
  EXPECT_FALSE(Probe::Decode(good + "x").ok());
  std::string bad_version = good;
  bad_version[0] = 2;
  EXPECT_FALSE(Probe::Decode(bad_version).ok());
  // A member count far larger than the bytes that follow is refused before anything is reserved.
  Probe p = Forming(1, 1);
  p.member = true;
  std::string huge = p.Encode();
  huge.back() = '\xff';
  huge += std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
  EXPECT_FALSE(Probe::Decode(huge).ok());
}

TEST(FormationTest, WaitsUntilEverySlotIsKnown) {
  Formation f(1, 1, 11, Slots());
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);
  f.Observe(2, Forming(2, 22));
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);  // slot 3 unheard: it may hold a cluster
  f.Observe(3, Forming(3, 33));
  Formation::Decision d = f.Decide();
  ASSERT_EQ(d.action, Formation::Action::kBootstrap);
  EXPECT_EQ(d.book.size(), 3u);
  EXPECT_EQ(d.book[1].incarnation, 11u);
  EXPECT_EQ(d.book[2].incarnation, 22u);
  EXPECT_EQ(d.book[3].incarnation, 33u);
}

TEST(FormationTest, EveryNodeWritesTheSameBootstrapEntries) {
  Formation a(1, 1, 11, Slots()), b(2, 2, 22, Slots());
  a.Observe(2, Forming(2, 22));
  a.Observe(3, Forming(3, 33));
  b.Observe(1, Forming(1, 11));
  b.Observe(3, Forming(3, 33));
  auto ea = BootstrapEntries(a.Decide().book), eb = BootstrapEntries(b.Decide().book);
  ASSERT_EQ(ea.size(), 3u);
  EXPECT_EQ(ea, eb);
  for (size_t i = 0; i < ea.size(); i++) {
    EXPECT_EQ(ea[i].index, i + 1);
    EXPECT_EQ(ea[i].term, 1u);
    EXPECT_EQ(ea[i].type, raft::EntryType::kConfChange);
    auto cc = raft::ConfChange::Decode(ea[i].data);
    ASSERT_TRUE(cc.ok());
    EXPECT_EQ(cc->type, raft::ConfChangeType::kAddNode);
    EXPECT_EQ(cc->node_id, i + 1);
    MemberAddr m;
    ASSERT_TRUE(MemberAddr::Decode(cc->context, &m));
    EXPECT_EQ(m.incarnation, (i + 1) * 11);
  }
}

TEST(FormationTest, NoBootstrapWhileAPeerWasReplacedBefore) {
  // A peer that took a new id proves a cluster existed: bootstrapping a new one would fork it.
  Formation f(1, 1, 11, Slots());
  f.Observe(2, Forming(2, 22));
  Probe replaced = Forming(3, 33);
  replaced.id = 987654;
  f.Observe(3, replaced);
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);
}

TEST(FormationTest, TakesItsPlaceWhenTheClusterBootstrappedWithIt) {
  Formation f(3, 3, 33, Slots());
  f.Observe(1, MemberWith(1, {{1, 11}, {2, 22}, {3, 33}}));
  Formation::Decision d = f.Decide();
  EXPECT_EQ(d.action, Formation::Action::kRun);
  EXPECT_EQ(d.book.size(), 3u);
}

TEST(FormationTest, AWipedNodeTakesANewIdAndIsLetInUnderIt) {
  // The cluster knows slot 2 with incarnation 22; this log directory is incarnation 99.
  Formation f(2, 2, 99, Slots());
  f.Observe(1, MemberWith(1, {{1, 11}, {2, 22}, {3, 33}}));
  ASSERT_EQ(f.Decide().action, Formation::Action::kNewId);
  f.SetSelf(4242);
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);  // not in the configuration yet
  f.Observe(1, MemberWith(1, {{1, 11}, {3, 33}}));         // the old member was removed
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);
  Probe with_learner = MemberWith(1, {{1, 11}, {3, 33}});
  with_learner.conf.push_back({4242, false, Addr(7002, 99)});
  f.Observe(1, with_learner);
  EXPECT_EQ(f.Decide().action, Formation::Action::kRun);
}

TEST(FormationTest, TheSameIdWithAnotherIncarnationIsNotUs) {
  Formation f(2, 4242, 99, Slots());
  Probe p = MemberWith(1, {{1, 11}, {3, 33}});
  p.conf.push_back({4242, true, Addr(7002, 98)});
  f.Observe(1, p);
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);
}

TEST(FormationTest, AMemberWithoutAConfigurationYetDecidesNothing) {
  // A node that took its place but has not received the log yet knows no members: it neither
  // counts as "forming" (no bootstrap) nor as a cluster that lacks us (no new id).
  Formation f(3, 3, 33, Slots());
  Probe waiting = Forming(2, 22);
  waiting.member = true;
  f.Observe(1, Forming(1, 11));
  f.Observe(2, waiting);
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);
}

TEST(FormationTest, IgnoresProbesFromUnknownSlotsAndItself) {
  Formation f(1, 1, 11, Slots());
  f.Observe(9, MemberWith(9, {{9, 1}}));
  f.Observe(1, MemberWith(1, {{5, 1}}));
  EXPECT_EQ(f.Decide().action, Formation::Action::kWait);
}

TEST(LogIdentityTest, SavesAndLoadsAndRefusesGarbage) {
  char tmpl[] = "/tmp/redraft-identity-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/IDENTITY";
  EXPECT_TRUE(LogIdentity::Load(path).status().IsNotFound());
  ASSERT_TRUE((LogIdentity{7, 1234567890123ull}).Save(path).ok());
  auto li = LogIdentity::Load(path);
  ASSERT_TRUE(li.ok());
  EXPECT_EQ(li->id, 7u);
  EXPECT_EQ(li->incarnation, 1234567890123ull);
  ASSERT_TRUE(WriteFileDurably(path, "redraft-identity 1 0 5\n").ok());
  EXPECT_FALSE(LogIdentity::Load(path).ok());
  std::system(("rm -rf " + std::string(tmpl)).c_str());
}

TEST(MemberAddrTest, IncarnationIsOptional) {
  MemberAddr a;
  ASSERT_TRUE(MemberAddr::Decode("10.0.0.1:6379@16379#ff", &a));
  EXPECT_EQ(a.incarnation, 255u);
  EXPECT_EQ(a.Encode(), "10.0.0.1:6379@16379#ff");
  ASSERT_TRUE(MemberAddr::Decode("10.0.0.1:6379", &a));
  EXPECT_EQ(a.incarnation, 0u);
  EXPECT_EQ(a.cluster_port, 16379);
  EXPECT_EQ(a.Encode(), "10.0.0.1:6379@16379");
  EXPECT_FALSE(MemberAddr::Decode("10.0.0.1:6379@16379#", &a));
  EXPECT_FALSE(MemberAddr::Decode("10.0.0.1:6379@16379#xyz", &a));
  EXPECT_TRUE(a.SameAddress(MemberAddr{"10.0.0.1", 6379, 16379, 7}));
}

}  // namespace
}  // namespace redraft::cluster
