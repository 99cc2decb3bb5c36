"""Bitmaps and HyperLogLog through a 3-node cluster: written through a follower, read through
another node, and every replica's own copy of each value byte-identical (the writes are
deterministic read-modify-writes applied from the log on every node)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402


class ClusterBitsTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()

    def tearDown(self):
        self.c.cleanup()

    def local(self, i, *cmd):
        """A command against node i's own state (READONLY: no barrier, no forwarding)."""
        r = self.c.client(i)
        r.execute_command("READONLY")
        return r.execute_command(*cmd)

    def test_bits_and_hll_via_follower_identical_on_every_node(self):
        leader = self.c.leader()
        f1, f2 = [j for j in self.c.alive() if j != leader]
        w = self.c.client(f1)
        self.assertEqual(w.execute_command("SETBIT", "b", "100", "1"), 0)
        self.assertEqual(w.execute_command("SETBIT", "b", "100", "1"), 1)
        self.assertEqual(w.execute_command("BITFIELD", "b", "INCRBY", "u8", "#3", "300", "GET", "i4", "0"),
                         [44, 0])
        self.assertEqual(w.execute_command("BITOP", "NOT", "nb", "b"), 13)
        self.assertEqual(w.execute_command("PFADD", "h", *[f"e{i}" for i in range(5000)]), 1)  # dense
        self.assertEqual(w.execute_command("PFADD", "s", "a", "b", "c"), 1)  # sparse
        self.assertTrue(w.execute_command("PFMERGE", "m", "h", "s"))

        r = self.c.client(f2)  # linearizable reads through another follower
        self.assertEqual(r.execute_command("GETBIT", "b", "100"), 1)
        self.assertEqual(r.execute_command("BITCOUNT", "b"), 4)
        self.assertEqual(r.execute_command("BITPOS", "nb", "0"), 26)
        self.assertEqual(r.execute_command("BITFIELD_RO", "b", "GET", "u8", "#3"), [44])
        count = r.execute_command("PFCOUNT", "h")
        self.assertTrue(4800 < count < 5200, count)
        self.assertEqual(r.execute_command("PFCOUNT", "s"), 3)
        self.assertEqual(r.execute_command("PFCOUNT", "m"), r.execute_command("PFCOUNT", "h", "s"))

        deadline = time.time() + 20
        keys = ["b", "nb", "h", "s", "m"]
        while True:
            values = [[self.local(i, "GET", k) for k in keys] for i in self.c.alive()]
            if all(v == values[0] for v in values) and None not in values[0]:
                break
            self.assertLess(time.time(), deadline, "replicas' values differ")
            time.sleep(0.2)
        self.assertEqual(len(values[0][2]), 12304)  # dense HLL
        self.assertTrue(values[0][3].startswith(b"HYLL\x01"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
