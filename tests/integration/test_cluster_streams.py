"""Streams through a 3-node cluster: XADD with auto and explicit IDs through every node (auto IDs
are derived at apply time from the entry's clock, so every replica holds the same IDs), identical
XRANGE on every node (local READONLY reads), IDs still increasing after a leader kill, and a wiped
node catching up by snapshot."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402


def parse(i):
    ms, seq = i.split(b"-")
    return int(ms), int(seq)


class ClusterStreamsTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def local_ranges(self, key):
        commit = int(self.c.raft_info(self.c.leader())["raft_commit_index"])
        out = []
        for j in self.c.alive():
            self.c.wait_applied(j, commit, timeout=30)
            r = self.c.client(j)
            r.execute_command("READONLY")
            out.append(r.xrange(key, "-", "+"))
        return out

    def test_xadd_through_every_node_and_a_leader_kill(self):
        ids = []
        for n in range(300):
            node = self.c.alive()[n % 3]
            ids.append(self.c.client(node).xadd("s", {"n": str(n)}))
        self.assertEqual(ids, sorted(ids, key=parse))
        self.assertEqual(len(set(ids)), 300)
        w = self.c.client(self.c.alive()[0])
        self.assertEqual(w.xadd("e", {"a": "1"}, id="5-1"), b"5-1")
        self.assertEqual(w.xadd("e", {"a": "2"}, id="5-*"), b"5-2")
        self.assertEqual(w.xdel("s", ids[10], ids[11]), 2)
        self.assertEqual(w.xtrim("s", maxlen=250, approximate=False), 48)
        ranges = self.local_ranges("s")
        self.assertEqual(len(ranges[0]), 250)
        self.assertTrue(all(r == ranges[0] for r in ranges), "replicas differ")
        self.assertEqual(ranges[0][0][0], ids[50])
        # '~' removes whole nodes (docs/streams.md, "Nodes"): the first node (100 entries, 2 XDEL'd,
        # 48 flagged by the exact trim) holds the 50 live ones; Redis answers 50 here too.
        self.assertEqual(w.xtrim("s", maxlen=200, approximate=True), 50)
        self.assertEqual(w.xtrim("s", maxlen=150, approximate=True), 0)  # the next node would pass it
        ranges = self.local_ranges("s")
        self.assertEqual(len(ranges[0]), 200)
        self.assertTrue(all(r == ranges[0] for r in ranges), "replicas differ")
        self.assertEqual(self.local_ranges("e")[0], [(b"5-1", {b"a": b"1"}), (b"5-2", {b"a": b"2"})])

        old = self.c.leader()
        self.c.kill9(old)
        self.c.wait_leader(exclude=old)
        for n in range(50):
            node = self.c.alive()[n % 2]
            ids.append(self.c.client(node).xadd("s", {"n": f"after{n}"}))
        self.assertEqual(ids, sorted(ids, key=parse))

        # Enough entries for the log to be compacted, then a wiped node catches up by snapshot.
        p = self.c.client(self.c.leader()).pipeline(transaction=False)
        for n in range(2500):
            p.xadd(f"x{n % 10}", {"k": n})
        p.execute()
        self.c.restart(old, wipe=True)
        ranges = self.local_ranges("s")
        self.assertEqual(len(ranges), 3)
        self.assertEqual(len(ranges[0]), 250)
        self.assertTrue(all(r == ranges[0] for r in ranges), "replicas differ after the snapshot")
        # The node records came with the snapshot: '~' through the wiped node trims alike everywhere.
        self.assertEqual(self.c.client(old).xtrim("s", maxlen=100, approximate=True), 100)
        ranges = self.local_ranges("s")
        self.assertTrue(all(r == ranges[0] for r in ranges) and len(ranges[0]) == 150, "replicas differ")
        self.assertTrue(all(len(x) == 250 for x in self.local_ranges("x3")))
        self.assertIn("installed snapshot", self.c.nodes[old].log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
