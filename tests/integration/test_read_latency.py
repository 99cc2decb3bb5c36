"""A linearizable read does not wait for a Raft tick (issue 8, item 1).

With a long tick (500 ms), 50 sequential GETs through the leader and 50 through a follower must
complete within one tick: each read's leadership confirmation (a heartbeat round) starts at once
and its messages leave in the same loop iteration. Counted in ticks (INFO raft_ticks), not timed:
before the fix a read waited for the next tick to carry its round out, about 25 ticks per 50 GETs.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402


class ReadsDoNotWaitForATick(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--raft-tick-ms", "500", "--raft-election-ticks", "4", "--hz", "1"]).start()

    def tearDown(self):
        self.c.cleanup()

    def ticks(self, i):
        return int(self.c.raft_info(i)["raft_ticks"])

    def test_sequential_gets_finish_within_a_tick(self):
        c = self.c
        lead = c.wait_leader()
        follower = next(i for i in c.nodes if i != lead)
        c.client(lead).set("k", "v")
        for node in (lead, follower):
            r = c.client(node)
            self.assertEqual(r.get("k"), b"v")  # warm the connection and the leader's read path
            best = None
            for attempt in range(3):  # a tick may fall inside any window; the best of 3 counts
                before = self.ticks(node)
                for _ in range(50):
                    self.assertEqual(r.get("k"), b"v")
                spent = self.ticks(node) - before
                best = spent if best is None else min(best, spent)
            self.assertLessEqual(best, 1, f"node {node}: 50 GETs took {best} ticks of 500 ms")


if __name__ == "__main__":
    unittest.main(verbosity=2)
