"""Hashes through a 3-node cluster: written through a follower, read through another node, and
carried to a wiped node by a snapshot (metadata records plus sub-keys); redis-benchmark -t hset."""
import os
import subprocess
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from cluster_harness import Cluster  # noqa: E402
from harness import Server  # noqa: E402


class ClusterHashesTest(unittest.TestCase):
    def setUp(self):
        self.c = Cluster(3, extra_args=["--log-compact-entries", "1000"]).start()

    def tearDown(self):
        self.c.cleanup()

    def test_hash_via_follower_read_elsewhere_and_survives_wipe(self):
        leader = self.c.leader()
        f1, f2 = [j for j in self.c.alive() if j != leader]
        w = self.c.client(f1)
        self.assertEqual(w.hset("h", mapping={f"f{n}": n for n in range(500)}), 500)
        self.assertEqual(w.hincrby("h", "f1", 10), 11)
        self.assertEqual(w.hdel("h", "f0", "nope"), 1)
        w.hset("gone", "x", "1")
        w.delete("gone")
        w.hset("gone", "y", "2")  # a new version: the old field must not come back
        r = self.c.client(f2)  # linearizable read through another follower
        want = {f"f{n}".encode(): str(n).encode() for n in range(1, 500)}
        want[b"f1"] = b"11"
        self.assertEqual(r.hgetall("h"), want)
        self.assertEqual(r.hlen("h"), 499)
        self.assertEqual(r.type("h"), b"hash")
        self.assertEqual(r.hgetall("gone"), {b"y": b"2"})

        # Enough entries for the log to be compacted, then a wiped node must get it by snapshot.
        p = self.c.client(leader).pipeline(transaction=False)
        for n in range(2500):
            p.hset(f"small{n % 50}", f"k{n}", n)
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
        self.assertEqual(local.hgetall("h"), want)
        self.assertEqual(local.hgetall("gone"), {b"y": b"2"})
        self.assertEqual(local.hlen("small7"), 50)
        self.assertEqual(local.dbsize(), 2 + 50 + 1500)
        self.assertIn("installed snapshot", self.c.nodes[f2].log())


class BenchmarkHsetTest(unittest.TestCase):
    def test_redis_benchmark_hset(self):
        srv = Server().start()
        try:
            out = subprocess.run(["redis-benchmark", "-p", str(srv.port), "-t", "hset", "-n", "2000", "-q"],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("HSET", out.stdout)
            self.assertNotIn("ERR", out.stdout + out.stderr)
            self.assertEqual(redis.Redis(port=srv.port).hlen("myhash"), 1)  # no -r: one field
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
