"""GEOSEARCHSTORE, GEORADIUS ... STORE and SORT ... STORE through a follower of a 3-node cluster:
each runs at apply on every replica over the applied state (BY/GET lookups included), so every
node holds the same stored result, byte for byte, and it equals what redis-server stores for the
same commands."""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import RawConn, RedisServer  # noqa: E402


def setup_commands(rng):
    cmds = []
    for n in range(300):
        lon, lat = 13 + rng.uniform(-2, 2), 38 + rng.uniform(-2, 2)
        cmds.append(["GEOADD", "pts", f"{lon:.6f}", f"{lat:.6f}", f"p{n}"])
    for n in range(200):
        cmds.append(["RPUSH", "l", str(n)])
        cmds.append(["SET", f"w_{n}", str(rng.randint(0, 10**6))])
        cmds.append(["HSET", f"h_{n}", "name", f"name{rng.randint(0, 10**6)}-{n}", "n", str(n)])
        cmds.append(["SADD", "s", f"m{n}"])
        cmds.append(["SET", f"w_m{n}", str(rng.random())])
    return cmds


STORES = [
    ["GEOSEARCHSTORE", "g1", "pts", "FROMLONLAT", "13.5", "38.2", "BYRADIUS", "120", "km", "ASC", "COUNT", "50"],
    ["GEOSEARCHSTORE", "g2", "pts", "FROMMEMBER", "p7", "BYBOX", "200", "150", "km", "DESC", "STOREDIST"],
    ["GEORADIUS", "pts", "12.9", "37.6", "80", "km", "STOREDIST", "g3"],
    ["GEORADIUSBYMEMBER", "pts", "p3", "60", "mi", "COUNT", "10", "STORE", "g4"],
    ["SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->name", "STORE", "s1"],
    ["SORT", "l", "BY", "h_*->name", "ALPHA", "DESC", "LIMIT", "10", "50", "GET", "w_*", "STORE", "s2"],
    ["SORT", "s", "BY", "w_*", "STORE", "s3"],
    ["SORT", "s", "BY", "nosort", "STORE", "s4"],
    ["SORT", "s", "ALPHA", "LIMIT", "0", "20", "STORE", "s5"],
]
RESULTS = [["ZRANGE", k, "0", "-1", "WITHSCORES"] for k in ("g1", "g2", "g3", "g4")] + \
          [["LRANGE", k, "0", "-1"] for k in ("s1", "s2", "s3", "s4", "s5")]


class ClusterGeoSortTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3).start()
        self.ref = RedisServer().start()

    def tearDown(self):
        self.c.cleanup()
        self.ref.cleanup()

    def test_stores_through_a_follower_are_identical_everywhere(self):
        rng = random.Random(12)
        leader = self.c.leader()
        f1 = [j for j in self.c.alive() if j != leader][0]
        ours, ref = RawConn(self.c.nodes[f1].port), RawConn(self.ref.port)
        for cmd in setup_commands(rng):
            self.assertEqual(ours.call(*cmd), ref.call(*cmd), cmd)
        for cmd in STORES:
            got, want = ours.call(*cmd), ref.call(*cmd)
            self.assertEqual(got, want, cmd)
            self.assertNotEqual(got, b":0\r\n", cmd)
        # A linearizable read of every node's state: each answers from its own applied state once
        # it has applied everything the leader committed.
        commit = int(self.c.raft_info(self.c.leader())["raft_commit_index"])
        for j in self.c.alive():
            self.c.wait_applied(j, commit, timeout=30)
            local = RawConn(self.c.nodes[j].port)
            local.call("READONLY")
            for q in RESULTS:
                self.assertEqual(local.call(*q), ref.call(*q), (j, q))
            # A read of a follower's applied state (SORT_RO, GEOSEARCH) matches too.
            self.assertEqual(local.call("SORT_RO", "l", "BY", "w_*", "GET", "h_*->n", "LIMIT", "0", "30"),
                             ref.call("SORT_RO", "l", "BY", "w_*", "GET", "h_*->n", "LIMIT", "0", "30"))
            self.assertEqual(local.call("GEOSEARCH", "pts", "FROMMEMBER", "p1", "BYRADIUS", "50", "km", "WITHDIST",
                                        "ASC"),
                             ref.call("GEOSEARCH", "pts", "FROMMEMBER", "p1", "BYRADIUS", "50", "km", "WITHDIST",
                                      "ASC"))
            local.close()
        ours.close()
        ref.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
