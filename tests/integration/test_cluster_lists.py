"""Lists through a 3-node cluster: written through a follower, read through another node, carried
to a wiped node by a snapshot (metadata records with head/tail plus positioned sub-keys); DEL of a
large list is O(1) (one metadata delete, the elements left to the compaction filter);
redis-benchmark's list tests against a single node."""
import os
import subprocess
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import Server  # noqa: E402


class ClusterListsTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def test_list_via_follower_read_elsewhere_and_survives_wipe(self):
        leader = self.c.leader()
        f1, f2 = [j for j in self.c.alive() if j != leader]
        w = self.c.client(f1)
        self.assertEqual(w.rpush("l", *range(300)), 300)
        self.assertEqual(w.lpush("l", "h1", "h0"), 302)
        self.assertEqual(w.linsert("l", "AFTER", "150", "mid"), 303)
        self.assertEqual(w.lrem("l", 0, "7"), 1)
        self.assertEqual(w.lpop("l"), b"h0")
        self.assertEqual(w.rpop("l", 2), [b"299", b"298"])
        self.assertTrue(w.lset("l", 0, "first"))
        self.assertEqual(w.lmove("l", "dst", "RIGHT", "LEFT"), b"297")
        self.assertEqual(w.lmpop(2, "none", "dst", direction="LEFT"), [b"dst", [b"297"]])
        w.rpush("gone", "x", "y")
        w.delete("gone")
        w.rpush("gone", "z")  # a new version: the old elements must not come back
        want = [b"first"] + [str(n).encode() for n in range(297) if n != 7]
        want.insert(want.index(b"150") + 1, b"mid")
        r = self.c.client(f2)  # linearizable read through another follower
        self.assertEqual(r.lrange("l", 0, -1), want)
        self.assertEqual(r.llen("l"), len(want))
        self.assertEqual(r.lindex("l", -1), b"296")
        self.assertEqual(r.lpos("l", "mid"), want.index(b"mid"))
        self.assertEqual(r.type("l"), b"list")
        self.assertEqual(r.lrange("gone", 0, -1), [b"z"])
        self.assertEqual(r.exists("dst"), 0)

        # Enough entries for the log to be compacted, then a wiped node must get it by snapshot.
        p = self.c.client(leader).pipeline(transaction=False)
        for n in range(2500):
            p.rpush(f"small{n % 50}", n)
        p.execute()
        self.c.kill9(f2)
        p = self.c.client(leader).pipeline(transaction=False)
        for n in range(1500):
            p.set(f"s{n}", n)
        p.execute()
        self.c.restart(f2, wipe=True)
        commit = int(self.c.raft_info(self.c.leader())["raft_commit_index"])
        self.c.wait_applied(f2, commit, timeout=30)
        local = self.c.client(f2)
        local.execute_command("READONLY")
        self.assertEqual(local.lrange("l", 0, -1), want)
        self.assertEqual(local.lrange("gone", 0, -1), [b"z"])
        self.assertEqual(local.lrange("small7", 0, -1), [str(n).encode() for n in range(7, 2500, 50)])
        self.assertEqual(local.dbsize(), 2 + 50 + 1500)
        self.assertIn("installed snapshot", self.c.nodes[f2].log())
        # The restored list keeps its positions: both ends and the middle still work there.
        w = self.c.client(f2)
        self.assertEqual(w.lpush("l", "new-head"), len(want) + 1)
        self.assertEqual(w.rpush("l", "new-tail"), len(want) + 2)
        self.assertEqual(self.c.client(f1).lrange("l", 0, 1), [b"new-head", b"first"])
        self.assertEqual(self.c.client(f1).lindex("l", -1), b"new-tail")

    def test_del_of_a_large_list_is_constant_time(self):
        c = self.c.client(self.c.leader())
        p = c.pipeline(transaction=False)
        chunk = [b"x" * 16] * 2000
        for _ in range(100):
            p.rpush("big", *chunk)
        p.execute()
        self.assertEqual(c.llen("big"), 200_000)
        c.rpush("small", "a")
        # A DEL that deleted 200,000 sub-keys in the apply batch would take far longer than a
        # one-element DEL; one metadata delete costs the same.
        t0 = time.monotonic()
        self.assertEqual(c.delete("small"), 1)
        small = time.monotonic() - t0
        t0 = time.monotonic()
        self.assertEqual(c.delete("big"), 1)
        big = time.monotonic() - t0
        self.assertLess(big, max(0.05, 10 * small), f"DEL of 200k elements took {big:.3f}s (1 element: {small:.3f}s)")
        self.assertEqual(c.llen("big"), 0)
        self.assertEqual(c.rpush("big", "fresh"), 1)
        self.assertEqual(c.lrange("big", 0, -1), [b"fresh"])


class BenchmarkListsTest(unittest.TestCase):
    def test_redis_benchmark_list_tests(self):
        srv = Server().start()
        try:
            out = subprocess.run(["redis-benchmark", "-p", str(srv.port), "-q", "-n", "2000",
                                  "-t", "lpush,rpush,lpop,rpop,lrange_100,lrange_300"],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr)
            for name in ("LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE_100", "LRANGE_300"):
                self.assertIn(name, out.stdout)
            self.assertNotIn("ERR", out.stdout + out.stderr)
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
