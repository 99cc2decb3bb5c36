#include "observability/prometheus.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace redraft::observability {
namespace {

// Runs Debian's `promtool check metrics` (syntax and Prometheus's naming lint) on `text`;
// returns its output (empty when clean) and sets *rc.
std::string Promtool(const std::string& text, int* rc) {
  char path[] = "/tmp/redraft_prom_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << text;
  std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p && fgets(buf, sizeof(buf), p)) out += buf;
  int status = p ? pclose(p) : -1;
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  unlink(path);
  return out;
}

void Populate(Registry& r) {
  static int set_key, get_key, client_list_key;
  CommandStats* set = r.Command(&set_key, "set");
  set->calls = 3;
  set->usec = 300;
  set->latency_us.Observe(80);
  set->latency_us.Observe(120);
  set->latency_us.Observe(100);
  CommandStats* get = r.Command(&get_key, "get");
  get->calls = 1;
  get->failed = 1;
  get->latency_us.Observe(5);
  r.Command(&client_list_key, "client|list")->calls = 1;
  r.Error("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  r.Error("-ERR syntax error\r\n");
  r.Error("-ERR again\r\n");
  r.stage(Stage::kWriteApply).Observe(40);
  r.fsync_us.Observe(900);
  r.fsync_batch_entries.Observe(7);
  r.cluster().elections = 2;
}

// The id path (CommandSpec::id) must find the record the key path made, and the reverse: one
// command's calls are never split between two records.
TEST(Registry, CommandByIdIsTheRecordOfItsKey) {
  Registry r;
  static int set_key, get_key;
  CommandStats* by_key = r.Command(&set_key, "set");
  CommandStats* by_id = r.Command(7, &set_key, "set");
  EXPECT_EQ(by_id, by_key);
  EXPECT_EQ(r.Command(7, &set_key, "set"), by_key);  // the cached path
  CommandStats* get = r.Command(3, &get_key, "get");
  EXPECT_NE(get, by_key);
  EXPECT_EQ(r.Command(&get_key, "get"), get);
  EXPECT_EQ(r.Command(3, &get_key, "get"), get);
  by_id->calls = 2;
  r.ResetStats();  // keeps the records: cached pointers stay valid
  EXPECT_EQ(r.Command(7, &set_key, "set"), by_key);
  EXPECT_EQ(by_key->calls, 0u);
  EXPECT_EQ(by_key->name, "set");
}

TEST(Prometheus, RegistryRendersAndCounts) {
  Registry r;
  Populate(r);
  std::string text = RenderPrometheus(r);
  EXPECT_NE(text.find("redraft_commands_total{cmd=\"set\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("redraft_commands_total{cmd=\"client|list\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_command_errors_total{cmd=\"get\",kind=\"failed\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_command_duration_seconds_bucket{cmd=\"set\",le=\"0.0001\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_command_duration_seconds_bucket{cmd=\"set\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_command_duration_seconds_count{cmd=\"set\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_error_replies_total{prefix=\"ERR\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_error_replies_total{prefix=\"WRONGTYPE\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_request_stage_duration_seconds_count{op=\"write\",stage=\"apply\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("redraft_log_fsync_batch_entries_bucket{le=\"10\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_raft_elections_total 2\n"), std::string::npos);
}

TEST(Prometheus, CollectorsAddFamilies) {
  Registry r;
  int id = r.AddCollector([](PromWriter& w) {
    w.Gauge("redraft_raft_term", "Current Raft term.", 7);
    w.Family("redraft_raft_peer_match_index", "gauge", "Highest log index known replicated on each peer.");
    w.Sample("redraft_raft_peer_match_index", {{"peer", "a\"b\\c\nd"}}, 12);
  });
  std::string text = RenderPrometheus(r);
  EXPECT_NE(text.find("redraft_raft_term 7\n"), std::string::npos);
  EXPECT_NE(text.find("redraft_raft_peer_match_index{peer=\"a\\\"b\\\\c\\nd\"} 12\n"), std::string::npos);
  r.RemoveCollector(id);
  EXPECT_EQ(RenderPrometheus(r).find("redraft_raft_term"), std::string::npos);
}

TEST(Prometheus, PromtoolAcceptsTheExposition) {
  Registry r;
  Populate(r);
  r.AddCollector([](PromWriter& w) {
    w.Gauge("redraft_raft_term", "Current Raft term.", 7);
    w.Counter("redraft_connections_received_total", "Connections accepted.", 3);
  });
  int rc = -1;
  std::string out = Promtool(RenderPrometheus(r), &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "");
  // And an empty registry (a fresh node) too.
  Registry empty;
  out = Promtool(RenderPrometheus(empty), &rc);
  EXPECT_EQ(rc, 0) << out;
}

TEST(Prometheus, PromtoolCatchesABrokenName) {  // the check itself works
  int rc = -1;
  std::string out = Promtool("# HELP x a\n# TYPE x counter\nx 1\n", &rc);  // a counter without _total
  EXPECT_NE(rc, 0) << out;
}

TEST(Prometheus, Values) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(5e-6), "5e-06");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
}

}  // namespace
}  // namespace redraft::observability
