"""Time is stamped by the leader (issue 7, docs/time.md).

Node 3 runs with its wall clock 60 s behind the others (an LD_PRELOAD shim, clockskew/clockskew.c). Before, a write taken by a
node converted `EX 10` into an absolute time with that node's clock and stamped the entry with
it: through the slow node the key was born expired; and after a failover to the slow node the
clock used for expiry ran 60 s backwards, so keys came back to life with their TTL grown by a
minute. Now the leader stamps every entry with max(previous entry's time, its clock), relative
expiry is applied against that stamp, and reads judge expiry with max(wall clock, applied time).
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402

SKEW_LIB = os.environ.get("REDRAFT_CLOCKSKEW_LIB", "")


@unittest.skipUnless(os.path.exists(SKEW_LIB), "REDRAFT_CLOCKSKEW_LIB (built by CMake: redraft_clockskew) is not set")
class LeaderStampedTime(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3)
        self.slow = 3
        self.c.nodes[self.slow].env = {"LD_PRELOAD": SKEW_LIB, "REDRAFT_CLOCK_SKEW_MS": "-60000"}
        self.c.start()

    def tearDown(self):
        self.c.cleanup()

    def test_ttl_does_not_depend_on_the_receiving_nodes_clock(self):
        c = self.c
        t = c.client(self.slow).time()
        self.assertLess(t[0], time.time() - 50, "the slow node's clock is not skewed: the clock-skew shim is not in effect")
        lead = c.wait_leader()
        if lead == self.slow:
            c.client(self.slow).execute_command("CLUSTER", "FAILOVER", c.node_id(1))
            lead = c.wait_leader(exclude=self.slow)
        # Written through the slow follower: the leader's time decides the expiry.
        self.assertTrue(c.client(self.slow).set("via-slow", "v", ex=10))
        pttl = c.client(lead).pttl("via-slow")
        self.assertTrue(9000 <= pttl <= 10000, f"PTTL through the leader {pttl}")
        self.assertEqual(c.client(self.slow).get("via-slow"), b"v")
        self.assertEqual(c.client(lead).expire("via-slow", 20), 1)
        self.assertTrue(19000 <= c.client(lead).pttl("via-slow") <= 20000)
        self.assertTrue(c.client(self.slow).set("px", "v", px=3000))
        self.assertTrue(c.client(self.slow).setex("setex", 30, "v"))
        self.assertTrue(29000 <= c.client(lead).pttl("setex") <= 30000)

        # Time never goes backwards: the slow node becomes leader; its expiry clock is at least the
        # last entry's time, so TTLs do not grow by 60 s and expired keys stay expired.
        c.client(self.slow).execute_command("CLUSTER", "FAILOVER")
        deadline = time.time() + 10
        while time.time() < deadline and c.leader() != self.slow:
            time.sleep(0.05)
        self.assertEqual(c.leader(), self.slow)
        pttl = c.client(self.slow).pttl("via-slow")
        self.assertTrue(0 < pttl <= 20000, f"PTTL on the slow leader {pttl}: its clock ran backwards")
        time.sleep(3.2)
        # "px" expired on the old leader's clock; it must stay expired under the slow leader.
        self.assertIsNone(c.client(self.slow).get("px"))
        self.assertEqual(c.client(self.slow).exists("px"), 0)
        # Writes through the slow leader are stamped with max(last entry's time, its clock): a
        # relative TTL set now is measured from a time no earlier than the last entry's.
        self.assertTrue(c.client(self.slow).set("after", "v", ex=100))
        for i in c.nodes:
            pttl = c.client(i).pttl("after")
            self.assertTrue(0 < pttl <= 100000, f"node {i}: PTTL {pttl}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
