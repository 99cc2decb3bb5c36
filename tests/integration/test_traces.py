"""Per-request traces across a 3-node cluster (issue 13, docs/observability.md "Traces").

A client of a follower turns CLIENT TRACE ON and writes: the trace files of all three nodes
must hold spans of that one trace id from the follower it was sent to (root, prepare, forward,
reply, its own append+fsync and apply), from the leader (propose, fsync, quorum commit, apply)
and from the other follower (append+fsync, apply), all under the root span, with timestamps in
causal order. Then trace-sample-rate: exactly that fraction of a plain client's requests is
traced, deterministically; 0 traces nothing. GET /v1/traces shows a node's recent traces.
Bounded: one cluster, a few dozen requests (well under 2 minutes)."""
import json
import os
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402

from cluster_harness import Cluster  # noqa: E402
from harness import free_port  # noqa: E402


def read_spans(path):
    """All spans of a trace file: one JSON array of Zipkin v2 spans per line."""
    spans = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    spans.extend(json.loads(line))
    return spans


class TraceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(3)
        cls.http = {}
        cls.files = {i: os.path.join(cls.c.root, f"trace{i}.jsonl") for i in cls.c.nodes}
        for i, node in cls.c.nodes.items():
            cls.http[i] = free_port()
            node.args += ["--http-port", str(cls.http[i]), "--trace-file", cls.files[i]]
        cls.c.start()

    @classmethod
    def tearDownClass(cls):
        cls.c.cleanup()

    def spans_of(self, trace_id, want, timeout=10):
        """{node: [spans]} of trace_id once `want(spans_by_node)` holds (files are written per cron tick)."""
        deadline = time.time() + timeout
        while True:
            by_node = {i: [s for s in read_spans(p) if s["traceId"] == trace_id] for i, p in self.files.items()}
            if want(by_node) or time.time() > deadline:
                return by_node
            time.sleep(0.1)

    def test_forced_trace_spans_three_nodes(self):
        leader = self.c.wait_leader()
        f, other = [i for i in self.c.nodes if i != leader]
        r = self.c.client(f)
        self.assertIsNone(r.execute_command("CLIENT", "TRACE", "ID"))
        self.assertEqual(r.execute_command("CLIENT", "TRACE", "ON"), b"OK")
        self.assertTrue(r.set("traced-key", "v"))
        tid = r.execute_command("CLIENT", "TRACE", "ID").decode()
        self.assertEqual(r.execute_command("CLIENT", "TRACE", "OFF"), b"OK")
        self.assertEqual(len(tid), 16)
        names = lambda spans: {s["name"] for s in spans}  # noqa: E731
        need = {
            f: {"set", "prepare", "forward", "reply", "raft.follower_append_fsync", "raft.apply"},
            leader: {"raft.propose", "raft.leader_fsync", "raft.quorum_commit", "raft.apply"},
            other: {"raft.follower_append_fsync", "raft.apply"},
        }
        by_node = self.spans_of(tid, lambda b: all(need[i] <= names(b[i]) for i in need))
        for i in need:
            self.assertLessEqual(need[i], names(by_node[i]), f"node {i} ({'leader' if i == leader else 'follower'})")
            for s in by_node[i]:  # each node names itself
                self.assertEqual(s["localEndpoint"]["port"], self.c.ports[i])
        span = {(i, s["name"]): s for i in by_node for s in by_node[i]}
        root = span[(f, "set")]
        self.assertNotIn("parentId", root)
        self.assertEqual(root["tags"]["redraft.sampled"], "forced")
        for i in by_node:
            for s in by_node[i]:
                if s is not root:
                    self.assertEqual(s.get("parentId"), root["id"], s)
        start = lambda s: s["timestamp"]  # noqa: E731
        end = lambda s: s["timestamp"] + s["duration"]  # noqa: E731
        # Causal order (one host, one clock): the write is prepared, reaches the leader, is made
        # durable there and on a follower before it commits, is applied, then answered.
        self.assertLessEqual(start(root), start(span[(f, "prepare")]))
        self.assertLessEqual(end(span[(f, "prepare")]), start(span[(leader, "raft.propose")]))
        self.assertLessEqual(end(span[(leader, "raft.propose")]), start(span[(leader, "raft.leader_fsync")]))
        self.assertLessEqual(start(span[(leader, "raft.propose")]), start(span[(other, "raft.follower_append_fsync")]))
        first_follower_durable = min(end(span[(f, "raft.follower_append_fsync")]),
                                     end(span[(other, "raft.follower_append_fsync")]))
        self.assertLessEqual(first_follower_durable, end(span[(leader, "raft.quorum_commit")]))
        self.assertLessEqual(end(span[(leader, "raft.leader_fsync")]), end(span[(leader, "raft.quorum_commit")]))
        for i in need:
            self.assertLessEqual(start(span[(leader, "raft.propose")]), start(span[(i, "raft.apply")]))
        # The reply comes from the first apply: the leader's (its outcome frame) or the follower's own.
        self.assertLessEqual(min(start(span[(leader, "raft.apply")]), start(span[(f, "raft.apply")])),
                             end(span[(f, "forward")]))
        self.assertLessEqual(end(span[(f, "reply")]), end(root) + 1)
        # The console's route shows it on the follower, as Zipkin's GET /api/v2/traces would.
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http[f]}/v1/traces?limit=5", timeout=10) as resp:
            traces = json.load(resp)
        self.assertIn(tid, [t[0]["traceId"] for t in traces if t])
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{self.http[f]}/v1/traces?limit=0", timeout=10)
        self.assertEqual(e.exception.code, 400)

    def test_forced_trace_on_the_leader_reaches_both_followers(self):
        # Written to the leader: no forwarding, the context reaches the followers only inside the
        # AppendEntries that carry the entry.
        leader = self.c.wait_leader()
        followers = [i for i in self.c.nodes if i != leader]
        r = self.c.client(leader)
        r.execute_command("CLIENT", "TRACE", "ON")
        self.assertTrue(r.set("traced-on-leader", "v"))
        tid = r.execute_command("CLIENT", "TRACE", "ID").decode()
        r.execute_command("CLIENT", "TRACE", "OFF")
        names = lambda spans: {s["name"] for s in spans}  # noqa: E731
        need = {leader: {"set", "prepare", "raft.write", "raft.propose", "raft.leader_fsync", "raft.quorum_commit"}}
        need.update({f: {"raft.follower_append_fsync", "raft.apply"} for f in followers})
        by_node = self.spans_of(tid, lambda b: all(need[i] <= names(b[i]) for i in need))
        for i in need:
            self.assertLessEqual(need[i], names(by_node[i]), f"node {i}")
        # A transaction is one entry: EXEC's trace covers its replication like a single write's.
        r.execute_command("CLIENT", "TRACE", "ON")
        r.pipeline(transaction=True).set("tx-a", 1).incr("tx-b").execute()
        tid = r.execute_command("CLIENT", "TRACE", "ID").decode()  # EXEC's, the last traced
        r.execute_command("CLIENT", "TRACE", "OFF")
        need = {leader: {"exec", "raft.write", "raft.leader_fsync", "raft.apply"}, followers[0]: {"raft.apply"}}
        by_node = self.spans_of(tid, lambda b: all(need[i] <= names(b[i]) for i in need))
        for i in need:
            self.assertLessEqual(need[i], names(by_node[i]), f"node {i}")

    def test_traced_read_on_a_follower_shows_its_read_index_round(self):
        # A linearizable GET on a follower: its barrier asks the leader for a read index
        # (raft.read_index), waits for the local apply to reach it (raft.apply_wait), then runs
        # (read); all under the root span, in that order, inside read_barrier.
        leader = self.c.wait_leader()
        f = [i for i in self.c.nodes if i != leader][0]
        self.c.client(leader).set("read-traced", "v")
        r = self.c.client(f)
        r.execute_command("CLIENT", "TRACE", "ON")
        self.assertEqual(r.get("read-traced"), b"v")
        tid = r.execute_command("CLIENT", "TRACE", "ID").decode()
        r.execute_command("CLIENT", "TRACE", "OFF")
        need = {"get", "read_barrier", "raft.read_index", "raft.apply_wait", "read"}
        by_node = self.spans_of(tid, lambda b: need <= {s["name"] for s in b[f]})
        span = {s["name"]: s for s in by_node[f]}
        self.assertLessEqual(need, set(span), by_node)
        root = span["get"]
        for name in need - {"get"}:
            self.assertEqual(span[name]["parentId"], root["id"], name)
        start = lambda s: s["timestamp"]  # noqa: E731
        end = lambda s: s["timestamp"] + s["duration"]  # noqa: E731
        ri, aw = span["raft.read_index"], span["raft.apply_wait"]
        self.assertLessEqual(start(root), start(ri))
        self.assertLessEqual(end(ri), start(aw) + 1)  # 1 µs: Zipkin's shortest duration
        self.assertLessEqual(end(aw), end(span["read_barrier"]) + 1)
        self.assertLessEqual(end(span["read_barrier"]), start(span["read"]) + 1)
        self.assertEqual(ri["tags"]["raft.read_index"], aw["tags"]["raft.read_index"])
        self.assertGreater(int(ri["tags"]["raft.read_index"]), 0)
        self.assertEqual(ri["localEndpoint"]["port"], self.c.ports[f])
        # An untraced read leaves no read context behind (the next traced one starts clean).
        self.assertEqual(self.c.client(f).get("read-traced"), b"v")

    def test_sample_rate_is_exact_and_zero_is_off(self):
        leader = self.c.wait_leader()
        r = self.c.client(leader)
        with self.assertRaises(redis.ResponseError) as e:
            r.config_set("trace-sample-rate", "1.5")
        self.assertIn("between 0 and 1", str(e.exception))
        with self.assertRaises(redis.ResponseError):
            r.config_set("trace-sample-rate", "abc")
        before = len([s for s in read_spans(self.files[leader]) if "parentId" not in s])
        r.config_set("trace-sample-rate", "0.25")
        self.assertEqual(r.config_get("trace-sample-rate"), {"trace-sample-rate": "0.25"})
        with self.assertRaises(redis.ResponseError):  # startup-only, as logfile
            r.config_set("trace-file", "/tmp/elsewhere.jsonl")
        for n in range(20):
            r.set(f"sampled-{n}", n)
        r.config_set("trace-sample-rate", "0")
        for n in range(20):
            r.set(f"unsampled-{n}", n)
        time.sleep(0.5)  # two cron ticks: the file is complete
        roots = [s for s in read_spans(self.files[leader]) if "parentId" not in s][before:]
        # CONFIG SET and CONFIG GET between are requests too: 20 SETs + 1 CONFIG GET + the CONFIG
        # SET that turns it off = 22 requests at 1/4: exactly 5 traced, every 4th.
        self.assertEqual(len(roots), 5, [s["name"] for s in roots])
        self.assertTrue(all(s["tags"]["redraft.sampled"] == "rate" for s in roots))


if __name__ == "__main__":
    unittest.main()
